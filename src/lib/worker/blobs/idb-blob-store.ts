// The BlobStore in IndexedDB: the OPFS store keeps small blobs here (issue 21: one OPFS file per two-byte
// blob cost ~5 ms), and it is the whole store where OPFS is missing (issue 24).
//
// Database `shelf-blobs`: `blobs` sha256 → { size, id, records }; `chunks` [id, index] → bytes, at most
// RECORD_SIZE each so no record is huge; `temp` id → start time, for writes spanning several transactions.
// A blob becomes visible only when its `blobs` entry is put, in the transaction that puts its last chunk,
// so a crash leaves the whole blob or temp chunks that clearTemp() removes. Commits arriving while one
// transaction runs are grouped into the next (group commit): tiny files share one IndexedDB commit.
import { unwrap, type DBSchema, type IDBPDatabase } from 'idb';
import { ShelfError, toShelfError } from '../../core/errors.ts';
import type { BlobDigest, BlobStore } from '../../core/store-types.ts';
import { allResults } from '../idb-requests.ts';
import { openMigratedDatabase } from '../migrated-database.ts';
import { blobNotFound, isSha256 } from './blob-shared.ts';
import { converted, dropTemp, IdbBlobWriter, RECORD_SIZE, type IdbWriterHost } from './idb-blob-writer.ts';
import { createStorageQuota, type StorageQuota } from './storage-quota.ts';
import { inThreadHashStream, verifiedChunks, type BlobReader } from './verified-read.ts';

/** A stored blob's entry: its size, and the writer id its chunk records are keyed by. */
export interface IdbBlobEntry {
	size: number;
	id: string;
	/** Number of chunk records, [id, 0] … [id, records - 1]. */
	records: number;
}

/** The database's schema (exported for tests that damage a record as a disk would). */
export interface IdbBlobSchema extends DBSchema {
	blobs: { key: string; value: IdbBlobEntry };
	chunks: { key: [string, number]; value: Uint8Array<ArrayBuffer> };
	temp: { key: string; value: number };
}

/** Options of {@link openIdbBlobStore}. */
export interface IdbBlobStoreOptions {
	/** Database name; default `shelf-blobs`. */
	name?: string;
	/** IndexedDB factory; default `globalThis.indexedDB`. */
	factory?: IDBFactory;
	/** Most bytes the store may hold (ignored when `quota` is given). */
	quotaBytes?: number;
	/** A budget shared with another store (the OPFS store counts both tiers against one limit). */
	quota?: StorageQuota;
}

/** A {@link BlobStore} in IndexedDB, plus what the OPFS store needs to keep its small blobs here. */
export interface IdbBlobStore extends BlobStore {
	/** Resolves once {@link IdbBlobStore.bytes} and {@link IdbBlobStore.holds} are right (one scan of the entries). */
	ready(): Promise<void>;
	/** Bytes stored here, as known since ready(). */
	bytes(): number;
	/** Whether this tab knows the digest as stored here (another tab may have changed that: a hint). */
	holds(sha256: string): boolean;
	/**
	 * Stores bytes already in memory and already hashed (at most RECORD_SIZE, see idb-blob-writer.ts), in the next group commit.
	 * @returns true when the digest was stored already (nothing written)
	 */
	put(digest: BlobDigest, bytes: Uint8Array<ArrayBuffer>): Promise<boolean>;
	/** Resolves once every blob committed so far is on disk (group commits are `relaxed`; this one is `strict`). */
	sync(): Promise<void>;
	close(): void;
}

/** Chunk records read per transaction by read(): 16 MiB. */
const READ_BATCH = 16;

const MIGRATIONS = [
	(db: IDBPDatabase<IdbBlobSchema>) => {
		db.createObjectStore('blobs');
		db.createObjectStore('chunks');
		db.createObjectStore('temp');
	}
];

/** One blob waiting for the next group commit. */
interface Finish {
	digest: BlobDigest;
	id: string;
	/** Chunk records written before (under a temp marker), then the last one, if any bytes are left. */
	records: number;
	last: Uint8Array<ArrayBuffer> | null;
	settle: (result: { deduplicated: boolean } | { error: unknown }) => void;
}

/**
 * Opens (creating when needed) the IndexedDB blob store.
 * @param options database, factory and quota
 * @example
 * const store = await openIdbBlobStore();
 * const writer = await store.create(5);
 * await writer.write(new TextEncoder().encode('hello'));
 * await writer.commit({ size: 5 });
 */
