// `npm run build:lib`: the shelf as an ES module package in dist-lib/ (see src/lib/library): the same client,
// worker and contract the PWA is built from. The shelf worker and the hash worker are entries of their own,
// started with `new Worker(new URL('./worker.js', import.meta.url), { type: 'module' })`: the pattern an app's
// bundler (Vite, webpack 5, esbuild) recognises and bundles, and that also works unbundled. onnxruntime-web and
// TensorFlow.js stay external: the adapters' peer dependencies, the app's choice of build (the transformers.js and
// TF.js adapters import nothing of theirs at run time; transformers.js is not even a peer).
import { defineConfig, type Plugin } from 'vite';

/** Where the sources start each worker, and the file the library ships it as. */
const WORKERS: Record<string, string> = { '../worker/index.ts': './worker.js', './hash-worker.ts': './hash-worker.js' };
const MARK = '__SHELF_WORKER_URL__';

/**
 * Keeps Vite from inlining the workers into the library (it would emit them with an absolute `/assets/` URL
 * marked @vite-ignore, which the app's bundler then neither rewrites nor copies): each worker URL becomes a
 * marker before Vite sees it, and a plain `new URL('./worker.js', import.meta.url)` again in the final files.
 */
function workersAsEntries(): Plugin {
	return {
		name: 'shelf-workers-as-entries',
		enforce: 'pre',
		transform(code) {
			let out = code;
			for (const [from, to] of Object.entries(WORKERS)) out = out.replaceAll(`new URL('${from}', import.meta.url)`, `${MARK}(${JSON.stringify(to)})`);
			return out === code ? null : out;
		},
		generateBundle(_options, bundle) {
			for (const chunk of Object.values(bundle)) {
				if (chunk.type === 'chunk') chunk.code = chunk.code.replace(new RegExp(`${MARK}\\((["'\`])(.+?)\\1\\)`, 'g'), 'new URL("$2",import.meta.url)');
			}
		}
	};
}

export default defineConfig({
	// Only the library: no SvelteKit, no PWA, no public/ copy.
	publicDir: false,
	plugins: [workersAsEntries()],
	build: {
		outDir: 'dist-lib',
		emptyOutDir: true,
		target: 'es2022',
		lib: {
			entry: {
				index: 'src/lib/library/index.ts',
				onnxruntime: 'src/lib/library/onnxruntime.ts',
				transformers: 'src/lib/library/transformers.ts',
				tfjs: 'src/lib/library/tfjs.ts',
				worker: 'src/lib/worker/index.ts',
				'hash-worker': 'src/lib/worker/blobs/hash-worker.ts'
			},
			formats: ['es']
		},
		rollupOptions: {
			external: [/^onnxruntime-web(\/.*)?$/, /^@tensorflow\//],
			// Every file in one folder, so each `./worker.js` URL resolves next to the file that holds it.
			output: { entryFileNames: '[name].js', chunkFileNames: '[name]-[hash].js' }
		}
	}
});
