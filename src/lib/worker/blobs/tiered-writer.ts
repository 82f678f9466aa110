// A blob on its way into the OPFS store when it may turn out small (issue 21): its bytes are kept in memory
// up to SMALL_BLOB_MAX and go into the IndexedDB tier in a group commit, hashed in this thread; the first
// byte past that opens an OPFS writer, which takes the kept bytes and everything after. A two-byte file then
// costs no OPFS file, no sync handle, no hash-worker round trip and no transaction of its own.
import { ShelfError, toShelfError } from '../../core/errors.ts';
import type { BlobDigest, BlobExpectation, BlobWriter } from '../../core/store-types.ts';
import { digestBytes } from '../../core/digest.ts';
import { checkExpectation, WriterSteps } from './blob-shared.ts';
import type { StorageQuota } from './storage-quota.ts';

/**
 * Largest blob kept in IndexedDB. Measured in Chromium on the two-byte corpus, one OPFS blob costs ~4 ms in
 * fixed steps (create, sync handle, flush, hash round trip, move): at 64 KiB that is still most of its time,
 * while the bytes stay small enough to be held in memory for dozens of files in flight.
 */
export const SMALL_BLOB_MAX = 64 * 1024;

/** What a tiered writer needs from its store. */
export interface TierHost {
	quota: StorageQuota;
	/** True when the digest is stored in the large tier already (the bytes are then dropped). */
	storedLarge(digest: BlobDigest): Promise<boolean>;
	/** Stores small bytes under their digest in the next group commit; true when deduplicated. */
	putSmall(digest: BlobDigest, bytes: Uint8Array<ArrayBuffer>): Promise<boolean>;
	/** Opens a writer in the large tier, sized for `expectedSize` when known. */
	openLarge(expectedSize?: number): Promise<BlobWriter>;
}

/**
 * A writer that keeps small blobs in memory until commit and hands larger ones to the large tier.
 * @param host the store's two tiers and quota
 * @param expectedSize the announced size (a hint), passed on when the blob goes large
 */
export function openTieredWriter(host: TierHost, expectedSize?: number): BlobWriter {
	return new _TieredWriter(host, expectedSize);
}

class _TieredWriter implements BlobWriter {
	readonly #steps = new WriterSteps();
	#buffer: Uint8Array<ArrayBuffer> = new Uint8Array(0);
	#filled = 0;
	#reserved = 0;
	#large: BlobWriter | null = null;
	readonly #host: TierHost;
	readonly #expectedSize: number | undefined;

	constructor(host: TierHost, expectedSize: number | undefined) {
		this.#host = host;
		this.#expectedSize = expectedSize;
	}

	write(chunk: Uint8Array): Promise<void> {
		return this.#steps.enqueue(async () => {
			this.#steps.assertOpen();
			if (this.#large) return this.#large.write(chunk);
			const size = chunk.byteLength;
			try {
				if (this.#filled + size > SMALL_BLOB_MAX) return await this.#spill(chunk);
				await this.#host.quota.ready();
				this.#steps.assertOpen();
				this.#host.quota.reserve(size);
				this.#reserved += size;
				if (this.#filled + size > this.#buffer.byteLength) {
					const grown = new Uint8Array(Math.min(SMALL_BLOB_MAX, Math.max(this.#filled + size, this.#expectedSize ?? 0, this.#buffer.byteLength * 2)));
					grown.set(this.#buffer.subarray(0, this.#filled));
					this.#buffer = grown;
				}
				this.#buffer.set(chunk, this.#filled);
				this.#filled += size;
			} catch (error) {
				throw this.#steps.fail(toShelfError(error));
			}
		});
	}

	commit(expected?: BlobExpectation): Promise<BlobDigest & { deduplicated: boolean }> {
		return this.#steps.commit(() => this.#commit(expected));
	}

	async #commit(expected: BlobExpectation | undefined): Promise<BlobDigest & { deduplicated: boolean }> {
		try {
			if (this.#large) {
				const digest = await this.#large.commit(expected);
				this.#steps.state = 'committed';
				return digest;
			}
			const bytes = this.#buffer.byteLength === this.#filled ? this.#buffer : this.#buffer.slice(0, this.#filled);
			const actual = await digestBytes(bytes);
			const mismatch = checkExpectation(expected, actual);
			if (mismatch) throw mismatch;
			const deduplicated = (await this.#host.storedLarge(actual)) || (await this.#host.putSmall(actual, bytes));
			this.#steps.state = 'committed';
			return { ...actual, deduplicated };
		} catch (error) {
			throw this.#steps.fail(toShelfError(error));
		} finally {
			this.#drop();
		}
	}

	/** Not queued behind writes (a large writer may be waiting for room); waits for a commit already under way. */
	async abort(): Promise<void> {
		if (!(await this.#steps.abortAfterCommit())) return;
		this.#drop();
		await this.#large?.abort();
	}

	/** Moves to the large tier: the kept bytes first (a copy, which the large writer may transfer), then `chunk`. */
	async #spill(chunk: Uint8Array): Promise<void> {
		const large = await this.#host.openLarge(this.#expectedSize);
		this.#large = large;
		if (this.#steps.state !== 'open') {
			await large.abort(); // aborted while it opened
			this.#steps.assertOpen();
		}
		const kept = this.#buffer.slice(0, this.#filled);
		this.#drop();
		if (kept.byteLength > 0) await large.write(kept);
		await large.write(chunk);
	}

	/** Forgets the kept bytes and gives their room back. */
	#drop(): void {
		this.#buffer = new Uint8Array(0);
		this.#filled = 0;
		this.#host.quota.release(this.#reserved);
		this.#reserved = 0;
	}
}
