// What "Try it" shows of a tensor: an example to type for an input, and an output's values cut to a readable count.
import type { ModelIo } from '$lib/core/inspect/facts.ts';
import type { TensorOutput } from '$lib/worker/inference/inference-worker.ts';

/** Values shown per output; the rest are counted. */
export const SHOWN_VALUES = 100;

/**
 * A value to type for an input, as a hint: zeros in its shape (symbolic dims as 1) when that is short.
 * @param io the graph input
 */
export function exampleInput(io: ModelIo): string {
	if (io.shape === null) return 'a number or a JSON list';
	const dims = io.shape.map((dim) => (typeof dim === 'number' ? dim : 1));
	const count = dims.reduce((product, dim) => product * dim, 1);
	if (count > 12) return `${count.toLocaleString('en')} numbers, as a flat list or nested ${dims.length} deep`;
	const zero = io.type === 'BOOL' ? 'false' : '0';
	const nest = (level: number): string => (level === dims.length ? zero : `[${Array.from({ length: dims[level]! }, () => nest(level + 1)).join(', ')}]`);
	return nest(0);
}

/**
 * One value as shown: floats to 7 significant digits (float32 holds about that many).
 * @param value an element of an output
 */
export function formatValue(value: number | bigint | string | boolean): string {
	if (typeof value === 'number') return Number.isInteger(value) ? String(value) : String(Number(value.toPrecision(7)));
	return String(value);
}

/**
 * An output's first {@link SHOWN_VALUES} values, and how many are not shown.
 * @param output from the inference worker
 */
export function shownValues(output: TensorOutput): { text: string; more: number } {
	const count = Math.min(output.data.length, SHOWN_VALUES);
	const values = Array.from({ length: count }, (_, index) => formatValue(output.data[index]!));
	return { text: values.join(', '), more: output.data.length - count };
}

/**
 * The k largest values of a float output of one row (dims [1, n]: a classifier's scores), largest first; null otherwise.
 * @param output from the inference worker
 * @param k how many
 */
export function topK(output: TensorOutput, k = 5): { index: number; value: number }[] | null {
	if (!['float32', 'float64'].includes(output.type) || output.dims.length !== 2 || output.dims[0] !== 1 || output.dims[1]! < 2) return null;
	const values = Array.from(output.data as ArrayLike<number>, (value, index) => ({ index, value }));
	return values.sort((a, b) => b.value - a.value).slice(0, k);
}
