import { defineConfig } from 'vite';

export default defineConfig({
	// The shelf's worker loads its parts on demand (dynamic imports): an ES module worker, not Vite's default IIFE.
	worker: { format: 'es' },
	build: { outDir: 'dist', emptyOutDir: true, target: 'es2022' }
});
