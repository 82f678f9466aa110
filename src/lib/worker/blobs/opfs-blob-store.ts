// The BlobStore of the browser, in the Origin Private File System. Runs inside a dedicated worker
// (the shelf's Comlink worker): sync access handles exist nowhere else.
//
// Layout under the root: blobs/<sha256> (content-addressed: identical files stored once) and
// tmp/<random id> (writes in progress, or crash leftovers for clearTemp()). Blobs of at most SMALL_BLOB_MAX
// bytes live in the IndexedDB blob store instead (issue 21, tiered-writer.ts): every method answers for
// both tiers, so no reader knows where a blob is.
import { ShelfError, toShelfError } from '../../core/errors.ts';
import type { BlobStore } from '../../core/store-types.ts';
import { blobNotFound, isNotFound, isSha256 } from './blob-shared.ts';
import { createHashLink } from './hash-client.ts';
import { openIdbBlobStore, type IdbBlobStore } from './idb-blob-store.ts';
import { fileIn, moveFile, scanBlobs, type MovableFileHandle } from './opfs-files.ts';
import { openOpfsWriter, type WriterHost } from './opfs-writer.ts';
import { createStorageQuota, isQuotaExceeded, type StorageQuota } from './storage-quota.ts';
import { openTieredWriter, SMALL_BLOB_MAX, type TierHost } from './tiered-writer.ts';
import { openBlobReader, verifiedChunks } from './verified-read.ts';

/** Options of {@link openOpfsBlobStore}. */
export interface OpfsBlobStoreOptions {
	/** Directory holding `blobs/` and `tmp/`; the origin's OPFS root when absent. */
	root?: FileSystemDirectoryHandle;
	/** Most bytes stored blobs and in-progress writes may hold together; only the browser's quota when absent. */
	quotaBytes?: number;
	/** Name of the IndexedDB database of small blobs; default `shelf-blobs`. */
	smallBlobsDatabase?: string;
}

/** A {@link BlobStore} in OPFS (verified reads hashed in its hash worker), plus its quota and `close()` to stop that worker. */
export interface OpfsBlobStore extends BlobStore {
	/** The store's storage limit and what counts against it; an export into OPFS reserves its bytes here too. */
	readonly quota: StorageQuota;
	/** Terminates the hash worker and closes the small blobs' database; writers still open fail. */
	close(): void;
}

/**
 * Opens (creating when needed) a content-addressed blob store in OPFS. Call it from a dedicated worker.
 * Writers hash in a second worker while they write, so a save runs near the speed of the slower of the two.
 * @param options root directory and quota
 * @example
 * const store = await openOpfsBlobStore({ quotaBytes: 2 ** 30 });
 * const writer = await store.create();
 * try {
 *   for await (const chunk of file.stream()) await writer.write(chunk);
 *   const { sha256, deduplicated } = await writer.commit({ size: file.size });
 * } catch (error) {
 *   await writer.abort();
 *   throw error;
 * }
 */
