// How the pages write tensor dims (the facts table, the inputs/outputs list, the tensor diff) and relative times (every list row).
import { describe, expect, it } from 'vitest';
import { formatRelative, formatShape } from '../../src/lib/ui/format.ts';

describe('formatShape', () => {
	it('writes dims as people do, with thousands separators; symbolic dims by name; scalar and unknown in words', () => {
		expect(formatShape([4096, 4096])).toBe('4,096 × 4,096');
		expect(formatShape(['batch', 3])).toBe('batch × 3');
		expect(formatShape([7])).toBe('7');
		expect(formatShape([])).toBe('scalar');
		expect(formatShape(null)).toBe('unknown');
	});
});

describe('formatRelative', () => {
	const now = new Date('2026-06-15T12:00:00Z');
	const at = (seconds: number) => new Date(now.getTime() + seconds * 1000);

	it('says what Intl.RelativeTimeFormat("en", numeric auto) says, in every unit, both ways', () => {
		const intl = new Intl.RelativeTimeFormat('en', { numeric: 'auto' });
		// Each unit with the whole counts formatRelative writes in it (smaller ones roll into the unit below).
		const units: Array<[Intl.RelativeTimeFormatUnit, number, number[]]> = [
			['second', 1, [45, 59]],
			['minute', 60, [1, 2, 7, 59]],
			['hour', 3600, [1, 2, 23]],
			['day', 86_400, [1, 2, 6, 29]],
			['month', 30 * 86_400, [1, 2, 11]],
			['year', 360 * 86_400, [1, 2, 10, 1234]]
		];
		for (const [unit, seconds, counts] of units) {
			for (const count of counts) {
				for (const sign of [-1, 1]) expect(formatRelative(at(sign * count * seconds), now)).toBe(intl.format(sign * count, unit));
			}
		}
	});

	it('uses the words people say for one unit away, and groups thousands', () => {
		expect(formatRelative(at(-20), now)).toBe('just now');
		expect(formatRelative(at(-50), now)).toBe('50 seconds ago');
		expect(formatRelative(at(-130), now)).toBe('2 minutes ago');
		expect(formatRelative(at(3 * 3600), now)).toBe('in 3 hours');
		expect(formatRelative(at(-86_400), now)).toBe('yesterday');
		expect(formatRelative(at(86_400), now)).toBe('tomorrow');
		expect(formatRelative(at(-31 * 86_400), now)).toBe('last month');
		expect(formatRelative(at(400 * 86_400), now)).toBe('next year');
		expect(formatRelative(at(-1500 * 360 * 86_400), now)).toBe('1,500 years ago');
	});
});
