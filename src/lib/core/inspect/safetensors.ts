// Node + browser: pure TypeScript, no DOM, no idb, no OPFS.
//
// Reads a safetensors header (huggingface/safetensors README "Format", and the checks its Rust reader
// makes in `safetensors/src/tensor.rs`): an 8-byte little-endian length N, N bytes of JSON starting with
// `{`, then the byte buffer. Sorted by offsets, the tensors must tile the buffer exactly: the first at 0,
// each starting where the previous ended ("cannot contain holes", which rules out polyglot files), each
// exactly elements × dtype bits / 8 bytes long, the last ending at the file's end. Only the header is read.
// Sharded models name their shards in `*.safetensors.index.json`: see readSafetensorsIndex.
import { decodeUtf8 } from '../bundle/zip-format.ts';
import type { RandomAccessSource } from '../byte-streams.ts';
import { DEFAULT_READ_LIMITS, type ReadLimits, type TensorInfo } from './inspect-types.ts';
import { safetensorsError as _error, SAFETENSORS_DTYPE_BITS, scanJsonDepth } from './safetensors-rules.ts';


/** What {@link readSafetensors} answers. */
export interface SafetensorsHeader {
	format: 'safetensors';
	/** `__metadata__` (string → string; a null-prototype record: keys come from the file). */
	metadata: Record<string, string>;
	/** In file order (by offset); `dtype` as the file writes it (`F32`, `BF16`, `F8_E4M3`, …). */
	tensors: TensorInfo[];
	/** N, the JSON header's length. */
	headerLength: number;
	/** Where the byte buffer starts (8 + N); each tensor's byteRange is already absolute. */
	dataOffset: number;
}

/** What {@link readSafetensorsIndex} answers. */
export interface SafetensorsIndex {
	/** Tensor name → shard file name, as the index writes it. */
	weightMap: Record<string, string>;
	/** The shard files the index names, each once, in order of first mention. */
	shards: string[];
	/** `metadata.total_size` (bytes of all tensors), when given. */
	totalSize: number | null;
	/** The index's `metadata` object as written (null-prototype record). */
	metadata: Record<string, unknown>;
}

/**
 * Reads a safetensors file's header and tensor table without reading its weights.
 * @param source the file
 * @param limits bounds on header bytes, tensors and JSON nesting
 * @example
 * const header = await readSafetensors(blobSource(file));
 * header.tensors.map((tensor) => `${tensor.name} ${tensor.dtype} [${tensor.shape}]`);
 */
export async function readSafetensors(source: RandomAccessSource, limits: ReadLimits = {}): Promise<SafetensorsHeader> {
	const { maxHeaderBytes, maxTensors, maxDepth } = { ...DEFAULT_READ_LIMITS, ...limits };
	if (source.size < 8) throw _error('truncated', `The safetensors file is ${source.size} bytes, too short to hold its 8-byte header length.`, { offset: 0 });
	const prefix = await source.read(0, 8);
	const view = new DataView(prefix.buffer, prefix.byteOffset, prefix.byteLength);
	const length = view.getUint32(0, true) + view.getUint32(4, true) * 2 ** 32;
	if (length > source.size - 8) {
		throw _error('truncated', `The safetensors header claims ${length} bytes but the file has only ${source.size - 8} after its length. It may be cut short, or not be safetensors.`, { offset: 0, found: String(length) });
	}
	if (length > maxHeaderBytes) throw _error('too-large', `The safetensors header is ${length} bytes, more than the ${maxHeaderBytes} read.`, { offset: 0, limit: maxHeaderBytes, found: String(length) });
	const bytes = await source.read(8, length);
	if (bytes.length < length) throw _error('truncated', 'The safetensors file ended while its header was read.', { offset: 8 + bytes.length });
	if (bytes[0] !== 0x7b) throw _error('bad-json', 'The safetensors header must start with "{". The file is damaged or not safetensors.', { offset: 8 });
	scanJsonDepth(bytes, maxDepth);

	const json = _parseJson(bytes);
	const dataOffset = 8 + length;
	const names = Object.keys(json).filter((name) => name !== '__metadata__');
	if (names.length > maxTensors) throw _error('too-many', `The safetensors header lists ${names.length} tensors, more than the ${maxTensors} read.`, { limit: maxTensors, found: String(names.length) });
	const entries = names.map((name) => _readTensor(name, json[name]));
	entries.sort((a, b) => a.begin - b.begin || a.end - b.end);
	_checkTiling(entries, source.size - dataOffset);
	return {
		format: 'safetensors',
		metadata: _readMetadata(json['__metadata__']),
		tensors: entries.map(({ info, begin, end }) => ({ ...info, byteRange: [dataOffset + begin, dataOffset + end] })),
		headerLength: length,
		dataOffset
	};
}

