import { defineConfig } from '@playwright/test';
import { CHROMIUM_ARGS } from './scripts/ensure-tools.mjs';

// The suite runs against the production build served as a static site (scripts/serve.mjs).
// The browser is Debian's Chromium found by scripts/ensure-tools.mjs; Playwright downloads nothing.
const port = Number(process.env.SHELF_PORT ?? 4321);
const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export default defineConfig({
	testDir: 'tests/e2e',
	fullyParallel: false,
	workers: 2,
	timeout: 60_000,
	// `.only` never narrows a run unnoticed, in CI or on a laptop.
	forbidOnly: true,
	// Tests that need CDP's quota override to reach IndexedDB, which Chromium 150 (Debian's, December 2026) does
	// not do (156 does): `npm run test:quota-indexeddb` runs them, and fails there if the browser cannot.
	grepInvert: process.env.SHELF_INDEXEDDB_QUOTA === '1' ? undefined : /@indexeddb-quota-override/,
	reporter: process.env.CI ? 'list' : [['list']],
	use: {
		baseURL: `http://localhost:${port}`,
		browserName: 'chromium',
		launchOptions: {
			executablePath: chromiumPath,
			args: CHROMIUM_ARGS
		}
	},
	webServer: {
		command: `node scripts/serve.mjs`,
		env: { PORT: String(port) },
		url: `http://localhost:${port}/`,
		reuseExistingServer: false,
		timeout: 30_000
	}
});