export async function openIdbBlobStore(options: IdbBlobStoreOptions = {}): Promise<IdbBlobStore> {
	const db = await openMigratedDatabase<IdbBlobSchema>({ name: options.name ?? 'shelf-blobs', factory: options.factory, migrations: MIGRATIONS, what: 'blob store' });
	const known = new Set<string>();
	const liveTemp = new Set<string>();
	let stored = 0;
	let scan: Promise<void> | null = null;
	const ready = () =>
		(scan ??= (async () => {
			const tx = db.transaction('blobs');
			const [keys, entries] = await Promise.all([tx.store.getAllKeys(), tx.store.getAll()]);
			known.clear();
			for (const key of keys) known.add(key);
			stored = entries.reduce((sum, entry) => sum + entry.size, 0);
		})().catch((error: unknown) => {
			scan = null;
			throw toShelfError(error);
		}));
	const quota = options.quota ?? createStorageQuota(options.quotaBytes ?? null, () => stored, ready);

	let unsynced = false; // a relaxed commit happened since the last strict one
	let queue: Finish[] = [];
	let flushing = false;
	const flush = async () => {
		flushing = true;
		while (queue.length > 0) {
			const batch = queue;
			queue = [];
			await _commitBatch(db, batch).then(
				(outcomes) => {
					unsynced = true;
					batch.forEach((finish, index) => {
						const deduplicated = outcomes[index]!;
						if (!deduplicated) {
							known.add(finish.digest.sha256);
							stored += finish.digest.size;
						}
						finish.settle({ deduplicated });
					});
				},
				(error: unknown) => batch.forEach((finish) => finish.settle({ error }))
			);
		}
		flushing = false;
	};
	const finish = async (digest: BlobDigest, id: string, records: number, last: Uint8Array<ArrayBuffer> | null) => {
		await ready(); // the scan's total must not overwrite what this commit adds
		return new Promise<boolean>((resolve, reject) => {
			queue.push({ digest, id, records, last, settle: (result) => ('error' in result ? reject(converted(result.error, quota)) : resolve(result.deduplicated)) });
			if (!flushing) void flush();
		});
	};

	const host: IdbWriterHost = { db, quota, liveTemp, finish };
	const entryOf = async (sha256: string) => (isSha256(sha256) ? db.get('blobs', sha256) : undefined);
	// Where this is the whole store (issue 24), blobs are GiBs: records are read READ_BATCH at a time and folded
	// into the Blob, so this thread holds one batch (the browser's blob storage holds the rest; Chromium pages
	// it to disk). A small blob is one transaction, entry and chunks together.
	const read = async (sha256: string): Promise<Blob> => {
		const tx = db.transaction(['blobs', 'chunks']);
		const entry = isSha256(sha256) ? await tx.objectStore('blobs').get(sha256) : undefined;
		if (!entry) throw blobNotFound(sha256);
		const first = Math.min(entry.records, READ_BATCH);
		let blob = new Blob(first === 0 ? [] : await tx.objectStore('chunks').getAll(_range(entry.id, first)));
		for (let start = first; start < entry.records; start += READ_BATCH) {
			const count = Math.min(READ_BATCH, entry.records - start);
			const parts = await db.getAll('chunks', IDBKeyRange.bound([entry.id, start], [entry.id, start + count - 1]));
			if (parts.length !== count) throw blobNotFound(sha256); // deleted meanwhile (ids are never reused)
			blob = new Blob([blob, ...parts]);
		}
		return blob;
	};

	return {
		ready,
		bytes: () => stored,
		holds: (sha256) => known.has(sha256),
		async sync() {
			if (!unsynced) return;
			unsynced = false;
			// A strict commit syncs the database's log, and with it every relaxed commit written before it.
			try {
				const tx = db.transaction('temp', 'readwrite', { durability: 'strict' });
				void tx.store.delete('sync');
				await tx.done;
			} catch (error) {
				unsynced = true;
				throw toShelfError(error);
			}
		},
		put: (digest, bytes) => finish(digest, crypto.randomUUID(), bytes.byteLength > 0 ? 1 : 0, bytes.byteLength > 0 ? bytes : null),
		create: async () => new IdbBlobWriter(host),
		async has(sha256) {
			const present = (await entryOf(sha256)) !== undefined;
			if (present) known.add(sha256);
			return present;
		},
		read,
		async *readVerified(sha256) {
			const entry = await entryOf(sha256);
			if (!entry) throw blobNotFound(sha256);
			yield* verifiedChunks(_recordReader(db, sha256, entry), await inThreadHashStream(), sha256);
		},
		async delete(sha256) {
			if (!isSha256(sha256)) return;
			await ready();
			const tx = db.transaction(['blobs', 'chunks'], 'readwrite');
			const entry = await tx.objectStore('blobs').get(sha256);
			if (entry) {
				void tx.objectStore('blobs').delete(sha256);
				void tx.objectStore('chunks').delete(_range(entry.id, entry.records));
			}
			await tx.done;
			known.delete(sha256);
			if (entry) stored -= entry.size;
		},
		async list() {
			const keys = (await db.getAllKeys('blobs')).filter(isSha256);
			for (const key of keys) known.add(key); // another tab's blobs too, so that delete() finds them
			return keys;
		},
		async clearTemp() {
			const ids = (await db.getAllKeys('temp')).filter((id) => !liveTemp.has(id));
			for (const id of ids) await dropTemp(db, id);
			return ids.length;
		},
		async storedBytes() {
			await ready();
			return stored;
		},
		close: () => db.close()
	};
}

