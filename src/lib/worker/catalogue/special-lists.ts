// Worker: the listings that do not walk creation order — by a metric (`accuracy`, descending, versions lacking it
// last) and over a small given set of tags (the aliased versions) — inside one read transaction.
import { ShelfError } from '../../core/errors.ts';
import { metricValue } from '../../core/lifecycle/metric-filter.ts';
import type { ListPage, ListQuery, MetricOrder, VersionRecord } from '../../core/store-types.ts';
import { MAX_BATCH, readBatch, type VersionsStore } from './merge-scan.ts';
import { compileFilter, type RangeBounds } from './query-plan.ts';
import { fromStored, type StoredVersion } from './schema.ts';

/** Where a metric listing resumes: inside the metric's range, or among the versions lacking the metric. */
type _MetricCursor = { phase: 'metric'; value: number; createdKey: string } | { phase: 'rest'; createdKey: string };

/**
 * One page ordered by a numeric metadata value, then (ties) by creation; versions lacking the value follow,
 * newest first. The cursor is `m:<value>:<createdKey>` or `r:<createdKey>` (opaque to callers).
 * @param versions the `versions` store of the caller's read transaction
 * @param query filters, `orderBy`, page size and cursor
 * @param limit page size
 */
export async function listByMetric(versions: VersionsStore, query: ListQuery & { orderBy: MetricOrder }, limit: number): Promise<ListPage> {
	const { metadata: key, direction } = query.orderBy;
	const matches = compileFilter(query);
	const allowed = query.tags ? new Set(query.tags) : null;
	const wanted = (stored: StoredVersion) => matches(stored) && (allowed === null || allowed.has(stored.tag));
	const found: Array<{ stored: StoredVersion; cursor: _MetricCursor }> = [];
	let at = _parseCursor(query.cursor);
	const order = direction === 'desc' ? 'newest' : 'oldest';
	if (at === null || at.phase === 'metric') {
		const bounds: RangeBounds = { lower: [key, -Infinity, ''], upper: [key, Infinity, '\uffff'], lowerOpen: false, upperOpen: false };
		if (at !== null) {
			const resume: [string, number, string] = [key, at.value, at.createdKey];
			if (direction === 'desc') Object.assign(bounds, { upper: resume, upperOpen: true });
			else Object.assign(bounds, { lower: resume, lowerOpen: true });
		}
		await _collect(versions, { index: 'by-metric', key }, bounds, order, limit + 1 - found.length, (stored) => {
			if (!wanted(stored)) return false;
			found.push({ stored, cursor: { phase: 'metric', value: metricValue(stored.info.metadata, key)!, createdKey: stored.createdKey } });
			return found.length > limit;
		});
		at = null;
	}
	if (found.length <= limit) {
		const bounds: RangeBounds = { lower: undefined, upper: at?.phase === 'rest' ? at.createdKey : undefined, lowerOpen: false, upperOpen: true };
		await _collect(versions, { index: 'by-created' }, bounds, 'newest', limit + 1 - found.length, (stored) => {
			if (metricValue(stored.info.metadata, key) !== undefined || !wanted(stored)) return false;
			found.push({ stored, cursor: { phase: 'rest', createdKey: stored.createdKey } });
			return found.length > limit;
		});
	}
	const page = found.slice(0, limit);
	const last = page[page.length - 1]?.cursor;
	return { items: page.map(({ stored }) => fromStored(stored)), next: found.length > limit && last ? _formatCursor(last) : null };
}

/**
 * One page of a small set of versions (the aliased ones), filtered and ordered by creation like any listing.
 * @param versions the `versions` store of the caller's read transaction
 * @param query filters (with `tags`), order, page size and cursor (a createdKey)
 * @param limit page size
 */
export async function listTags(versions: VersionsStore, query: ListQuery & { tags: readonly string[] }, limit: number): Promise<ListPage> {
	const matches = compileFilter(query);
	const stored = await Promise.all([...new Set(query.tags)].map((tag) => versions.get(tag)));
	const newest = (query.order ?? 'newest') === 'newest';
	const after = query.cursor ?? null;
	const items = stored
		.filter((record): record is StoredVersion => record !== undefined && matches(record))
		.filter((record) => after === null || (newest ? record.createdKey < after : record.createdKey > after))
		.sort((a, b) => (a.createdKey < b.createdKey) === newest ? 1 : -1)
		.map(fromStored);
	const page: VersionRecord[] = items.slice(0, limit);
	return { items: page, next: items.length > limit ? page[page.length - 1]!.createdKey : null };
}

// ---------------------------------------------------------------------------------------------------

/** Reads a range in batches, handing each value to `take` until it says the page is full. */
async function _collect(versions: VersionsStore, source: { index: 'by-metric'; key: string } | { index: 'by-created' }, bounds: RangeBounds, order: 'newest' | 'oldest', first: number, take: (stored: StoredVersion) => boolean) {
	const index = versions.index(source.index);
	let batch = Math.max(first, 1);
	let range = bounds;
	for (;;) {
		const values = await readBatch(index, range, order, batch);
		for (const stored of values) if (take(stored)) return;
		if (values.length < batch) return;
		const last = values[values.length - 1]!;
		const key = source.index === 'by-created' ? last.createdKey : last.metricEntries.find(([name]) => name === source.key)!;
		range = order === 'newest' ? { ...range, upper: key, upperOpen: true } : { ...range, lower: key, lowerOpen: true };
		batch = Math.min(batch * 2, MAX_BATCH);
	}
}

function _formatCursor(cursor: _MetricCursor): string {
	return cursor.phase === 'metric' ? `m:${cursor.value}:${cursor.createdKey}` : `r:${cursor.createdKey}`;
}

function _parseCursor(text: string | null | undefined): _MetricCursor | null {
	if (text === undefined || text === null || text === '') return null;
	const metric = /^m:([^:]+):([0-9][^~]*~.+)$/.exec(text);
	if (metric && Number.isFinite(Number(metric[1]))) return { phase: 'metric', value: Number(metric[1]), createdKey: metric[2]! };
	const rest = /^r:([0-9][^~]*~.+)$/.exec(text);
	if (rest) return { phase: 'rest', createdKey: rest[1]! };
	throw new ShelfError('UNSUPPORTED', 'This list cursor did not come from a page ordered by a metric. Hint: start again without a cursor.', { cursor: text });
}
