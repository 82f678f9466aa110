// Node + browser: pure TypeScript, no DOM, no idb, no OPFS.
//
// joblib.dump writes each numpy array's bytes straight into the pickle stream, right after the BUILD of a
// `NumpyArrayWrapper` (joblib/numpy_pickle.py, `write_array`/`read_array`): one padding-length byte, that
// many pad bytes, then count × itemsize raw bytes, or, for object arrays, a whole nested pickle. A reader
// that does not skip them reads array bytes as opcodes. This works out from the wrapper's own state how far
// to skip, the way joblib's unpickler does.
import { DEFAULT_READ_LIMITS } from './inspect-types.ts';
import { badPickle, isGlobal, sequenceItems, type PickleValue } from './pickle-values.ts';
import { readPickle, type PickleReadOptions } from './pickle-vm.ts';

/**
 * Options for {@link readPickle} that step over joblib's inline arrays (reading object arrays' nested pickles
 * with the same options, so their globals are seen too). Plain pickles read the same with or without them.
 * @param bytes the stream the options will read
 * @param options the caller's options
 * @example
 * const { value } = readPickle(bytes, withJoblibArrays(bytes, { onGlobal }));
 */
export function withJoblibArrays(bytes: Uint8Array, options: PickleReadOptions = {}): PickleReadOptions {
	const format = options.format ?? 'pickle';
	let nesting = 0;
	const aware: PickleReadOptions = {
		...options,
		afterBuild: (target, at) => {
			const skip = joblibArraySkip(target, bytes, at, format);
			if (skip === undefined) return options.afterBuild?.(target, at);
			if (skip.kind === 'raw') return skip.to;
			// Each nested pickle recurses once; a hostile file nesting them deeply is refused like deep MARKs.
			const limit = options.limits?.maxDepth ?? DEFAULT_READ_LIMITS.maxDepth;
			if (++nesting > limit) throw badPickle('too-deep', `joblib object arrays nest deeper than ${limit}.`, { format, offset: at, limit });
			try {
				return readPickle(bytes, { ...aware, start: skip.at }).end;
			} finally {
				nesting--;
			}
		}
	};
	return aware;
}

/** What to do after a BUILD: skip raw bytes, or read a nested pickle and continue after it. */
export type JoblibSkip = { kind: 'raw'; to: number } | { kind: 'pickle'; at: number };

/**
 * How far joblib's unpickler would read past a BUILD of a `NumpyArrayWrapper`, or undefined for any other BUILD.
 * @param target what BUILD just filled
 * @param bytes the whole pickle stream
 * @param at the offset just past BUILD
 * @param format the format named in errors
 * @throws ShelfError `BAD_MODEL_FILE` (bad-value: a wrapper whose shape or dtype cannot be read; truncated)
 */
export function joblibArraySkip(target: PickleValue, bytes: Uint8Array, at: number, format: string): JoblibSkip | undefined {
	if (typeof target !== 'object' || target === null || target.kind !== 'object') return undefined;
	if (!_JOBLIB_MODULES.some((module) => isGlobal(target.cls, module, 'NumpyArrayWrapper'))) return undefined;
	const state = _dictOf(target.state);
	const shape = sequenceItems(state.get('shape'));
	const dtype = _dtypeOf(state.get('dtype'));
	if (shape === null || dtype === null || !shape.every((dim) => typeof dim === 'number' && Number.isSafeInteger(dim) && dim >= 0)) {
		throw badPickle('bad-value', `A joblib array at offset ${at} declares a shape or dtype that cannot be read.`, { format, offset: at });
	}
	if (dtype.hasObject) return { kind: 'pickle', at };
	let start = at;
	if (typeof state.get('numpy_array_alignment_bytes') === 'number') {
		if (start >= bytes.length) throw _truncated(format, at);
		start += 1 + (bytes[start] as number);
	}
	// Multiplying in floating point stays exact well past any real file, and anything past the end is refused.
	const length = (shape as number[]).reduce((product, dim) => product * dim, 1) * dtype.itemSize;
	if (start + length > bytes.length) throw _truncated(format, at);
	return { kind: 'raw', to: start + length };
}

// ---------------------------------------------------------------------------

/** Where the wrapper lives (the vendored copy in old scikit-learn too). */
const _JOBLIB_MODULES = ['joblib.numpy_pickle', 'sklearn.externals.joblib.numpy_pickle'];

/** A numpy dtype's size and whether it holds Python objects, from `numpy.dtype(str, align, copy)` and its BUILD state. */
function _dtypeOf(value: PickleValue | undefined): { itemSize: number; hasObject: boolean } | null {
	if (typeof value !== 'object' || value === null || value.kind !== 'call' || !isGlobal(value.callee, 'numpy', 'dtype')) return null;
	const code = value.args[0];
	if (typeof code !== 'string') return null;
	// State: (version, byteorder, subarray, names, fields, elsize, alignment, flags); flag 0x01 is NPY_ITEM_HASOBJECT.
	const state = sequenceItems(value.state) ?? [];
	const elsize = state[5];
	const flags = state[7];
	const hasObject = code.startsWith('O') || (typeof flags === 'number' && (flags & 1) === 1);
	const declared = /^[a-zA-Z](\d+)$/.exec(code)?.[1];
	const itemSize = typeof elsize === 'number' && elsize > 0 ? elsize : declared !== undefined ? Number(declared) : code === '?' || code === 'b' || code === 'B' ? 1 : 0;
	if (!hasObject && itemSize <= 0) return null;
	return { itemSize, hasObject };
}

function _dictOf(value: PickleValue | undefined): Map<PickleValue, PickleValue> {
	const map = new Map<PickleValue, PickleValue>();
	if (typeof value === 'object' && value !== null && value.kind === 'dict') for (const [key, item] of value.entries) map.set(key, item);
	return map;
}

function _truncated(format: string, offset: number) {
	return badPickle('truncated', `A joblib array's bytes run past the end of the file at offset ${offset}: the file was cut short.`, { format, offset });
}
