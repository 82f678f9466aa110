// How a shelf version becomes an onnxruntime-web InferenceSession, written once for the library's adapter
// (onnxruntime.ts) and the app's "Try it" worker (src/lib/worker/inference): which files to hand over (read in the
// page, as disk-backed Files), and creating the session from them (where onnxruntime runs). No value import of
// onnxruntime-web here: each caller passes the build it loaded (the adapter the app's, "Try it" the wasm-only one).
import type { InferenceSession } from 'onnxruntime-web';
import { ShelfError } from '../core/errors.ts';
import type { FileHeader } from '../core/inspect/inspect-file.ts';
import type { VersionRecord } from '../worker/contract.ts';

/** The part of the shelf's API that finds a version's model files (the page's `shelf()` and the library's `openShelf()`). */
export interface ShelfFileSource {
	get(request: { tag: string }): Promise<VersionRecord>;
	inspect(request: { tag: string; path: string }): Promise<FileHeader>;
	readFile(request: { tag: string; path: string }): Promise<File>;
}

/** An ONNX model as stored files: the graph and every external-data file it names, as disk-backed Files. */
export interface OnnxModelFiles {
	tag: string;
	path: string;
	model: File;
	/** `path` as the graph names it (relative to the graph's folder). */
	externalData: { path: string; data: File }[];
}

/** onnxruntime-web's `InferenceSession` class, from whichever of its builds the caller loaded. */
export type InferenceSessionFactory = Pick<typeof InferenceSession, 'create'>;

/**
 * Finds the ONNX model in a version and reads it and its external-data files as disk-backed Files (no bytes copied).
 * @param shelf the shelf's API
 * @param reference `name`, `name:version` or `name@alias`
 * @param wanted the `.onnx` file, needed only when the version holds several
 * @throws NOT_FOUND (no `.onnx` file, an external-data file missing), UNSUPPORTED (several `.onnx` files, not ONNX)
 */
export async function onnxModelFiles(shelf: ShelfFileSource, reference: string, wanted?: string): Promise<OnnxModelFiles> {
	const record = await shelf.get({ tag: reference });
	const path = wanted ?? _onlyOnnxFile(record.tag, record.files.map((file) => file.path));
	const header = await shelf.inspect({ tag: record.tag, path });
	if (header.format !== 'onnx') {
		throw new ShelfError('UNSUPPORTED', `"${path}" in ${record.tag} is not an ONNX model (it reads as ${header.format}): pass the .onnx file as { path }.`, { kind: 'not-onnx', name: path });
	}
	const folder = path.includes('/') ? path.slice(0, path.lastIndexOf('/') + 1) : '';
	const locations = [...new Set(header.header.externalData.map((external) => external.location))];
	const missing = locations.filter((location) => !record.files.some((file) => file.path === folder + location));
	if (missing.length > 0) {
		throw new ShelfError('NOT_FOUND', `${path} in ${record.tag} keeps weights in ${missing.join(', ')}, which the version does not hold: save the external-data files with the model.`, { tag: record.tag, path: folder + missing[0] });
	}
	const read = (file: string) => shelf.readFile({ tag: record.tag, path: file });
	const externalData = await Promise.all(locations.map(async (location) => ({ path: location, data: await read(folder + location) })));
	return { tag: record.tag, path, model: await read(path), externalData };
}

/**
 * Creates the session from {@link onnxModelFiles}' Files: external data goes as Files (onnxruntime reads each
 * itself, no buffer of the whole model is built); the graph is read whole (under 2 GB by protobuf's limit).
 * @param runtime onnxruntime-web's `InferenceSession`
 * @param files the model's Files
 * @param options session options (execution providers, …)
 * @throws BAD_MODEL_FILE (`runtime-refused`) when onnxruntime cannot load the model
 */
export async function sessionFromFiles(runtime: InferenceSessionFactory, files: OnnxModelFiles, options: InferenceSession.SessionOptions = {}): Promise<InferenceSession> {
	const model = new Uint8Array(await files.model.arrayBuffer());
	try {
		return await runtime.create(model, { ...options, ...(files.externalData.length > 0 ? { externalData: files.externalData } : {}) });
	} catch (error) {
		const reason = error instanceof Error ? error.message : String(error);
		throw new ShelfError('BAD_MODEL_FILE', `onnxruntime-web could not load ${files.path} from ${files.tag}: ${reason} (check the model's opset and operators against this onnxruntime-web build).`, { format: 'onnx', reason: 'runtime-refused', path: files.path }, { cause: error });
	}
}

function _onlyOnnxFile(tag: string, paths: string[]): string {
	const models = paths.filter((path) => path.toLowerCase().endsWith('.onnx'));
	if (models.length === 1) return models[0]!;
	if (models.length === 0) throw new ShelfError('NOT_FOUND', `${tag} holds no .onnx file: pick a version with an ONNX model, or pass its file as { path }.`, { tag });
	throw new ShelfError('UNSUPPORTED', `${tag} holds ${models.length} .onnx files (${models.join(', ')}): pass the one to load as { path }.`, { kind: 'several-onnx' });
}
