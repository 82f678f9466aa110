// Issue 7, fixes 11 and 12: merged ranges start with a share of the page each (then double), descending
// batches use getAllRecords where the browser has it (and three requests where it has not), and the
// referenced digests are read in batches. The answers must not change.
import 'fake-indexeddb/auto';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { ListQuery, VersionRecord } from '../../src/lib/core/store-types.ts';
import type { IdbCatalogue } from '../../src/lib/worker/catalogue/idb-catalogue.ts';
import { firstBatchPerRange, MAX_BATCH } from '../../src/lib/worker/catalogue/merge-scan.ts';
import { addAll, bruteForce, file, freshCatalogue, listEverything, randomRecords, record } from './catalogue-fixtures.ts';

afterEach(() => vi.restoreAllMocks());

describe('first batch per merged range', () => {
	it('is the page spread over the ranges plus one, and the whole page for a single range', () => {
		expect(firstBatchPerRange(51, 1)).toBe(51);
		expect(firstBatchPerRange(51, 8)).toBe(8);
		expect(firstBatchPerRange(51, 16)).toBe(5);
		expect(firstBatchPerRange(2, 16)).toBe(2);
		expect(firstBatchPerRange(5000, 2)).toBe(MAX_BATCH);
	});
});

describe('merged and descending reads, with and without getAllRecords', () => {
	let catalogue: IdbCatalogue;
	let records: VersionRecord[];
	beforeAll(async () => {
		catalogue = await freshCatalogue();
		records = randomRecords(600, 7);
		await addAll(catalogue, records);
	}, 60_000);

	const queries: ListQuery[] = [
		{ text: 'i', limit: 7 }, // several name ranges merged
		{ text: 'r', limit: 50, order: 'oldest' },
		{ text: 'iris', limit: 1 },
		{ limit: 13 },
		{ selector: [{ key: 'stage', operator: 'in', values: ['prod', 'staging'] }], limit: 9 }
	];

	for (const query of queries) {
		it(`pages ${JSON.stringify(query)} exactly like a full filter`, async () => {
			expect(await listEverything(catalogue, query)).toEqual(bruteForce(records, query));
		});
	}

	it('gives the same pages where IDBIndex.getAllRecords does not exist (Chromium before 141)', async () => {
		const prototype = globalThis.IDBIndex.prototype as { getAllRecords?: unknown };
		const original = Object.getOwnPropertyDescriptor(prototype, 'getAllRecords');
		expect(original).toBeDefined(); // fake-indexeddb has it, so the tests above took the getAllRecords path
		delete prototype.getAllRecords;
		try {
			for (const query of queries) expect(await listEverything(catalogue, query)).toEqual(bruteForce(records, query));
		} finally {
			Object.defineProperty(prototype, 'getAllRecords', original!);
		}
	});
});

describe('referenced digests', () => {
	it('reads every digest across several batches, each once', async () => {
		const catalogue = await freshCatalogue();
		const count = 10_050; // more than one batch of 10,000
		const expected = new Set<string>();
		for (let i = 0; i < count; i++) {
			const files = [file(`own-${i}`), file(`shared-${i % 7}`, 'shared.bin')];
			files.forEach(({ sha256 }) => expected.add(sha256));
			await catalogue.add(record(`m${i % 50}:v${i}`, { second: i, files }));
		}
		expect(await catalogue.referencedDigests()).toEqual(expected);
	}, 120_000);
});
