// Node + browser: pure TypeScript, no DOM, no idb, no OPFS.
//
// "Try it" (issue 23): turns what a person typed for a graph input (a number, a flat list or a nested JSON array)
// into a typed tensor that fits the input's declared dtype and shape, symbolic dims taken from what was given; and
// an image's pixels into the float tensor an image input takes. Every refusal is INVALID_INPUT naming the input.
import { ShelfError } from './errors.ts';
import type { ModelIo } from './inspect/facts.ts';

/** onnxruntime-web's tensor element types that can be typed in. */
export type TensorType = 'float32' | 'float64' | 'int8' | 'uint8' | 'int16' | 'uint16' | 'int32' | 'uint32' | 'int64' | 'uint64' | 'bool';

/** A tensor ready for onnxruntime-web (`new Tensor(type, data, dims)`); plain data, so it crosses postMessage. */
export interface TensorInput {
	type: TensorType;
	dims: number[];
	data: Float32Array | Float64Array | Int8Array | Uint8Array | Int16Array | Uint16Array | Int32Array | Uint32Array | BigInt64Array | BigUint64Array;
}

/** ONNX element types (as inspection names them) and the tensor type each is typed in as. */
export const ONNX_TENSOR_TYPES: Readonly<Record<string, TensorType>> = {
	FLOAT: 'float32',
	DOUBLE: 'float64',
	INT8: 'int8',
	UINT8: 'uint8',
	INT16: 'int16',
	UINT16: 'uint16',
	INT32: 'int32',
	UINT32: 'uint32',
	INT64: 'int64',
	UINT64: 'uint64',
	BOOL: 'bool'
};

const INTEGER_RANGES: Partial<Record<TensorType, [bigint, bigint]>> = {
	int8: [-128n, 127n],
	uint8: [0n, 255n],
	int16: [-32768n, 32767n],
	uint16: [0n, 65535n],
	int32: [-2147483648n, 2147483647n],
	uint32: [0n, 4294967295n],
	int64: [-(2n ** 63n), 2n ** 63n - 1n],
	uint64: [0n, 2n ** 64n - 1n]
};

/** How an image input lays out its pixels. */
export interface ImageLayout {
	layout: 'NCHW' | 'NHWC';
	channels: 1 | 3;
	height: number;
	width: number;
}

/**
 * The layout of an image-like input: FLOAT, 4-D, batch 1 or symbolic, 1 or 3 channels first or last, fixed H and W.
 * @param io the graph input
 * @example
 * imageLayout({ name: 'image', type: 'FLOAT', shape: ['N', 3, 224, 224] }); // { layout: 'NCHW', channels: 3, height: 224, width: 224 }
 */
export function imageLayout(io: ModelIo): ImageLayout | null {
	const shape = io.shape;
	if (io.type !== 'FLOAT' || shape?.length !== 4) return null;
	const [batch, a, b, c] = shape as [number | string, number | string, number | string, number | string];
	if (batch !== 1 && typeof batch !== 'string') return null;
	const fixed = (...dims: Array<number | string>) => dims.every((dim) => typeof dim === 'number' && dim > 0);
	if ((a === 1 || a === 3) && fixed(b, c)) return { layout: 'NCHW', channels: a, height: b as number, width: c as number };
	if ((c === 1 || c === 3) && fixed(a, b)) return { layout: 'NHWC', channels: c, height: a as number, width: b as number };
	return null;
}

/**
 * An image's RGBA bytes (already H×W) as the input's float tensor: each channel scaled to 0..1; one channel is the
 * luminance (0.299 R + 0.587 G + 0.114 B, as ITU-R BT.601 and PIL's `convert('L')` weigh them).
 * @param rgba `ImageData.data` of a `layout.width` × `layout.height` image
 * @param layout from {@link imageLayout}
 */
export function pixelsToTensor(rgba: ArrayLike<number>, layout: ImageLayout): TensorInput & { type: 'float32'; data: Float32Array } {
	const { channels, height, width } = layout;
	const plane = height * width;
	const data = new Float32Array(plane * channels);
	for (let pixel = 0; pixel < plane; pixel++) {
		const [r, g, b] = [rgba[pixel * 4]!, rgba[pixel * 4 + 1]!, rgba[pixel * 4 + 2]!];
		const values = channels === 1 ? [(0.299 * r + 0.587 * g + 0.114 * b) / 255] : [r / 255, g / 255, b / 255];
		values.forEach((value, channel) => (data[layout.layout === 'NCHW' ? channel * plane + pixel : pixel * channels + channel] = value));
	}
	const dims = layout.layout === 'NCHW' ? [1, channels, height, width] : [1, height, width, channels];
	return { type: 'float32', dims, data };
}

/**
 * Reads what was typed for one input: a number, a flat list (its symbolic dim inferred from the count) or a nested
 * array of the input's rank. Throws INVALID_INPUT naming the input when it is not JSON, not rectangular, does not
 * fit the declared shape, or a value does not fit the dtype.
 * @param io the graph input, as inspection read it
 * @param text what was typed
 * @example
 * parseTensorInput({ name: 'x', type: 'FLOAT', shape: ['batch', 4] }, '[1, 2, 3, 4, 5, 6, 7, 8]'); // dims [2, 4]
 */
