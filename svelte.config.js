import adapter from '@sveltejs/adapter-static';
import { vitePreprocess } from '@sveltejs/vite-plugin-svelte';

// SHELF_BUILD_DIR / SHELF_KIT_DIR let two builds run side by side (e.g. parallel work on one machine).
const pagesDir = process.env.SHELF_BUILD_DIR ?? 'build';
const kitDir = process.env.SHELF_KIT_DIR ?? '.svelte-kit';

/** A static single-page app: every route renders in the browser, unknown paths fall back to index.html. */
/** @type {import('@sveltejs/kit').Config} */
const config = {
	preprocess: vitePreprocess(),
	compilerOptions: { runes: true },
	kit: {
		adapter: adapter({ pages: pagesDir, assets: pagesDir, fallback: 'index.html', strict: true }),
		outDir: kitDir,
		// Workbox owns the service worker (see vite.config.ts); Kit must not register its own.
		serviceWorker: { register: false },
		alias: { $core: 'src/lib/core' }
	}
};

export default config;
