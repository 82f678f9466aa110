// Worker: IndexedDB through idb. How many versions on the shelf carry each label pair and each label key,
// kept in the `label-counts` store by the same transactions that add and remove versions (issue 21).
//
// Why a store and not `IDBIndex.count`: the planner weighs every pair a selector names, and an index count walks
// its whole range inside the database. At 100,000 versions `count('stage=production')` took 1–2.5 s on a
// loaded disk profile (Chromium 156, LevelDB) and dominated a 300 ms selector on Chromium 150; a stored count is
// one point read, whatever the size of the range.

import type { IDBPObjectStore, StoreNames } from 'idb';
import type { CatalogueSchema, StoredVersion } from './schema.ts';

/** A label pair (`key=value`) or a label key, as counted; pairs and keys are told apart by `kind`, never by `=`. */
export type LabelKind = 'pair' | 'key';

/** One count of the `label-counts` store; a label no shelf version carries has no row. */
export interface StoredLabelCount {
	kind: LabelKind;
	/** The pair as `by-label` indexes it (`stage=production`), or the key (`stage`). */
	text: string;
	/** Versions on the shelf (not in the trash) carrying it. */
	count: number;
}

/** The index fields a count is taken from: exactly what `by-label` and `by-label-key` index. */
export type LabelFields = Pick<StoredVersion, 'labelPairs' | 'labelKeys'>;

/** The `label-counts` store in a readwrite transaction that includes it. */
export type LabelCountsStore = IDBPObjectStore<CatalogueSchema, ArrayLike<StoreNames<CatalogueSchema>>, 'label-counts', 'readwrite'>;

/**
 * Adds (`delta` 1) or removes (-1) versions' labels from the counts, in the caller's readwrite transaction.
 * Every label is read and written once however many versions carry it, with the requests issued together.
 * @param store the `label-counts` store of the caller's transaction
 * @param versions the versions added to or removed from the shelf
 * @param delta 1 when they arrive, -1 when they leave
 */
export async function changeLabelCounts(store: LabelCountsStore, versions: readonly LabelFields[], delta: 1 | -1): Promise<void> {
	const changes = tallyLabels(versions, delta);
	await Promise.all(
		changes.map(async ({ kind, text, count: change }) => {
			const count = ((await store.get([kind, text]))?.count ?? 0) + change;
			await (count > 0 ? store.put({ kind, text, count }) : store.delete([kind, text]));
		})
	);
}

/**
 * The counts `versions` add up to, each label once, times `delta`.
 * @param versions index fields of versions
 * @param delta what each version counts for
 */
export function tallyLabels(versions: readonly LabelFields[], delta = 1): StoredLabelCount[] {
	const pairs = new Map<string, number>();
	const keys = new Map<string, number>();
	for (const { labelPairs, labelKeys } of versions) {
		for (const pair of labelPairs) pairs.set(pair, (pairs.get(pair) ?? 0) + delta);
		for (const key of labelKeys) keys.set(key, (keys.get(key) ?? 0) + delta);
	}
	const rows = (kind: LabelKind, counts: Map<string, number>) => [...counts].map(([text, count]): StoredLabelCount => ({ kind, text, count }));
	return [...rows('pair', pairs), ...rows('key', keys)];
}

/**
 * Fills the counts from the versions already stored (the schema step that adds the store). Raw requests, each
 * queued from the last one's success, as a migration may only queue IDB work: a few thousand values a request.
 * @param versions the native `versions` store of the upgrade transaction
 * @param counts the native, new and empty `label-counts` store of the same transaction
 */
export function countStoredLabels(versions: IDBObjectStore, counts: IDBObjectStore): void {
	const batch = 4096;
	const seen: LabelFields[] = [];
	const read = (after: string | null) => {
		const request = versions.getAll(after === null ? null : IDBKeyRange.lowerBound(after, true), batch);
		request.onsuccess = () => {
			const values = request.result as StoredVersion[];
			for (const { labelPairs, labelKeys } of values) seen.push({ labelPairs, labelKeys });
			if (values.length === batch) return read(values[values.length - 1]!.tag);
			for (const row of tallyLabels(seen)) counts.put(row);
		};
	};
	read(null);
}
