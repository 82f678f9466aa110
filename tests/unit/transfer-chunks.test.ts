// Issue 7, transfer targets: the chunk reader reads ahead, buffers are reused, digests are reset rather
// than re-created, and export's verified read holds the last chunk back until the digest matches.
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ShelfError } from '../../src/lib/core/errors.ts';
import type { BlobDigest } from '../../src/lib/core/store-types.ts';
import { CHUNK_SIZE } from '../../src/lib/core/byte-streams.ts';
import { createDigest } from '../../src/lib/core/digest.ts';
import { giveBuffer, isLent, takeBuffer } from '../../src/lib/worker/blobs/buffer-pool.ts';
import type { HashStream } from '../../src/lib/worker/blobs/hash-client.ts';
import { verifiedChunks, type BlobReader } from '../../src/lib/worker/blobs/verified-read.ts';
import { readChunks } from '../../src/lib/worker/store/chunks.ts';
import { EMPTY_SHA256, pseudoRandom, tableCrc32 } from './blob-store-contract.ts';

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

describe('readChunks', () => {
	it('reads a Blob ahead and still yields every byte once, in order, in chunks of the asked size', async () => {
		const bytes = pseudoRandom(100_003, 41);
		const reads: number[] = [];
		const blob = new Blob([bytes]);
		const slice = blob.slice.bind(blob);
		blob.slice = (start?: number, end?: number) => (reads.push(start ?? 0), slice(start, end));
		const chunks: Uint8Array[] = [];
		for await (const chunk of readChunks(blob, 30_000)) {
			// The next slice is requested before the caller is done with this chunk.
			expect(reads.length).toBe(Math.min(chunks.length + 2, 4));
			chunks.push(new Uint8Array(chunk));
		}
		expect(chunks.map((chunk) => chunk.byteLength)).toEqual([30_000, 30_000, 30_000, 10_003]);
		expect(Buffer.concat(chunks).equals(Buffer.from(bytes))).toBe(true);
	});

	it('leaves no unhandled rejection behind when the caller stops while a read ahead fails', async () => {
		const blob = new Blob([pseudoRandom(50_000, 42)]);
		let calls = 0;
		const slice = blob.slice.bind(blob);
		blob.slice = (start?: number, end?: number) => {
			calls += 1;
			if (calls === 1) return slice(start, end);
			return { arrayBuffer: () => Promise.reject(new Error('the file went away')) } as unknown as Blob;
		};
		for await (const chunk of readChunks(blob, 20_000)) {
			expect(chunk.byteLength).toBe(20_000);
			break;
		}
		await new Promise((resolve) => setTimeout(resolve, 10)); // an unhandled rejection would fail the run
		expect(calls).toBe(2);
	});

	it('re-chunks a stream into pooled buffers that a writer may transfer whole, the last one a view', async () => {
		const bytes = pseudoRandom(25_000, 43);
		const stream = new Blob([bytes]).stream();
		const chunks = [];
		for await (const chunk of readChunks(stream, 10_000)) chunks.push(chunk);
		expect(chunks.map((chunk) => chunk.byteLength)).toEqual([10_000, 10_000, 5_000]);
		expect(chunks.every((chunk) => isLent(chunk))).toBe(true);
		expect(Buffer.concat(chunks).equals(Buffer.from(bytes))).toBe(true);
	});

	it('gives a stream announced smaller than a chunk a buffer of its own size, and survives a wrong announcement', async () => {
		const bytes = pseudoRandom(10, 44);
		const pieces = async function* (parts: number[]) {
			for (let at = 0, index = 0; at < bytes.length; at += parts[index++]!) yield bytes.slice(at, at + parts[index]!);
		};
		const exact = [];
		for await (const chunk of readChunks(pieces([3, 3, 4]), CHUNK_SIZE, 10)) exact.push(chunk);
		// One chunk that owns its whole 10-byte buffer (issue 21: not a view into 8 MiB per tiny file).
		expect(exact.map((chunk) => [chunk.byteLength, chunk.buffer.byteLength])).toEqual([[10, 10]]);
		expect(Buffer.from(exact[0]!).equals(Buffer.from(bytes))).toBe(true);
		const longer = [];
		for await (const chunk of readChunks(pieces([3, 3, 4]), CHUNK_SIZE, 4)) longer.push(new Uint8Array(chunk));
		expect(longer.map((chunk) => chunk.byteLength)).toEqual([4, 6]);
		expect(Buffer.concat(longer).equals(Buffer.from(bytes))).toBe(true);
	});
});

describe('buffer pool', () => {
	it('hands a whole chunk buffer back out after it is given back, and frees other sizes', () => {
		const first = takeBuffer(CHUNK_SIZE);
		giveBuffer(first.buffer);
		const again = takeBuffer(1_000);
		expect(again.buffer).toBe(first.buffer);
		expect(again.byteLength).toBe(1_000);
		expect(isLent(again)).toBe(true);
		expect(isLent(again.subarray(1))).toBe(false);
		expect(isLent(new Uint8Array(10))).toBe(false);
		giveBuffer(again.buffer);
		const odd = takeBuffer(CHUNK_SIZE + 1);
		giveBuffer(odd.buffer);
		expect(takeBuffer(CHUNK_SIZE).buffer).not.toBe(odd.buffer);
	});
});

