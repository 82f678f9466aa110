// Worker: IndexedDB through idb. Runs a QueryPlan: each range is read in batches, and several ranges are
// merged in createdKey order.
//
// Why batches: in Chromium every cursor step is a round trip to the database (~0.1 ms with values, measured
// at 100,000 versions), while one `getAll` of a few hundred values costs about as much as a few steps.
// Only IDB requests are awaited here, so the caller's transaction stays alive while it consumes the
// generator, as long as the caller awaits nothing else either (idb README, "Transaction lifetime").

import type { IDBPIndex, IDBPObjectStore, IndexNames, StoreNames } from 'idb';
import type { ListOrder } from '../../core/store-types.ts';
import { sourceBounds, type PlanSource, type QueryPlan, type RangeBounds } from './query-plan.ts';
import type { CatalogueSchema, StoredVersion } from './schema.ts';

/** The `versions` store in any transaction that includes it. */
export type VersionsStore = IDBPObjectStore<CatalogueSchema, ArrayLike<StoreNames<CatalogueSchema>>, 'versions', IDBTransactionMode>;

/** Largest batch one range reads at a time. */
export const MAX_BATCH = 1024;

/** How {@link scanPlan} reads. */
export interface ScanOptions {
	/** Entries the first read of each range asks for (then doubling up to {@link MAX_BATCH}); a list asks for a page and one more. */
	firstBatch?: number;
}

/**
 * Yields the stored versions a plan visits, in `order` by createdKey, starting strictly after `after`.
 * Several ranges are merged k-way; a version met in two ranges is yielded once. Callers filter what
 * they get: a plan's ranges only hold candidates.
 * @param store the `versions` store of the caller's transaction
 * @param plan from `planQuery`
 * @param order newest (descending) or oldest (ascending)
 * @param after the createdKey to resume after, or null to start at the beginning
 * @param options batch sizes
 */
export async function* scanPlan(
	store: VersionsStore,
	plan: QueryPlan,
	order: ListOrder,
	after: string | null,
	options: ScanOptions = {}
): AsyncGenerator<StoredVersion, void, undefined> {
	const batch = Math.max(1, Math.min(options.firstBatch ?? MAX_BATCH, MAX_BATCH));
	const streams = plan.sources.map((source): _Stream => ({ source, after, batch, buffer: [], at: 0, exhausted: false }));
	await Promise.all(streams.map((stream) => _refill(store, stream, order)));
	const comesFirst = order === 'newest' ? (a: string, b: string) => a > b : (a: string, b: string) => a < b;
	let previous: string | undefined;
	for (;;) {
		let best: _Stream | undefined;
		let bestKey = '';
		for (const stream of streams) {
			const head = stream.buffer[stream.at];
			if (head !== undefined && (best === undefined || comesFirst(head.createdKey, bestKey))) [best, bestKey] = [stream, head.createdKey];
		}
		if (best === undefined) return;
		if (bestKey !== previous) {
			previous = bestKey;
			yield best.buffer[best.at] as StoredVersion;
		}
		best.at++;
		if (best.at === best.buffer.length && !best.exhausted) await _refill(store, best, order);
	}
}

// ---------------------------------------------------------------------------------------------------
// Internal helpers

type _Index = IDBPIndex<CatalogueSchema, ArrayLike<StoreNames<CatalogueSchema>>, 'versions', IndexNames<CatalogueSchema, 'versions'>, IDBTransactionMode>;

/** One range being read: a buffer of the next entries in order, and where the next read starts. */
type _Stream = { source: PlanSource; after: string | null; batch: number; buffer: StoredVersion[]; at: number; exhausted: boolean };

/**
 * Reads the stream's next batch. In every range a plan uses, the index key of a version ends with its
 * createdKey (schema.ts escapes the separator), so a value's createdKey is where the next read resumes.
 */
async function _refill(store: VersionsStore, stream: _Stream, order: ListOrder): Promise<void> {
	const index = store.index(stream.source.index as IndexNames<CatalogueSchema, 'versions'>);
	const values = await _readBatch(index, sourceBounds(stream.source, order, stream.after), order, stream.batch);
	stream.buffer = values;
	stream.at = 0;
	stream.exhausted = values.length < stream.batch;
	stream.after = values[values.length - 1]?.createdKey ?? stream.after;
	stream.batch = Math.min(stream.batch * 2, MAX_BATCH);
}

/** Up to `count` values of a range, in `order`, in at most three requests. */
async function _readBatch(index: _Index, bounds: RangeBounds, order: ListOrder, count: number): Promise<StoredVersion[]> {
	if (order === 'oldest') return index.getAll(_keyRange(bounds), count);
	// getAll reads ascending only (a direction option exists in recent Chromium alone). So a key cursor finds
	// the count-th entry from the top (`advance` skips inside the database, without a round trip per entry),
	// and one getAll reads up from there. Keys are unique in every index a plan uses.
	const top = await index.openKeyCursor(_keyRange(bounds), 'prev');
	if (top === null) return [];
	const bottom = count > 1 ? await top.advance(count - 1) : top;
	const range = bottom === null ? bounds : { ...bounds, lower: bottom.key, lowerOpen: false };
	return (await index.getAll(_keyRange(range), count)).reverse();
}

function _keyRange({ lower, upper, lowerOpen, upperOpen }: RangeBounds): IDBKeyRange | null {
	if (lower !== undefined && upper !== undefined) return IDBKeyRange.bound(lower, upper, lowerOpen, upperOpen);
	if (lower !== undefined) return IDBKeyRange.lowerBound(lower, lowerOpen);
	if (upper !== undefined) return IDBKeyRange.upperBound(upper, upperOpen);
	return null;
}
