// Reading a stored blob back with its SHA-256 checked against its name (BlobStore.readVerified, for export
// and verify), the same way in both stores. The OPFS store reads through a read-only sync access handle
// into pooled buffers (~750 MB/s, no garbage) and hashes in the hash worker while the caller writes the
// bytes; the memory store hashes in its own thread. The last chunk is held back until the digest matches,
// so a consumer never receives all of a damaged blob.
import { CHUNK_SIZE, type RandomAccessSource } from '../../core/byte-streams.ts';
import { createDigest } from '../../core/digest.ts';
import { toShelfError, type ShelfError } from '../../core/errors.ts';
import { blobDamaged, blobNotFound, isNotFound } from './blob-shared.ts';
import { giveBuffer, takeBuffer } from './buffer-pool.ts';
import { blobSource } from '../store/chunks.ts';
import type { HashStream } from './hash-client.ts';

/** Random access to one stored blob's bytes, holding the file open until closed. */
export interface BlobReader extends RandomAccessSource {
	/**
	 * Up to `length` bytes at `at`: a view of a pooled buffer (or a fresh one) the caller owns; shorter only at the end of the file.
	 * @param at offset
	 * @param length bytes wanted, at most {@link CHUNK_SIZE}
	 */
	read(at: number, length: number): Promise<Uint8Array<ArrayBuffer>>;
	/** Releases the file; idempotent. */
	close(): void;
}

type ReadOnlyOpener = { createSyncAccessHandle(options: { readonly mode: string }): Promise<FileSystemSyncAccessHandle> };

/**
 * Opens blob `name` of `dir` for reading: through a read-only sync access handle where the browser has
 * that mode (Chromium 121+; other readers allowed, so exports in two tabs, or a download, can share the
 * blob), else through `File` slices.
 * @param dir the `blobs/` directory
 * @param name the digest
 * @throws ShelfError `NOT_FOUND`
 */
export async function openBlobReader(dir: FileSystemDirectoryHandle, name: string): Promise<BlobReader> {
	let handle: FileSystemFileHandle;
	try {
		handle = await dir.getFileHandle(name);
	} catch (error) {
		if (isNotFound(error)) throw blobNotFound(name);
		throw toShelfError(error);
	}
	const access = await _openReadOnly(handle);
	if (access) {
		const size = access.getSize();
		let open = true;
		return {
			size,
			async read(at, length) {
				const view = takeBuffer(length);
				const got = access.read(view, { at });
				return got === length ? view : view.subarray(0, got);
			},
			close() {
				if (open) access.close();
				open = false;
			}
		};
	}
	return blobReader(await handle.getFile());
}

/**
 * A Blob as a {@link BlobReader} (nothing to close).
 * @param blob the bytes
 */
export function blobReader(blob: Blob): BlobReader {
	return { ...blobSource(blob), close() {} };
}

/**
 * A SHA-256 stream hashed in this thread, for a store without a hash worker (the memory store): it has
 * room at once, and hands each chunk back as soon as it is hashed.
 */
export async function inThreadHashStream(): Promise<HashStream> {
	const digest = await createDigest({ crc32: false });
	return {
		async room() {},
		push(chunk, onReturn) {
			digest.update(chunk);
			onReturn?.(chunk as Uint8Array<ArrayBuffer>);
		},
		finish: async () => digest.digest(),
		drop() {}
	};
}

/**
 * Streams a blob from `reader` while `stream` hashes what was already handed out, then checks the digest
 * before handing out the last chunk. Chunks go to the hash worker after the caller has written them (its
 * next request), so hashing chunk N overlaps reading and writing chunk N+1.
 * @param reader the blob's bytes
 * @param stream a SHA-256 stream in the hash worker; dropped when the generator ends
 * @param sha256 the digest the bytes must have
 * @param mismatch makes the error for a digest that differs (default: `INTEGRITY` naming the blob)
 */
export async function* verifiedChunks(
	reader: BlobReader,
	stream: HashStream,
	sha256: string,
	mismatch: (actual: string) => ShelfError = (actual) => blobDamaged(sha256, actual)
): AsyncGenerator<Uint8Array> {
	let out: Uint8Array<ArrayBuffer> | null = null; // handed to the caller, not yet sent for hashing
	try {
		for (let at = 0; ; ) {
			const length = Math.min(CHUNK_SIZE, reader.size - at);
			const chunk = length > 0 ? await reader.read(at, length) : new Uint8Array(0);
			at += chunk.byteLength;
			if (chunk.byteLength === length && at < reader.size) {
				out = chunk;
				yield chunk;
				out = null;
				await stream.room(chunk.byteLength);
				stream.push(chunk);
				continue;
			}
			// The last chunk (or the file ended early): hashed first, handed out only if the digest matches.
			const size = chunk.byteLength; // push() detaches the chunk
			await stream.room(size);
			const back = new Promise<Uint8Array<ArrayBuffer>>((resolve) => stream.push(chunk, resolve));
			const { sha256: actual } = await stream.finish();
			if (actual !== sha256) throw mismatch(actual);
			// Acknowledgements come in order, before the digest: the bytes are back already.
			out = size > 0 ? await back : null;
			if (out) yield out;
			return;
		}
	} finally {
		stream.drop();
		if (out) giveBuffer(out.buffer);
	}
}

// ---------------------------------------------------------------------------------------------------------

/**
 * A read-only sync access handle, or null where the browser lacks that mode or refuses the handle.
 * The mode is detected by whether the browser reads it from the options (WebIDL converts the dictionary
 * during the call): a browser that ignores it opens an exclusive read-write handle, which would lock the
 * blob against other tabs' exports and deletes; that one is closed again at once.
 */
async function _openReadOnly(handle: FileSystemFileHandle): Promise<FileSystemSyncAccessHandle | null> {
	let understood = false;
	const options = {
		get mode() {
			understood = true;
			return 'read-only';
		}
	};
	try {
		const access = await (handle as unknown as ReadOnlyOpener).createSyncAccessHandle(options);
		if (understood) return access;
		access.close();
	} catch {
		// Held read-write elsewhere (NoModificationAllowedError), or no sync handles here: read the File.
	}
	return null;
}
