import 'fake-indexeddb/auto';
import { IDBFactory } from 'fake-indexeddb';
import { describe, expect, it } from 'vitest';
import { ShelfError } from '../../src/lib/core/errors.ts';
import { openCatalogue } from '../../src/lib/worker/catalogue/idb-catalogue.ts';
import { createMemoryBlobStore, createMemoryVolume } from '../../src/lib/worker/blobs/memory-blob-store.ts';
import { localCoordination } from '../../src/lib/worker/store/coordination.ts';
import { emptyTrash } from '../../src/lib/worker/store/lifecycle.ts';
import { fsck, usage, verify } from '../../src/lib/worker/store/maintenance.ts';
import { ModelStore, type SaveRequest } from '../../src/lib/worker/store/model-store.ts';

async function openStore(options: Parameters<typeof createMemoryBlobStore>[0] = {}) {
	const catalogue = await openCatalogue({ factory: new IDBFactory() });
	const blobs = createMemoryBlobStore(options);
	return new ModelStore(catalogue, blobs, localCoordination());
}

function request(name: string, version: string | undefined, files: Record<string, string>, extra: Partial<SaveRequest> = {}): SaveRequest {
	return {
		name,
		...(version ? { version } : {}),
		files: Object.entries(files).map(([path, text]) => ({ path, data: new Blob([text]) })),
		...extra
	};
}

async function failure(promise: Promise<unknown>) {
	const error = await promise.then(
		() => null,
		(caught: unknown) => caught
	);
	expect(error).toBeInstanceOf(ShelfError);
	return error as ShelfError;
}

