// One blob on its way into the OPFS store: written to tmp/<id> through a sync access handle while the
// hash worker digests the chunks already written (SHA-256) and this thread computes their CRC-32.
import { openCrc32, type StreamingCrc32 } from '../../core/digest.ts';
import { ShelfError } from '../../core/errors.ts';
import type { BlobDigest, BlobExpectation, BlobWriter } from '../../core/store-types.ts';
import { checkExpectation, WriterSteps } from './blob-shared.ts';
import type { HashStream } from './hash-client.ts';
import { isQuotaExceeded, type StorageQuota } from './storage-quota.ts';

/** What a writer needs from its store (opfs-blob-store.ts). */
export interface WriterHost {
	/** The `tmp/` directory. */
	tmp: FileSystemDirectoryHandle;
	/** Ids of temporary files owned by live writers, which clearTemp() must leave alone. */
	liveTemp: Set<string>;
	/** The store's byte budget: temporary bytes are reserved before they are written. */
	quota: StorageQuota;
	/** Turns anything thrown while writing `size` bytes into a ShelfError (QuotaExceededError → `STORAGE_FULL`). */
	convert(error: unknown, size: number): ShelfError;
	/** Moves the closed temporary file under its digest; calls `settle` once the bytes count as stored; true when deduplicated. */
	finalize(file: FileSystemFileHandle, id: string, digest: BlobDigest, settle: () => void): Promise<boolean>;
}

/** One-chunk blobs from this size up are sized with truncate() before their one write. */
const PRESIZE_MIN = 1024 * 1024;

/**
 * Written bytes flushed to disk at most this far behind the writes. The writer waits on the hash worker
 * for much of an import (SHA-256 is the slower side); flushing as it goes puts the disk's work in that wait,
 * where one flush at commit (1.4–1.7 s per GiB, per-chunk trace in docs/benchmarks.md) came after it.
 */
export const FLUSH_EVERY = 64 * 1024 * 1024;

/** Largest step by which a temporary file is grown ahead of its writes. */
const MAX_GROWTH = 256 * 1024 * 1024;

/**
 * Creates `tmp/<random id>` and opens its sync access handle (dedicated workers only).
 * @param host the store
 * @param stream this writer's SHA-256 in the hash worker (opened without CRC-32: this thread computes it)
 * @param expectedSize the blob's final size when known: the file is then sized once, not grown step by step
 */
export async function openOpfsWriter(host: WriterHost, stream: HashStream, expectedSize?: number): Promise<BlobWriter> {
	const id = crypto.randomUUID();
	host.liveTemp.add(id);
	let file: FileSystemFileHandle | undefined;
	let crc: StreamingCrc32 | undefined;
	try {
		crc = await openCrc32();
		file = await host.tmp.getFileHandle(id, { create: true });
		const access = await file.createSyncAccessHandle();
		return new OpfsBlobWriter(host, stream, crc, id, file, access, _validSize(expectedSize));
	} catch (error) {
		crc?.release();
		stream.drop();
		if (file) await host.tmp.removeEntry(id).catch(() => {});
		host.liveTemp.delete(id);
		throw host.convert(error, 0);
	}
}

// ---------------------------------------------------------------------------------------------------------

class OpfsBlobWriter implements BlobWriter {
	readonly #steps = new WriterSteps();
	#access: FileSystemSyncAccessHandle | null;
	#offset = 0;
	/** Bytes known to be on disk (flushed). */
	#flushedAt = 0;
	/** File size set ahead of the writes by #growFor() (0 until it first grows the file). */
	#allocated = 0;
	/** False once growing ahead hit the browser's quota. */
	#growAhead = true;
	/** The announced final size (0: unknown); the file is sized to it at the first write. */
	readonly #expectedSize: number;
	#reserved = 0;
	#removed = false;
	#aborting: Promise<void> | null = null;

	private readonly host: WriterHost;
	private readonly stream: HashStream;
	private readonly crc: StreamingCrc32;
	private readonly id: string;
	private readonly file: FileSystemFileHandle;

	constructor(host: WriterHost, stream: HashStream, crc: StreamingCrc32, id: string, file: FileSystemFileHandle, access: FileSystemSyncAccessHandle, expectedSize: number) {
		this.host = host;
		this.#expectedSize = expectedSize;
		this.stream = stream;
		this.crc = crc;
		this.id = id;
		this.file = file;
		this.#access = access;
	}

	write(chunk: Uint8Array): Promise<void> {
		return this.#steps.enqueue(() => this.#write(chunk));
	}

	commit(expected?: BlobExpectation): Promise<BlobDigest & { deduplicated: boolean }> {
		return this.#steps.commit(() => this.#commit(expected));
	}