// ---------------------------------------------------------------------------------------------------------

/**
 * One transaction for a batch of finished blobs: each is put unless its digest is stored already (or put
 * earlier in the batch), in which case its chunk records go. Durability `relaxed` (no disk sync per batch):
 * sync() makes them durable before a catalogue record points at them.
 * @returns per blob, whether it was deduplicated
 */
async function _commitBatch(db: IDBPDatabase<IdbBlobSchema>, batch: readonly Finish[]): Promise<boolean[]> {
	const tx = db.transaction(['blobs', 'chunks', 'temp'], 'readwrite', { durability: 'relaxed' });
	// Raw requests (see idb-requests.ts): a batch is up to thousands of tiny blobs; failures surface in tx.done.
	const blobs = unwrap(tx.objectStore('blobs'));
	const chunks = unwrap(tx.objectStore('chunks'));
	const temp = unwrap(tx.objectStore('temp'));
	const existing = await allResults(batch.map((finish) => blobs.getKey(finish.digest.sha256)));
	const taken = new Set<string>();
	const outcomes = batch.map((finish, index) => {
		const sha256 = finish.digest.sha256;
		const earlier = finish.records - (finish.last ? 1 : 0); // records put before, under a temp marker
		const deduplicated = existing[index] !== undefined || taken.has(sha256);
		if (deduplicated) {
			if (earlier > 0) chunks.delete(_range(finish.id, earlier));
		} else {
			taken.add(sha256);
			if (finish.last) chunks.put(finish.last, [finish.id, finish.records - 1]);
			blobs.put({ size: finish.digest.size, id: finish.id, records: finish.records }, sha256);
		}
		if (earlier > 0) temp.delete(finish.id);
		return deduplicated;
	});
	await tx.done;
	return outcomes;
}

/**
 * A stored blob read straight from its chunk records, for readVerified (export, verify): each read is one
 * transaction over the records it covers, and the next read of the same length is fetched while the caller
 * works on this one. Reading through read()'s Blob instead copied every byte into the browser's blob storage
 * and back (export of 64 MiB without OPFS: 3.1 s, of which the Blob constructor alone 0.47 s).
 * A record shorter than RECORD_SIZE before the last (damage) makes a short read, which verifiedChunks
 * reports as `INTEGRITY`; a record gone (the blob deleted meanwhile) is `NOT_FOUND`.
 */
function _recordReader(db: IDBPDatabase<IdbBlobSchema>, sha256: string, entry: IdbBlobEntry): BlobReader {
	const fetchRange = async (at: number, length: number): Promise<Uint8Array<ArrayBuffer>> => {
		const first = Math.floor(at / RECORD_SIZE);
		const last = Math.min(entry.records, Math.ceil((at + length) / RECORD_SIZE)) - 1;
		const records = last < first ? [] : await db.getAll('chunks', IDBKeyRange.bound([entry.id, first], [entry.id, last]));
		if (records.length !== last - first + 1) throw blobNotFound(sha256);
		const out = new Uint8Array(length);
		let filled = 0;
		let skip = at - first * RECORD_SIZE;
		for (const record of records) {
			const piece = record.subarray(Math.min(skip, record.byteLength), Math.min(record.byteLength, skip + length - filled));
			out.set(piece, filled);
			filled += piece.byteLength;
			skip = 0;
			if (record.byteLength < RECORD_SIZE) break; // a short record ends the bytes: the rest would be misplaced
		}
		return filled === length ? out : out.subarray(0, filled);
	};
	let ahead: { at: number; length: number; bytes: Promise<Uint8Array<ArrayBuffer>> } | null = null;
	return {
		size: entry.size,
		async read(at, length) {
			const bytes = ahead && ahead.at === at && ahead.length === length ? ahead.bytes : fetchRange(at, length);
			ahead = null;
			const next = at + length;
			if (next < entry.size) {
				const coming = fetchRange(next, Math.min(length, entry.size - next));
				coming.catch(() => {}); // surfaces when (if) that read is asked for
				ahead = { at: next, length: Math.min(length, entry.size - next), bytes: coming };
			}
			return bytes;
		},
		close() {
			ahead = null;
		}
	};
}

/** Chunk records [id, 0] … [id, records - 1]. */
function _range(id: string, records: number): IDBKeyRange {
	return IDBKeyRange.bound([id, 0], [id, Math.max(0, records - 1)]);
}
