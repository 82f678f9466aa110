import adapter from '@sveltejs/adapter-static';
import { vitePreprocess } from '@sveltejs/vite-plugin-svelte';
import { csp } from './csp.config.js';
import { buildDir } from './scripts/build-dir.mjs';

// SHELF_BUILD_DIR writes the site elsewhere (scripts/build-dir.mjs). Kit's own folder stays .svelte-kit:
// @vite-pwa/sveltekit looks for its service worker there whatever kit.outDir says.

/** A static single-page app: every route renders in the browser, unknown paths fall back to index.html. */
/** @type {import('@sveltejs/kit').Config} */
const config = {
	preprocess: vitePreprocess(),
	compilerOptions: { runes: true },
	kit: {
		adapter: adapter({ pages: buildDir, assets: buildDir, fallback: 'index.html', strict: true }),
		// Workbox owns the service worker (see vite.config.ts); Kit must not register its own.
		serviceWorker: { register: false },
		alias: { $core: 'src/lib/core' },
		// The shell's own CSS goes into index.html (hashed into the CSP by Kit): no render-blocking request
		// on first load. Route CSS still loads with each route.
		inlineStyleThreshold: 20_000,
		// Strict CSP: see csp.config.js (also sent as a header by scripts/serve.mjs).
		csp
	}
};

export default config;
