// One blob on its way into the IndexedDB blob store (idb-blob-store.ts): bytes collected into records of
// RECORD_SIZE, full records written at once under a temp marker, the last one with the blob's entry in a
// group commit. A blob of one record is a single transaction, shared with other writers' commits.
import type { IDBPDatabase } from 'idb';
import { createDigest, digestBytes, type StreamingDigest } from '../../core/digest.ts';
import { ShelfError, toShelfError } from '../../core/errors.ts';
import type { BlobDigest, BlobExpectation, BlobWriter } from '../../core/store-types.ts';
import { checkExpectation, WriterSteps } from './blob-shared.ts';
import type { IdbBlobSchema } from './idb-blob-store.ts';
import { isQuotaExceeded, type StorageQuota } from './storage-quota.ts';

/** Bytes per chunk record: no record is huge, and a stream holds one record in memory. */
export const RECORD_SIZE = 1024 * 1024;

/** What a writer needs from its store. */
export interface IdbWriterHost {
	db: IDBPDatabase<IdbBlobSchema>;
	quota: StorageQuota;
	liveTemp: Set<string>;
	finish(digest: BlobDigest, id: string, records: number, last: Uint8Array<ArrayBuffer> | null): Promise<boolean>;
}

/** A writer of the IndexedDB blob store. */
export class IdbBlobWriter implements BlobWriter {
	readonly #steps = new WriterSteps();
	#buffer: Uint8Array<ArrayBuffer> = new Uint8Array(0);
	#filled = 0;
	#records = 0;
	#digest: StreamingDigest | null = null;
	#reserved = 0;
	readonly #id = crypto.randomUUID();
	readonly #host: IdbWriterHost;

	constructor(host: IdbWriterHost) {
		this.#host = host;
		host.liveTemp.add(this.#id);
	}

	write(chunk: Uint8Array): Promise<void> {
		return this.#steps.enqueue(async () => {
			this.#steps.assertOpen();
			try {
				await this.#host.quota.ready();
				this.#host.quota.reserve(chunk.byteLength);
				this.#reserved += chunk.byteLength;
				for (let at = 0; at < chunk.byteLength; ) {
					if (this.#filled === RECORD_SIZE) await this.#flushRecord();
					if (this.#buffer.byteLength === this.#filled) this.#grow(chunk.byteLength - at);
					const take = Math.min(this.#buffer.byteLength - this.#filled, chunk.byteLength - at);
					this.#buffer.set(chunk.subarray(at, at + take), this.#filled);
					this.#filled += take;
					at += take;
				}
			} catch (error) {
				throw this.#steps.fail(converted(error, this.#host.quota));
			}
		});
	}

	commit(expected?: BlobExpectation): Promise<BlobDigest & { deduplicated: boolean }> {
		return this.#steps.enqueue(async () => {
			this.#steps.assertOpen();
			try {
				const last = this.#buffer.subarray(0, this.#filled);
				let actual: BlobDigest;
				if (this.#digest) {
					this.#digest.update(last);
					actual = { ...this.#digest.digest() };
				} else actual = await digestBytes(last);
				const mismatch = checkExpectation(expected, actual);
				if (mismatch) throw mismatch;
				const deduplicated = await this.#host.finish(actual, this.#id, this.#records + (this.#filled > 0 ? 1 : 0), this.#filled > 0 ? last.slice() : null);
				this.#steps.state = 'committed';
				this.#release();
				return { ...actual, deduplicated };
			} catch (error) {
				const failure = this.#steps.fail(converted(error, this.#host.quota));
				await this.#cleanup();
				throw failure;
			}
		});
	}

	async abort(): Promise<void> {
		await this.#steps.settled();
		if (await this.#steps.abortAfterCommit()) await this.#cleanup();
	}

	/** Sizes the buffer for what is coming: small blobs get a small buffer, streams RECORD_SIZE. */
	#grow(coming: number): void {
		const size = Math.min(RECORD_SIZE, Math.max(this.#filled + coming, this.#buffer.byteLength * 2));
		const grown = new Uint8Array(size);
		grown.set(this.#buffer.subarray(0, this.#filled));
		this.#buffer = grown;
	}

	async #flushRecord(): Promise<void> {
		this.#digest ??= await createDigest();
		const record = this.#buffer;
		this.#digest.update(record);
		const tx = this.#host.db.transaction(['chunks', 'temp'], 'readwrite');
		if (this.#records === 0) void tx.objectStore('temp').put(Date.now(), this.#id);
		void tx.objectStore('chunks').put(record, [this.#id, this.#records]);
		await tx.done;
		this.#records += 1;
		this.#buffer = new Uint8Array(RECORD_SIZE);
		this.#filled = 0;
	}

	async #cleanup(): Promise<void> {
		this.#buffer = new Uint8Array(0);
		this.#filled = 0;
		if (this.#records > 0) await dropTemp(this.#host.db, this.#id).catch(() => {}); // else clearTemp() will
		this.#records = 0;
		this.#release();
	}

	#release(): void {
		this.#host.quota.release(this.#reserved);
		this.#reserved = 0;
		this.#host.liveTemp.delete(this.#id);
	}
}

/** Removes a write's temp chunk records and marker. */
export async function dropTemp(db: IDBPDatabase<IdbBlobSchema>, id: string): Promise<void> {
	const tx = db.transaction(['chunks', 'temp'], 'readwrite');
	void tx.objectStore('chunks').delete(IDBKeyRange.bound([id, 0], [id, Infinity]));
	void tx.objectStore('temp').delete(id);
	await tx.done;
}

/** A ShelfError for anything a write threw (QuotaExceededError → `STORAGE_FULL`). */
export function converted(error: unknown, quota: StorageQuota): ShelfError {
	if (error instanceof ShelfError) return error;
	if (isQuotaExceeded(error)) return quota.full(0, error);
	return toShelfError(error);
}
