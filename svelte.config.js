import adapter from '@sveltejs/adapter-static';
import { vitePreprocess } from '@sveltejs/vite-plugin-svelte';
import { csp } from './csp.config.js';

// SHELF_BUILD_DIR writes the site elsewhere (e.g. the benchmark's own build). Kit's own folder stays
// .svelte-kit: @vite-pwa/sveltekit looks for its service worker there whatever kit.outDir says.
const pagesDir = process.env.SHELF_BUILD_DIR ?? 'build';

/** A static single-page app: every route renders in the browser, unknown paths fall back to index.html. */
/** @type {import('@sveltejs/kit').Config} */
const config = {
	preprocess: vitePreprocess(),
	compilerOptions: { runes: true },
	kit: {
		adapter: adapter({ pages: pagesDir, assets: pagesDir, fallback: 'index.html', strict: true }),
		// Workbox owns the service worker (see vite.config.ts); Kit must not register its own.
		serviceWorker: { register: false },
		alias: { $core: 'src/lib/core' },
		// Strict CSP: see csp.config.js (also sent as a header by scripts/serve.mjs).
		csp
	}
};

export default config;