/**
 * Reads a sharded model's `*.safetensors.index.json`: which shard holds each tensor, and the shards named.
 * @param text the index file's text
 * @param limits `maxHeaderBytes` bounds the text's length, `maxTensors` the weight map
 * @example
 * const index = readSafetensorsIndex(await file.text());
 * const missing = index.shards.filter((shard) => !paths.has(shard));
 */
export function readSafetensorsIndex(text: string, limits: ReadLimits = {}): SafetensorsIndex {
	const { maxHeaderBytes, maxTensors } = { ...DEFAULT_READ_LIMITS, ...limits };
	const indexError = (reason: string, message: string, found?: string) => _error(reason, message, found === undefined ? {} : { found });
	if (text.length > maxHeaderBytes) throw _error('too-large', `The safetensors index is ${text.length} characters, more than the ${maxHeaderBytes} read.`, { limit: maxHeaderBytes });
	let json: unknown;
	try {
		json = JSON.parse(text);
	} catch (error) {
		throw _error('bad-json', `The safetensors index is not JSON: ${(error as Error).message}`);
	}
	if (!_isObject(json) || !_isObject(json['weight_map'])) throw indexError('bad-index', 'The safetensors index has no "weight_map" object naming each tensor\'s shard.');
	const metadata = json['metadata'] === undefined ? {} : json['metadata'];
	if (!_isObject(metadata)) throw indexError('bad-index', 'The safetensors index\'s "metadata" is not an object.');
	const map = json['weight_map'];
	const names = Object.keys(map);
	if (names.length > maxTensors) throw _error('too-many', `The safetensors index maps ${names.length} tensors, more than the ${maxTensors} read.`, { limit: maxTensors, found: String(names.length) });
	const weightMap: Record<string, string> = Object.create(null) as Record<string, string>;
	const shards = new Set<string>();
	for (const name of names) {
		const shard = map[name];
		if (typeof shard !== 'string') throw indexError('bad-index', `The safetensors index maps "${name}" to something other than a file name.`, name);
		// Shards sit beside the index; a name that climbs out of the folder or is absolute is not one of them.
		if (shard === '' || shard.startsWith('/') || shard.split(/[/\\]/).includes('..')) throw indexError('bad-path', `The safetensors index names the shard "${shard}", which is not a file beside it.`, shard);
		weightMap[name] = shard;
		shards.add(shard);
	}
	const total = metadata['total_size'];
	return { weightMap, shards: [...shards], totalSize: typeof total === 'number' && Number.isSafeInteger(total) && total >= 0 ? total : null, metadata: Object.assign(Object.create(null) as Record<string, unknown>, metadata) };
}

// ---------------------------------------------------------------------------------------------

interface _Entry {
	info: TensorInfo;
	begin: number;
	end: number;
	/** Bytes the dtype and shape call for. */
	bytes: number;
}

function _parseJson(bytes: Uint8Array): Record<string, unknown> {
	const text = decodeUtf8(bytes);
	if (text === null) throw _error('bad-utf8', 'The safetensors header is not valid UTF-8.', { offset: 8 });
	let json: unknown;
	try {
		json = JSON.parse(text);
	} catch (error) {
		throw _error('bad-json', `The safetensors header is not JSON: ${(error as Error).message}`, { offset: 8 });
	}
	if (!_isObject(json)) throw _error('bad-json', 'The safetensors header is JSON but not an object of tensors.', { offset: 8 });
	return json;
}

