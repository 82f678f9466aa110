// The BlobStore of the browser, in the Origin Private File System. Runs inside a dedicated worker
// (the shelf's Comlink worker): sync access handles exist nowhere else.
//
// Layout under the root: blobs/<sha256> (content-addressed: identical files stored once) and
// tmp/<random id> (writes in progress, or crash leftovers for clearTemp()).
import { CHUNK_SIZE } from '../../core/byte-streams.ts';
import { ShelfError, toShelfError } from '../../core/errors.ts';
import type { BlobStore } from '../../core/store-types.ts';
import { blobNotFound, isNotFound, isSha256 } from './blob-shared.ts';
import { createHashLink } from './hash-client.ts';
import { openOpfsWriter, type WriterHost } from './opfs-writer.ts';
import { createStorageQuota, isQuotaExceeded, type StorageQuota } from './storage-quota.ts';
import { openBlobReader, verifiedChunks } from './verified-read.ts';

/** Options of {@link openOpfsBlobStore}. */
export interface OpfsBlobStoreOptions {
	/** Directory holding `blobs/` and `tmp/`; the origin's OPFS root when absent. */
	root?: FileSystemDirectoryHandle;
	/** Most bytes stored blobs and in-progress writes may hold together; only the browser's quota when absent. */
	quotaBytes?: number;
}

/** A {@link BlobStore} in OPFS (verified reads hashed in its hash worker), plus its quota and `close()` to stop that worker. */
export interface OpfsBlobStore extends BlobStore {
	/** The store's storage limit and what counts against it; an export into OPFS reserves its bytes here too. */
	readonly quota: StorageQuota;
	/** Terminates the hash worker; writers still open fail. Other methods keep working. */
	close(): void;
}

// `FileSystemHandle.move()` is missing from TypeScript's lib; Chromium has it for OPFS files since 110.
type MovableFileHandle = FileSystemFileHandle & { move?(directory: FileSystemDirectoryHandle, name: string): Promise<void> };

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

	let stored = 0; // bytes in blobs/, valid once `scan` resolved
	// Digests in blobs/ as this tab knows them (valid once `scan` resolved): the scan's, plus what this tab
	// stored, minus what it deleted. Another tab may have changed blobs/ since, so "present" is always
	// checked on disk, while "absent" skips the probe (a throwing getFileHandle, ~0.4 ms per file) and
	// lets the move replace whatever another tab stored under the same name: the same bytes.
	const known = new Set<string>();
	let scan: Promise<void> | null = null;
	const scanned = (): Promise<void> =>
		(scan ??= _scan(blobs, known).then(
			(total) => void (stored = total),
			(error: unknown) => {
				scan = null; // let the next call retry
				throw toShelfError(error);
			}
		));
	const limit = options.quotaBytes ?? null;
	const quota = createStorageQuota(limit, () => stored, () => (limit === null ? Promise.resolve() : scanned()));

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
				const existing = known.has(name) || !renames ? await _fileIn(blobs, name) : null;
				if (existing && existing.size === digest.size) return deduplicate();
				// A blob of the wrong size under this digest can only be a copy cut short; replace it.
				if (existing) {
					await blobs.removeEntry(name);
					stored -= existing.size;
				}
				known.delete(name);
				try {
					await _move(file as MovableFileHandle, () => tmp.removeEntry(id), blobs, name);
				} catch (error) {
					// Stored meanwhile by another tab and open there for reading (the move cannot replace it):
					// the bytes are already in place.
					const now = await _fileIn(blobs, name).catch(() => null);
					if (now && now.size === digest.size) return deduplicate();
					throw error;
				}
				known.add(name);
				stored += digest.size;
				settle();
				return false;
			})
	};

	return {
		async create(expectedSize) {
			let stream;
			try {
				stream = hash.open(); // starts the hash worker on first use
			} catch (error) {
				throw toShelfError(error);
			}
			return openOpfsWriter(host, stream, expectedSize);
		},
		async has(sha256) {
			return isSha256(sha256) && (await _fileIn(blobs, sha256)) !== null;
		},
		async read(sha256) {
			// getFile() is a disk-backed snapshot: no copy of the bytes in memory.
			const file = isSha256(sha256) ? await _fileIn(blobs, sha256) : null;
			if (!file) throw blobNotFound(sha256);
			return file;
		},
		async *readVerified(sha256) {
			if (!isSha256(sha256)) throw blobNotFound(sha256);
			const reader = await openBlobReader(blobs, sha256);
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
				const file = await _fileIn(blobs, sha256);
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
			const names: string[] = [];
			for await (const name of blobs.keys()) if (isSha256(name)) names.push(name);
			return names;
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
			return removed;
		},
		async storedBytes() {
			await scanned();
			return stored;
		},
		quota,
		close() {
			hash.close();
		}
	};
}

// ---------------------------------------------------------------------------------------------------------

/** The file `name` in `dir`, or null when absent. */
async function _fileIn(dir: FileSystemDirectoryHandle, name: string): Promise<File | null> {
	try {
		return await (await dir.getFileHandle(name)).getFile();
	} catch (error) {
		if (isNotFound(error)) return null;
		throw toShelfError(error);
	}
}

/** Total size of the blobs in `dir` (names that are not digests are ignored); their names go into `names`. */
async function _scan(dir: FileSystemDirectoryHandle, names: Set<string>): Promise<number> {
	let total = 0;
	names.clear();
	for await (const [name, entry] of dir.entries()) {
		if (entry.kind !== 'file' || !isSha256(name)) continue;
		total += (await (entry as FileSystemFileHandle).getFile()).size;
		names.add(name);
	}
	return total;
}

/**
 * Moves a closed file to `dir/name`. Uses `move()` (a rename, no copy) where the browser has it, else
 * copies through sync access handles and then calls `removeSource`.
 */
async function _move(
	file: MovableFileHandle,
	removeSource: () => Promise<void>,
	dir: FileSystemDirectoryHandle,
	name: string
): Promise<void> {
	if (typeof file.move === 'function') return file.move(dir, name);
	const target = await dir.getFileHandle(name, { create: true });
	try {
		const from = await file.createSyncAccessHandle();
		try {
			const to = await target.createSyncAccessHandle();
			try {
				const buffer = new Uint8Array(CHUNK_SIZE);
				const size = from.getSize();
				for (let at = 0; at < size; ) {
					const read = from.read(buffer, { at });
					if (read === 0) break;
					to.write(buffer.subarray(0, read), { at });
					at += read;
				}
				to.truncate(size); // the target may exist already (stored by another tab), and be longer
				to.flush();
			} finally {
				to.close();
			}
		} finally {
			from.close();
		}
	} catch (error) {
		await dir.removeEntry(name).catch(() => {});
		throw error;
	}
	await removeSource();
}
