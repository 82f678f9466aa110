// Issue 21: the label counts the query planner reads instead of counting index ranges. They must equal what
// the shelf holds after every kind of write, and a database from before them must get them on upgrade.
import 'fake-indexeddb/auto';
import { IDBFactory } from 'fake-indexeddb';
import { describe, expect, it } from 'vitest';
import { parseSelector } from '../../src/lib/core/selector.ts';
import type { VersionRecord } from '../../src/lib/core/store-types.ts';
import { firstRead } from '../../src/lib/worker/catalogue/catalogue-queries.ts';
import { openCatalogue, type IdbCatalogue } from '../../src/lib/worker/catalogue/idb-catalogue.ts';
import { MAX_BATCH } from '../../src/lib/worker/catalogue/merge-scan.ts';
import { MIGRATIONS, openCatalogueDatabase, toStored } from '../../src/lib/worker/catalogue/schema.ts';
import { addAll, bruteForce, freshCatalogue, randomRecords } from './catalogue-fixtures.ts';

/** Selectors a count answers from label counts alone (pairs, `in`, `notin`, `!=`, exists, not exists). */
const SELECTORS = ['stage=prod', 'stage=dev', 'team in (cv,nlp)', 'env notin (a)', 'team!=speech', 'deprecated', '!deprecated', 'note=', 'n', 'stage=gone'];

/** Each selector's count against the brute-force answer over what the shelf holds. */
async function expectCountsOf(catalogue: IdbCatalogue, shelf: readonly VersionRecord[]) {
	for (const text of SELECTORS) {
		const selector = parseSelector(text);
		expect([text, await catalogue.count({ selector })]).toEqual([text, bruteForce(shelf, { selector }).length]);
	}
}

/** stage=dev is on ~45% of the versions, team=cv on ~23%: the planner sees which range is smaller. */
async function expectSmallerRangeChosen(catalogue: IdbCatalogue) {
	expect(await catalogue.plan({ selector: parseSelector('stage=dev,team=cv') })).toMatchObject({ kind: 'label', sources: [{ pair: 'team=cv' }] });
}

describe('label counts', () => {
	it('follow every add, move to the trash, restore and purge', async () => {
		const catalogue = await freshCatalogue();
		const records = randomRecords(400, 21);
		await addAll(catalogue, records);
		await expectCountsOf(catalogue, records);
		await expectSmallerRangeChosen(catalogue);
		const trashed = records.slice(0, 150).map((item) => item.tag);
		await catalogue.moveToTrash(trashed, { removeAliases: false, now: 1 });
		await expectCountsOf(catalogue, records.slice(150));
		await catalogue.restore(trashed.slice(0, 40));
		await catalogue.purge(trashed.slice(100));
		await expectCountsOf(catalogue, [...records.slice(0, 40), ...records.slice(150)]);
		// Counts reach zero and leave no trace: a pair no version carries plans as nothing to find.
		await catalogue.moveToTrash([...records.slice(0, 40), ...records.slice(150)].map((item) => item.tag), { removeAliases: false, now: 2 });
		expect(await catalogue.plan({ selector: parseSelector('stage=prod,team=cv') })).toMatchObject({ kind: 'empty' });
		await expectCountsOf(catalogue, []);
	}, 120_000);

	it('are counted from the stored versions when a version-3 database upgrades', async () => {
		const factory = new IDBFactory();
		const v3 = await openCatalogueDatabase({ factory, name: 'shelf', migrations: MIGRATIONS.slice(0, 3) });
		// More versions than one read of the upgrade step takes, so its reads follow one another.
		const records = randomRecords(5000, 3);
		const tx = v3.transaction('versions', 'readwrite');
		for (const item of records) void tx.store.put(toStored(item));
		await tx.done;
		v3.close();
		const catalogue = await openCatalogue({ factory, name: 'shelf' });
		await expectCountsOf(catalogue, records);
		await expectSmallerRangeChosen(catalogue);
		const selector = parseSelector('stage=dev,team=cv');
		expect((await catalogue.list({ selector, limit: 20 })).items.map((item) => item.tag)).toEqual(bruteForce(records, { selector }).slice(0, 20));
		catalogue.close();
	}, 120_000);
});

describe('a page over a range where few candidates match', () => {
	it('expects the share the other requirements leave, and reads that many at once', async () => {
		const catalogue = await freshCatalogue();
		const records = randomRecords(2000, 5);
		await addAll(catalogue, records);
		const selector = parseSelector('stage=dev,team=cv');
		const plan = await catalogue.plan({ selector });
		const teamCv = bruteForce(records, { selector: parseSelector('team=cv') }).length;
		expect(plan).toMatchObject({ kind: 'label', sources: [{ pair: 'team=cv' }] });
		// The candidates are team=cv; stage=dev is expected to pass its share of the versions having a stage.
		const share = bruteForce(records, { selector: parseSelector('stage=dev') }).length / bruteForce(records, { selector: parseSelector('stage') }).length;
		expect(plan.density).toBeCloseTo(share, 6);
		expect(teamCv).toBeGreaterThan(0);
		expect(firstRead(51, undefined)).toBe(51);
		expect(firstRead(51, 0.25)).toBe(255);
		expect(firstRead(51, 1e-9)).toBe(MAX_BATCH);
		// Whatever it reads first, every page holds exactly the matches, in order.
		for (const limit of [1, 7, 50]) {
			const tags: string[] = [];
			for (let cursor: string | null = null, pages = 0; pages < 2000; pages++) {
				const page = await catalogue.list({ selector, limit, cursor });
				tags.push(...page.items.map((item) => item.tag));
				if ((cursor = page.next) === null) break;
			}
			expect(tags).toEqual(bruteForce(records, { selector }));
		}
	}, 120_000);
});
