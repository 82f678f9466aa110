// Issue 21: a selector page whose other requirements filter its candidates is answered on index keys in
// windows (window-scan.ts), reading only the versions it may return. Its pages must be exactly the
// brute-force answer, in both orders, at every page size, with the name and free text as well.
import 'fake-indexeddb/auto';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseSelector } from '../../src/lib/core/selector.ts';
import type { ListOrder, VersionRecord } from '../../src/lib/core/store-types.ts';
import type { IdbCatalogue } from '../../src/lib/worker/catalogue/idb-catalogue.ts';
import { createdKeyOf, sourceKey, windowBounds, type PlanSource } from '../../src/lib/worker/catalogue/query-plan.ts';
import { addAll, bruteForce, freshCatalogue, listEverything, randomRecords } from './catalogue-fixtures.ts';

/** Selectors whose plan carries filters: a pair, an `in` list or a key besides the range walked. */
const FILTERED = ['stage=dev,team=cv', 'stage=prod,team in (nlp,cv)', 'team in (cv,nlp),env in (a,b),n>3', 'stage=dev,env=a,team!=speech', 'deprecated,stage=dev', 'n=3,env'];

describe('a page checked on index keys first', () => {
	let catalogue: IdbCatalogue;
	let records: VersionRecord[];
	beforeAll(async () => {
		catalogue = await freshCatalogue();
		records = randomRecords(1200, 21);
		await addAll(catalogue, records);
	}, 120_000);

	it('is planned with filters for selectors whose other requirements leave a share', async () => {
		for (const text of FILTERED.slice(0, 4)) {
			const plan = await catalogue.plan({ selector: parseSelector(text) });
			expect(plan.filters?.length, text).toBeGreaterThan(0);
			expect(plan.density, text).toBeLessThan(1);
		}
	});

	it('returns exactly the matches, in order, page after page', async () => {
		for (const text of FILTERED) {
			const selector = parseSelector(text);
			for (const order of ['newest', 'oldest'] as ListOrder[]) {
				for (const limit of [1, 7, 50, 400]) {
					expect(await listEverything(catalogue, { selector, order, limit }), `${text} ${order} ${limit}`).toEqual(bruteForce(records, { selector, order }));
				}
			}
		}
	}, 120_000);

	it('combines with a name and free text', async () => {
		const selector = parseSelector('stage=dev,team=cv');
		for (const query of [{ name: 'iris' }, { text: 'iris' }, { text: 'fraud:' }]) {
			expect(await listEverything(catalogue, { ...query, selector, limit: 9 }), JSON.stringify(query)).toEqual(bruteForce(records, { ...query, selector }));
		}
	});
});

describe('window bounds', () => {
	const sources: PlanSource[] = [{ index: 'by-created' }, { index: 'by-name-created', name: 'iris' }, { index: 'by-label-created', pair: 'stage=dev' }, { index: 'by-key-created', key: 'stage' }];

	it('turn a createdKey into each index key and back', () => {
		for (const source of sources) expect(createdKeyOf(sourceKey(source, '2026-01-01T00:00:00.000000Z~iris:v1'))).toBe('2026-01-01T00:00:00.000000Z~iris:v1');
	});

	it('start strictly after the cursor and end at the window end inclusive, in either order', () => {
		const source: PlanSource = { index: 'by-label-created', pair: 'stage=dev' };
		expect(windowBounds(source, 'newest', 'b', 'a')).toEqual({ lower: 'stage=dev\u0000a', upper: 'stage=dev\u0000b', lowerOpen: false, upperOpen: true });
		expect(windowBounds(source, 'oldest', 'a', 'b')).toEqual({ lower: 'stage=dev\u0000a', upper: 'stage=dev\u0000b', lowerOpen: true, upperOpen: false });
		expect(windowBounds(source, 'oldest', null, null)).toEqual({ lower: 'stage=dev\u0000', upper: 'stage=dev\u0001', lowerOpen: false, upperOpen: true });
	});
});
