// Builds the app into its own folder (build-bench/), so that the bench never touches the build/
// other people test, then the bench-only worker into build-bench/bench/.
import { run } from '../scripts/setup.mjs';

export const BUILD_DIR = 'build-bench';

/**
 * A fresh production build of the app plus the baseline worker; returns the folder to serve.
 * @param {{ minify?: boolean }} [options] `minify: false` keeps function names readable in CPU profiles
 */
export function buildForBench({ minify = true } = {}) {
	const env = { SHELF_BUILD_DIR: BUILD_DIR };
	// A failed build must not leave an old one to measure (TOOLCHAIN.md §3).
	run('rm', ['-rf', BUILD_DIR]);
	run('npx', ['svelte-kit', 'sync'], env);
	run('npx', ['vite', 'build', '--logLevel', 'warn', ...(minify ? [] : ['--minify', 'false'])], env);
	run('npx', ['vite', 'build', '--config', 'bench/vite.config.ts'], env);
	return BUILD_DIR;
}