export async function openOpfsBlobStore(options: OpfsBlobStoreOptions = {}): Promise<OpfsBlobStore> {
	const root = options.root ?? (await navigator.storage.getDirectory());
	const blobs = await root.getDirectoryHandle('blobs', { create: true });
	const tmp = await root.getDirectoryHandle('tmp', { create: true });
	const liveTemp = new Set<string>();
	// One long-lived worker for all writers of this store, started on the first write.
	const hash = createHashLink(() => new Worker(new URL('./hash-worker.ts', import.meta.url), { type: 'module' }));

	let stored = 0; // bytes in blobs/, valid once `scan` resolved (the small tier counts its own)
	// Digests in blobs/ as this tab knows them (valid once `scan` resolved): the scan's, plus what this tab
	// stored, minus what it deleted. Another tab may have changed blobs/ since, so "present" is always
	// checked on disk, while "absent" skips the probe (a throwing getFileHandle, ~0.4 ms per file) and
	// lets the move replace whatever another tab stored under the same name: the same bytes.
	const known = new Set<string>();
	let scan: Promise<void> | null = null;
	const scanned = (): Promise<void> =>
		(scan ??= Promise.all([scanBlobs(blobs, known), small.ready()]).then(
			([total]) => void (stored = total),
			(error: unknown) => {
				scan = null; // let the next call retry
				throw toShelfError(error);
			}
		));
	const limit = options.quotaBytes ?? null;
	const quota = createStorageQuota(limit, () => stored + small.bytes(), () => (limit === null ? Promise.resolve() : scanned()));
	// Opened here so that its bytes count against the same limit.
	const small: IdbBlobStore = await openIdbBlobStore({ name: options.smallBlobsDatabase, quota });

	// Commits and deletes run one at a time: "is this digest stored?" followed by a move must not
	// interleave with another writer committing the same digest, or the total would count it twice.
	let lock: Promise<unknown> = Promise.resolve();
	const serial = <T>(step: () => Promise<T>): Promise<T> => {
		const run = lock.then(step);
		lock = run.catch(() => {});
		return run;
	};

	const host: WriterHost = {
		tmp,
		liveTemp,
		quota,
		convert(error, size) {
			if (error instanceof ShelfError) return error;
			if (isQuotaExceeded(error)) return quota.full(size, error);
			return toShelfError(error);
		},
		finalize: (file, id, digest, settle) =>
			serial(async () => {
				await scanned();
				const name = digest.sha256;
				const deduplicate = async () => {
					await tmp.removeEntry(id);
					known.add(name);
					settle();
					return true;
				};
				// Without move() the copy would write into an existing blob in place: always look first then.
				const renames = typeof (file as MovableFileHandle).move === 'function';
				const existing = known.has(name) || !renames ? await fileIn(blobs, name) : null;
				if (existing && existing.size === digest.size) return deduplicate();
				// A blob of the wrong size under this digest can only be a copy cut short; replace it.
				if (existing) {
					await blobs.removeEntry(name);
					stored -= existing.size;
				}
				known.delete(name);
				try {
					await moveFile(file as MovableFileHandle, () => tmp.removeEntry(id), blobs, name);
				} catch (error) {
					// Stored meanwhile by another tab and open there for reading (the move cannot replace it):
					// the bytes are already in place.
					const now = await fileIn(blobs, name).catch(() => null);
					if (now && now.size === digest.size) return deduplicate();
					throw error;
				}
				known.add(name);
				stored += digest.size;
				settle();
				return false;
			})
	};

	const openLarge = async (expectedSize?: number) => {
		let stream;
		try {
			stream = hash.open({ crc32: false }); // starts the hash worker on first use; the writer computes the CRC-32
		} catch (error) {
			throw toShelfError(error);
		}
		return openOpfsWriter(host, stream, expectedSize);
	};
	const tiers: TierHost = {
		quota,
		// A blob stored in OPFS before the small tier existed (or by a writer whose hint was too large) is not stored twice.
		async storedLarge(digest) {
			await scanned();
			return known.has(digest.sha256) && (await fileIn(blobs, digest.sha256))?.size === digest.size;
		},
		putSmall: async (digest, bytes) => {
			await scanned();
			return small.put(digest, bytes);
		},
		openLarge
	};
	/** Where a blob is looked for first: the small tier when this tab knows it there. */
	const smallFirst = async (sha256: string) => {
		await small.ready();
		return small.holds(sha256);
	};
	const opfsFile = async (sha256: string) => (isSha256(sha256) ? fileIn(blobs, sha256) : null);

	return {
		async create(expectedSize) {
			return expectedSize !== undefined && expectedSize > SMALL_BLOB_MAX ? openLarge(expectedSize) : openTieredWriter(tiers, expectedSize);
		},
		async has(sha256) {
			if (await smallFirst(sha256)) return (await small.has(sha256)) || (await opfsFile(sha256)) !== null;
			return (await opfsFile(sha256)) !== null || (await small.has(sha256));
		},
		async read(sha256) {
			if (await smallFirst(sha256)) return small.read(sha256).catch(async (error: unknown) => (await opfsFile(sha256)) ?? Promise.reject(error));
			// getFile() is a disk-backed snapshot: no copy of the bytes in memory.
			return (await opfsFile(sha256)) ?? small.read(sha256);
		},
		async *readVerified(sha256) {
			if (!isSha256(sha256)) throw blobNotFound(sha256);
			let reader;
			try {
				if (await smallFirst(sha256)) throw blobNotFound(sha256);
				reader = await openBlobReader(blobs, sha256);
			} catch (error) {
				if (!(error instanceof ShelfError && error.code === 'NOT_FOUND')) throw error;
				if (await small.has(sha256)) return yield* small.readVerified(sha256);
				reader = await openBlobReader(blobs, sha256);
			}
			try {
				yield* verifiedChunks(reader, hash.open({ crc32: false }), sha256);
			} finally {
				reader.close();
			}
		},
		delete: (sha256) =>
			serial(async () => {
				if (!isSha256(sha256)) return;
				await scanned();
				// Both tiers: a digest is in one, but an old or another tab's write may have put it in the other.
				const inSmall = small.holds(sha256);
				if (inSmall || !known.has(sha256)) await small.delete(sha256);
				if (inSmall && !known.has(sha256)) return;
				const file = await fileIn(blobs, sha256);
				if (!file) return void known.delete(sha256);
				try {
					await blobs.removeEntry(sha256);
				} catch (error) {
					if (isNotFound(error)) return void known.delete(sha256);
					// Open for reading (an export, here or in another tab): left for the next fsck, which
					// removes unreferenced blobs. Failing here would fail a delete whose record is gone already.
					if ((error as { name?: unknown }).name === 'NoModificationAllowedError') return;
					throw toShelfError(error);
				}
				known.delete(sha256);
				stored -= file.size;
			}),
		async list() {
			const names = new Set(await small.list());
			for await (const name of blobs.keys()) if (isSha256(name)) names.add(name);
			return [...names];
		},
		async clearTemp() {
			// Names first: removing entries while iterating a directory may skip some.
			const names: string[] = [];
			for await (const name of tmp.keys()) if (!liveTemp.has(name)) names.push(name);
			let removed = 0;
			for (const name of names) {
				try {
					await tmp.removeEntry(name, { recursive: true });
					removed += 1;
				} catch (error) {
					// Gone already, or open in another tab's worker (NoModificationAllowedError): not ours to remove.
					if (!isNotFound(error) && (error as { name?: unknown }).name !== 'NoModificationAllowedError') throw toShelfError(error);
				}
			}
			return removed + (await small.clearTemp());
		},
		async storedBytes() {
			await scanned();
			return stored + small.bytes();
		},
		// OPFS blobs are flushed before they move into blobs/; the small tier commits lazily.
		sync: () => small.sync(),
		quota,
		close() {
			hash.close();
			small.close();
		}
	};
}