describe('createDigest', () => {
	it('starts over after reset(), reusing its hashers, with or without CRC-32', async () => {
		const a = pseudoRandom(10_000, 44);
		const b = pseudoRandom(777, 45);
		const digest = await createDigest();
		digest.update(a);
		expect(digest.digest().sha256).toBe(sha256(a));
		digest.reset();
		digest.update(b);
		expect(digest.digest()).toEqual({ sha256: sha256(b), crc32: tableCrc32(b), size: 777 });
		const shaOnly = await createDigest({ crc32: false });
		shaOnly.update(b);
		expect(shaOnly.digest()).toEqual({ sha256: sha256(b), crc32: 0, size: 777 });
		shaOnly.reset();
		expect(shaOnly.digest()).toEqual({ sha256: EMPTY_SHA256, crc32: 0, size: 0 });
	});
});

describe('verifiedChunks', () => {
	const MiB = 1024 * 1024;
	const mismatch = (actual: string) => new ShelfError('INTEGRITY', 'damaged', { actual });

	it('yields every byte of a multi-chunk blob and hashes what the caller has written', async () => {
		const bytes = pseudoRandom(2 * CHUNK_SIZE + MiB, 46);
		const hash = await fakeHashStream();
		const out: Uint8Array[] = [];
		for await (const chunk of verifiedChunks(memoryReader(bytes), hash.stream, sha256(bytes), mismatch)) {
			// Chunks before the last go to the hash worker only after the caller asked for the next one.
			expect(hash.pushed).toBe(out.length < 2 ? out.length : 3);
			out.push(new Uint8Array(chunk));
		}
		expect(out.map((chunk) => chunk.byteLength)).toEqual([CHUNK_SIZE, CHUNK_SIZE, MiB]);
		expect(Buffer.concat(out).equals(Buffer.from(bytes))).toBe(true);
		expect(hash.dropped).toBe(true);
	});

	it('refuses a blob whose bytes changed before handing out its last chunk', async () => {
		const bytes = pseudoRandom(CHUNK_SIZE + 5, 47);
		const hash = await fakeHashStream();
		const expected = sha256(bytes);
		bytes[CHUNK_SIZE + 2]! ^= 1;
		const seen: number[] = [];
		const run = async () => {
			for await (const chunk of verifiedChunks(memoryReader(bytes), hash.stream, expected, mismatch)) seen.push(chunk.byteLength);
		};
		await expect(run()).rejects.toMatchObject({ code: 'INTEGRITY', details: { actual: sha256(bytes) } });
		expect(seen).toEqual([CHUNK_SIZE]);
	});

	it('refuses a blob cut short on disk (a read that ends early) and an empty file with the wrong digest', async () => {
		const bytes = pseudoRandom(CHUNK_SIZE * 2, 48);
		const short: BlobReader = { ...memoryReader(bytes.subarray(0, CHUNK_SIZE + 10)), size: bytes.length };
		const seen: number[] = [];
		const run = async (reader: BlobReader) => {
			for await (const chunk of verifiedChunks(reader, (await fakeHashStream()).stream, sha256(bytes), mismatch)) seen.push(chunk.byteLength);
		};
		await expect(run(short)).rejects.toMatchObject({ code: 'INTEGRITY' });
		expect(seen).toEqual([CHUNK_SIZE]);
		await expect(run(memoryReader(new Uint8Array(0)))).rejects.toMatchObject({ code: 'INTEGRITY', details: { actual: EMPTY_SHA256 } });
	});

	it('drops its hash stream when the caller stops early', async () => {
		const bytes = pseudoRandom(CHUNK_SIZE * 2 + 1, 49);
		const hash = await fakeHashStream();
		for await (const chunk of verifiedChunks(memoryReader(bytes), hash.stream, sha256(bytes), mismatch)) {
			expect(chunk.byteLength).toBe(CHUNK_SIZE);
			break;
		}
		expect(hash.dropped).toBe(true);
	});
});

// ---------------------------------------------------------------------------------------------------------

function memoryReader(bytes: Uint8Array): BlobReader {
	return {
		size: bytes.byteLength,
		async read(at, length) {
			const view = takeBuffer(Math.min(length, bytes.byteLength - at));
			view.set(bytes.subarray(at, at + view.byteLength));
			return view;
		},
		close() {}
	};
}

/** A HashStream hashing in this thread, taking the chunk's buffer and handing the bytes back later, as the hash worker does. */
async function fakeHashStream() {
	const digest = await createDigest({ crc32: false });
	const state = { pushed: 0, dropped: false, stream: null as unknown as HashStream };
	let returns: Promise<void> = Promise.resolve();
	state.stream = {
		async room() {},
		push(chunk, onReturn) {
			if (chunk.byteLength === 0) return;
			state.pushed += 1;
			digest.update(chunk);
			const copy = new Uint8Array(chunk);
			structuredClone(chunk.buffer, { transfer: [chunk.buffer as ArrayBuffer] }); // detaches it, as postMessage does
			returns = returns.then(() => (onReturn ? onReturn(copy) : giveBuffer(copy.buffer)));
		},
		async finish(): Promise<BlobDigest> {
			await returns;
			return digest.digest();
		},
		drop() {
			state.dropped = true;
		}
	};
	return state;
}
