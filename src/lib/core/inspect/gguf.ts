// Node + browser: pure TypeScript, no DOM, no idb, no OPFS.
//
// Reads a GGUF (v2, v3) header, per ggml `docs/gguf.md`: magic, version, counts, every metadata key/value
// (arrays of any type, nested to `maxDepth`), and the tensor table with each tensor's byte range. Only the
// header is read, a chunk at a time; the weights never are. A vocabulary array keeps its length and first
// items only, and its remaining strings are stepped over by their length prefixes.
// Rules beyond the layout follow ggml's own reader (`src/gguf.cpp`): no duplicate keys or tensor names,
// `general.alignment` a u32 power of two, at most 4 dims, a row length that is a whole number of blocks.
import type { RandomAccessSource } from '../byte-streams.ts';
import { DEFAULT_READ_LIMITS, type ReadLimits, type TensorInfo } from './inspect-types.ts';
import { GgufCursor, ggufError } from './gguf-cursor.ts';
import { GGML_TYPES, GGUF_VALUE_SIZE, GGUF_VALUE_TYPE, ggufFileTypeName } from './gguf-types.ts';

/** A metadata value: 64-bit integers past 2^53 stay exact as bigint. */
export type GgufValue = number | bigint | boolean | string | GgufArray;

/** An array value: its length always, its items whole when short, else its first few. */
export interface GgufArray {
	/** The items' value type: `UINT32`, `STRING`, `ARRAY`, … */
	itemType: string;
	length: number;
	items: GgufValue[];
	/** True when `items` holds only the first {@link GGUF_ARRAY_PREVIEW} of `length` (or fewer, see {@link GGUF_ARRAY_ITEMS_KEPT}). */
	truncated: boolean;
}

/** What {@link readGguf} answers. */
export interface GgufHeader {
	format: 'gguf';
	version: number;
	/** Every key/value, in file order (a null-prototype record: keys come from the file). */
	metadata: Record<string, GgufValue>;
	/** In file order; `shape` as the file writes it, fastest dimension first (ggml `ne`). */
	tensors: TensorInfo[];
	/** `general.architecture`, e.g. `llama`. */
	architecture: string | null;
	/** `<architecture>.context_length`. */
	contextLength: number | null;
	/** `general.file_type` by name, e.g. `MOSTLY_Q4_K_M`. */
	fileType: string | null;
	tokenizer: { model: string | null; tokens: number | null };
	/** `general.alignment`, or 32 when absent. */
	alignment: number;
	/** Where the tensor data starts in the file. */
	dataOffset: number;
	/** How far the header reaches (where the tensor table ends). */
	headerBytes: number;
}

/** Arrays up to this length are kept whole (per-layer hyperparameters); longer ones keep a preview. */
export const GGUF_ARRAY_KEEP_ALL = 256;
/** Items kept from a longer array (a vocabulary's first tokens). */
export const GGUF_ARRAY_PREVIEW = 8;
/**
 * Array items kept in all, so that arrays of arrays (256 of 256 of …) cannot make millions of values out
 * of a few MiB; past it, arrays keep their length only.
 */
export const GGUF_ARRAY_ITEMS_KEPT = 100_000;

/**
 * Reads a GGUF file's header and tensor table without reading its weights.
 * @param source the file
 * @param limits bounds on header bytes, tensors and array nesting
 * @example
 * const header = await readGguf(blobSource(file));
 * console.log(header.architecture, header.contextLength, header.fileType); // 'llama' 4096 'MOSTLY_Q4_K_M'
 */
