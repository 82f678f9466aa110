// The page's handle on "Try it"'s own worker (src/lib/worker/inference): started when a person asks to load a model,
// ended by Cancel or when the section goes away. onnxruntime-web is in that worker's bundle only, never the page's.
import { wrap, type Remote } from 'comlink';
import '../bridge.ts';
import { ShelfError } from '../core/errors.ts';
import { guardRemote } from './worker-guard.ts';
import type { InferenceApi } from '../worker/inference/inference-worker.ts';

/** One inference worker; `close()` ends it at once, even mid-load (the way to cancel onnxruntime's work). */
export interface InferenceWorker {
	api: Remote<InferenceApi>;
	close(): void;
}

/**
 * Starts a worker for one model. Calls pending when it is closed fail with `ABORTED`.
 * @example
 * const inference = startInference();
 * await inference.api.load(await onnxModelFiles(shelf(), tag));
 */
export function startInference(): InferenceWorker {
	// A relative URL: Vite bundles the worker from it ($lib does not resolve inside `new URL`).
	const worker = new Worker(new URL('../worker/inference/inference-worker.ts', import.meta.url), { type: 'module', name: 'try-it' });
	const api = wrap<InferenceApi>(worker);
	let abort: (error: ShelfError) => void = () => {};
	const closed = new Promise<never>((_, reject) => (abort = reject));
	// A terminated worker never answers: every call also races the close.
	const guarded = guardRemote(api, closed);
	return {
		api: guarded,
		close() {
			worker.terminate();
			abort(new ShelfError('ABORTED', 'Try it was cancelled: the model was not loaded.', {}));
		}
	};
}
