// A dedicated module worker hosting one real blob store for tests/browser/opfs-blob-store.test.ts: the OPFS
// store (with its small-blob tier in IndexedDB), or the IndexedDB store alone. Sync access handles exist only
// in dedicated workers, so the store runs here, as it does in the shelf's worker, and the test page drives it
// through Comlink (bridge.ts keeps ShelfError's code and details).
import { expose } from 'comlink';
import '../../src/lib/bridge.ts';
import { ShelfError } from '../../src/lib/core/errors.ts';
import type { BlobDigest, BlobExpectation, BlobWriter } from '../../src/lib/core/store-types.ts';
import type { IDBPDatabase } from 'idb';
import { openIdbBlobStore, type IdbBlobSchema } from '../../src/lib/worker/blobs/idb-blob-store.ts';
import { openOpfsBlobStore } from '../../src/lib/worker/blobs/opfs-blob-store.ts';
import type { BlobStore } from '../../src/lib/core/store-types.ts';
import { damageIdbBlob, openRaw, plantIdbTemp } from '../unit/idb-blob-fixtures.ts';

/** The store, its OPFS directory (`tmp` null for the IndexedDB store alone) and its IndexedDB database, named like the directory. */
let opened: { store: BlobStore & { close(): void }; root: FileSystemDirectoryHandle; directory: string; tmp: FileSystemDirectoryHandle | null; db: IDBPDatabase<IdbBlobSchema> } | null = null;
/** Writers by the id the page knows them by, kept until dispose() (abort() after commit() is a no-op). */
const writers = new Map<number, BlobWriter>();
let nextWriter = 1;

const current = () => {
	if (!opened) throw new ShelfError('INTERNAL', 'No store is open in this worker: call open() first.');
	return opened;
};
const writer = (id: number) => {
	const found = writers.get(id);
	if (!found) throw new ShelfError('INTERNAL', `No blob writer ${id} in this worker.`);
	return found;
};

/** What the page may call. Writer methods take the writer's id; every other call goes to the one store. */
const host = {
	/**
	 * Opens the store in a new directory `directory` of the origin's OPFS root and a database of that name.
	 * @param directory a name no other test uses
	 * @param quotaBytes the store's quota, if any
	 * @param kind the OPFS store, or the IndexedDB store alone
	 */
	async open(directory: string, quotaBytes?: number, kind: 'opfs' | 'idb' = 'opfs'): Promise<void> {
		if (opened) throw new ShelfError('INTERNAL', 'This worker already holds a store.');
		const origin = await navigator.storage.getDirectory();
		const root = await origin.getDirectoryHandle(directory, { create: true });
		const store = kind === 'opfs' ? await openOpfsBlobStore({ root, quotaBytes, smallBlobsDatabase: directory }) : await openIdbBlobStore({ name: directory, quotaBytes });
		const tmp = kind === 'opfs' ? await root.getDirectoryHandle('tmp') : null;
		opened = { store, root: origin, directory, tmp, db: await openRaw(indexedDB, directory) };
	},
	async create(expectedSize?: number): Promise<number> {
		const id = nextWriter++;
		writers.set(id, await current().store.create(expectedSize));
		return id;
	},
	// write, commit and abort call the writer at once, in the order the page's messages arrive: a page that
	// does not await each write still has its chunks queued in order.
	write(id: number, chunk: Uint8Array): Promise<void> {
		return writer(id).write(chunk);
	},
	commit(id: number, expected?: BlobExpectation): Promise<BlobDigest & { deduplicated: boolean }> {
		return writer(id).commit(expected);
	},
	abort(id: number): Promise<void> {
		return writer(id).abort();
	},
	has: (sha256: string) => current().store.has(sha256),
	read: (sha256: string) => current().store.read(sha256),
	/** Every chunk of a verified read, copied (the store reuses a chunk's buffer for the next one); the read's error if it fails. */
	async readVerified(sha256: string): Promise<Uint8Array[]> {
		const chunks: Uint8Array[] = [];
		for await (const chunk of current().store.readVerified(sha256)) chunks.push(chunk.slice());
		return chunks;
	},
	delete: (sha256: string) => current().store.delete(sha256),
	list: () => current().store.list(),
	clearTemp: () => current().store.clearTemp(),
	storedBytes: () => current().store.storedBytes(),
	/** Leaves `tmp/<name>` behind in the store's directory, written and closed the way a crashed writer leaves it. */
	async plantTemp(name: string, bytes: Uint8Array): Promise<void> {
		const { tmp, db } = current();
		if (!tmp) return plantIdbTemp(db, name, bytes);
		const file = await tmp.getFileHandle(name, { create: true });
		const access = await file.createSyncAccessHandle();
		try {
			access.write(bytes, { at: 0 });
			access.flush();
		} finally {
			access.close();
		}
	},
	/** Flips the bits of byte `at` of stored blob `sha256` in place, in whichever tier holds it. */
	async damage(sha256: string, at: number): Promise<void> {
		const { root, directory, db } = current();
		if (await damageIdbBlob(db, sha256, at)) return;
		const blobs = await (await root.getDirectoryHandle(directory)).getDirectoryHandle('blobs');
		const access = await (await blobs.getFileHandle(sha256)).createSyncAccessHandle();
		try {
			const byte = new Uint8Array(1);
			access.read(byte, { at });
			byte[0]! ^= 0xff;
			access.write(byte, { at });
			access.flush();
		} finally {
			access.close();
		}
	},
	/** Aborts writers still open (closing their handles), stops the hash worker and removes the store's directory. */
	async dispose(): Promise<void> {
		const { store, root, directory, db } = current();
		for (const open of writers.values()) await open.abort();
		writers.clear();
		store.close();
		db.close();
		opened = null;
		await root.removeEntry(directory, { recursive: true });
		await new Promise((resolve) => (indexedDB.deleteDatabase(directory).onsuccess = resolve));
	}
};

/** The worker's API as the page sees it through Comlink. */
export type OpfsContractHost = typeof host;

expose(host);
