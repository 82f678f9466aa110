// Node + browser: the reference BlobStore, held in memory. Node tests use it, and the OPFS store must
// behave the same: tests/unit/blob-store-contract.ts is run on both, on this store in Node
// (tests/unit/memory-blob-store.test.ts) and on the OPFS store in Chromium (tests/browser/opfs-blob-store.test.ts).
import { concatBytes } from '../../core/byte-streams.ts';
import { ShelfError, toShelfError } from '../../core/errors.ts';
import type { BlobDigest, BlobExpectation, BlobStore, BlobWriter } from '../../core/store-types.ts';
import { blobNotFound, checkExpectation, isSha256, wholeBuffer } from './blob-shared.ts';
import { createStorageQuota } from './storage-quota.ts';
import { blobReader, inThreadHashStream, verifiedChunks } from './verified-read.ts';
import { createDigest } from '../../core/digest.ts';

/**
 * Where a memory store keeps its bytes, the counterpart of an OPFS root directory. Share one between
 * two stores to model reopening after a restart; put entries in `tmp` by hand to model a crash.
 */
export interface MemoryVolume {
	/** Stored blobs by digest. */
	blobs: Map<string, Uint8Array<ArrayBuffer>>;
	/** Temporary files by id, as the chunks written so far. */
	tmp: Map<string, Uint8Array<ArrayBuffer>[]>;
}

/** Options of {@link createMemoryBlobStore}. */
export interface MemoryBlobStoreOptions {
	/** Most bytes stored blobs and in-progress writes may hold together; unlimited when absent. */
	quotaBytes?: number;
	/** Where the bytes live; a fresh empty volume when absent. */
	volume?: MemoryVolume;
}

/** Creates an empty {@link MemoryVolume}. */
export function createMemoryVolume(): MemoryVolume {
	return { blobs: new Map(), tmp: new Map() };
}

/**
 * Creates a blob store held in memory: writes go to a temporary list and become visible under their
 * digest only at commit. Like the OPFS store it takes ownership of whole chunk buffers (detaching them),
 * so that code reusing a buffer after `write` fails in Node tests too.
 * @param options quota and volume
 * @example
 * const store = createMemoryBlobStore({ quotaBytes: 1 << 20 });
 * const writer = await store.create();
 * await writer.write(new TextEncoder().encode('hello'));
 * const { sha256 } = await writer.commit({ size: 5 });
 */
export function createMemoryBlobStore(options: MemoryBlobStoreOptions = {}): BlobStore {
	const volume = options.volume ?? createMemoryVolume();
	const liveTemp = new Set<string>();
	const stored = () => [...volume.blobs.values()].reduce((sum, bytes) => sum + bytes.byteLength, 0);
	const quota = createStorageQuota(options.quotaBytes ?? null, stored);

	// The size hint changes nothing here: chunks are kept as they come, so the memory store behaves the
	// same with a hint that is right, wrong or absent (the OPFS store only uses it to size its file).
	async function create(_expectedSize?: number): Promise<BlobWriter> {
		const id = crypto.randomUUID();
		const digest = await createDigest();
		const chunks: Uint8Array<ArrayBuffer>[] = [];
		volume.tmp.set(id, chunks);
		liveTemp.add(id);
		let state: 'open' | 'committed' | 'aborted' | 'failed' = 'open';
		let failure: ShelfError | null = null;
		let reserved = 0;

		const release = () => {
			quota.release(reserved);
			reserved = 0;
			volume.tmp.delete(id);
			liveTemp.delete(id);
		};
		const assertOpen = () => {
			if (state === 'open') return;
			if (failure) throw failure;
			throw new ShelfError(state === 'aborted' ? 'ABORTED' : 'INTERNAL', `This blob writer is ${state}: start a new one.`);
		};

		return {
			async write(chunk) {
				assertOpen();
				if (chunk.byteLength === 0) return;
				try {
					quota.reserve(chunk.byteLength);
				} catch (error) {
					state = 'failed';
					failure = toShelfError(error);
					throw failure;
				}
				reserved += chunk.byteLength;
				const owned = _take(chunk);
				chunks.push(owned);
				digest.update(owned);
			},
			async commit(expected?: BlobExpectation) {
				assertOpen();
				const actual = digest.digest();
				const mismatch = checkExpectation(expected, actual);
				if (mismatch) {
					state = 'failed';
					failure = mismatch;
					release();
					throw mismatch;
				}
				const deduplicated = volume.blobs.has(actual.sha256);
				if (!deduplicated) volume.blobs.set(actual.sha256, concatBytes(chunks));
				state = 'committed';
				release();
				return { ...actual, deduplicated };
			},
			async abort() {
				if (state === 'committed') return;
				if (state === 'open') state = 'aborted';
				release();
			}
		};
	}

	const blob = (sha256: string) => {
		const bytes = isSha256(sha256) ? volume.blobs.get(sha256) : undefined;
		if (!bytes) throw blobNotFound(sha256);
		return new Blob([bytes]);
	};

	return {
		create,
		async has(sha256) {
			return isSha256(sha256) && volume.blobs.has(sha256);
		},
		read: async (sha256) => blob(sha256),
		async *readVerified(sha256) {
			yield* verifiedChunks(blobReader(blob(sha256)), await inThreadHashStream(), sha256);
		},
		async delete(sha256) {
			volume.blobs.delete(sha256);
		},
		async list() {
			return [...volume.blobs.keys()];
		},
		async clearTemp() {
			const leftovers = [...volume.tmp.keys()].filter((id) => !liveTemp.has(id));
			for (const id of leftovers) volume.tmp.delete(id);
			return leftovers.length;
		},
		async storedBytes() {
			return stored();
		}
	};
}

// ---------------------------------------------------------------------------------------------------------

/** Takes ownership of a chunk the way postMessage with a transfer list does, copying views and shared memory. */
function _take(chunk: Uint8Array): Uint8Array<ArrayBuffer> {
	const buffer = wholeBuffer(chunk);
	if (buffer) {
		try {
			return new Uint8Array(structuredClone(buffer, { transfer: [buffer] }));
		} catch {
			// Not transferable (e.g. WebAssembly memory): fall through to a copy.
		}
	}
	return new Uint8Array(chunk);
}
