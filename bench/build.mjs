// Builds the app into its own folders (build-bench/, .svelte-kit-bench/), so that the bench never
// touches the build/ other people test at the same time, then the bench-only worker into build-bench/bench/.
import { copyFileSync, existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { run } from '../scripts/setup.mjs';

export const BUILD_DIR = 'build-bench';
export const KIT_DIR = '.svelte-kit-bench';

/**
 * A fresh production build of the app plus the baseline worker; returns the folder to serve.
 * @param {{ minify?: boolean }} [options] `minify: false` keeps function names readable in CPU profiles
 */
export function buildForBench({ minify = true } = {}) {
	const env = { SHELF_BUILD_DIR: BUILD_DIR, SHELF_KIT_DIR: KIT_DIR };
	// A failed build must not leave an old one to measure (TOOLCHAIN.md §3).
	run('rm', ['-rf', BUILD_DIR]);
	run('npx', ['svelte-kit', 'sync'], env);
	run('npx', ['vite', 'build', '--logLevel', 'warn', ...(minify ? [] : ['--minify', 'false'])], env);
	restoreServiceWorker();
	run('npx', ['vite', 'build', '--config', 'bench/vite.config.ts'], env);
	return BUILD_DIR;
}

/**
 * With SHELF_KIT_DIR set, @vite-pwa/sveltekit still copies sw.js from the default `.svelte-kit/output`
 * (its own `outDir` option, which vite.config.ts leaves unset), so the service worker it generated for
 * this build stays in `<kit dir>/output/server`. Its precache list is right (it globs <kit dir>/output),
 * so put it where the adapter's output is served.
 */
function restoreServiceWorker() {
	if (existsSync(join(BUILD_DIR, 'sw.js'))) return;
	const server = join(KIT_DIR, 'output', 'server');
	const files = existsSync(server) ? readdirSync(server).filter((name) => name === 'sw.js' || /^workbox-.*\.js$/.test(name)) : [];
	if (!files.includes('sw.js')) throw new Error(`The build made no service worker (looked in ${BUILD_DIR}/ and ${server}/).`);
	for (const name of files) copyFileSync(join(server, name), join(BUILD_DIR, name));
}
