import { createHash } from 'node:crypto';
import zlib from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { ShelfError } from '../../src/lib/core/errors.ts';
import { createDigest } from '../../src/lib/core/digest.ts';
import { createMemoryBlobStore, createMemoryVolume } from '../../src/lib/worker/blobs/memory-blob-store.ts';
import { EMPTY_SHA256, describeBlobStoreContract, pseudoRandom, tableCrc32 } from './blob-store-contract.ts';

describeBlobStoreContract('memory', ({ quotaBytes }) => {
	const volume = createMemoryVolume();
	return {
		store: createMemoryBlobStore({ quotaBytes, volume }),
		async plantTemp(name, bytes) {
			volume.tmp.set(name, [new Uint8Array(bytes)]);
		},
		async damage(sha256, at) {
			volume.blobs.get(sha256)![at]! ^= 0xff;
		}
	};
});

// zlib.crc32 arrived in Node 20.15; the table CRC stands in before that.
const zlibCrc32: ((data: Uint8Array) => number) | undefined = (zlib as { crc32?: (data: Uint8Array) => number }).crc32;

describe('createDigest', () => {
	it('agrees with node:crypto and zlib on SHA-256 and CRC-32, across chunk boundaries', async () => {
		const bytes = pseudoRandom(1_048_583, 31);
		const digest = await createDigest();
		for (let at = 0; at < bytes.length; at += 65_521) digest.update(bytes.subarray(at, at + 65_521));
		const { sha256, crc32, size } = digest.digest();
		expect(sha256).toBe(createHash('sha256').update(bytes).digest('hex'));
		expect(crc32).toBe(zlibCrc32 ? zlibCrc32(bytes) : tableCrc32(bytes));
		expect(crc32).toBe(tableCrc32(bytes));
		expect(size).toBe(bytes.length);
	});

	it('returns CRC-32 as an unsigned number, also when its top bit is set', async () => {
		// "a" has CRC 0xe8b7be43: read as a signed 32-bit value it would come out negative.
		const samples = ['hello', 'The quick brown fox jumps over the lazy dog', 'a', 'abc'].map((text) => new TextEncoder().encode(text));
		for (const bytes of samples) {
			const digest = await createDigest();
			digest.update(bytes);
			expect(digest.digest().crc32).toBe(tableCrc32(bytes));
		}
		expect(samples.some((bytes) => tableCrc32(bytes) >= 2 ** 31)).toBe(true);
	});

	it('digests no bytes as the empty SHA-256 and CRC 0, and refuses bytes after the end', async () => {
		const digest = await createDigest();
		expect(digest.digest()).toEqual({ sha256: EMPTY_SHA256, crc32: 0, size: 0 });
		expect(digest.digest()).toEqual({ sha256: EMPTY_SHA256, crc32: 0, size: 0 });
		expect(() => digest.update(new Uint8Array(1))).toThrow(ShelfError);
	});
});

describe('memory blob store', () => {
	it('takes whole chunk buffers the way a transfer does, so callers cannot reuse them by mistake', async () => {
		const store = createMemoryBlobStore();
		const chunk = pseudoRandom(1_000, 32);
		const writer = await store.create();
		await writer.write(chunk);
		expect(chunk.byteLength).toBe(0);
		expect((await writer.commit()).size).toBe(1_000);
	});

	it('keeps stored blobs when reopened over the same volume, and drops temporary ones there on clearTemp()', async () => {
		const volume = createMemoryVolume();
		const before = createMemoryBlobStore({ volume });
		const saved = await before.create();
		await saved.write(pseudoRandom(2_000, 33));
		const { sha256 } = await saved.commit();
		const abandoned = await before.create();
		await abandoned.write(pseudoRandom(500, 34));

		const after = createMemoryBlobStore({ volume });
		expect(await after.list()).toEqual([sha256]);
		expect(await after.storedBytes()).toBe(2_000);
		expect(await after.clearTemp()).toBe(1);
	});
});