export async function readGguf(source: RandomAccessSource, limits: ReadLimits = {}): Promise<GgufHeader> {
	const { maxHeaderBytes, maxTensors, maxDepth } = { ...DEFAULT_READ_LIMITS, ...limits };
	const cursor = new GgufCursor(source, maxHeaderBytes);
	const { version, tensorCount, kvCount } = await _readPreamble(cursor, maxTensors);

	const metadata: Record<string, GgufValue> = Object.create(null) as Record<string, GgufValue>;
	const arrays: _ArrayState = { maxDepth, budget: GGUF_ARRAY_ITEMS_KEPT };
	cursor.expectRoom(kvCount, 8 + 1 + 4 + 1, 'metadata keys');
	for (let i = 0; i < kvCount; i++) {
		const at = cursor.position;
		const key = (await cursor.string(true, 65_535))!;
		if (key === '') throw ggufError('bad-key', `GGUF metadata key ${i} is empty.`, { offset: at });
		if (key in metadata) throw ggufError('duplicate', `The GGUF metadata has the key "${key}" twice.`, { offset: at, found: key });
		if (!cursor.has(4)) await cursor.fill(4);
		const type = cursor.u32();
		if (key === 'general.alignment' && type !== GGUF_VALUE_TYPE.UINT32) throw ggufError('bad-alignment', 'The GGUF key general.alignment must be a u32.', { offset: at });
		metadata[key] = (await _readValue(cursor, type, true, 0, arrays))!;
	}
	const alignment = _alignment(metadata['general.alignment']);

	cursor.expectRoom(tensorCount, 8 + 1 + 4 + 4 + 8, 'tensors');
	const names = new Set<string>();
	const raw: Array<{ info: TensorInfo; offset: number; bytes: number }> = [];
	for (let i = 0; i < tensorCount; i++) {
		const entry = await _readTensorInfo(cursor);
		if (names.has(entry.info.name)) throw ggufError('duplicate', `The GGUF file lists the tensor "${entry.info.name}" twice.`, { found: entry.info.name });
		names.add(entry.info.name);
		raw.push(entry);
	}
	const headerBytes = cursor.position;
	const dataOffset = _alignUp(headerBytes, alignment);
	const tensors = _placeTensors(raw, dataOffset, alignment, source.size);

	const architecture = _string(metadata['general.architecture']);
	const fileTypeId = metadata['general.file_type'];
	const vocabulary = metadata['tokenizer.ggml.tokens'];
	return {
		format: 'gguf',
		version,
		metadata,
		tensors,
		architecture,
		contextLength: architecture === null ? null : _number(metadata[`${architecture}.context_length`]),
		fileType: typeof fileTypeId === 'number' ? ggufFileTypeName(fileTypeId) : null,
		tokenizer: { model: _string(metadata['tokenizer.ggml.model']), tokens: _isArray(vocabulary) ? vocabulary.length : null },
		alignment,
		dataOffset,
		headerBytes
	};
}

// ---------------------------------------------------------------------------------------------

interface _ArrayState {
	maxDepth: number;
	/** Array items that may still be kept. */
	budget: number;
}

const _VALUE_TYPE_NAMES = new Map<number, string>(Object.entries(GGUF_VALUE_TYPE).map(([name, id]) => [id, name]));

async function _readPreamble(cursor: GgufCursor, maxTensors: number): Promise<{ version: number; tensorCount: number; kvCount: number }> {
	await cursor.fill(4);
	const magic = [cursor.u8(), cursor.u8(), cursor.u8(), cursor.u8()];
	if (String.fromCharCode(...magic) !== 'GGUF') throw ggufError('bad-magic', 'This is not a GGUF file: it does not start with "GGUF".', { offset: 0, found: magic.map((byte) => byte.toString(16).padStart(2, '0')).join('') });
	await cursor.fill(20);
	const version = cursor.u32();
	if (version !== 2 && version !== 3) {
		// A big-endian file reads its small version number byte-swapped (ggml says the same).
		const swapped = (version >>> 24) | ((version >>> 8) & 0xff00);
		const found = version > 0xffff && (swapped === 2 || swapped === 3) ? `big-endian v${swapped}` : `v${version}`;
		throw ggufError('unsupported-version', `This GGUF file is ${found}; only little-endian v2 and v3 are read. Convert it again with a current llama.cpp.`, { offset: 4, found });
	}
	const tensorCount = cursor.u64();
	const kvCount = cursor.u64();
	if (typeof tensorCount === 'bigint' || tensorCount > maxTensors) {
		throw ggufError('too-many', `The GGUF header claims ${tensorCount} tensors, more than the ${maxTensors} read.`, { offset: 8, limit: maxTensors, found: String(tensorCount) });
	}
	if (typeof kvCount === 'bigint') throw ggufError('too-many', `The GGUF header claims ${kvCount} metadata keys. The file is damaged or not GGUF.`, { offset: 16, found: String(kvCount) });
	return { version, tensorCount, kvCount };
}

