/// <reference types="vitest/config" />
import { sveltekit } from '@sveltejs/kit/vite';
import { SvelteKitPWA } from '@vite-pwa/sveltekit';
import { playwright } from '@vitest/browser-playwright';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { defineConfig, type Plugin } from 'vite';
import { buildDir } from './scripts/build-dir.mjs';
import { precompressDir } from './scripts/compress.mjs';
import { CHROMIUM_ARGS } from './scripts/ensure-tools.mjs';

/**
 * Writes .br/.gz copies of the built site for scripts/serve.mjs, after the adapter has written it (Kit's
 * adapter runs in the server build's closeBundle; `order: 'post'` comes after it and after the PWA plugin).
 */
function precompress(): Plugin {
	let ssr = false;
	return {
		name: 'shelf-precompress',
		apply: 'build',
		configResolved(config) {
			ssr = Boolean(config.build.ssr);
		},
		closeBundle: {
			sequential: true,
			order: 'post',
			async handler() {
				if (ssr) await precompressDir(buildDir);
			}
		}
	};
}

/**
 * Which build a page runs, shown in its footer: the package version and commit (SHELF_BUILD_LABEL overrides it,
 * as the update test does to make a second build of the same commit). No clock in it: builds stay reproducible.
 */
function buildLabel(): string {
	if (process.env.SHELF_BUILD_LABEL) return process.env.SHELF_BUILD_LABEL;
	const { version } = JSON.parse(readFileSync('package.json', 'utf8')) as { version: string };
	try {
		return `${version}+${execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim()}`;
	} catch {
		return version; // not a git checkout (an unpacked tarball)
	}
}

/** What a chunking hook may ask of a module (the bundler's context, as much of it as is used here). */
interface ChunkingModules {
	getModuleInfo(id: string): { isEntry: boolean; importers: readonly string[] } | null;
}

/**
 * Puts everything a worker's entry imports statically into a chunk of its own ("worker-main"). Left to itself,
 * the bundler keeps that code in the entry chunk, and a chunk loaded later with `import()` then imports the
 * entry chunk, which WebKit (WebKitGTK 2.50) evaluates a second time in the same worker: two shelves in one
 * worker, each answering every call with its own database connections and lock holder. Nothing imports an entry.
 */
function workerEntryChunks(id: string, modules: ChunkingModules): string | null {
	const info = modules.getModuleInfo(id);
	if (!info || info.isEntry) return null;
	const seen = new Set([id]);
	const pending = [...info.importers];
	while (pending.length > 0) {
		const importer = pending.pop()!;
		if (seen.has(importer)) continue;
		seen.add(importer);
		const importerInfo = modules.getModuleInfo(importer);
		if (importerInfo?.isEntry) return 'worker-main';
		pending.push(...(importerInfo?.importers ?? []));
	}
	return null;
}

