// Issue 23, "Try it": what a person types for a graph input becomes a tensor of the input's dtype and shape, or an
// INVALID_INPUT naming the input; an image input's pixels become its float tensor.
import { describe, expect, it } from 'vitest';
import { isShelfError } from '../../src/lib/core/errors.ts';
import type { ModelIo } from '../../src/lib/core/inspect/facts.ts';
import { imageLayout, parseTensorInput, pixelsToTensor } from '../../src/lib/core/tensor-input.ts';

const x: ModelIo = { name: 'x', type: 'FLOAT', shape: ['batch', 4] };

function refusal(io: ModelIo, text: string) {
	try {
		parseTensorInput(io, text);
	} catch (error) {
		if (isShelfError(error, 'INVALID_INPUT')) return error.details;
		throw error;
	}
	throw new Error(`${text} was accepted`);
}

describe('parseTensorInput', () => {
	it('takes a nested list of the input rank, its symbolic dim from what was given', () => {
		const tensor = parseTensorInput(x, '[[1, 2, 3, 4], [5, 6, 7, 8.5]]');
		expect(tensor).toEqual({ type: 'float32', dims: [2, 4], data: Float32Array.from([1, 2, 3, 4, 5, 6, 7, 8.5]) });
	});

	it('takes a flat list and infers the one symbolic dim from the count', () => {
		expect(parseTensorInput(x, '[1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]').dims).toEqual([3, 4]);
		expect(parseTensorInput({ name: 'n', type: 'INT64', shape: [] }, '7')).toEqual({ type: 'int64', dims: [], data: BigInt64Array.from([7n]) });
		expect(parseTensorInput({ name: 's', type: 'FLOAT', shape: ['n', 'n'] }, '[1, 2, 3, 4]').dims).toEqual([2, 2]);
	});

	it('keeps a repeated symbol to one size, and fixed dims to theirs', () => {
		expect(refusal({ name: 's', type: 'FLOAT', shape: ['n', 'n'] }, '[[1, 2]]')).toMatchObject({ input: 's', reason: 'shape', expected: '[n, n]', found: '[1, 2]' });
		expect(refusal(x, '[[1, 2, 3], [4, 5, 6]]')).toMatchObject({ input: 'x', reason: 'shape', found: '[2, 3]' });
		expect(refusal(x, '[1, 2, 3]')).toMatchObject({ reason: 'shape', found: '3 values' });
		expect(refusal(x, '[[1, 2, 3, 4], [5, 6, 7]]')).toMatchObject({ reason: 'shape' });
		expect(refusal({ name: 'm', type: 'FLOAT', shape: ['a', 'b'] }, '[1, 2]')).toMatchObject({ reason: 'shape' });
	});

	it("refuses values the dtype cannot hold, and text that is not JSON", () => {
		expect(refusal(x, '[1, 2, 3, "4"]')).toMatchObject({ input: 'x', reason: 'dtype', expected: 'FLOAT', found: '"4"' });
		expect(refusal({ name: 'i', type: 'UINT8', shape: [2] }, '[1, 256]')).toMatchObject({ reason: 'dtype', found: '256' });
		expect(refusal({ name: 'i', type: 'INT32', shape: [2] }, '[1, 2.5]')).toMatchObject({ reason: 'dtype' });
		expect(refusal({ name: 't', type: 'STRING', shape: [1] }, '["a"]')).toMatchObject({ reason: 'dtype', found: 'STRING' });
		expect(refusal(x, '[1, 2,')).toMatchObject({ input: 'x', reason: 'bad-json' });
		expect(parseTensorInput({ name: 'b', type: 'BOOL', shape: [3] }, '[true, 0, 1]').data).toEqual(Uint8Array.from([1, 0, 1]));
	});
});

describe('image inputs', () => {
	it('recognises 4-D float inputs with 1 or 3 channels first or last', () => {
		expect(imageLayout({ name: 'i', type: 'FLOAT', shape: ['N', 3, 8, 6] })).toEqual({ layout: 'NCHW', channels: 3, height: 8, width: 6 });
		expect(imageLayout({ name: 'i', type: 'FLOAT', shape: [1, 28, 28, 1] })).toEqual({ layout: 'NHWC', channels: 1, height: 28, width: 28 });
		expect(imageLayout({ name: 'i', type: 'FLOAT', shape: [2, 3, 8, 8] })).toBeNull();
		expect(imageLayout({ name: 'i', type: 'INT64', shape: [1, 3, 8, 8] })).toBeNull();
		expect(imageLayout(x)).toBeNull();
	});

	it('scales pixels to 0..1 in the layout asked for', () => {
		const rgba = [255, 0, 51, 255, 0, 102, 255, 255]; // two pixels
		expect(Array.from(pixelsToTensor(rgba, { layout: 'NCHW', channels: 3, height: 1, width: 2 }).data)).toEqual(Array.from(Float32Array.from([1, 0, 0, 0.4, 0.2, 1])));
		expect(Array.from(pixelsToTensor(rgba, { layout: 'NHWC', channels: 3, height: 1, width: 2 }).data)).toEqual(Array.from(Float32Array.from([1, 0, 0.2, 0, 0.4, 1])));
		expect(pixelsToTensor(rgba, { layout: 'NHWC', channels: 1, height: 2, width: 1 }).dims).toEqual([1, 2, 1, 1]);
	});
});
