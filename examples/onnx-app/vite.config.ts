import { defineConfig } from 'vite';

export default defineConfig({
	// The shelf's worker loads its parts on demand (dynamic imports): an ES module worker, not Vite's default IIFE.
	worker: { format: 'es' },
	// bundlerTimings off: onnxruntime-web's 400 kB module makes Rolldown report its slow transforms on every build.
	build: { outDir: 'dist', emptyOutDir: true, target: 'es2022', rolldownOptions: { checks: { bundlerTimings: false } } }
});
