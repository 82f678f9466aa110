// The BlobStore contract on the IndexedDB blob store in Node, on fake-indexeddb. In Chromium the same store
// is the OPFS store's small-blob tier (tests/browser/opfs-blob-store.test.ts runs the contract through it).
import 'fake-indexeddb/auto';
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