/** Reads (or with `keep` false, steps over) one value of `type`; answers null when not kept. */
async function _readValue(cursor: GgufCursor, type: number, keep: boolean, depth: number, arrays: _ArrayState): Promise<GgufValue | null> {
	if (type === GGUF_VALUE_TYPE.STRING) return cursor.string(keep);
	if (type !== GGUF_VALUE_TYPE.ARRAY) {
		const size = GGUF_VALUE_SIZE.get(type);
		if (size === undefined) throw ggufError('bad-type', `The GGUF header has a value of unknown type ${type}.`, { offset: cursor.position, found: String(type) });
		if (!keep) {
			cursor.skip(size);
			return null;
		}
		if (!cursor.has(size)) await cursor.fill(size);
		return cursor.scalar(type);
	}
	if (depth + 1 > arrays.maxDepth) throw ggufError('too-deep', `GGUF arrays nest deeper than ${arrays.maxDepth} levels.`, { offset: cursor.position, limit: arrays.maxDepth });
	if (!cursor.has(12)) await cursor.fill(12);
	const at = cursor.position;
	const itemType = cursor.u32();
	const length = cursor.u64();
	const itemTypeName = _VALUE_TYPE_NAMES.get(itemType);
	if (itemTypeName === undefined) throw ggufError('bad-type', `A GGUF array at byte ${at} has items of unknown type ${itemType}.`, { offset: at, found: String(itemType) });
	if (typeof length === 'bigint') throw ggufError('too-many', `A GGUF array at byte ${at} claims ${length} items.`, { offset: at, found: String(length) });
	const fixedSize = GGUF_VALUE_SIZE.get(itemType);
	cursor.expectRoom(length, fixedSize ?? (itemType === GGUF_VALUE_TYPE.STRING ? 8 : 12), 'array items');

	const kept = keep ? Math.min(length <= GGUF_ARRAY_KEEP_ALL ? length : GGUF_ARRAY_PREVIEW, arrays.budget) : 0;
	arrays.budget -= kept;
	const items: GgufValue[] = [];
	for (let i = 0; i < kept; i++) items.push((await _readValue(cursor, itemType, true, depth + 1, arrays))!);
	const rest = length - kept;
	if (fixedSize !== undefined) cursor.skip(rest * fixedSize);
	else if (itemType === GGUF_VALUE_TYPE.STRING) await cursor.skipStrings(rest);
	else for (let i = 0; i < rest; i++) await _readValue(cursor, itemType, false, depth + 1, arrays);
	return keep ? { itemType: itemTypeName, length, items, truncated: kept < length } : null;
}

