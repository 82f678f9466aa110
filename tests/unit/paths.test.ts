import { describe, expect, it } from 'vitest';
import { normalizeModelPath, normalizeModelPaths } from '../../src/lib/core/paths.ts';
import { ShelfError } from '../../src/lib/core/errors.ts';

function refusal(run: () => unknown) {
	try {
		run();
	} catch (error) {
		expect(error).toBeInstanceOf(ShelfError);
		return { code: (error as ShelfError).code, reason: (error as ShelfError).details?.reason };
	}
	throw new Error('expected the path to be refused');
}

describe('normalizeModelPath', () => {
	it.each([
		['saved_model.pb', 'saved_model.pb'],
		['./saved_model.onnx', 'saved_model.onnx'],
		['extra/thresholds.json', 'extra/thresholds.json'],
		['extra/', 'extra'],
		['a/./b.bin', 'a/b.bin'],
		['weights v2 (final).bin', 'weights v2 (final).bin'],
		['Cafe\u0301.txt', 'Café.txt'],
		['.hidden', '.hidden'],
		['..data', '..data']
	])('accepts %j as %j', (input, expected) => {
		expect(normalizeModelPath(input)).toBe(expected);
	});

	it.each([
		['', 'empty'],
		['.', 'empty'],
		['./', 'empty'],
		['../etc/passwd', 'parent-segment'],
		['a/../../b', 'parent-segment'],
		['/etc/passwd', 'absolute'],
		['a\\..\\b', 'backslash'],
		['C:/Windows/x', 'drive-letter'],
		['c:x', 'drive-letter'],
		['a//b', 'empty-segment'],
		['a\u0000b', 'control-character'],
		['a\nb', 'control-character'],
		['evil\u202etxt.exe', 'control-character'],
		['x'.repeat(1025), 'too-long'],
		[`${'y'.repeat(256)}/a`, 'too-long']
	])('refuses %j (%s)', (input, reason) => {
		expect(refusal(() => normalizeModelPath(input))).toEqual({ code: 'INVALID_PATH', reason });
	});
});

describe('normalizeModelPaths', () => {
	it('keeps the order and normal forms of distinct paths', () => {
		expect(normalizeModelPaths(['b.bin', './a/c.json', 'a/d.json'])).toEqual(['b.bin', 'a/c.json', 'a/d.json']);
	});

	it.each([
		[['a.bin', './a.bin'], 'duplicate'],
		[['W.bin', 'w.bin'], 'duplicate'],
		[['Caf\u00e9', 'Cafe\u0301'], 'duplicate'],
		[['a', 'a/b.bin'], 'duplicate'],
		[['model.yaml'], 'reserved'],
		[['./model.yaml'], 'reserved']
	])('refuses %j (%s)', (paths, reason) => {
		expect(refusal(() => normalizeModelPaths(paths))).toEqual({ code: 'INVALID_PATH', reason });
	});
});
