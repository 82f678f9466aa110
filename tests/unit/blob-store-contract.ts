// The BlobStore contract, run on every implementation: the memory store in Node
// (tests/unit/memory-blob-store.test.ts) and the OPFS store in Chromium, inside a dedicated worker
// (tests/browser/opfs-blob-store.test.ts, the `browser` Vitest project). It uses only what both runtimes
// have: WebCrypto for reference SHA-256 values and a table CRC-32.
import { afterEach, describe, expect, it } from 'vitest';
import { CHUNK_SIZE } from '../../src/lib/core/byte-streams.ts';
import { ShelfError } from '../../src/lib/core/errors.ts';
import type { BlobDigest, BlobStore, BlobWriter } from '../../src/lib/core/store-types.ts';

/** A store under test, with the hooks the contract needs. */
export interface ContractSubject {
	store: BlobStore;
	/** Leaves a temporary file named `name` behind in the store's storage, as a crash would. */
	plantTemp(name: string, bytes: Uint8Array): Promise<void>;
	/** Flips the bits of byte `at` of stored blob `sha256` in place, as damage on disk would. */
	damage(sha256: string, at: number): Promise<void>;
	/** Releases the store (workers, directories) after each test. */
	dispose?(): Promise<void>;
}

/** Opens a fresh, empty store; `quotaBytes` must be honoured when given. */
export type MakeStore = (options: { quotaBytes?: number }) => ContractSubject | Promise<ContractSubject>;

/**
 * Declares the BlobStore contract suite for one implementation.
 * @param name implementation name shown in the report
 * @param makeStore opens a fresh, empty store for each test
 */