export default defineConfig({
	define: { __SHELF_BUILD__: JSON.stringify(buildLabel()) },
	plugins: [
		sveltekit(),
		SvelteKitPWA({
			strategies: 'generateSW',
			registerType: 'prompt',
			// The page registers the service worker itself with workbox-window (src/lib/ui/pwa.svelte.ts).
			injectRegister: false,
			manifest: {
				name: 'Model Shelf',
				short_name: 'Model Shelf',
				description: 'An offline store for machine-learning model versions: import, find, export.',
				id: '/',
				start_url: '/',
				scope: '/',
				display: 'standalone',
				background_color: '#0f1419',
				theme_color: '#1f4e79',
				icons: [
					{ src: '/icons/icon-192.png', sizes: '192x192', type: 'image/png' },
					{ src: '/icons/icon-512.png', sizes: '512x512', type: 'image/png' },
					{ src: '/icons/maskable-512.png', sizes: '512x512', type: 'image/png', purpose: 'maskable' }
				],
				// Opening a bundle from the file manager launches the installed app at `/`, which imports it
				// (src/lib/ui/launch-files.ts). Keys are MIME types, the ones Linux desktops give these files.
				file_handlers: [
					{
						action: '/',
						accept: {
							'application/x-bentomodel': ['.bentomodel'],
							'application/zip': ['.zip'],
							'application/x-tar': ['.tar'],
							'application/x-compressed-tar': ['.tar.gz', '.tgz'],
							'application/x-xz-compressed-tar': ['.tar.xz']
						}
					}
				],
				// Sharing files to the app (Android, ChromeOS): static/share-target-sw.js answers the POST.
				// Android shares a .bentomodel as application/octet-stream, hence that type too.
				share_target: {
					action: '/share-target',
					method: 'POST',
					enctype: 'multipart/form-data',
					params: {
						files: [
							{
								name: 'bundles',
								accept: ['.bentomodel', '.zip', '.tar', '.tar.gz', '.tgz', '.tar.xz', 'application/zip', 'application/x-tar', 'application/gzip', 'application/x-xz', 'application/octet-stream']
							}
						]
					}
				},
				shortcuts: [
					{ name: 'Import bundles', short_name: 'Import', description: 'Pick model bundles to import', url: '/?import=1' },
					{ name: 'Storage', description: 'What the shelf stores and how much room is left', url: '/storage' }
				]
			},
			kit: { adapterFallback: 'index.html', spa: true },
			workbox: {
				// The sample models (issue 25, static/samples/) are precached too: they must import offline after the first
				// visit, and they are small (index.json lists their bytes); their generator's expected.json is for tests only.
				globPatterns: ['client/**/*.{js,css,html,svg,png,ico,webmanifest,wasm,json}', 'client/samples/*.{zip,bentomodel}'],
				// Offline deep links and bookmarked filters: every navigation is answered by the app shell,
				// and query strings never miss the precache (Workbox only strips utm_* and fbclid by default).
				navigateFallback: '/index.html',
				ignoreURLParametersMatching: [/.*/],
				clientsClaim: true,
				cleanupOutdatedCaches: true,
				maximumFileSizeToCacheInBytes: 8 * 1024 * 1024,
				// "Try it" (issue 23): onnxruntime-web's 15 MB .wasm is not precached (every install would download it for a
				// feature many never use); it is cached at its first use and served from there ever after, offline too.
				// Its URL is content-hashed (immutable), so cache-first never serves a stale one; the JS is precached.
				globIgnores: ['client/**/ort-wasm*.wasm', 'client/samples/expected.json'],
				runtimeCaching: [
					{
						urlPattern: /\/_app\/immutable\/.*ort-wasm[^/]*\.wasm$/,
						handler: 'CacheFirst',
						options: { cacheName: 'onnxruntime-wasm', expiration: { maxEntries: 2 }, cacheableResponse: { statuses: [200] } }
					}
				],
				// The share target's POST handler, a static file next to sw.js.
				importScripts: ['share-target-sw.js']
			}
		}),
		precompress()
	],
	// A worker's entry chunk holds its entry module alone (workerEntryChunks).
	worker: { format: 'es', rolldownOptions: { output: { codeSplitting: { groups: [{ name: workerEntryChunks, debugName: 'worker-main' }] } } } },
	test: {
		// `.only` never narrows a run unnoticed, in CI or on a laptop.
		allowOnly: false,
		projects: [
			// The pure core and the worker's Node-testable parts.
			{ extends: true, test: { name: 'unit', include: ['tests/unit/**/*.test.ts'], environment: 'node' } },
			// The worker's browser-only parts (OPFS, sync access handles, the hash worker) in Debian's Chromium,
			// headless; Playwright launches that binary and never downloads a browser.
			{
				extends: true,
				// hash-wasm is reached only from worker modules, which the dependency scan does not crawl: named here,
				// it is bundled before the first test instead of being discovered (and re-optimized) during the run.
				optimizeDeps: { include: ['comlink', 'hash-wasm'] },
				test: {
					name: 'browser',
					include: ['tests/browser/**/*.test.ts'],
					browser: {
						enabled: true,
						headless: true,
						// A failure is reported in the output; no __screenshots__ folders appear next to the tests.
						screenshotFailures: false,
						provider: playwright({
							launchOptions: {
								executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
								args: CHROMIUM_ARGS
							}
						}),
						instances: [{ browser: 'chromium' }]
					}
				}
			},
			// Sweeps too long for `npm test` (4 GiB on disk): only with SHELF_LONG=1 (`npm run test:long`).
			...(process.env.SHELF_LONG === '1' ? [{ extends: true as const, test: { name: 'long', include: ['tests/long/**/*.test.ts'], environment: 'node' } }] : [])
		]
	}
});
