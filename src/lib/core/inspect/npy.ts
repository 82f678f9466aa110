// Node + browser: pure TypeScript, no DOM, no idb, no OPFS.
//
// NumPy's `.npy` header (numpy/lib/format.py): magic `\x93NUMPY`, version, a little-endian header length
// (2 bytes in 1.0, 4 in 2.0 and 3.0), then a Python dict literal `{'descr': '<f4', 'fortran_order': False,
// 'shape': (3, 4), }`. Read as data with a tiny literal grammar, never evaluated.

import { concatBytes, type RandomAccessSource } from '../byte-streams.ts';
import { readZipDirectory } from '../bundle/zip-directory.ts';
import { ZIP_METHOD } from '../bundle/zip-format.ts';
import { readZipEntry, zipEntryData } from '../bundle/zip-reader.ts';
import { decodeUtf8 } from '../bundle/zip-format.ts';
import { ShelfError } from '../errors.ts';
import { DEFAULT_READ_LIMITS, type ReadLimits, type TensorInfo } from './inspect-types.ts';

/** One `.npy` array's header. */
export interface NpyHeader {
	version: string;
	/** NumPy's dtype string as written: `<f4`, `|u1`, `<i8`, `|b1`, … */
	descr: string;
	fortranOrder: boolean;
	shape: number[];
	/** Bytes before the array data. */
	dataOffset: number;
}

const _MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59];

/**
 * Reads an `.npy` header at `offset` of a source (0 for a file; a stored `.npz` member's data offset).
 * @param source the bytes
 * @param options where the array starts, and the read limits
 * @throws ShelfError `BAD_MODEL_FILE` (format `npy`) with reason `bad-magic`, `truncated`, `too-large` or `bad-header`
 */
export async function readNpy(source: RandomAccessSource, options: { offset?: number; path?: string } & ReadLimits = {}): Promise<NpyHeader> {
	const { offset = 0, path } = options;
	const limit = Math.min(options.maxHeaderBytes ?? DEFAULT_READ_LIMITS.maxHeaderBytes, 1 << 20);
	const start = await source.read(offset, 12);
	if (start.length < 10 || _MAGIC.some((byte, index) => start[index] !== byte)) throw _bad('bad-magic', 'is not a NumPy .npy array (no \\x93NUMPY magic)', path);
	const major = start[6]!;
	const view = new DataView(start.buffer, start.byteOffset, start.byteLength);
	if (major < 1 || major > 3) throw _bad('unsupported-version', `has .npy format version ${major}.${start[7]}, which NumPy never wrote`, path);
	const prefix = major === 1 ? 10 : 12;
	if (start.length < prefix) throw _bad('truncated', 'ends inside its header', path);
	const length = major === 1 ? view.getUint16(8, true) : view.getUint32(8, true);
	if (length > limit) throw _bad('too-large', `declares a ${length}-byte header, over the ${limit} read`, path, { limit });
	if (offset + prefix + length > source.size) throw _bad('truncated', 'ends inside its header', path);
	const bytes = await source.read(offset + prefix, length);
	// Versions 1 and 2 are latin-1, version 3 UTF-8 (core has no TextDecoder).
	const text = major === 3 ? decodeUtf8(bytes) : _latin1(bytes);
	if (text === null) throw _bad('bad-header', 'has a header that is not UTF-8', path);
	const dict = _parseLiteral(text, path);
	const descr = dict.get('descr');
	const fortran = dict.get('fortran_order');
	const shape = dict.get('shape');
	if (typeof descr !== 'string' || typeof fortran !== 'boolean' || !Array.isArray(shape) || !shape.every((dim) => typeof dim === 'number' && Number.isSafeInteger(dim) && dim >= 0)) {
		throw _bad('bad-header', 'has a header without the descr, fortran_order and shape NumPy writes', path, { found: text.slice(0, 120) });
	}
	return { version: `${major}.${start[7]}`, descr, fortranOrder: fortran, shape: shape as number[], dataOffset: offset + prefix + length };
}

/**
 * Every array of an `.npz` (a zip of `.npy` members, stored or deflated), reading only each member's header.
 * @param source the archive
 * @param options the archive's path (for errors) and read limits
 * @throws ShelfError `BAD_BUNDLE` for a damaged zip, `BAD_MODEL_FILE` for a damaged member header
 */
