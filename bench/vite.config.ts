// Builds the bench-only worker (baseline-worker.ts) into <build dir>/bench/, so that the bench page loads
// it from the app's own origin: `new Worker('/bench/baseline-worker.js', { type: 'module' })`.
// Run by bench/build.mjs after the app build; never part of the app or its precache.
import { resolve } from 'node:path';
import { defineConfig } from 'vite';

const buildDir = process.env.SHELF_BUILD_DIR ?? 'build-bench';

export default defineConfig({
	publicDir: false,
	logLevel: 'warn',
	build: {
		outDir: resolve(buildDir, 'bench'),
		emptyOutDir: true,
		target: 'es2022',
		minify: false,
		lib: { entry: { 'baseline-worker': resolve(import.meta.dirname, 'baseline-worker.ts') }, formats: ['es'] }
	}
});
