// Worker: IndexedDB through idb. Runs a QueryPlan: each range is read in batches, and several ranges are
// merged in createdKey order.
//
// Why batches: in Chromium every cursor step is a round trip to the database (~0.1 ms with values, measured
// at 100,000 versions), while one `getAll` of a few hundred values costs about as much as a few steps.
// Where `IDBIndex.getAllRecords` exists (Chromium 141+), a descending batch is one request instead of three.
// Only IDB requests are awaited here, so the caller's transaction stays alive while it consumes the
// generator, as long as the caller awaits nothing else either (idb README, "Transaction lifetime").

import { unwrap, type IDBPIndex, type IDBPObjectStore, type IndexNames, type StoreNames } from 'idb';
import type { ListOrder } from '../../core/store-types.ts';
import { sourceBounds, type PlanSource, type QueryPlan, type RangeBounds, type RangeKey } from './query-plan.ts';
import type { CatalogueSchema, StoredVersion } from './schema.ts';

/** The `versions` store in any transaction that includes it. */
export type VersionsStore = IDBPObjectStore<CatalogueSchema, ArrayLike<StoreNames<CatalogueSchema>>, 'versions', IDBTransactionMode>;

/** Largest batch one range reads at a time. */
export const MAX_BATCH = 1024;

/** How {@link scanPlan} reads. */
export interface ScanOptions {
	/**
	 * Entries the whole first read asks for (a list asks for a page and one more). With k ranges, each range's
	 * first read asks for ⌈firstBatch / k⌉ + 1, then doubles up to {@link MAX_BATCH} whenever it runs dry.
	 * Default: {@link MAX_BATCH} per range (a count reads everything anyway).
	 */
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
	const batch = options.firstBatch === undefined ? MAX_BATCH : firstBatchPerRange(options.firstBatch, plan.sources.length);
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

/**
 * What each of `ranges` merged ranges reads first so that together they usually cover `wanted` entries in
 * one read each: the page spread evenly, plus one for a range that turns out to hold more than its share
 * (a text search merges up to 16 name ranges; reading a whole page from each deserialised 8× too much).
 * @param wanted entries the caller expects to consume (a page and one more)
 * @param ranges how many ranges are merged
 */
export function firstBatchPerRange(wanted: number, ranges: number): number {
	const share = ranges > 1 ? Math.ceil(wanted / ranges) + 1 : wanted;
	return Math.max(1, Math.min(share, MAX_BATCH));
}

/**
 * Range bounds as an IDBKeyRange, or null for the whole index.
 * @param bounds from `sourceBounds` or `windowBounds`
 */
export function keyRange({ lower, upper, lowerOpen, upperOpen }: RangeBounds): IDBKeyRange | null {
	if (lower !== undefined && upper !== undefined) return IDBKeyRange.bound(lower, upper, lowerOpen, upperOpen);
	if (lower !== undefined) return IDBKeyRange.lowerBound(lower, lowerOpen);
	if (upper !== undefined) return IDBKeyRange.upperBound(upper, upperOpen);
	return null;
}

// ---------------------------------------------------------------------------------------------------
// Internal helpers

/** Any index of the `versions` store. */
export type VersionsIndex = IDBPIndex<CatalogueSchema, ArrayLike<StoreNames<CatalogueSchema>>, 'versions', IndexNames<CatalogueSchema, 'versions'>, IDBTransactionMode>;

/** One range being read: a buffer of the next entries in order, and where the next read starts. */
type _Stream = { source: PlanSource; after: string | null; batch: number; buffer: StoredVersion[]; at: number; exhausted: boolean };

/**
 * Reads the stream's next batch. In every range a plan uses, the index key of a version ends with its
 * createdKey (schema.ts escapes the separator), so a value's createdKey is where the next read resumes.
 */
async function _refill(store: VersionsStore, stream: _Stream, order: ListOrder): Promise<void> {
	const index = store.index(stream.source.index as IndexNames<CatalogueSchema, 'versions'>);
	const values = await readBatch(index, sourceBounds(stream.source, order, stream.after), order, stream.batch);
	stream.buffer = values;
	stream.at = 0;
	stream.exhausted = values.length < stream.batch;
	stream.after = values[values.length - 1]?.createdKey ?? stream.after;
	stream.batch = Math.min(stream.batch * 2, MAX_BATCH);
}

/** `IDBIndex.getAllRecords` (Chromium 141+; not yet in TypeScript's lib): reads in either direction. */
type _RecordsIndex = IDBIndex & {
	getAllRecords?(options: { query?: IDBKeyRange | null; count?: number; direction?: IDBCursorDirection }): IDBRequest<{ value: StoredVersion }[]>;
};

/**
 * Up to `count` values of a range, in `order`, in one request (`getAllRecords`) or at most three.
 * @param index an index whose keys are unique within the range (every key ends with a createdKey)
 */
export async function readBatch(index: VersionsIndex, bounds: RangeBounds, order: ListOrder, count: number): Promise<StoredVersion[]> {
	if (order === 'oldest') return index.getAll(keyRange(bounds), count);
	const native = unwrap(index) as _RecordsIndex;
	if (typeof native.getAllRecords === 'function') {
		const records = await _request(native.getAllRecords({ query: keyRange(bounds), count, direction: 'prev' }));
		return records.map((record) => record.value);
	}
	// getAll reads ascending only (a direction option exists in recent Chromium alone). So a key cursor finds
	// the count-th entry from the top (`advance` skips inside the database, without a round trip per entry),
	// and one getAll reads up from there. Keys are unique in every index a plan uses.
	const top = await index.openKeyCursor(keyRange(bounds), 'prev');
	if (top === null) return [];
	const bottom = count > 1 ? await top.advance(count - 1) : top;
	const range = bottom === null ? bounds : { ...bounds, lower: bottom.key as RangeKey, lowerOpen: false }; // keys of the index walked
	return (await index.getAll(keyRange(range), count)).reverse();
}

/** A native request as a promise; settles within the transaction, like idb's own wrappers. */
function _request<T>(request: IDBRequest<T>): Promise<T> {
	return new Promise((resolve, reject) => {
		request.onsuccess = () => resolve(request.result);
		request.onerror = () => reject(request.error);
	});
}
