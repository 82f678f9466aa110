// Worker: IndexedDB through idb. Runs a QueryPlan with `filters` (a selector's other requirements) on index
// keys first, and reads only the versions that pass them.
//
// Why: on Chromium 150 reading a stored version costs ~10× what reading its index key does (a version is
// ~3 KB with its files and facts), and a page of a selector that passes 1 candidate in 4 read ~255 of them to
// return 50 (issue 21). Keys hold no labels, so a page reads in windows of createdKey: a key cursor finds
// where the plan's ranges hold about the page's worth of candidates, every range (the plan's and the
// filters') gives its primary keys inside that window, and only the tags in the plan's ranges and in each
// filter are read, in one batch of point reads. A window is complete (it holds every candidate between its
// ends), so its matches sorted by createdKey are the page's next items.

import { unwrap, type IndexNames } from 'idb';
import type { ListOrder } from '../../core/store-types.ts';
import { firstBatchPerRange, keyRange, MAX_BATCH, type VersionsStore } from './merge-scan.ts';
import { createdKeyOf, sourceBounds, windowBounds, type PlanSource, type QueryPlan, type RangeKey } from './query-plan.ts';
import type { CatalogueSchema, StoredVersion } from './schema.ts';

/**
 * Yields the versions in the plan's ranges that also hold an entry in every filter, in `order` by createdKey,
 * starting strictly after `after`. Callers still filter what they get (a filter is a necessary condition).
 * @param store the `versions` store of the caller's transaction
 * @param plan from `planQuery`, with `filters`
 * @param order newest (descending) or oldest (ascending)
 * @param after the createdKey to resume after, or null to start at the beginning
 * @param wanted candidates the first window should hold (later windows double it, up to {@link MAX_BATCH})
 */
export async function* scanWindows(store: VersionsStore, plan: QueryPlan, order: ListOrder, after: string | null, wanted: number): AsyncGenerator<StoredVersion, void, undefined> {
	const filters = plan.filters ?? [];
	let perRange = firstBatchPerRange(wanted, plan.sources.length);
	for (let from = after; ; ) {
		// The window ends where the first of the plan's ranges to hold `perRange` entries does, so each range
		// holds at most that many inside it; null when none does: the window runs to the end.
		const ends = await Promise.all(plan.sources.map((source) => _nthCreatedKey(store, source, order, from, perRange)));
		const end = _nearest(ends, order);
		const [candidates, ...required] = await Promise.all([plan.sources, ...filters].map((sources) => _tagsIn(store, sources, order, from, end)));
		const tags = [...(candidates as Set<string>)].filter((tag) => required.every((set) => set.has(tag)));
		const versions = await _getMany(store, tags);
		versions.sort(order === 'newest' ? (a, b) => (a.createdKey > b.createdKey ? -1 : 1) : (a, b) => (a.createdKey < b.createdKey ? -1 : 1));
		yield* versions;
		if (end === null) return;
		from = end;
		perRange = Math.min(perRange * 2, MAX_BATCH);
	}
}

// ---------------------------------------------------------------------------------------------------
// Internal helpers

/** The createdKey of the `n`-th entry of a source's range after `after`, or null when it holds fewer. */
async function _nthCreatedKey(store: VersionsStore, source: PlanSource, order: ListOrder, after: string | null, n: number): Promise<string | null> {
	const index = store.index(source.index as IndexNames<CatalogueSchema, 'versions'>);
	const first = await index.openKeyCursor(keyRange(sourceBounds(source, order, after)), order === 'newest' ? 'prev' : 'next');
	// `advance` skips inside the database: one round trip, not one per entry.
	const nth = first === null || n === 1 ? first : await first.advance(n - 1);
	return nth === null ? null : createdKeyOf(nth.key as RangeKey);
}

/** Of the window ends found, the one nearest the start; null when every range ran out first. */
function _nearest(ends: (string | null)[], order: ListOrder): string | null {
	let nearest: string | null = null;
	for (const end of ends) {
		if (end !== null && (nearest === null || (order === 'newest' ? end > nearest : end < nearest))) nearest = end;
	}
	return nearest;
}

/** The tags (primary keys) of the versions in any of `sources` inside the window: keys only, no values. */
async function _tagsIn(store: VersionsStore, sources: PlanSource[], order: ListOrder, after: string | null, end: string | null): Promise<Set<string>> {
	const lists = await Promise.all(
		sources.map((source) => store.index(source.index as IndexNames<CatalogueSchema, 'versions'>).getAllKeys(keyRange(windowBounds(source, order, after, end))))
	);
	return new Set(lists.flat());
}

/**
 * The stored versions of `tags`, read by raw point requests issued together (idb's promise per request
 * costs more than the read; the transaction stays alive since nothing else is awaited meanwhile).
 */
function _getMany(store: VersionsStore, tags: string[]): Promise<StoredVersion[]> {
	const native = unwrap(store);
	const found: StoredVersion[] = [];
	if (tags.length === 0) return Promise.resolve(found);
	return new Promise((resolve, reject) => {
		let pending = tags.length;
		for (const tag of tags) {
			const request = native.get(tag) as IDBRequest<StoredVersion | undefined>;
			request.onsuccess = () => {
				if (request.result !== undefined) found.push(request.result);
				if (--pending === 0) resolve(found);
			};
			request.onerror = () => reject(request.error);
		}
	});
}
