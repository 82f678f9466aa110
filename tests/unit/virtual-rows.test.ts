// Issue 17: the tensor table renders only the rows in view; this is the math that picks them.
import { describe, expect, it } from 'vitest';
import { visibleRows, type ScrollView } from '../../src/lib/ui/virtual-rows.ts';

const view = (overrides: Partial<ScrollView>): ScrollView => ({ scrollTop: 0, viewportHeight: 300, rowHeight: 30, count: 50_000, overscan: 5, ...overrides });

describe('visibleRows', () => {
	it('renders the rows in view plus the overscan below them at the top of the list', () => {
		expect(visibleRows(view({}))).toEqual({ start: 0, end: 15, paddingTop: 0, paddingBottom: (50_000 - 15) * 30 });
	});

	it('renders the overscan on both sides in the middle of the list', () => {
		// Rows 100…109 fill the viewport exactly.
		expect(visibleRows(view({ scrollTop: 3000 }))).toEqual({ start: 95, end: 115, paddingTop: 95 * 30, paddingBottom: (50_000 - 115) * 30 });
	});

	it('includes a row only partly in view at either edge', () => {
		// 3010 px: row 100 is cut at the top, row 110 peeks in at the bottom.
		const window = visibleRows(view({ scrollTop: 3010, overscan: 0 }));
		expect(window).toMatchObject({ start: 100, end: 111 });
	});

	it('ends exactly at the last row when scrolled to the bottom', () => {
		const bottom = 50_000 * 30 - 300;
		expect(visibleRows(view({ scrollTop: bottom }))).toEqual({ start: 49_985, end: 50_000, paddingTop: 49_985 * 30, paddingBottom: 0 });
	});

	it('keeps the spacers and rows adding up to the full height wherever it is scrolled', () => {
		for (const scrollTop of [0, 1, 29, 30, 31, 12_345, 749_700, 1_499_700]) {
			const { start, end, paddingTop, paddingBottom } = visibleRows(view({ scrollTop }));
			expect(paddingTop + (end - start) * 30 + paddingBottom).toBe(50_000 * 30);
			expect(end - start).toBeLessThanOrEqual(300 / 30 + 1 + 2 * 5);
		}
	});

	it('stays inside the list after it shrank under a scroll position far down', () => {
		// Searching narrowed 50,000 rows to 3 while the table was scrolled near the end.
		expect(visibleRows(view({ scrollTop: 1_000_000, count: 3 }))).toEqual({ start: 0, end: 3, paddingTop: 0, paddingBottom: 0 });
	});

	it('renders every row of a list shorter than the viewport', () => {
		expect(visibleRows(view({ count: 4 }))).toEqual({ start: 0, end: 4, paddingTop: 0, paddingBottom: 0 });
	});

	it('renders nothing for an empty list', () => {
		expect(visibleRows(view({ count: 0 }))).toEqual({ start: 0, end: 0, paddingTop: 0, paddingBottom: 0 });
	});

	it('treats an overscroll bounce (negative scrollTop) as the top', () => {
		expect(visibleRows(view({ scrollTop: -80 }))).toEqual(visibleRows(view({ scrollTop: 0 })));
	});

	it('still renders a first screenful-worth of overscan before the viewport has been measured', () => {
		expect(visibleRows(view({ viewportHeight: 0 }))).toEqual({ start: 0, end: 6, paddingTop: 0, paddingBottom: (50_000 - 6) * 30 });
	});

	it('renders nothing rather than dividing by zero for a row height of 0 or NaN', () => {
		expect(visibleRows(view({ rowHeight: 0 }))).toEqual({ start: 0, end: 0, paddingTop: 0, paddingBottom: 0 });
		expect(visibleRows(view({ rowHeight: Number.NaN }))).toEqual({ start: 0, end: 0, paddingTop: 0, paddingBottom: 0 });
	});
});