	abort(): Promise<void> {
		// Not queued behind writes: an abort must not wait for backpressure. It does wait for a commit
		// already moving the file, then leaves a committed blob alone.
		this.#aborting ??= (async () => {
			if (await this.#steps.abortAfterCommit()) await this.#cleanup();
		})();
		return this.#aborting;
	}

	async #write(chunk: Uint8Array): Promise<void> {
		this.#steps.assertOpen();
		const size = chunk.byteLength;
		if (size === 0) return;
		await this.host.quota.ready();
		this.#steps.assertOpen(); // abort() may have run while we waited
		const access = this.#access;
		let pending = size; // bytes not yet counted by the store, for the STORAGE_FULL details
		try {
			if (!access) throw new ShelfError('INTERNAL', 'The temporary file is closed.');
			// The quota is checked before a byte is written, so a refused write leaves nothing new on disk.
			this.host.quota.reserve(size);
			this.#reserved += size;
			pending = 0;
			this.#growFor(access, size);
			const written = access.write(chunk, { at: this.#offset });
			this.#offset += written;
			// A short write without an exception only happens when the disk or origin is out of space.
			if (written !== size) throw new DOMException('Short write to the temporary file.', 'QuotaExceededError');
			// Backpressure after the bytes are on disk: this write overlapped the hashing of earlier chunks,
			// and the caller's next chunk waits until the hash worker holds fewer than a few.
			await this.stream.room(size);
			// Only now may the buffer go: transferring detaches it.
			this.crc.update(chunk);
			this.stream.push(chunk);
			if (this.#offset - this.#flushedAt >= FLUSH_EVERY) {
				access.flush();
				this.#flushedAt = this.#offset;
			}
		} catch (error) {
			throw this.#steps.fail(this.host.convert(error, pending));
		}
	}

	async #commit(expected: BlobExpectation | undefined): Promise<BlobDigest & { deduplicated: boolean }> {
		try {
			const access = this.#access;
			this.#access = null;
			if (access) {
				try {
					if (this.#allocated > this.#offset) access.truncate(this.#offset);
					access.flush();
				} finally {
					access.close();
				}
			}
			const actual = { ...(await this.stream.finish()), crc32: this.crc.value() };
			this.crc.release();
			if (actual.size !== this.#offset) {
				throw new ShelfError('INTERNAL', `Hashed ${actual.size} bytes but wrote ${this.#offset}.`);
			}
			const mismatch = checkExpectation(expected, actual);
			if (mismatch) {
				await this.#cleanup();
				throw mismatch;
			}
			const deduplicated = await this.host.finalize(this.file, this.id, actual, () => {
				this.#removed = true;
				this.host.quota.release(this.#reserved);
				this.#reserved = 0;
			});
			this.#steps.state = 'committed';
			return { ...actual, deduplicated };
		} catch (error) {
			throw this.#steps.fail(this.host.convert(error, 0));
		}
	}

	/**
	 * Grows the file ahead of the next write: to the announced size at once when there is one (a
	 * single truncate, ~1 s per GiB, where eight doubling steps cost 2.4 s), else (or past it)
	 * doubling up to {@link MAX_GROWTH}. Measured in headless Chromium 156: writes that extend a new OPFS
	 * file run at ~85 MB/s, the same writes into a file already grown by truncate() at 120–160 MB/s.
	 * commit() truncates the file back to what was written.
	 */
	#growFor(access: FileSystemSyncAccessHandle, size: number): void {
		const current = Math.max(this.#allocated, this.#offset);
		const needed = this.#offset + size;
		if (!this.#growAhead || needed <= current) return;
		const target = needed <= this.#expectedSize ? this.#expectedSize : Math.max(needed, Math.min(current * 2, current + MAX_GROWTH));
		// When the write itself reaches the target it could size the file, but writes extending a new file are
		// the slow kind: only a small one-chunk blob skips the truncate (one sync call per tiny file adds up).
		if (target === needed && needed < PRESIZE_MIN) return;
		try {
			access.truncate(target);
			this.#allocated = target;
		} catch (error) {
			// Near the browser's quota the extra room may not exist while the bytes themselves still fit:
			// stop growing ahead and let the write itself say whether the storage is full.
			if (!isQuotaExceeded(error)) throw error;
			this.#growAhead = false;
		}
	}

	/** Closes the handle, removes the temporary file and returns its bytes to the quota; idempotent. */
	async #cleanup(): Promise<void> {
		this.stream.drop();
		this.crc.release();
		try {
			this.#access?.close();
		} catch {
			// Already closed by the browser: nothing to release.
		}
		this.#access = null;
		if (!this.#removed) {
			this.#removed = true;
			// A file that cannot be removed now is a leftover for clearTemp(): throwing here would hide
			// the failure the caller is cleaning up after.
			await this.host.tmp.removeEntry(this.id).catch(() => {});
		}
		this.host.quota.release(this.#reserved);
		this.#reserved = 0;
		this.host.liveTemp.delete(this.id);
	}
}

/** A usable size hint, or 0 (unknown) for anything that is not a positive safe integer. */
function _validSize(size: number | undefined): number {
	return size !== undefined && Number.isSafeInteger(size) && size > 0 ? size : 0;
}
