// Issue 7, fix 3: storeVersion stores several files at once, each with its own writer. The record, the
// progress totals, failures, quota and cancellation must come out as they did one file at a time.
import 'fake-indexeddb/auto';
import { IDBFactory } from 'fake-indexeddb';
import { describe, expect, it } from 'vitest';
import { ShelfError } from '../../src/lib/core/errors.ts';
import type { BlobStore, BlobWriter } from '../../src/lib/core/store-types.ts';
import { openCatalogue } from '../../src/lib/worker/catalogue/idb-catalogue.ts';
import { createMemoryBlobStore, createMemoryVolume, type MemoryVolume } from '../../src/lib/worker/blobs/memory-blob-store.ts';
import type { Progress } from '../../src/lib/worker/contract.ts';
import { localCoordination } from '../../src/lib/worker/store/coordination.ts';
import { BYTES_IN_FLIGHT, FILES_IN_FLIGHT, SMALL_FILE, SMALL_FILES_IN_FLIGHT } from '../../src/lib/worker/store/bounded-tasks.ts';
import { ModelStore } from '../../src/lib/worker/store/model-store.ts';

/** A memory blob store that records how many writers are open at once and the size hints it was given. */
function instrumented(volume: MemoryVolume, quotaBytes?: number) {
	const inner = createMemoryBlobStore({ volume, ...(quotaBytes === undefined ? {} : { quotaBytes }) });
	const stats = { open: 0, maxOpen: 0, hints: [] as (number | undefined)[] };
	const blobs: BlobStore = {
		...inner,
		async create(expectedSize?: number): Promise<BlobWriter> {
			stats.hints.push(expectedSize);
			const writer = await inner.create(expectedSize);
			stats.open++;
			stats.maxOpen = Math.max(stats.maxOpen, stats.open);
			let closed = false;
			const close = () => {
				if (!closed) stats.open--;
				closed = true;
			};
			return {
				write: async (chunk) => {
					await new Promise((resolve) => setTimeout(resolve, 1)); // a round trip, as OPFS has
					return writer.write(chunk);
				},
				commit: async (expected) => {
					try {
						await new Promise((resolve) => setTimeout(resolve, 10)); // a transaction, as the blob stores' commits wait for
						return await writer.commit(expected);
					} finally {
						close();
					}
				},
				abort: async () => {
					close();
					return writer.abort();
				}
			};
		}
	};
	return { blobs, stats };
}

async function openStore(quotaBytes?: number) {
	const volume = createMemoryVolume();
	const { blobs, stats } = instrumented(volume, quotaBytes);
	const store = new ModelStore(await openCatalogue({ factory: new IDBFactory() }), blobs, localCoordination());
	return { store, stats, volume };
}

function files(count: number, size = 10) {
	return Array.from({ length: count }, (_, i) => ({ path: `f/${String(count - i).padStart(3, '0')}`, data: new Blob([String(i).padEnd(size, '.')]) }));
}

async function failure(promise: Promise<unknown>): Promise<ShelfError> {
	const error = await promise.then(() => null, (caught: unknown) => caught);
	expect(error).toBeInstanceOf(ShelfError);
	return error as ShelfError;
}

describe('ModelStore.storeVersion with files in flight', () => {
	it('stores small files many at a time, keeps the record sorted by path and the progress total right', async () => {
		const { store, stats } = await openStore();
		const reports: Progress[] = [];
		const result = await store.save({ name: 'many', version: 'v1', files: files(30) }, { report: (progress) => reports.push(progress) });
		// Tiny files share the blob store's group commits: more of them are in flight than larger files.
		expect(stats.maxOpen).toBeGreaterThan(FILES_IN_FLIGHT);
		expect(stats.maxOpen).toBeLessThanOrEqual(SMALL_FILES_IN_FLIGHT);
		const paths = result.record.files.map((file) => file.path);
		expect(paths).toEqual([...paths].sort());
		expect(paths).toHaveLength(30);
		expect(reports.every((report) => report.total === 300)).toBe(true);
		expect(reports.at(-1)?.loaded).toBe(300);
		// Every writer was told the size to expect.
		expect(stats.hints).toEqual(Array(30).fill(10));
	});

	it('stores files larger than small a few at a time, and a small one beside them', async () => {
		const { store, stats } = await openStore();
		await store.save({ name: 'larger', version: 'v1', files: [...files(10, SMALL_FILE + 1), { path: 'tiny', data: new Blob(['t']) }] });
		expect(stats.maxOpen).toBeGreaterThan(1);
		expect(stats.maxOpen).toBeLessThanOrEqual(FILES_IN_FLIGHT);
	});

	it('stores a file larger than the in-flight budget alone', async () => {
		const { store, stats } = await openStore();
		const big = { path: 'big.bin', data: new Blob([new Uint8Array(BYTES_IN_FLIGHT)]) };
		await store.save({ name: 'big', version: 'v1', files: [big, { path: 'small', data: new Blob(['s']) }] });
		expect(stats.maxOpen).toBe(1);
	});

	it('on a failure stops the files in flight, commits nothing and leaves no blob or temporary file', async () => {
		const { store, stats, volume } = await openStore();
		const incoming = files(12);
		incoming[5] = { ...incoming[5]!, expected: { sha256: '0'.repeat(64) } } as (typeof incoming)[number];
		const error = await failure(store.save({ name: 'broken', version: 'v1', files: incoming }));
		expect(error.code).toBe('INTEGRITY');
		expect(error.details?.path).toBe(incoming[5]!.path);
		expect(stats.open).toBe(0);
		expect(await store.catalogue.names()).toEqual([]);
		expect(await store.blobs.list()).toEqual([]);
		expect(volume.tmp.size).toBe(0);
	});

	it('a cancel while several files are in flight throws ABORTED and leaves nothing behind', async () => {
		const { store, volume } = await openStore();
		const controller = new AbortController();
		let reports = 0;
		const saving = store.save({ name: 'cancelled', version: 'v1', files: files(20) }, { signal: controller.signal, report: () => ++reports === 6 && controller.abort() });
		expect((await failure(saving)).code).toBe('ABORTED');
		expect(await store.blobs.list()).toEqual([]);
		expect(volume.tmp.size).toBe(0);
		expect(await store.catalogue.names()).toEqual([]);
	});

	it('a quota reached by one of the files in flight rolls the whole version back', async () => {
		const { store, volume } = await openStore(95);
		const error = await failure(store.save({ name: 'full', version: 'v1', files: files(12) }));
		expect(error.code).toBe('STORAGE_FULL');
		expect(await store.blobs.list()).toEqual([]);
		expect(volume.tmp.size).toBe(0);
	});

	it('re-storing identical content concurrently is still reported as unchanged, and different content as TAG_EXISTS', async () => {
		const { store } = await openStore();
		await store.save({ name: 'same', version: 'v1', creationTime: '2025-01-01T00:00:00+00:00', files: files(9) });
		const again = await store.save({ name: 'same', version: 'v1', creationTime: '2025-01-01T00:00:00+00:00', files: files(9) });
		expect(again.status).toBe('unchanged');
		const changed = files(9);
		changed[3] = { ...changed[3]!, data: new Blob(['different!']) };
		expect((await failure(store.save({ name: 'same', version: 'v1', creationTime: '2025-01-01T00:00:00+00:00', files: changed }))).code).toBe('TAG_EXISTS');
		expect(await store.blobs.list()).toHaveLength(9);
	});
});
