// Test hooks on the IndexedDB blob store's database, from outside the store, as a crash or a damaged disk
// would leave it (idb-blob-store.ts describes the layout). Used in Node (fake-indexeddb) and in Chromium.
import { wrap, type IDBPDatabase } from 'idb';
import type { IdbBlobSchema } from '../../src/lib/worker/blobs/idb-blob-store.ts';

/** Opens the database `name` on `factory` (the store created it). */
export async function openRaw(factory: IDBFactory, name: string): Promise<IDBPDatabase<IdbBlobSchema>> {
	return (await wrap(factory.open(name))) as unknown as IDBPDatabase<IdbBlobSchema>;
}

/** Leaves a write's temp marker and its bytes as one chunk record, as a crash mid-write does. */
export async function plantIdbTemp(db: IDBPDatabase<IdbBlobSchema>, id: string, bytes: Uint8Array): Promise<void> {
	const tx = db.transaction(['chunks', 'temp'], 'readwrite');
	void tx.objectStore('temp').put(Date.now(), id);
	if (bytes.byteLength > 0) void tx.objectStore('chunks').put(new Uint8Array(bytes), [id, 0]);
	await tx.done;
}

/**
 * Flips the bits of byte `at` of stored blob `sha256`, in the chunk record holding it.
 * @returns false when the blob is not in this database
 */
export async function damageIdbBlob(db: IDBPDatabase<IdbBlobSchema>, sha256: string, at: number): Promise<boolean> {
	const entry = await db.get('blobs', sha256);
	if (!entry) return false;
	const tx = db.transaction('chunks', 'readwrite');
	let offset = 0;
	for (let index = 0; index < entry.records; index++) {
		const record = (await tx.store.get([entry.id, index]))!;
		if (at < offset + record.byteLength) {
			const damaged = new Uint8Array(record);
			damaged[at - offset]! ^= 0xff;
			await tx.store.put(damaged, [entry.id, index]);
			break;
		}
		offset += record.byteLength;
	}
	await tx.done;
	return true;
}
