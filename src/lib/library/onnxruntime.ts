// The onnxruntime-web adapter (`import { createSession } from 'model-shelf/onnxruntime'`): an InferenceSession from
// a shelf version. onnxruntime-web is a peer dependency, loaded only by apps that import this entry.
import { InferenceSession } from 'onnxruntime-web';
import { ShelfError } from '../core/errors.ts';
import type { Shelf } from './index.ts';

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
	const { path: wanted, ...sessionOptions } = options;
	const record = await shelf.resolve(reference);
	const path = wanted ?? _onlyOnnxFile(record.tag, record.files.map((file) => file.path));
	const header = await shelf.inspect({ tag: record.tag, path });
	if (header.format !== 'onnx') {
		throw new ShelfError('UNSUPPORTED', `"${path}" in ${record.tag} is not an ONNX model (it reads as ${header.format}): pass the .onnx file as { path }.`, { kind: 'not-onnx', name: path });
	}
	const folder = path.includes('/') ? path.slice(0, path.lastIndexOf('/') + 1) : '';
	const locations = [...new Set(header.header.externalData.map((reference) => reference.location))];
	const missing = locations.filter((location) => !record.files.some((file) => file.path === folder + location));
	if (missing.length > 0) {
		throw new ShelfError('NOT_FOUND', `${path} in ${record.tag} keeps weights in ${missing.join(', ')}, which the version does not hold: save the external-data files with the model.`, { tag: record.tag, path: folder + missing[0] });
	}
	const externalData = await Promise.all(locations.map(async (location) => ({ path: location, data: await shelf.file(record.tag, folder + location) })));
	const model = new Uint8Array(await (await shelf.file(record.tag, path)).arrayBuffer());
	try {
		return await InferenceSession.create(model, { ...sessionOptions, ...(externalData.length > 0 ? { externalData } : {}) });
	} catch (error) {
		const reason = error instanceof Error ? error.message : String(error);
		throw new ShelfError('BAD_MODEL_FILE', `onnxruntime-web could not load ${path} from ${record.tag}: ${reason} (check the model's opset and operators against this onnxruntime-web build).`, { format: 'onnx', reason: 'runtime-refused', path }, { cause: error });
	}
}

function _onlyOnnxFile(tag: string, paths: string[]): string {
	const models = paths.filter((path) => path.toLowerCase().endsWith('.onnx'));
	if (models.length === 1) return models[0]!;
	if (models.length === 0) throw new ShelfError('NOT_FOUND', `${tag} holds no .onnx file: pick a version with an ONNX model, or pass its file as { path }.`, { tag });
	throw new ShelfError('UNSUPPORTED', `${tag} holds ${models.length} .onnx files (${models.join(', ')}): pass the one to load as { path }.`, { kind: 'several-onnx' });
}
