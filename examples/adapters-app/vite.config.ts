import { defineConfig } from 'vite';

export default defineConfig({
	// The shelf's worker loads its parts on demand (dynamic imports): an ES module worker, not Vite's default IIFE.
	worker: { format: 'es', rolldownOptions: { checks: { bundlerTimings: false } } },
	// bundlerTimings off and a higher size limit: TF.js's modules (about 1.4 MB in one chunk) make Rolldown report
	// its slow transforms and the chunk's size on every build.
	build: { outDir: 'dist', emptyOutDir: true, target: 'es2022', chunkSizeWarningLimit: 2000, rolldownOptions: { checks: { bundlerTimings: false } } }
});
