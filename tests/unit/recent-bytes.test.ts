// Issue 21: a draft keeps its files' first bytes so that deriving facts reads headers from memory. What a user
// relies on: the facts are the same whether a header fits the kept head or runs past it, and a read through
// the kept head returns exactly the stored bytes at every position.
import 'fake-indexeddb/auto';
import { IDBFactory } from 'fake-indexeddb';
import { describe, expect, it } from 'vitest';
import type { BlobStore } from '../../src/lib/core/store-types.ts';
import { createMemoryBlobStore } from '../../src/lib/worker/blobs/memory-blob-store.ts';
import { openCatalogue } from '../../src/lib/worker/catalogue/idb-catalogue.ts';
import { localCoordination } from '../../src/lib/worker/store/coordination.ts';
import { ModelStore } from '../../src/lib/worker/store/model-store.ts';
import { KeptBytes, RecentBytes } from '../../src/lib/worker/store/recent-bytes.ts';

const KIB = 1024;

function randomBytes(size: number): Uint8Array<ArrayBuffer> {
	const bytes = new Uint8Array(size);
	for (let at = 0; at < size; at += 65_536) crypto.getRandomValues(bytes.subarray(at, Math.min(size, at + 65_536)));
	return bytes;
}

/** A memory store that counts the reads reaching it. */
function countingStore(): { blobs: BlobStore; reads: () => number } {
	const blobs = createMemoryBlobStore();
	let reads = 0;
	return {
		blobs: { ...blobs, create: (size) => blobs.create(size), delete: (sha) => blobs.delete(sha), read: (sha) => ((reads += 1), blobs.read(sha)) },
		reads: () => reads
	};
}

async function store(blobs: BlobStore, bytes: Uint8Array<ArrayBuffer>): Promise<string> {
	const writer = await blobs.create(bytes.byteLength);
	await writer.write(bytes.slice());
	return (await writer.commit()).sha256;
}

/** Feeds `bytes` through KeptBytes in chunks of `chunk`, as a draft's writer sees them. */
function kept(bytes: Uint8Array, chunk: number): Uint8Array {
	const keeper = new KeptBytes();
	for (let at = 0; at < bytes.byteLength; at += chunk) keeper.add(bytes.subarray(at, at + chunk));
	return keeper.bytes();
}

describe('kept heads (issue 21)', () => {
	it('keeps the first 64 KiB of a file across chunk boundaries, and a small file whole', () => {
		const big = randomBytes(200 * KIB);
		expect(kept(big, 40 * KIB)).toEqual(big.subarray(0, 64 * KIB));
		const small = randomBytes(3000);
		expect(kept(small, 1000)).toEqual(small);
	});

	it('answers reads within the head from memory and reads past it from the store, byte for byte', async () => {
		const { blobs, reads } = countingStore();
		const bytes = randomBytes(200 * KIB);
		const sha = await store(blobs, bytes);
		const recent = new RecentBytes();
		recent.set(sha, kept(bytes, 8 * KIB), bytes.byteLength);
		const blob = await recent.over(blobs).read(sha);
		const at = async (start?: number, end?: number) => new Uint8Array(await blob.slice(start, end).arrayBuffer());

		expect(blob.size).toBe(bytes.byteLength);
		expect(await at(0, 8)).toEqual(bytes.subarray(0, 8));
		expect(await at(60 * KIB, 64 * KIB)).toEqual(bytes.subarray(60 * KIB, 64 * KIB));
		expect(reads()).toBe(0);

		expect(await at(64 * KIB - 4, 64 * KIB + 4)).toEqual(bytes.subarray(64 * KIB - 4, 64 * KIB + 4));
		expect(await at(-10)).toEqual(bytes.subarray(bytes.byteLength - 10));
		expect(new Uint8Array(await blob.slice(100 * KIB).slice(5, 25).arrayBuffer())).toEqual(bytes.subarray(100 * KIB + 5, 100 * KIB + 25));
		expect(new Uint8Array(await blob.arrayBuffer())).toEqual(bytes);
		expect(reads()).toBe(1); // the stored blob is opened once, on the first read past the head
	});

	it('stops keeping once a draft holds 16 MiB of heads', () => {
		const recent = new RecentBytes();
		const head = new Uint8Array(64 * KIB);
		for (let index = 0; index < 256; index++) {
			expect(recent.keeps(10 * 1024 * KIB)).toBe(true);
			recent.set(`${index}`.padStart(64, '0'), head, 10 * 1024 * KIB);
		}
		expect(recent.keeps(10 * 1024 * KIB)).toBe(false);
		expect(recent.keeps(10)).toBe(false);
	});

	it('derives the same facts for a safetensors file whose header runs past the kept head', async () => {
		// 3,000 tensors make a header of ~190 KB: the facts need reads past the 64 KiB kept.
		const tensors: Record<string, unknown> = {};
		let offset = 0;
		for (let index = 0; index < 3000; index++) {
			tensors[`model.layers.${index}.mlp.weight`] = { dtype: 'F16', shape: [2, 3], data_offsets: [offset, offset + 12] };
			offset += 12;
		}
		const header = new TextEncoder().encode(JSON.stringify(tensors));
		expect(header.byteLength).toBeGreaterThan(128 * KIB);
		const file = new Uint8Array(8 + header.byteLength + offset);
		new DataView(file.buffer).setBigUint64(0, BigInt(header.byteLength), true);
		file.set(header, 8);
		const shelf = new ModelStore(await openCatalogue({ factory: new IDBFactory() }), createMemoryBlobStore(), localCoordination());
		const { record } = await shelf.save({ name: 'wide', version: 'v1', files: [{ path: 'model.safetensors', data: new Blob([file]) }] });
		expect(record.facts).toMatchObject({ formats: ['safetensors'], tensorCount: 3000, parameters: 3000 * 6, parametersByDtype: { F16: 18_000 } });
		expect(record.facts!.problems).toEqual([]);
	});
});
