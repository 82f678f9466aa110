// Node + browser: pure TypeScript, no DOM, no idb, no OPFS.
//
// One entry point for "what is this file?": the format is told by the file's name and first bytes, then the
// format's own reader gives its header. A file of no known model format is `unknown`, never an error.

import type { RandomAccessSource } from '../byte-streams.ts';
import { decodeUtf8 } from '../bundle/zip-format.ts';
import { ShelfError } from '../errors.ts';
import { readGguf, type GgufHeader } from './gguf.ts';
import { DEFAULT_READ_LIMITS, type ReadLimits, type TensorInfo } from './inspect-types.ts';
import { readHfConfig, readKeras, readTfjsModel, type HfConfigFacts, type KerasFacts, type TfjsModel } from './model-json.ts';
import { npyTensor, readNpy, readNpz } from './npy.ts';
import { readOnnx, type OnnxHeader } from './onnx.ts';
import { scanPickle, type PickleScanResult } from './pickle-scan.ts';
import { readPytorchCheckpoint, type PytorchCheckpoint } from './pytorch.ts';
import { readSafetensors, readSafetensorsIndex, type SafetensorsHeader, type SafetensorsIndex } from './safetensors.ts';

/** One file's header, by format. */
export type FileHeader =
	| { format: 'safetensors'; header: SafetensorsHeader }
	| { format: 'safetensors-index'; index: SafetensorsIndex }
	| { format: 'gguf'; header: GgufHeader }
	| { format: 'onnx'; header: OnnxHeader }
	| { format: 'pytorch'; checkpoint: PytorchCheckpoint }
	| { format: 'pickle'; scan: PickleScanResult }
	| { format: 'npy' | 'npz'; tensors: TensorInfo[] }
	| { format: 'hf-config'; config: HfConfigFacts }
	| { format: 'tfjs'; model: TfjsModel }
	| { format: 'keras'; keras: KerasFacts }
	| { format: 'unknown' };

/** Which reader a file goes to, from its name and its first bytes. */
export type FileFormat = FileHeader['format'];

/**
 * Tells a file's model format by its name and its first bytes (magic numbers win over names).
 * @param path the file's path in its version
 * @param head the file's first bytes (8 are enough)
 * @example
 * formatOf('model.safetensors', head); // 'safetensors'
 */
export function formatOf(path: string, head: Uint8Array): FileFormat {
	const name = path.slice(path.lastIndexOf('/') + 1).toLowerCase();
	const ascii = String.fromCharCode(...head.subarray(0, 6));
	if (ascii.startsWith('GGUF')) return 'gguf';
	if (ascii === '\x93NUMPY') return 'npy';
	const zip = ascii.startsWith('PK\x03\x04');
	if (zip && name.endsWith('.npz')) return 'npz';
	if (zip && name.endsWith('.keras')) return 'keras';
	if (zip && /\.(pt|pth|bin|ckpt)$/.test(name)) return 'pytorch';
	if (name.endsWith('.safetensors.index.json')) return 'safetensors-index';
	if (name.endsWith('.safetensors')) return 'safetensors';
	if (name.endsWith('.onnx')) return 'onnx';
	if (name === 'config.json') return 'hf-config';
	if (name === 'model.json') return 'tfjs';
	// Protocol 2+ pickles start with PROTO (0x80); older ones are named for what they are.
	if ((head[0] === 0x80 && head[1]! >= 2 && head[1]! <= 5) || /\.(pkl|pickle|joblib)$/.test(name)) return 'pickle';
	return 'unknown';
}

/**
 * Reads one file's header, by its format; the weights are never read.
 * @param path the file's path in its version
 * @param source its bytes
 * @param limits read limits (header bytes also bound a pickle or JSON file read whole)
 * @throws ShelfError `BAD_MODEL_FILE` (or `BAD_BUNDLE` for a damaged zip container) with the reason
 */
export async function inspectFile(path: string, source: RandomAccessSource, limits: ReadLimits = {}): Promise<FileHeader> {
	const format = formatOf(path, await source.read(0, 8));
	switch (format) {
		case 'safetensors':
			return { format, header: await readSafetensors(source, limits) };
		case 'safetensors-index':
			return { format, index: readSafetensorsIndex(await _text(source, path, format, limits), limits) };
		case 'gguf':
			return { format, header: await readGguf(source, limits) };
		case 'onnx':
			return { format, header: await readOnnx(source, { ...limits, path }) };
		case 'pytorch':
			return { format, checkpoint: await readPytorchCheckpoint(source, limits) };
		case 'pickle':
			return { format, scan: scanPickle(await _whole(source, path, format, limits), { limits }) };
		case 'npy':
			return { format, tensors: [npyTensor(path, await readNpy(source, { ...limits, path }))] };
		case 'npz':
			return { format, tensors: await readNpz(source, { ...limits, path }) };
		case 'hf-config':
			return { format, config: readHfConfig(await _text(source, path, format, limits), path) };
		case 'tfjs':
			return { format, model: readTfjsModel(await _text(source, path, format, limits), path, limits) };
		case 'keras':
			return { format, keras: await readKeras(source, path) };
		case 'unknown':
			return { format };
	}
}

// ---------------------------------------------------------------------------------------------------

/** The whole file, when it is small enough to be a header (a pickle, a JSON file). */
async function _whole(source: RandomAccessSource, path: string, format: string, limits: ReadLimits): Promise<Uint8Array> {
	const limit = limits.maxHeaderBytes ?? DEFAULT_READ_LIMITS.maxHeaderBytes;
	if (source.size > limit) {
		throw new ShelfError('BAD_MODEL_FILE', `${path} is ${source.size} bytes; a ${format} file is read whole, and only up to ${limit} bytes. Hint: it was not inspected.`, { format, reason: 'too-large', path, limit });
	}
	return source.read(0, source.size);
}

async function _text(source: RandomAccessSource, path: string, format: string, limits: ReadLimits): Promise<string> {
	const text = decodeUtf8(await _whole(source, path, format, limits));
	if (text === null) throw new ShelfError('BAD_MODEL_FILE', `${path} is not UTF-8 text. Hint: it may be damaged.`, { format, reason: 'bad-utf8', path });
	return text;
}
