// The BlobStore contract on the IndexedDB blob store in Node, on fake-indexeddb. In Chromium the same store
// is the OPFS store's small-blob tier (tests/browser/opfs-blob-store.test.ts runs the contract through it).
import 'fake-indexeddb/auto';
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { IDBFactory } from 'fake-indexeddb';
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
	it('reads a blob of more records than one read batch back whole, in order, and verified', async () => {
		const store = await openIdbBlobStore({ factory: new IDBFactory() });
		const size = 17 * 1024 * 1024 + 12_345; // 16 records in the first batch, 2 in the next
		const bytes = new Uint8Array(size).map((_, index) => (index * 7 + (index >>> 20)) & 0xff);
		const writer = await store.create(size);
		for (let at = 0; at < size; at += 3 * 1024 * 1024) await writer.write(bytes.subarray(at, at + 3 * 1024 * 1024));
		const { sha256 } = await writer.commit({ size });
		expect(sha256).toBe(createHash('sha256').update(bytes).digest('hex'));
		const read = new Uint8Array(await (await store.read(sha256)).arrayBuffer());
		expect(read.byteLength).toBe(size);
		expect(Buffer.from(read).equals(Buffer.from(bytes))).toBe(true);
		let verified = 0;
		for await (const chunk of store.readVerified(sha256)) verified += chunk.byteLength;
		expect(verified).toBe(size);
		store.close();
	});
});