export function describeBlobStoreContract(name: string, makeStore: MakeStore, options: { flushEvery?: number } = {}): void {
	describe(`BlobStore contract: ${name}`, () => {
		const opened: ContractSubject[] = [];
		const open = async (storeOptions: { quotaBytes?: number } = {}) => {
			const subject = await makeStore(storeOptions);
			opened.push(subject);
			return subject;
		};
		afterEach(async () => {
			for (const subject of opened.splice(0)) await subject.dispose?.();
		});

		it('commits bytes written in several chunks under their SHA-256, size and CRC-32', async () => {
			const { store } = await open();
			const bytes = pseudoRandom(300_001, 1);
			const writer = await store.create();
			await writeInChunks(writer, bytes, 65_536);
			expect(await writer.commit()).toEqual({ ...(await reference(bytes)), deduplicated: false });
		});

		it('reads back identical bytes', async () => {
			const { store } = await open();
			const bytes = pseudoRandom(1_000_003, 2);
			const { sha256 } = await save(store, bytes, 77_777);
			expect(await store.has(sha256)).toBe(true);
			expectSameBytes(await readBytes(await store.read(sha256)), bytes);
		});

		it('copies chunks that are views into a bigger buffer and leaves that buffer usable', async () => {
			const { store } = await open();
			const bytes = pseudoRandom(50_000, 3);
			const writer = await store.create();
			for (let at = 0; at < bytes.length; at += 9_999) await writer.write(bytes.subarray(at, at + 9_999));
			expect(bytes.byteLength).toBe(50_000);
			const { sha256 } = await writer.commit(await reference(bytes));
			expectSameBytes(await readBytes(await store.read(sha256)), bytes);
		});

		it('keeps writes in order when the caller does not await each one', async () => {
			const { store } = await open();
			const bytes = pseudoRandom(200_000, 4);
			const writer = await store.create();
			const writes = chunksOf(bytes, 10_000).map((chunk) => writer.write(chunk));
			const [digest] = await Promise.all([writer.commit(), ...writes]);
			expect(digest.sha256).toBe((await reference(bytes)).sha256);
		});

		it('stores identical bytes once and reports the second commit as deduplicated', async () => {
			const { store } = await open();
			const bytes = pseudoRandom(123_456, 5);
			const first = await save(store, bytes, 50_000);
			const second = await save(store, bytes, 30_000);
			expect(first.deduplicated).toBe(false);
			expect(second).toEqual({ ...first, deduplicated: true });
			expect(await store.list()).toEqual([first.sha256]);
			expect(await store.storedBytes()).toBe(bytes.length);
		});

		it('keeps concurrent writers apart', async () => {
			const { store } = await open();
			const [a, b] = [pseudoRandom(100_000, 6), pseudoRandom(80_000, 7)];
			const [wa, wb] = [await store.create(), await store.create()];
			const [ca, cb] = [chunksOf(a, 7_000), chunksOf(b, 5_000)];
			for (let i = 0; i < Math.max(ca.length, cb.length); i++) {
				if (ca[i]) await wa.write(ca[i]!);
				if (cb[i]) await wb.write(cb[i]!);
			}
			expect(await wb.commit()).toEqual({ ...(await reference(b)), deduplicated: false });
			expect(await wa.commit()).toEqual({ ...(await reference(a)), deduplicated: false });
			expect((await store.list()).sort()).toEqual([(await reference(a)).sha256, (await reference(b)).sha256].sort());
		});

		it('takes the size hint of create() as a hint: exact, too large, too small or absent, the bytes commit the same', async () => {
			const { store } = await open();
			const bytes = pseudoRandom(200_003, 11);
			const expected = { ...(await reference(bytes)), deduplicated: false };
			for (const [index, hint] of [bytes.length, bytes.length * 3, 1_000, 0, undefined].entries()) {
				const writer = await store.create(hint);
				await writeInChunks(writer, bytes, 65_536);
				expect(await writer.commit({ size: bytes.length }), `hint ${hint}`).toEqual({ ...expected, deduplicated: index > 0 });
			}
			expectSameBytes(await readBytes(await store.read(expected.sha256)), bytes);
			expect(await store.storedBytes()).toBe(bytes.length);
		});

		it('stores small bytes once whichever writer stored them first, with a size hint or without', async () => {
			const { store } = await open();
			const bytes = pseudoRandom(5_000, 41);
			const expected = { ...(await reference(bytes)), deduplicated: false };
			for (const [index, hint] of [1_000_000, undefined, bytes.length].entries()) {
				const writer = await store.create(hint);
				await writeInChunks(writer, bytes, 2_048);
				expect(await writer.commit(), `hint ${hint}`).toEqual({ ...expected, deduplicated: index > 0 });
			}
			expect(await store.list()).toEqual([expected.sha256]);
			expect(await store.storedBytes()).toBe(bytes.length);
			expect(await readVerifiedChunks(store, expected.sha256)).toEqual([bytes]);
		});

		it('commits many small blobs at once, each distinct content stored once (issue 21: small files share commits)', async () => {
			const { store } = await open();
			const contents = Array.from({ length: 24 }, (_, index) => pseudoRandom(1 + index * 97, 100 + index));
			// 48 writers in flight, each content twice: the duplicates race their twins into the same commits.
			const digests = await Promise.all([...contents, ...contents].map((bytes) => save(store, bytes, 512)));
			for (const [index, bytes] of contents.entries()) {
				const pair = [digests[index]!, digests[index + contents.length]!];
				expect(pair.map((digest) => digest.sha256)).toEqual([(await reference(bytes)).sha256, (await reference(bytes)).sha256]);
				expect(pair.filter((digest) => !digest.deduplicated)).toHaveLength(1);
				expectSameBytes(await readBytes(await store.read(pair[0]!.sha256)), bytes);
			}
			expect((await store.list()).sort()).toEqual([...new Set(digests.map((digest) => digest.sha256))].sort());
			expect(await store.storedBytes()).toBe(contents.reduce((sum, bytes) => sum + bytes.length, 0));
		});

		it('reads back a blob of several megabytes, also verified', async () => {
			const { store } = await open();
			const bytes = pseudoRandom(2_621_447, 42);
			const { sha256 } = await save(store, bytes, 1_000_000);
			expectSameBytes(await readBytes(await store.read(sha256)), bytes);
			expectSameBytes(concat(await readVerifiedChunks(store, sha256)), bytes);
			expect(await store.storedBytes()).toBe(bytes.length);
			await store.delete(sha256);
			expect(await store.list()).toEqual([]);
			expect(await store.clearTemp()).toBe(0);
		});

		it('refuses fewer bytes than a size hint announced only through commit(expected), leaving nothing behind', async () => {
			const { store } = await open();
			const bytes = pseudoRandom(70_000, 12);
			const writer = await store.create(100_000);
			await writeInChunks(writer, bytes, 65_536);
			expect((await rejection(writer.commit({ size: 100_000 }))).code).toBe('INTEGRITY');
			expect(await store.list()).toEqual([]);
			expect(await store.storedBytes()).toBe(0);
		});

		it('stores an empty blob', async () => {
			const { store } = await open();
			const writer = await store.create();
			await writer.write(new Uint8Array(0));
			const digest = await writer.commit({ size: 0, crc32: 0 });
			expect(digest).toEqual({ sha256: EMPTY_SHA256, size: 0, crc32: 0, deduplicated: false });
			expect((await store.read(EMPTY_SHA256)).size).toBe(0);
			expect(await store.list()).toEqual([EMPTY_SHA256]);
		});

		it('accepts an expectation that matches, in full or in part', async () => {
			const { store } = await open();
			const bytes = pseudoRandom(10_000, 8);
			const expected = await reference(bytes);
			expect((await save(store, bytes, 4_096, expected)).sha256).toBe(expected.sha256);
			expect((await save(store, bytes, 4_096, { size: expected.size })).deduplicated).toBe(true);
		});

		for (const field of ['sha256', 'size', 'crc32'] as const) {
			it(`refuses a wrong ${field} with INTEGRITY and stores nothing`, async () => {
				const { store } = await open();
				const bytes = pseudoRandom(20_000, 9);
				const actual = await reference(bytes);
				const wrong = { sha256: 'f'.repeat(64), size: 19_999, crc32: (actual.crc32 + 1) >>> 0 }[field];
				const writer = await store.create();
				await writeInChunks(writer, bytes, 6_000);
				const error = await rejection(writer.commit({ ...actual, [field]: wrong }));
				expect(error.code).toBe('INTEGRITY');
				expect(error.details).toMatchObject({ expected: { [field]: wrong }, actual });
				await writer.abort();
				expect(await store.list()).toEqual([]);
				expect(await store.has(actual.sha256)).toBe(false);
				expect(await store.storedBytes()).toBe(0);
				expect(await store.clearTemp()).toBe(0);
			});
		}

		it('stores nothing when aborted, and abort() may be called again', async () => {
			const { store } = await open();
			const writer = await store.create();
			await writeInChunks(writer, pseudoRandom(30_000, 10), 8_000);
			await writer.abort();
			await writer.abort();
			expect(await store.list()).toEqual([]);
			expect(await store.clearTemp()).toBe(0);
			expect((await rejection(writer.write(new Uint8Array(1)))).code).toBe('ABORTED');
			expect((await rejection(writer.commit())).code).toBe('ABORTED');
		});

		it('keeps a committed blob when abort() follows commit', async () => {
			const { store } = await open();
			const bytes = pseudoRandom(5_000, 11);
			const writer = await store.create();
			await writer.write(bytes.slice());
			const { sha256 } = await writer.commit();
			await writer.abort();
			expectSameBytes(await readBytes(await store.read(sha256)), bytes);
			await expect(writer.write(new Uint8Array(1))).rejects.toBeInstanceOf(ShelfError);
		});

		it('answers unknown and malformed digests with false, NOT_FOUND and a quiet delete', async () => {
			const { store } = await open();
			for (const digest of ['a'.repeat(64), 'tmp', '../blobs', 'A'.repeat(64), '']) {
				expect(await store.has(digest)).toBe(false);
				expect((await rejection(store.read(digest))).code).toBe('NOT_FOUND');
				await store.delete(digest);
			}
		});

		it('reads a blob back verified, in chunks of at most CHUNK_SIZE, every byte in order', async () => {
			const { store } = await open();
			for (const bytes of [pseudoRandom(CHUNK_SIZE + 1_000, 40), pseudoRandom(70_001, 41), new Uint8Array(0)]) {
				const { sha256 } = await save(store, bytes, 1024 * 1024);
				const chunks = await readVerifiedChunks(store, sha256);
				expect(chunks.every((chunk) => chunk.byteLength > 0 && chunk.byteLength <= CHUNK_SIZE)).toBe(true);
				expectSameBytes(concat(chunks), bytes);
			}
		});

		// Only for a store whose writer flushes as it goes (OPFS): megabytes through the others cost seconds for nothing.
		if (options.flushEvery !== undefined) it('stores a blob longer than its writer flushes at once whole, with the digest of every byte', { timeout: 60_000 }, async () => {
			const { store } = await open();
			const bytes = pseudoRandom(options.flushEvery! + CHUNK_SIZE + 3, 43);
			const saved = await save(store, bytes, CHUNK_SIZE);
			expect(saved).toMatchObject(await reference(bytes));
			expectSameBytes(concat(await readVerifiedChunks(store, saved.sha256)), bytes);
		});

		it('refuses a blob damaged on disk with INTEGRITY and what its bytes hash to, before handing out its last chunk', async () => {
			const { store, damage } = await open();
			for (const [size, at] of [[CHUNK_SIZE + 1_000, CHUNK_SIZE + 10], [50_000, 100]] as const) {
				const bytes = pseudoRandom(size, 42);
				const { sha256 } = await save(store, bytes, 1024 * 1024);
				await damage(sha256, at);
				bytes[at]! ^= 0xff;
				const seen: number[] = [];
				const error = await rejection(
					(async () => {
						for await (const chunk of store.readVerified(sha256)) seen.push(chunk.byteLength);
					})()
				);
				expect(error).toMatchObject({ code: 'INTEGRITY', details: { sha256, actual: (await reference(bytes)).sha256 } });
				// Never all of it (a proxy over a worker may also hold back the chunks before the last).
				expect(seen.reduce((sum, length) => sum + length, 0)).toBeLessThan(size);
			}
		});

		it('answers a verified read of unknown and malformed digests with NOT_FOUND', async () => {
			const { store } = await open();
			for (const digest of ['a'.repeat(64), 'tmp', '../blobs', '']) {
				expect((await rejection(readVerifiedChunks(store, digest))).code).toBe('NOT_FOUND');
			}
		});

		it('deletes a blob and its bytes from storedBytes, leaving the others', async () => {
			const { store } = await open();
			const a = await save(store, pseudoRandom(4_000, 12), 1_000);
			const b = await save(store, pseudoRandom(6_000, 13), 1_000);
			expect(await store.storedBytes()).toBe(10_000);
			await store.delete(a.sha256);
			await store.delete(a.sha256);
			expect(await store.has(a.sha256)).toBe(false);
			expect(await store.list()).toEqual([b.sha256]);
			expect(await store.storedBytes()).toBe(6_000);
		});

		it('lists every stored digest and sums their sizes', async () => {
			const { store } = await open();
			expect(await store.list()).toEqual([]);
			expect(await store.storedBytes()).toBe(0);
			const digests = [];
			for (let i = 0; i < 5; i++) digests.push((await save(store, pseudoRandom(1_000 * (i + 1), 20 + i), 700)).sha256);
			expect((await store.list()).sort()).toEqual(digests.sort());
			expect(await store.storedBytes()).toBe(15_000);
		});

		it('clearTemp() leaves the temporary bytes of a live writer alone', async () => {
			const { store } = await open();
			const bytes = pseudoRandom(40_000, 14);
			const writer = await store.create();
			await writer.write(bytes.slice(0, 20_000));
			expect(await store.clearTemp()).toBe(0);
			await writer.write(bytes.slice(20_000));
			expect(await writer.commit(await reference(bytes))).toMatchObject({ size: 40_000 });
		});

		it('clearTemp() removes crash leftovers and counts them', async () => {
			const subject = await open();
			await subject.plantTemp('leftover-1', pseudoRandom(1_000, 15));
			await subject.plantTemp('leftover-2', new Uint8Array(0));
			const writer = await subject.store.create();
			await writer.write(pseudoRandom(100, 16));
			expect(await subject.store.clearTemp()).toBe(2);
			expect(await subject.store.clearTemp()).toBe(0);
			expect((await writer.commit()).size).toBe(100);
		});

		it('refuses a write beyond the quota with STORAGE_FULL and keeps earlier blobs intact', async () => {
			const { store } = await open({ quotaBytes: 100_000 });
			const kept = pseudoRandom(60_000, 17);
			const { sha256 } = await save(store, kept, 16_384);
			const writer = await store.create();
			await writer.write(pseudoRandom(30_000, 18));
			const error = await rejection(writer.write(pseudoRandom(20_000, 19)));
			expect(error.code).toBe('STORAGE_FULL');
			expect(error.details).toMatchObject({ quotaBytes: 100_000, needed: 110_000 });
			// The writer is unusable until aborted, and aborting it frees its bytes.
			expect((await rejection(writer.write(new Uint8Array(1)))).code).toBe('STORAGE_FULL');
			expect((await rejection(writer.commit())).code).toBe('STORAGE_FULL');
			await writer.abort();
			expect(await store.list()).toEqual([sha256]);
			expect(await store.storedBytes()).toBe(60_000);
			expect(await store.clearTemp()).toBe(0);
			expectSameBytes(await readBytes(await store.read(sha256)), kept);
			// Exactly up to the quota still fits.
			expect((await save(store, pseudoRandom(40_000, 20), 10_000)).size).toBe(40_000);
			expect(await store.storedBytes()).toBe(100_000);
		});

		it('counts the bytes of writes in progress against the quota', async () => {
			const { store } = await open({ quotaBytes: 50_000 });
			const [first, second] = [await store.create(), await store.create()];
			await first.write(pseudoRandom(30_000, 21));
			expect((await rejection(second.write(pseudoRandom(30_000, 22)))).code).toBe('STORAGE_FULL');
			await second.abort();
			await first.abort();
			expect((await save(store, pseudoRandom(50_000, 23), 25_000)).size).toBe(50_000);
		});

		it('frees the quota held by a write that turns out to be a duplicate', async () => {
			const { store } = await open({ quotaBytes: 45_000 });
			const bytes = pseudoRandom(20_000, 24);
			await save(store, bytes, 8_000);
			expect((await save(store, bytes, 8_000)).deduplicated).toBe(true);
			expect(await store.storedBytes()).toBe(20_000);
			expect((await save(store, pseudoRandom(25_000, 25), 8_000)).size).toBe(25_000);
			expect(await store.storedBytes()).toBe(45_000);
		});
	});
}