async function _readTensorInfo(cursor: GgufCursor): Promise<{ info: TensorInfo; offset: number; bytes: number }> {
	const at = cursor.position;
	const name = (await cursor.string(true, 65_535))!;
	if (!cursor.has(4)) await cursor.fill(4);
	const nDims = cursor.u32();
	if (nDims > 4) throw ggufError('bad-shape', `The GGUF tensor "${name}" has ${nDims} dimensions; at most 4 are valid.`, { offset: at, found: String(nDims) });
	await cursor.fill(8 * nDims + 4 + 8);
	const shape: number[] = [];
	let elements = 1;
	for (let d = 0; d < nDims; d++) {
		const dim = cursor.u64();
		elements *= Number(dim);
		if (typeof dim === 'bigint' || !Number.isSafeInteger(elements)) throw ggufError('too-large', `The GGUF tensor "${name}" claims more elements than any file holds.`, { offset: at, found: String(dim) });
		shape.push(dim);
	}
	const typeId = cursor.u32();
	const offset = cursor.u64();
	const type = GGML_TYPES.get(typeId);
	if (type === undefined) throw ggufError('bad-dtype', `The GGUF tensor "${name}" has ggml type ${typeId}, which is unknown or no longer valid in a file.`, { offset: at, found: String(typeId) });
	if ((shape[0] ?? 1) % type.blockSize !== 0) {
		throw ggufError('bad-shape', `The GGUF tensor "${name}" (${type.name}) has rows of ${shape[0]} elements, not a whole number of ${type.blockSize}-element blocks.`, { offset: at, found: shape.join('x') });
	}
	if (typeof offset === 'bigint') throw ggufError('out-of-range', `The GGUF tensor "${name}" starts past any file's end.`, { offset: at, found: String(offset) });
	return { info: { name, dtype: type.name, shape, elements }, offset, bytes: (elements / type.blockSize) * type.typeSize };
}

/** Gives each tensor its absolute byte range, refusing misaligned, overlapping or out-of-file data. */
function _placeTensors(raw: Array<{ info: TensorInfo; offset: number; bytes: number }>, dataOffset: number, alignment: number, fileSize: number): TensorInfo[] {
	for (const { info, offset, bytes } of raw) {
		if (offset % alignment !== 0) throw ggufError('misaligned', `The GGUF tensor "${info.name}" starts at data offset ${offset}, not a multiple of the alignment ${alignment}.`, { offset: dataOffset + offset, found: String(offset) });
		const end = dataOffset + offset + bytes;
		if (end > fileSize) {
			throw ggufError('out-of-range', `The GGUF tensor "${info.name}" ends at byte ${end}, past the file's end (${fileSize} bytes). The file may be cut short: copy it again.`, { offset: dataOffset + offset, limit: fileSize, found: String(end) });
		}
		info.byteRange = [dataOffset + offset, end];
	}
	// Empty tensors take no bytes, so they share an offset with their neighbour without overlapping it.
	const byStart = raw.map((entry) => entry.info).filter((info) => info.byteRange![1] > info.byteRange![0]);
	byStart.sort((a, b) => a.byteRange![0] - b.byteRange![0]);
	for (let i = 1; i < byStart.length; i++) {
		const [previous, next] = [byStart[i - 1]!, byStart[i]!];
		if (next.byteRange![0] < previous.byteRange![1]) {
			throw ggufError('overlap', `The GGUF tensors "${previous.name}" and "${next.name}" share bytes. The file is damaged.`, { offset: next.byteRange![0] });
		}
	}
	return raw.map((entry) => entry.info);
}

function _alignment(value: GgufValue | undefined): number {
	if (value === undefined) return 32;
	if (typeof value !== 'number' || value === 0 || (value & (value - 1)) !== 0) {
		throw ggufError('bad-alignment', `The GGUF alignment ${String(value)} is not a power of two.`, { found: String(value) });
	}
	return value;
}

function _alignUp(offset: number, alignment: number): number {
	return offset + ((alignment - (offset % alignment)) % alignment);
}

function _string(value: GgufValue | undefined): string | null {
	return typeof value === 'string' ? value : null;
}

function _number(value: GgufValue | undefined): number | null {
	return typeof value === 'number' ? value : null;
}

function _isArray(value: GgufValue | undefined): value is GgufArray {
	return typeof value === 'object' && value !== null && 'itemType' in value;
}
