// The BlobStore contract in Chromium, on the real OPFS store (its small blobs in IndexedDB) and on the IndexedDB store alone. The store needs sync access handles, which
// exist only in dedicated workers, while Vitest runs this file on a page: each test starts its own module
// worker (opfs-contract-worker.ts) holding a store in a fresh OPFS directory, and the contract talks to it
// through a thin BlobStore proxy, so its assertions run unchanged against OPFS, the hash worker included.
import { releaseProxy, wrap } from 'comlink';
import '../../src/lib/bridge.ts';
import type { BlobStore, BlobWriter } from '../../src/lib/core/store-types.ts';
import { FLUSH_EVERY } from '../../src/lib/worker/blobs/opfs-writer.ts';
import { describeBlobStoreContract } from '../unit/blob-store-contract.ts';
import type { OpfsContractHost } from './opfs-contract-worker.ts';

for (const [name, kind] of [['OPFS (small blobs in IndexedDB)', 'opfs'], ['IndexedDB alone', 'idb']] as const) describeBlobStoreContract(name, async ({ quotaBytes }) => {
	const worker = new Worker(new URL('./opfs-contract-worker.ts', import.meta.url), { type: 'module' });
	const host = wrap<OpfsContractHost>(worker);
	const release = () => {
		host[releaseProxy]();
		worker.terminate();
	};
	try {
		await host.open(`contract-${crypto.randomUUID()}`, quotaBytes, kind);
	} catch (error) {
		release();
		throw error;
	}
	const store: BlobStore = {
		async create(expectedSize) {
			const id = await host.create(expectedSize);
			// Chunks are cloned into the worker (not transferred): the store there takes ownership of its copy.
			const writer: BlobWriter = {
				write: (chunk) => host.write(id, chunk),
				commit: (expected) => host.commit(id, expected),
				abort: () => host.abort(id)
			};
			return writer;
		},
		has: (sha256) => host.has(sha256),
		read: (sha256) => host.read(sha256),
		// Generators do not cross Comlink: the worker reads the whole blob verified and sends its chunks.
		async *readVerified(sha256) {
			yield* await host.readVerified(sha256);
		},
		delete: (sha256) => host.delete(sha256),
		list: () => host.list(),
		clearTemp: () => host.clearTemp(),
		storedBytes: () => host.storedBytes()
	};
	return {
		store,
		plantTemp: (name, bytes) => host.plantTemp(name, bytes),
		damage: (sha256, at) => host.damage(sha256, at),
		async dispose() {
			try {
				await host.dispose();
			} finally {
				release();
			}
		}
	};
}, kind === 'opfs' ? { flushEvery: FLUSH_EVERY } : {});