// ---------------------------------------------------------------------------------------------------------

/** SHA-256 of no bytes. */
export const EMPTY_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';

/** Deterministic pseudo-random bytes (xorshift32), so failures reproduce. */
export function pseudoRandom(size: number, seed: number): Uint8Array<ArrayBuffer> {
	const bytes = new Uint8Array(size);
	let x = (seed * 2_654_435_761) >>> 0 || 1;
	for (let i = 0; i < size; i++) {
		x ^= x << 13;
		x ^= x >>> 17;
		x ^= x << 5;
		bytes[i] = x & 0xff;
	}
	return bytes;
}

/** The digest of `bytes` from references independent of hash-wasm: WebCrypto and a table CRC-32. */
export async function reference(bytes: Uint8Array<ArrayBuffer>): Promise<BlobDigest> {
	const hash = new Uint8Array(await crypto.subtle.digest('SHA-256', bytes));
	const sha256 = Array.from(hash, (byte) => byte.toString(16).padStart(2, '0')).join('');
	return { sha256, size: bytes.byteLength, crc32: tableCrc32(bytes) };
}

/** CRC-32 (IEEE, as in zip and zlib) computed with the classic 256-entry table. */
export function tableCrc32(bytes: Uint8Array): number {
	let crc = 0xffffffff;
	for (const byte of bytes) crc = CRC_TABLE[(crc ^ byte) & 0xff]! ^ (crc >>> 8);
	return (crc ^ 0xffffffff) >>> 0;
}

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
	let c = n;
	for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
	return c >>> 0;
});

