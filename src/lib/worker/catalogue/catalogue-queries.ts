// Worker: answering listings and counts inside one read transaction of the catalogue (idb-catalogue.ts),
// with the plan query-plan.ts chooses and the scan merge-scan.ts runs.
import type { IDBPTransaction } from 'idb';
import { ShelfError } from '../../core/errors.ts';
import type { ListPage, ListQuery, VersionRecord } from '../../core/store-types.ts';
import { MAX_BATCH, scanPlan } from './merge-scan.ts';
import { compileFilter, exactCount, planQuery, type PlanStats, type QueryFilter } from './query-plan.ts';
import { readNames } from './name-directory.ts';
import { fromStored, type CatalogueSchema } from './schema.ts';
import { listByMetric, listTags } from './special-lists.ts';
import { scanWindows } from './window-scan.ts';

/** Page size when a query gives none. */
export const DEFAULT_LIMIT = 50;

/** The stores a listing or count reads: versions, name summaries, the names and label counts. */
export const QUERY_STORES = ['versions', 'names', 'name-directory', 'label-counts'] as const;

/** A read transaction over {@link QUERY_STORES}. */
export type ReadTransaction = IDBPTransaction<CatalogueSchema, (typeof QUERY_STORES)[number][], 'readonly'>;

/**
 * One page of matching versions, ordered by createdKey. `limit` is floored and at least 1 (default 50).
 * @param tx the transaction to read in
 * @param query filters, order and page size
 * @param after the checked cursor (see {@link checkedCursor}), or null for the first page
 */
export async function listPage(tx: ReadTransaction, query: ListQuery, after: string | null): Promise<ListPage> {
	const order = query.order ?? 'newest';
	const limit = query.limit === undefined || Number.isNaN(query.limit) ? DEFAULT_LIMIT : Math.max(1, Math.floor(query.limit));
	if (query.orderBy) return listByMetric(tx.objectStore('versions'), { ...query, orderBy: query.orderBy }, limit);
	if (query.tags) return listTags(tx.objectStore('versions'), { ...query, tags: query.tags }, limit);
	const plan = await planQuery(query, planStats(tx));
	const matches = compileFilter(query);
	const items: VersionRecord[] = [];
	let more = false;
	// One match past the page tells whether there is a next page, so the last page says null.
	const store = tx.objectStore('versions');
	const wanted = firstRead(limit + 1, plan.density);
	// With filters, a page checks them on index keys and reads only the versions that pass (window-scan.ts).
	const scan = plan.filters?.length ? scanWindows(store, plan, order, after, wanted) : scanPlan(store, plan, order, after, { firstBatch: wanted });
	for await (const stored of scan) {
		if (!matches(stored)) continue;
		if (items.length === limit) {
			more = true;
			break;
		}
		items.push(fromStored(stored));
	}
	return { items, next: more ? (items[items.length - 1] as VersionRecord).createdKey : null };
}

/**
 * Entries a page reads first: the page (and one more) when most candidates match; when the plan expects only a
 * share of them to match, enough for the page at that share with a quarter to spare, so that one read usually
 * does (a selector whose other requirement passes 1 candidate in 4 read 357 versions in three reads, issue 21).
 * @param wanted matches the page needs
 * @param density the plan's expected share of matching candidates, if known
 */
export function firstRead(wanted: number, density: number | undefined): number {
	if (density === undefined || density >= 1) return wanted;
	return Math.min(MAX_BATCH, Math.ceil((wanted * 1.25) / Math.max(density, 1 / MAX_BATCH)));
}

/**
 * Number of versions matching `query`: from counts alone where the indexes answer it exactly, else by a scan.
 * @param tx the transaction to read in
 * @param query the filters
 */
export async function countMatches(tx: ReadTransaction, query: QueryFilter): Promise<number> {
	const versions = tx.objectStore('versions');
	const exact = exactCount(query);
	if (exact?.kind === 'all') return versions.count();
	if (exact?.kind === 'name') return (await tx.objectStore('names').get(exact.name))?.count ?? 0;
	if (exact !== null) {
		const stats = planStats(tx);
		const counts = await Promise.all([exact.negate ? versions.count() : 0, ...(exact.kind === 'key' ? [stats.keyCount(exact.key)] : exact.pairs.map(stats.pairCount))]);
		const [total = 0, ...parts] = counts;
		const selected = parts.reduce((sum, count) => sum + count, 0);
		return exact.negate ? total - selected : selected;
	}
	const plan = await planQuery(query, planStats(tx));
	const matches = compileFilter(query);
	let total = 0;
	for await (const stored of scanPlan(versions, plan, 'oldest', null)) if (matches(stored)) total++;
	return total;
}

/**
 * The counts the query planner weighs, read in `tx`.
 * @param tx the transaction to read in
 */
export function planStats(tx: ReadTransaction): PlanStats {
	const names = tx.objectStore('names');
	const labels = tx.objectStore('label-counts');
	// Point reads of counts the writes keep (label-counts.ts), never a walk of an index range.
	return {
		summary: (name) => names.get(name),
		names: () => readNames(tx.objectStore('name-directory')),
		pairCount: async (pair) => (await labels.get(['pair', pair]))?.count ?? 0,
		keyCount: async (key) => (await labels.get(['key', key]))?.count ?? 0
	};
}

/**
 * A list cursor as given, checked, or null for none. `next` is the last item's createdKey (treat it as
 * opaque); the next page starts strictly after it, so versions added or removed between pages neither repeat
 * nor shift items.
 * @param cursor from the previous page's `next`
 * @throws ShelfError `UNSUPPORTED` for a cursor that no page returned
 */
export function checkedCursor(cursor: string | null | undefined): string | null {
	if (cursor === undefined || cursor === null || cursor === '') return null;
	if (typeof cursor !== 'string' || !_CURSOR.test(cursor)) {
		throw new ShelfError('UNSUPPORTED', 'This list cursor did not come from a page of the catalogue. Hint: start again without a cursor.', { cursor });
	}
	return cursor;
}

// ---------------------------------------------------------------------------------------------------

/**
 * What every createdKey looks like (a time starting with a digit, `~`, a tag), and all the range bounds
 * need: a cursor outside this shape could put a range's lower bound above its upper one.
 */
const _CURSOR = /^[0-9][^~]*~[^~]+$/;
