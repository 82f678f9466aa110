// The BlobStore contract on the IndexedDB blob store in Node, on fake-indexeddb. In Chromium the same store
// is the OPFS store's small-blob tier (tests/browser/opfs-blob-store.test.ts runs the contract through it).
import 'fake-indexeddb/auto';
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { IDBFactory } from 'fake-indexeddb';
import { CHUNK_SIZE } from '../../src/lib/core/byte-streams.ts';
import { openIdbBlobStore } from '../../src/lib/worker/blobs/idb-blob-store.ts';
import { describeBlobStoreContract } from './blob-store-contract.ts';
import { damageIdbBlob, openRaw, plantIdbTemp } from './idb-blob-fixtures.ts';

describeBlobStoreContract('IndexedDB', async ({ quotaBytes }) => {
	const factory = new IDBFactory();
	const store = await openIdbBlobStore({ factory, quotaBytes });
	const raw = await openRaw(factory, 'shelf-blobs');
	return {
		store,
		plantTemp: (name, bytes) => plantIdbTemp(raw, name, bytes),
		async damage(sha256, at) {
			await damageIdbBlob(raw, sha256, at);
		},
		async dispose() {
			raw.close();
			store.close();
		}
	};
});

describe('the IndexedDB store as the whole store (issue 24)', () => {
	const SIZE = 17 * 1024 * 1024 + 12_345; // 16 records in read()'s first batch, 2 in the next; 3 verified chunks

	/** A store holding one blob of SIZE bytes written in 3 MiB pieces, and the raw database under it. */
	async function storeWithBigBlob() {
		const factory = new IDBFactory();
		const store = await openIdbBlobStore({ factory });
		const bytes = new Uint8Array(SIZE).map((_, index) => (index * 7 + (index >>> 20)) & 0xff);
		const writer = await store.create(SIZE);
		for (let at = 0; at < SIZE; at += 3 * 1024 * 1024) await writer.write(bytes.subarray(at, at + 3 * 1024 * 1024));
		const { sha256 } = await writer.commit({ size: SIZE });
		return { store, bytes, sha256, raw: await openRaw(factory, 'shelf-blobs') };
	}

	it('reads a blob of more records than one read batch back whole, in order, and verified', async () => {
		const { store, bytes, sha256, raw } = await storeWithBigBlob();
		expect(sha256).toBe(createHash('sha256').update(bytes).digest('hex'));
		const read = new Uint8Array(await (await store.read(sha256)).arrayBuffer());
		expect(read.byteLength).toBe(SIZE);
		expect(Buffer.from(read).equals(Buffer.from(bytes))).toBe(true);
		const verified: Uint8Array[] = [];
		for await (const chunk of store.readVerified(sha256)) verified.push(chunk.slice());
		expect(verified.map((chunk) => chunk.byteLength)).toEqual([CHUNK_SIZE, CHUNK_SIZE, SIZE - 2 * CHUNK_SIZE]);
		expect(Buffer.concat(verified).equals(Buffer.from(bytes))).toBe(true);
		raw.close();
		store.close();
	});

	it('ends a verified read with INTEGRITY at a record cut short in the middle, before the last bytes are handed out', async () => {
		const { store, sha256, raw } = await storeWithBigBlob();
		const { id } = (await raw.get('blobs', sha256))!;
		const record = (await raw.get('chunks', [id, 9]))!; // inside the second 8 MiB chunk
		await raw.put('chunks', record.slice(0, 1000), [id, 9]);
		let handedOut = 0;
		const error = await (async () => {
			for await (const chunk of store.readVerified(sha256)) handedOut += chunk.byteLength;
		})().catch((caught: unknown) => caught);
		expect(error).toMatchObject({ code: 'INTEGRITY', details: { sha256 } });
		expect(handedOut).toBe(CHUNK_SIZE);
		raw.close();
		store.close();
	});

	it('ends a verified read with NOT_FOUND when the blob is deleted while it is read', async () => {
		const { store, sha256, raw } = await storeWithBigBlob();
		let handedOut = 0;
		const error = await (async () => {
			for await (const chunk of store.readVerified(sha256)) {
				handedOut += chunk.byteLength;
				if (handedOut === CHUNK_SIZE) await store.delete(sha256);
			}
		})().catch((caught: unknown) => caught);
		expect(error).toMatchObject({ code: 'NOT_FOUND' });
		expect(handedOut).toBeLessThan(SIZE);
		raw.close();
		store.close();
	});
});