function _readTensor(name: string, value: unknown): _Entry {
	if (!_isObject(value)) throw _error('bad-tensor', `The safetensors entry "${name}" is not an object with dtype, shape and data_offsets.`, { found: name });
	const { dtype, shape, data_offsets: offsets } = value;
	const bits = typeof dtype === 'string' ? SAFETENSORS_DTYPE_BITS.get(dtype) : undefined;
	if (bits === undefined) throw _error('bad-dtype', `The safetensors tensor "${name}" has the unknown dtype ${JSON.stringify(dtype)}.`, { found: String(dtype) });
	if (!Array.isArray(shape) || !shape.every(_isCount)) throw _error('bad-shape', `The safetensors tensor "${name}" has a shape that is not a list of whole numbers.`, { found: JSON.stringify(shape) });
	const [begin, end] = Array.isArray(offsets) && offsets.length === 2 && offsets.every(_isCount) ? (offsets as [number, number]) : [-1, -1];
	if (begin < 0 || end < begin) {
		throw _error('bad-offsets', `The safetensors tensor "${name}" needs data_offsets [begin, end] with begin ≤ end.`, { found: JSON.stringify(offsets) });
	}
	const elements = (shape as number[]).reduce((product, dim) => product * dim, 1);
	const totalBits = elements * bits;
	if (!Number.isSafeInteger(totalBits)) throw _error('too-large', `The safetensors tensor "${name}" claims more elements than any file holds.`, { found: JSON.stringify(shape) });
	if (totalBits % 8 !== 0) throw _error('size-mismatch', `The safetensors tensor "${name}" (${dtype}) does not fill a whole number of bytes.`, { found: JSON.stringify(shape) });
	return { info: { name, dtype: dtype as string, shape: shape as number[], elements }, begin, end, bytes: totalBits / 8 };
}

/** The tensors, sorted by offset, must tile [0, dataLength) exactly: no overlap, no hole, right sizes. */
function _checkTiling(entries: _Entry[], dataLength: number): void {
	let expected = 0;
	for (const { info, begin, end, bytes } of entries) {
		if (end > dataLength) {
			throw _error('out-of-range', `The safetensors tensor "${info.name}" ends at data offset ${end}, past the data's end (${dataLength} bytes). The file may be cut short: copy it again.`, { found: String(end), limit: dataLength });
		}
		if (end - begin !== bytes) throw _error('size-mismatch', `The safetensors tensor "${info.name}" (${info.dtype}, shape [${info.shape.join(', ')}]) needs ${bytes} bytes but its offsets span ${end - begin}.`, { found: `${begin}..${end}` });
		if (begin < expected) throw _error('overlap', `The safetensors tensor "${info.name}" starts at data offset ${begin}, inside the tensor before it. The file is damaged.`, { found: String(begin) });
		if (begin > expected) throw _error('gap', `The safetensors data has unindexed bytes at ${expected}..${begin} (before "${info.name}"); the format forbids holes.`, { found: `${expected}..${begin}` });
		expected = end;
	}
	if (expected !== dataLength) throw _error('trailing-bytes', `The safetensors file has ${dataLength - expected} bytes after its last tensor; the format forbids unindexed data.`, { found: String(dataLength - expected) });
}

function _readMetadata(value: unknown): Record<string, string> {
	const metadata: Record<string, string> = Object.create(null) as Record<string, string>;
	if (value === undefined || value === null) return metadata;
	if (!_isObject(value)) throw _error('bad-metadata', 'The safetensors __metadata__ is not an object of strings.');
	for (const [key, text] of Object.entries(value)) {
		if (typeof text !== 'string') throw _error('bad-metadata', `The safetensors __metadata__ value for "${key}" is not a string; the format allows strings only.`, { found: key });
		metadata[key] = text;
	}
	return metadata;
}

function _isObject(value: unknown): value is Record<string, unknown> {
	return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function _isCount(value: unknown): value is number {
	return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}
