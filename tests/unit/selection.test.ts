// The Models list's selection (src/routes/selection.svelte.ts): ticks, shift-click ranges, the loaded rows,
// "select all matching" and its collection through the paged listing.
import { describe, expect, it } from 'vitest';
import type { ListPage, ListRequest, VersionRecord } from '../../src/lib/worker/contract.ts';
import { COLLECT_PAGE, collectMatching, Selection } from '../../src/routes/selection.svelte.ts';

const rows = ['m:v1', 'm:v2', 'm:v3', 'm:v4', 'm:v5', 'm:v6'];

describe('Selection', () => {
	it('toggles one row on and off', () => {
		const selection = new Selection();
		selection.toggle('m:v2', rows);
		expect([selection.size, selection.has('m:v2'), selection.has('m:v1')]).toEqual([1, true, false]);
		selection.toggle('m:v2', rows);
		expect(selection.size).toBe(0);
	});

	it('shift-click ticks every row between the last clicked one and this one, in either direction', () => {
		const selection = new Selection();
		selection.toggle('m:v2', rows);
		selection.toggle('m:v5', rows, true);
		expect(selection.tags.sort()).toEqual(['m:v2', 'm:v3', 'm:v4', 'm:v5']);
		selection.toggle('m:v1', rows);
		selection.toggle('m:v6', rows, true);
		expect(selection.size).toBe(6);
		// A range upwards takes the clicked row's new state: unticked.
		selection.toggle('m:v3', rows, true);
		expect(selection.tags.sort()).toEqual(['m:v1', 'm:v2']);
	});

	it('a shift-click without an earlier click ticks only that row', () => {
		const selection = new Selection();
		selection.toggle('m:v4', rows, true);
		expect(selection.tags).toEqual(['m:v4']);
	});

	it('the header checkbox ticks and unticks the loaded rows and reports all, some or none', () => {
		const selection = new Selection();
		expect(selection.rowsState(rows)).toBe('none');
		selection.toggle('m:v1', rows);
		expect(selection.rowsState(rows)).toBe('some');
		selection.setRows(rows, true);
		expect(selection.rowsState(rows)).toBe('all');
		selection.setRows(rows.slice(0, 3), false);
		expect(selection.tags.sort()).toEqual(['m:v4', 'm:v5', 'm:v6']);
	});

	it('select all matching replaces the explicit set; unticking one leaves "all matching"', () => {
		const selection = new Selection();
		selection.toggle('other:v9', ['other:v9']);
		const matching = Array.from({ length: 130 }, (_, i) => `m:v${i}`);
		selection.selectAllMatching(matching);
		expect([selection.size, selection.allMatching, selection.has('other:v9')]).toEqual([130, true, false]);
		selection.toggle('m:v7', matching);
		expect([selection.size, selection.allMatching]).toEqual([129, false]);
	});

	it('a new filter clears the selection; the same filter (or only a new order) keeps it', () => {
		const selection = new Selection();
		expect(selection.useFilter('{"selector":"stage=dev"}')).toBe(false);
		selection.setRows(rows, true);
		expect(selection.useFilter('{"selector":"stage=dev"}')).toBe(false);
		expect(selection.size).toBe(6);
		expect(selection.useFilter('{"selector":"stage=prod"}')).toBe(true);
		expect([selection.size, selection.allMatching]).toEqual([0, false]);
	});

	it('forgets versions that are gone', () => {
		const selection = new Selection();
		selection.setRows(rows, true);
		selection.forget(['m:v1', 'm:v6', 'x:v1']);
		expect(selection.tags.sort()).toEqual(['m:v2', 'm:v3', 'm:v4', 'm:v5']);
	});
});

describe('collectMatching', () => {
	/** A listing of `count` versions served in pages, recording each request. */
	function fakeList(count: number) {
		const tags = Array.from({ length: count }, (_, i) => `m:v${i}`);
		const requests: ListRequest[] = [];
		const list = async (request: ListRequest): Promise<ListPage> => {
			requests.push(request);
			const start = request.cursor ? Number(request.cursor) : 0;
			const end = Math.min(start + (request.limit ?? 50), tags.length);
			const items = tags.slice(start, end).map((tag) => ({ tag }) as VersionRecord);
			return { items, next: end < tags.length ? String(end) : null };
		};
		return { list, requests, tags };
	}

	it('pages through every match with the same filter, reporting the count so far', async () => {
		const { list, requests, tags } = fakeList(2 * COLLECT_PAGE + 17);
		const counts: number[] = [];
		const collected = await collectMatching(list, { selector: 'stage=dev', where: 'accuracy>=0.9' }, { onProgress: (n) => counts.push(n) });
		expect(collected).toEqual(tags);
		expect(counts).toEqual([COLLECT_PAGE, 2 * COLLECT_PAGE, 2 * COLLECT_PAGE + 17]);
		expect(requests.map((r) => [r.selector, r.where, r.limit, r.cursor])).toEqual([
			['stage=dev', 'accuracy>=0.9', COLLECT_PAGE, null],
			['stage=dev', 'accuracy>=0.9', COLLECT_PAGE, String(COLLECT_PAGE)],
			['stage=dev', 'accuracy>=0.9', COLLECT_PAGE, String(2 * COLLECT_PAGE)]
		]);
	});

	it('stops when aborted', async () => {
		const { list } = fakeList(5 * COLLECT_PAGE);
		const controller = new AbortController();
		const collecting = collectMatching(list, {}, { signal: controller.signal, onProgress: (n) => n >= 2 * COLLECT_PAGE && controller.abort() });
		await expect(collecting).rejects.toThrow();
		expect(controller.signal.aborted).toBe(true);
	});
});