export async function readNpz(source: RandomAccessSource, options: { path?: string } & ReadLimits = {}): Promise<TensorInfo[]> {
	const tensors: TensorInfo[] = [];
	const entries = (await readZipDirectory(source)).filter((entry) => !entry.isDirectory && entry.name.endsWith('.npy'));
	if (entries.length > (options.maxTensors ?? DEFAULT_READ_LIMITS.maxTensors)) throw _bad('too-many', `holds ${entries.length} arrays`, options.path);
	for (const entry of entries) {
		const name = entry.name.slice(0, -'.npy'.length);
		const path = `${options.path ?? ''}:${entry.name}`;
		if (entry.method === ZIP_METHOD.stored) {
			tensors.push(npyTensor(name, await readNpy(source, { ...options, path, offset: (await zipEntryData(source, entry)).offset })));
			continue;
		}
		// A deflated member: inflate only its start (a .npy header is a few hundred bytes, at most 1 MiB).
		const head: Uint8Array[] = [];
		let held = 0;
		for await (const chunk of readZipEntry(source, entry, { chunkSize: 64 * 1024 })) {
			head.push(chunk.slice());
			held += chunk.length;
			if (held >= (1 << 20) + 12) break;
		}
		const bytes = concatBytes(head);
		tensors.push(npyTensor(name, await readNpy({ size: bytes.length, read: async (at, length) => bytes.subarray(at, at + length) }, { ...options, path })));
	}
	return tensors;
}

/**
 * The array as a tensor of the shelf's common shape.
 * @param name what to call it (the file's path, or the `.npz` member's name without `.npy`)
 * @param header from {@link readNpy}
 */
export function npyTensor(name: string, header: NpyHeader): TensorInfo {
	return { name, dtype: header.descr, shape: header.shape, elements: header.shape.reduce((product, dim) => product * dim, 1) };
}

// ---------------------------------------------------------------------------------------------------

type _Literal = string | number | boolean | null | _Literal[] | Map<string, _Literal>;

/** Python literals as `repr` writes them in a .npy header: dicts, tuples, strings, ints, True/False/None. */
function _parseLiteral(text: string, path: string | undefined): Map<string, _Literal> {
	let at = 0;
	const fail = (): never => {
		throw _bad('bad-header', `has a header that is not a Python dict literal (at character ${at + 1})`, path, { found: text.slice(0, 120) });
	};
	const space = () => {
		while (at < text.length && /\s/.test(text[at]!)) at++;
	};
	const value = (depth: number): _Literal => {
		if (depth > 8) fail();
		space();
		const char = text[at];
		if (char === '{' || char === '(' || char === '[') {
			const close = char === '{' ? '}' : char === '(' ? ')' : ']';
			at++;
			const items: _Literal[] = [];
			const map = new Map<string, _Literal>();
			for (;;) {
				space();
				if (text[at] === close) {
					at++;
					return char === '{' ? map : items;
				}
				const item = value(depth + 1);
				if (char === '{') {
					space();
					if (text[at++] !== ':' || typeof item !== 'string') fail();
					map.set(item as string, value(depth + 1));
				} else items.push(item);
				space();
				if (text[at] === ',') at++;
				else if (text[at] !== close) fail();
			}
		}
		if (char === "'" || char === '"') {
			const end = text.indexOf(char, at + 1);
			if (end === -1) fail();
			const string = text.slice(at + 1, end);
			at = end + 1;
			return string;
		}
		const word = /^(-?\d+|True|False|None)/.exec(text.slice(at))?.[0] ?? fail();
		at += word.length;
		return word === 'True' ? true : word === 'False' ? false : word === 'None' ? null : Number(word);
	};
	const parsed = value(0);
	if (!(parsed instanceof Map)) fail();
	return parsed as Map<string, _Literal>;
}

function _latin1(bytes: Uint8Array): string {
	let text = '';
	for (let at = 0; at < bytes.length; at += 8192) text += String.fromCharCode(...bytes.subarray(at, at + 8192));
	return text;
}

function _bad(reason: string, what: string, path: string | undefined, extra: { limit?: number; found?: string } = {}): ShelfError {
	return new ShelfError('BAD_MODEL_FILE', `${path ?? 'This file'} ${what}. Hint: save it again with numpy.save.`, { format: 'npy', reason, ...(path ? { path } : {}), ...extra });
}