/** Every chunk of a verified read, copied: the store may reuse a chunk's buffer once the next is asked for. */
async function readVerifiedChunks(store: BlobStore, sha256: string): Promise<Uint8Array[]> {
	const chunks: Uint8Array[] = [];
	for await (const chunk of store.readVerified(sha256)) chunks.push(chunk.slice());
	return chunks;
}

function concat(chunks: readonly Uint8Array[]): Uint8Array {
	const out = new Uint8Array(chunks.reduce((sum, chunk) => sum + chunk.byteLength, 0));
	let at = 0;
	for (const chunk of chunks) {
		out.set(chunk, at);
		at += chunk.byteLength;
	}
	return out;
}

/** Fresh copies of `bytes` in pieces of `size`: writers may transfer (detach) what they are given. */
function chunksOf(bytes: Uint8Array, size: number): Uint8Array<ArrayBuffer>[] {
	const chunks = [];
	for (let at = 0; at < bytes.length; at += size) chunks.push(bytes.slice(at, at + size));
	return chunks;
}

async function writeInChunks(writer: BlobWriter, bytes: Uint8Array, size: number): Promise<void> {
	for (const chunk of chunksOf(bytes, size)) await writer.write(chunk);
}

async function save(store: BlobStore, bytes: Uint8Array, chunkSize: number, expected?: Partial<BlobDigest>) {
	const writer = await store.create();
	try {
		await writeInChunks(writer, bytes, chunkSize);
		return await writer.commit(expected);
	} catch (error) {
		await writer.abort();
		throw error;
	}
}

/** Compares bytes by their first difference: deep equality on megabytes is slow and prints pages. */
function expectSameBytes(actual: Uint8Array, expected: Uint8Array): void {
	expect(actual.byteLength).toBe(expected.byteLength);
	expect(actual.findIndex((byte, i) => byte !== expected[i])).toBe(-1);
}

async function readBytes(blob: Blob): Promise<Uint8Array> {
	return new Uint8Array(await blob.arrayBuffer());
}

/** The ShelfError a promise rejects with (fails the test when it resolves or rejects with something else). */
async function rejection(promise: Promise<unknown>): Promise<ShelfError> {
	const outcome = await promise.then(
		() => new Error('expected a rejection, the promise resolved'),
		(error: unknown) => error
	);
	expect(outcome).toBeInstanceOf(ShelfError);
	return outcome as ShelfError;
}
