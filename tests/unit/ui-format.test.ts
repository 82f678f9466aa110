// The page's one way to write a tensor's dims (the facts table, the inputs/outputs list and the tensor diff).
import { describe, expect, it } from 'vitest';
import { formatShape } from '../../src/lib/ui/format.ts';

describe('formatShape', () => {
	it('writes dims as people do, with thousands separators; symbolic dims by name; scalar and unknown in words', () => {
		expect(formatShape([4096, 4096])).toBe('4,096 × 4,096');
		expect(formatShape(['batch', 3])).toBe('batch × 3');
		expect(formatShape([7])).toBe('7');
		expect(formatShape([])).toBe('scalar');
		expect(formatShape(null)).toBe('unknown');
	});
});
