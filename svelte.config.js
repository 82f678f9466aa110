import adapter from '@sveltejs/adapter-static';
import { vitePreprocess } from '@sveltejs/vite-plugin-svelte';

/** A static single-page app: every route renders in the browser, unknown paths fall back to index.html. */
/** @type {import('@sveltejs/kit').Config} */
const config = {
	preprocess: vitePreprocess(),
	compilerOptions: { runes: true },
	kit: {
		adapter: adapter({ fallback: 'index.html', strict: true }),
		// Workbox owns the service worker (see vite.config.ts); Kit must not register its own.
		serviceWorker: { register: false },
		alias: { $core: 'src/lib/core' }
	}
};

export default config;
