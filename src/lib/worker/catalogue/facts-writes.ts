// Worker: IndexedDB through idb. Facts kept beside versions stored before they existed (issue 17): which
// versions still lack them, and writing them in later. Facts never change a version's tag, files or
// order, so writing them touches only the one record.
import type { IDBPDatabase } from 'idb';
import { FACTS_VERSION, type VersionFacts } from '../../core/inspect/facts.ts';
import type { VersionRecord } from '../../core/store-types.ts';
import type { CatalogueSchema } from './schema.ts';

/** Where a version is: on the shelf (`versions`) or in the trash. */
export type FactsPlace = 'versions' | 'trash';

/** A batch of versions without current facts, and where the next batch starts (null: the walk is done). */
export interface FactsBatch {
	records: VersionRecord[];
	next: string | null;
}

/**
 * Versions (shelf and trash) whose facts are missing or older than {@link FACTS_VERSION}: two counts.
 * @param db the catalogue database
 */
export async function countWithoutFacts(db: IDBPDatabase<CatalogueSchema>): Promise<number> {
	const tx = db.transaction(['versions', 'trash'], 'readonly');
	const current = IDBKeyRange.lowerBound(FACTS_VERSION);
	const [versions, versionsWithFacts, trash, trashWithFacts] = await Promise.all([
		tx.objectStore('versions').count(),
		tx.objectStore('versions').index('by-facts').count(current),
		tx.objectStore('trash').count(),
		tx.objectStore('trash').index('by-facts').count(current)
	]);
	return versions - versionsWithFacts + trash - trashWithFacts;
}

/**
 * Reads `limit` versions of one place in tag order after `after`, and answers those without current facts.
 * @param db the catalogue database
 * @param place the shelf or the trash
 * @param after the last tag of the previous batch, or null to start
 * @param limit versions read per batch
 */
export async function batchWithoutFacts(db: IDBPDatabase<CatalogueSchema>, place: FactsPlace, after: string | null, limit: number): Promise<FactsBatch> {
	const range = after === null ? null : IDBKeyRange.lowerBound(after, true);
	const lacking = (record: VersionRecord) => (record.facts?.factsVersion ?? 0) < FACTS_VERSION;
	if (place === 'versions') {
		const stored = await db.getAll('versions', range, limit);
		return { records: stored.filter(lacking), next: stored.length < limit ? null : stored.at(-1)!.tag };
	}
	const stored = await db.getAll('trash', range, limit);
	return { records: stored.map((trashed) => trashed.record).filter(lacking), next: stored.length < limit ? null : stored.at(-1)!.tag };
}

/**
 * Keeps a version's facts, unless it is gone (deleted for good, or moved between shelf and trash meanwhile)
 * or already has current ones.
 * @param db the catalogue database
 * @param place where the version was read
 * @param tag the version
 * @param facts its facts
 * @returns whether they were written
 */
export async function writeFacts(db: IDBPDatabase<CatalogueSchema>, place: FactsPlace, tag: string, facts: VersionFacts): Promise<boolean> {
	const lacking = (record: VersionRecord | undefined) => record !== undefined && (record.facts?.factsVersion ?? 0) < FACTS_VERSION;
	if (place === 'versions') {
		const tx = db.transaction('versions', 'readwrite');
		const stored = await tx.store.get(tag);
		if (lacking(stored)) await tx.store.put({ ...stored!, facts });
		await tx.done;
		return lacking(stored);
	}
	const tx = db.transaction('trash', 'readwrite');
	const stored = await tx.store.get(tag);
	if (lacking(stored?.record)) await tx.store.put({ ...stored!, record: { ...stored!.record, facts } });
	await tx.done;
	return lacking(stored?.record);
}