export function parseTensorInput(io: ModelIo, text: string): TensorInput {
	const type = ONNX_TENSOR_TYPES[io.type];
	if (!type) throw _invalid(io, 'dtype', `Input "${io.name}" is ${io.type}, which cannot be typed in here: only numeric and BOOL tensors.`, { expected: 'a numeric or BOOL tensor', found: io.type });
	let value: unknown;
	try {
		value = JSON.parse(text);
	} catch (error) {
		throw _invalid(io, 'bad-json', `Input "${io.name}" is not JSON (${error instanceof Error ? error.message : String(error)}): type a number, a list like [1, 2, 3] or a nested list like [[1, 2], [3, 4]].`, {});
	}
	const given = _dims(io, value, []);
	const flat: unknown[] = Array.isArray(value) ? (value as unknown[]).flat(Infinity) : [value];
	const dims = _fit(io, given, flat.length);
	return { type, dims, data: _typed(io, type, flat) };
}

/** The dims of a nested array, checking it is rectangular. */
function _dims(io: ModelIo, value: unknown, at: number[]): number[] {
	if (!Array.isArray(value)) return [];
	const inner = value.map((item, index) => _dims(io, item, [...at, index]));
	for (let index = 1; index < inner.length; index++) {
		if (inner[index]!.join() !== inner[0]!.join()) {
			throw _invalid(io, 'shape', `Input "${io.name}" is not rectangular: item [${[...at, index].join('][')}] has dims [${inner[index]!.join(', ')}], item [${[...at, 0].join('][')}] has [${inner[0]!.join(', ')}].`, { found: `[${inner[index]!.join(', ')}]` });
		}
	}
	return [value.length, ...(inner[0] ?? [])];
}

/** The dims to run with: the given ones when they match the declared shape, or the declared shape filled from a flat list. */
function _fit(io: ModelIo, given: number[], count: number): number[] {
	const declared = io.shape;
	if (declared === null) return given;
	const expected = `[${declared.join(', ')}]`;
	if (given.length === declared.length) {
		const symbols = new Map<string, number>();
		declared.forEach((dim, index) => {
			const size = given[index]!;
			const seen = typeof dim === 'string' ? symbols.get(dim) : dim;
			if (seen !== undefined && seen !== size) throw _invalid(io, 'shape', `Input "${io.name}" has dims [${given.join(', ')}], but its shape is ${expected}: dim ${index} must be ${seen}.`, { expected, found: `[${given.join(', ')}]` });
			if (typeof dim === 'string') symbols.set(dim, size);
		});
		return given;
	}
	if (given.length > 1) throw _invalid(io, 'shape', `Input "${io.name}" has ${given.length} dims [${given.join(', ')}], but its shape ${expected} has ${declared.length}.`, { expected, found: `[${given.join(', ')}]` });
	// A number or a flat list: the declared shape, its one symbolic dim (or repeated symbol) taken from the count.
	const known = declared.reduce<number>((product, dim) => (typeof dim === 'number' ? product * dim : product), 1);
	const symbols = new Set(declared.filter((dim): dim is string => typeof dim === 'string'));
	const repeats = declared.filter((dim) => typeof dim === 'string').length;
	if (symbols.size > 1) throw _invalid(io, 'shape', `Input "${io.name}" has the shape ${expected} with more than one unknown dim: give it as a nested list of ${declared.length} levels, so its dims are clear.`, { expected, found: `${count} values` });
	const free = repeats === 0 ? 1 : Math.round((count / known) ** (1 / repeats));
	if (known === 0 || free < 1 || known * free ** repeats !== count) {
		const need = repeats === 0 ? `${known}` : repeats === 1 ? `a multiple of ${known}` : `${known} × n^${repeats}`;
		throw _invalid(io, 'shape', `Input "${io.name}" got ${count} values, but its shape ${expected} needs ${need}.`, { expected, found: `${count} values` });
	}
	return declared.map((dim) => (typeof dim === 'number' ? dim : free));
}

/** The values as the dtype's typed array, refusing what the dtype cannot hold. */
function _typed(io: ModelIo, type: TensorType, values: unknown[]): TensorInput['data'] {
	const wrong = (index: number, what: string) =>
		_invalid(io, 'dtype', `Input "${io.name}" is ${io.type}, but value ${index} (${JSON.stringify(values[index])}) is ${what}.`, { expected: io.type, found: JSON.stringify(values[index]) ?? String(values[index]) });
	if (type === 'bool') {
		return Uint8Array.from(values, (value, index) => {
			if (value === true || value === 1) return 1;
			if (value === false || value === 0) return 0;
			throw wrong(index, 'not true, false, 0 or 1');
		});
	}
	values.forEach((value, index) => {
		if (typeof value !== 'number' || !Number.isFinite(value)) throw wrong(index, 'not a finite number');
	});
	const numbers = values as number[];
	if (type === 'float32') return Float32Array.from(numbers);
	if (type === 'float64') return Float64Array.from(numbers);
	const [low, high] = INTEGER_RANGES[type]!;
	const integers = numbers.map((value, index) => {
		if (!Number.isSafeInteger(value)) throw wrong(index, 'not a whole number');
		if (BigInt(value) < low || BigInt(value) > high) throw wrong(index, `out of ${io.type}'s range ${low}..${high}`);
		return value;
	});
	switch (type) {
		case 'int8': return Int8Array.from(integers);
		case 'uint8': return Uint8Array.from(integers);
		case 'int16': return Int16Array.from(integers);
		case 'uint16': return Uint16Array.from(integers);
		case 'int32': return Int32Array.from(integers);
		case 'uint32': return Uint32Array.from(integers);
		case 'int64': return BigInt64Array.from(integers, BigInt);
		default: return BigUint64Array.from(integers, BigInt);
	}
}

function _invalid(io: ModelIo, reason: 'bad-json' | 'shape' | 'dtype', message: string, facts: { expected?: string; found?: string }): ShelfError<'INVALID_INPUT'> {
	return new ShelfError('INVALID_INPUT', message, { input: io.name, reason, ...facts });
}
