// The onnxruntime-web adapter (`import { createSession } from 'model-shelf/onnxruntime'`): an InferenceSession from
// a shelf version. onnxruntime-web is a peer dependency, loaded only by apps that import this entry.
import { InferenceSession } from 'onnxruntime-web';
import type { Shelf } from './index.ts';
import { onnxModelFiles, sessionFromFiles } from './onnx-session.ts';

/** Which model file to load and how: `path` is needed only when the version holds more than one `.onnx` file. */
export interface ShelfSessionOptions extends InferenceSession.SessionOptions {
	path?: string;
}

/**
 * Creates an InferenceSession from the ONNX model in a shelf version. External-data files the graph names
 * (`onnx.save_model(..., save_as_external_data=True)`) are passed as disk-backed Files, one per file, so no
 * buffer of the whole model is built in JavaScript; the graph itself (under 2 GB by protobuf's limit) is read whole.
 * @example
 * const session = await createSession(openShelf(), 'mlp@prod', { executionProviders: ['wasm'] });
 * const { y } = await session.run({ x: new Tensor('float32', [1, 2, 3, 4], [1, 4]) });
 */
export async function createSession(shelf: Shelf, reference: string, options: ShelfSessionOptions = {}): Promise<InferenceSession> {
	const { path, ...sessionOptions } = options;
	return sessionFromFiles(InferenceSession, await onnxModelFiles(shelf, reference, path), sessionOptions);
}