describe('ModelStore', () => {
	it('resolves name and name:latest to the most recently created version, not the last saved', async () => {
		const store = await openStore();
		await store.save(request('iris', 'new', { a: '1' }, { creationTime: '2025-05-01T00:00:00+00:00' }));
		await store.save(request('iris', 'old', { a: '2' }, { creationTime: '2025-01-01T00:00:00+00:00' }));
		expect((await store.get('iris')).tag).toBe('iris:new');
		expect((await store.get('iris:latest')).tag).toBe('iris:new');
		expect((await store.get('iris:old')).tag).toBe('iris:old');
	});

	it('generates BentoML-style versions when none is given, and every save makes a new version', async () => {
		const store = await openStore();
		const first = await store.save(request('iris', undefined, { a: '1' }));
		const second = await store.save(request('iris', undefined, { a: '1' }));
		expect(first.record.version).toMatch(/^[a-z2-7]{16}$/);
		expect(second.record.version).not.toBe(first.record.version);
		expect(await store.catalogue.versions('iris')).toHaveLength(2);
		expect(await store.blobs.list()).toHaveLength(1);
	});

	it('reports NOT_FOUND naming what was asked', async () => {
		const store = await openStore();
		expect(await failure(store.get('ghost:v1'))).toMatchObject({ code: 'NOT_FOUND', details: { tag: 'ghost:v1' } });
		expect(await failure(store.get('ghost'))).toMatchObject({ code: 'NOT_FOUND', details: { tag: 'ghost', name: 'ghost' } });
	});

	it('treats an identical re-save of an explicit tag as a no-op and refuses different content', async () => {
		const store = await openStore();
		await store.save(request('bert', 'base', { 'w.bin': 'weights' }, { labels: { stage: 'dev' } }));
		const again = await store.save(request('bert', 'base', { 'w.bin': 'weights' }, { labels: { stage: 'dev' } }));
		expect(again.status).toBe('unchanged');
		const otherBytes = await failure(store.save(request('bert', 'base', { 'w.bin': 'weightz' }, { labels: { stage: 'dev' } })));
		expect(otherBytes).toMatchObject({ code: 'TAG_EXISTS', details: { tag: 'bert:base' } });
		const otherLabels = await failure(store.save(request('bert', 'base', { 'w.bin': 'weights' }, { labels: { stage: 'prod' } })));
		expect(otherLabels.code).toBe('TAG_EXISTS');
		expect(await store.blobs.list()).toHaveLength(1);
		expect((await store.get('bert:base')).info.labels).toEqual({ stage: 'dev' });
	});

	it('deleting the latest repoints it to the next newest; deleting the last removes the name; emptying the trash frees the bytes', async () => {
		const store = await openStore();
		await store.save(request('m', 'a', { f: '1' }, { creationTime: '2025-01-01T00:00:00+00:00' }));
		await store.save(request('m', 'b', { f: '2' }, { creationTime: '2025-02-01T00:00:00+00:00' }));
		await store.save(request('m', 'c', { f: '3' }, { creationTime: '2025-03-01T00:00:00+00:00' }));
		expect(await store.delete('m')).toEqual({ removed: 'm:c', latest: 'm:b', latestMoves: true, aliasesRemoved: [] });
		expect(await store.delete('m:a')).toEqual({ removed: 'm:a', latest: 'm:b', latestMoves: false, aliasesRemoved: [] });
		expect(await store.delete('m:b')).toEqual({ removed: 'm:b', latest: null, latestMoves: true, aliasesRemoved: [] });
		expect(await store.catalogue.names()).toEqual([]);
		expect(await store.blobs.list()).toHaveLength(3); // in the trash, restorable
		expect((await fsck(store)).orphanBlobsRemoved).toEqual([]);
		expect(await emptyTrash(store)).toMatchObject({ bytesFreed: 3 });
		expect(await store.blobs.list()).toEqual([]);
	});

	it('keeps a blob while another version still references it', async () => {
		const store = await openStore();
		await store.save(request('m', 'a', { shared: 'same', own: 'a' }));
		await store.save(request('m', 'b', { shared: 'same', own: 'b' }));
		await store.delete('m:a');
		expect(await emptyTrash(store)).toEqual({ removed: ['m:a'], bytesFreed: 1 });
		expect(await store.blobs.list()).toHaveLength(2);
		expect(await (await store.readFile('m:b', 'shared')).text()).toBe('same');
		expect(await usage(store)).toMatchObject({ versions: 1, models: 1, logicalBytes: 5, storedBytes: 5, savedByDedup: 0 });
	});

	it('rejects unsafe or colliding file paths before storing anything', async () => {
		const store = await openStore();
		const unsafe: Record<string, string>[] = [{ '../x': '1' }, { '/etc/passwd': '1' }, { 'model.yaml': '1' }, { 'A.bin': '1', 'a.bin': '2' }];
		for (const files of unsafe) {
			expect((await failure(store.save(request('m', 'v', files)))).code).toBe('INVALID_PATH');
		}
		expect(await store.blobs.list()).toEqual([]);
	});

	it('rolls back a save that hits the storage quota, keeping earlier versions intact', async () => {
		const store = await openStore({ quotaBytes: 10 });
		await store.save(request('m', 'a', { f: '12345' }));
		const error = await failure(store.save(request('m', 'b', { g: 'abc', h: '123456789' })));
		expect(error.code).toBe('STORAGE_FULL');
		expect(error.details?.path).toBe('h');
		expect((await store.list()).items.map((item) => item.tag)).toEqual(['m:a']);
		expect(await store.blobs.list()).toHaveLength(1);
		expect((await verify(store, undefined)).problems).toEqual([]);
	});

	it('a cancelled save throws ABORTED and leaves no blobs', async () => {
		const store = await openStore();
		const controller = new AbortController();
		const saving = store.save(request('m', 'a', { f: 'x'.repeat(100), g: 'y' }), {
			signal: controller.signal,
			report: () => controller.abort()
		});
		expect((await failure(saving)).code).toBe('ABORTED');
		expect(await store.blobs.list()).toEqual([]);
		expect(await store.catalogue.names()).toEqual([]);
	});

	it('fsck removes blobs a crash left unreferenced and reports referenced blobs that are missing', async () => {
		const volume = createMemoryVolume();
		const store = await openStore({ volume });
		const kept = await store.save(request('m', 'a', { f: 'kept' }));
		// A crash after the blob moved into place but before the catalogue commit…
		const orphan = await store.blobs.create();
		await orphan.write(new TextEncoder().encode('orphan'));
		const { sha256 } = await orphan.commit();
		// …and one in the middle of writing a temporary file.
		volume.tmp.set('interrupted', [new Uint8Array([1, 2, 3])]);
		const report = await fsck(store);
		expect(report).toEqual({ tempFilesRemoved: 1, orphanBlobsRemoved: [sha256], missingBlobs: [] });
		await store.blobs.delete(kept.record.files[0]!.sha256);
		expect((await fsck(store)).missingBlobs).toEqual([kept.record.files[0]!.sha256]);
		expect((await verify(store, 'm:a')).problems).toMatchObject([{ code: 'NOT_FOUND', tag: 'm:a', path: 'f' }]);
	});

	it('fsck keeps the unreferenced blobs an interrupted pull stored whole (issue 22), and removes the rest', async () => {
		const store = await openStore({ volume: createMemoryVolume() });
		const stored = async (text: string) => {
			const writer = await store.blobs.create();
			await writer.write(new TextEncoder().encode(text));
			return (await writer.commit()).sha256;
		};
		const [pulled, orphan] = [await stored('pulled whole'), await stored('orphan')];
		const report = await fsck(store, { keep: async () => new Set([pulled]) });
		expect(report.orphanBlobsRemoved).toEqual([orphan]);
		expect(await store.blobs.list()).toEqual([pulled]);
	});

	it('lists with a selector and reports bad selectors with their position', async () => {
		const store = await openStore();
		await store.save(request('a', 'v1', { f: '1' }, { labels: { stage: 'production', team: 'nlp' } }));
		await store.save(request('b', 'v1', { f: '2' }, { labels: { stage: 'production', team: 'cv' } }));
		await store.save(request('c', 'v1', { f: '3' }, { labels: { stage: 'dev' } }));
		const page = await store.list({ selector: 'stage=production,team!=cv' });
		expect(page.items.map((item) => item.tag)).toEqual(['a:v1']);
		expect(await failure(store.list({ selector: 'stage=production,' }))).toMatchObject({
			code: 'INVALID_SELECTOR',
			details: { position: 17 }
		});
	});
});
