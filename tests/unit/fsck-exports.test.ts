// Issue 8: fsck removes half-written exports from `exports/` (an export interrupted by a closed tab), but never
// a finished export (the page may still be downloading it), one written right now (its sync access handle
// keeps it locked, in whichever tab) or one just created (not locked yet).
import 'fake-indexeddb/auto';
import { IDBFactory } from 'fake-indexeddb';
import { describe, expect, it } from 'vitest';
import { crc32 } from 'node:zlib';
import { ZipWriter } from '../../src/lib/core/bundle/zip-writer.ts';
import { openCatalogue } from '../../src/lib/worker/catalogue/idb-catalogue.ts';
import { createMemoryBlobStore, createMemoryVolume } from '../../src/lib/worker/blobs/memory-blob-store.ts';
import { localCoordination } from '../../src/lib/worker/store/coordination.ts';
import { EXPORT_GRACE_MS, type ExportsFolder } from '../../src/lib/worker/bundle/export-target.ts';
import { fsck } from '../../src/lib/worker/store/maintenance.ts';
import { ModelStore } from '../../src/lib/worker/store/model-store.ts';
import { memorySink } from './zip-craft.ts';

const NOW = 1_800_000_000_000;

/** An exports folder in memory; `locked` files refuse removal as Chromium does while a sync access handle is open. */
function folder(files: Record<string, { bytes: Uint8Array; age: number; locked?: boolean }>) {
	const entries = new Map(Object.entries(files));
	const exports: ExportsFolder = {
		async *entries() {
			for (const name of [...entries.keys()]) yield [name, { kind: 'file' }];
			yield ['a-folder', { kind: 'directory' }];
		},
		async getFileHandle(name) {
			const entry = entries.get(name);
			if (!entry) throw new DOMException('gone', 'NotFoundError');
			return { getFile: async () => new File([entry.bytes as Uint8Array<ArrayBuffer>], name, { lastModified: NOW - entry.age }) };
		},
		async removeEntry(name) {
			if (entries.get(name)?.locked) throw new DOMException('locked', 'NoModificationAllowedError');
			entries.delete(name);
		}
	};
	return { exports, names: () => [...entries.keys()].sort() };
}

async function finishedZip(comment = ''): Promise<Uint8Array> {
	const sink = memorySink();
	const writer = new ZipWriter(sink, { comment });
	const yaml = new TextEncoder().encode('name: m\n');
	await writer.addEntry({ path: 'model.yaml', size: yaml.length, crc32: crc32(yaml), data: yaml });
	await writer.finish();
	return sink.bytes();
}

describe('fsck and exports/', () => {
	it('removes half-written exports and counts them with the temporary files; keeps finished, locked and new ones', async () => {
		const volume = createMemoryVolume();
		volume.tmp.set('interrupted', [new Uint8Array([1])]);
		const store = new ModelStore(await openCatalogue({ factory: new IDBFactory() }), createMemoryBlobStore({ volume }), localCoordination());
		const complete = await finishedZip();
		const partial = complete.subarray(0, complete.length - 30);
		const old = EXPORT_GRACE_MS + 1000;
		const { exports, names } = folder({
			'crashed.zip': { bytes: partial, age: old },
			'empty.zip': { bytes: new Uint8Array(0), age: old },
			'done.zip': { bytes: complete, age: old },
			'done-with-comment.zip': { bytes: await finishedZip('exported by Model Shelf'), age: old },
			'writing-in-another-tab.zip': { bytes: partial, age: old, locked: true },
			'just-created.zip': { bytes: new Uint8Array(0), age: 10 }
		});
		const report = await fsck(store, { exports: async () => exports, now: NOW });
		expect(report).toEqual({ tempFilesRemoved: 3, orphanBlobsRemoved: [], missingBlobs: [] });
		expect(names()).toEqual(['done-with-comment.zip', 'done.zip', 'just-created.zip', 'writing-in-another-tab.zip']);
		// Nothing left to do the second time.
		expect((await fsck(store, { exports: async () => exports, now: NOW })).tempFilesRemoved).toBe(0);
	});

	it('runs without an exports folder (none yet, or not in a browser)', async () => {
		const store = new ModelStore(await openCatalogue({ factory: new IDBFactory() }), createMemoryBlobStore(), localCoordination());
		expect(await fsck(store, { exports: async () => null })).toEqual({ tempFilesRemoved: 0, orphanBlobsRemoved: [], missingBlobs: [] });
		expect(await fsck(store)).toEqual({ tempFilesRemoved: 0, orphanBlobsRemoved: [], missingBlobs: [] });
	});
});
