// The IndexedDB catalogue in Node, on fake-indexeddb (the auto import installs the IDB globals idb needs;
// each test still gets its own IDBFactory, so databases never leak between tests).
import 'fake-indexeddb/auto';
import { IDBFactory } from 'fake-indexeddb';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { parseSelector } from '../../src/lib/core/selector.ts';
import { openCatalogue, type IdbCatalogue } from '../../src/lib/worker/catalogue/idb-catalogue.ts';
import { planQuery, type PlanStats } from '../../src/lib/worker/catalogue/query-plan.ts';
import { unwrap } from 'idb';
import { DB_VERSION, MIGRATIONS, openCatalogueDatabase, toStored, type Migration } from '../../src/lib/worker/catalogue/schema.ts';
import { addAll, bruteForce, codeOf, file, freshCatalogue, listEverything, randomRecords, record } from './catalogue-fixtures.ts';

afterEach(() => vi.restoreAllMocks());

describe('adding and reading versions', () => {
	it('returns exactly the stored record, without index fields', async () => {
		const catalogue = await freshCatalogue();
		const iris = record('iris:v1', { labels: { stage: 'prod' } });
		await catalogue.add(iris);
		const got = await catalogue.get('iris:v1');
		expect(got).toEqual(iris);
		expect(Object.keys(got as object).sort()).toEqual(Object.keys(iris).sort());
		expect(await catalogue.get('iris:v9')).toBeUndefined();
	});

	it('lists versions newest first and points latest at the newest creation time, whatever the add order', async () => {
		const catalogue = await freshCatalogue();
		await addAll(catalogue, [record('iris:b', { second: 2 }), record('iris:c', { second: 3 }), record('iris:a', { second: 1 }), record('fraud:x')]);
		expect((await catalogue.versions('iris')).map(({ tag }) => tag)).toEqual(['iris:c', 'iris:b', 'iris:a']);
		expect((await catalogue.latest('iris'))?.tag).toBe('iris:c');
		expect(await catalogue.latest('nope')).toBeUndefined();
		expect(await catalogue.names()).toEqual([
			{ name: 'fraud', count: 1, latest: 'fraud:x', latestCreatedKey: record('fraud:x').createdKey, size: 100 },
			{ name: 'iris', count: 3, latest: 'iris:c', latestCreatedKey: record('iris:c', { second: 3 }).createdKey, size: 300 }
		]);
	});

	it('breaks ties in creation time by tag, deterministically', async () => {
		for (const order of [['m:b', 'm:a', 'm:c'], ['m:c', 'm:b', 'm:a']]) {
			const catalogue = await freshCatalogue();
			await addAll(catalogue, order.map((tag) => record(tag, { second: 5 })));
			expect((await catalogue.versions('m')).map(({ tag }) => tag)).toEqual(['m:c', 'm:b', 'm:a']);
			expect((await catalogue.latest('m'))?.tag).toBe('m:c');
			expect((await catalogue.list({ order: 'oldest' })).items.map(({ tag }) => tag)).toEqual(['m:a', 'm:b', 'm:c']);
		}
	});

	it('refuses an existing tag with TAG_EXISTS and leaves the store unchanged', async () => {
		const catalogue = await freshCatalogue();
		const original = record('iris:v1', { labels: { stage: 'prod' } });
		await catalogue.add(original);
		const before = await catalogue.names();
		const clash = record('iris:v1', { second: 9, labels: { stage: 'dev' }, files: [file('other', 'x', 5)] });
		expect(await codeOf(catalogue.add(clash))).toBe('TAG_EXISTS');
		expect(await catalogue.get('iris:v1')).toEqual(original);
		expect(await catalogue.names()).toEqual(before);
		expect(await catalogue.count({ selector: parseSelector('stage=dev') })).toBe(0);
		expect(await catalogue.isReferenced(file('other').sha256)).toBe(false);
	});

	it('turns a quota failure into STORAGE_FULL and writes nothing', async () => {
		const catalogue = await freshCatalogue();
		// The version is added first; the names summary write then hits the quota.
		vi.spyOn(IDBObjectStore.prototype, 'put').mockImplementationOnce(() => {
			throw new DOMException('Quota exceeded', 'QuotaExceededError');
		});
		expect(await codeOf(catalogue.add(record('iris:v1')))).toBe('STORAGE_FULL');
		expect(await catalogue.get('iris:v1')).toBeUndefined();
		expect(await catalogue.names()).toEqual([]);
		await catalogue.add(record('iris:v1'));
		expect(await catalogue.count()).toBe(1);
	});

	it('refuses a record whose createdKey does not end with its tag', async () => {
		const catalogue = await freshCatalogue();
		expect(await codeOf(catalogue.add({ ...record('iris:v1'), createdKey: record('iris:v2').createdKey }))).toBe('INTERNAL');
	});
});

describe('labels the composite keys cannot hold as is', () => {
	it('keeps a label value with U+0000 out of the ranges of other pairs', async () => {
		const catalogue = await freshCatalogue();
		await catalogue.add(record('iris:v1', { labels: { stage: 'prod\u0000x' } }));
		await catalogue.add(record('iris:v2', { second: 1, labels: { stage: 'prod' } }));
		const tags = async (text: string) => (await catalogue.list({ selector: parseSelector(text) })).items.map(({ tag }) => tag);
		expect(await tags('stage=prod')).toEqual(['iris:v2']);
		expect(await tags('stage')).toEqual(['iris:v2', 'iris:v1']);
		expect(await catalogue.count({ selector: parseSelector('stage=prod') })).toBe(1);
	});
});

describe('moving versions to the trash and back', () => {
	const now = 1_800_000_000_000;
	it('keeps the name directory free text reads equal to the names on the shelf, through adds, bulk trash, restore and purge', async () => {
		const factory = new IDBFactory();
		const catalogue = await openCatalogue({ factory, name: 'shelf' });
		const raw = await openCatalogueDatabase({ factory, name: 'shelf' });
		const directoryMatchesNames = async () => expect(await raw.get('name-directory', 'names')).toEqual(await raw.getAllKeys('names'));
		await addAll(catalogue, [record('iris:v1', { second: 1 }), record('iris:v2', { second: 2 }), record('fraud:x'), record('speech:y')]);
		await directoryMatchesNames();
		expect((await catalogue.list({ text: 'ir' })).items.map(({ tag }) => tag)).toEqual(['iris:v2', 'iris:v1']);
		// Two names lose their last version in one bulk move (their summaries are edited together), one keeps one.
		await catalogue.moveToTrash(['iris:v1', 'fraud:x', 'speech:y'], { removeAliases: false, now });
		await directoryMatchesNames();
		expect(await raw.get('name-directory', 'names')).toEqual(['iris']);
		await catalogue.restore(['speech:y']);
		await directoryMatchesNames();
		expect((await catalogue.list({ text: 'spe' })).items.map(({ tag }) => tag)).toEqual(['speech:y']);
		await catalogue.purge(['fraud:x']);
		await catalogue.add(record('fraud:z'));
		await directoryMatchesNames();
		expect(await raw.get('name-directory', 'names')).toEqual(['fraud', 'iris', 'speech']);
		raw.close();
		catalogue.close();
	});

	it('repoints latest to the next newest, removes the name with its last version, and restore gives them back', async () => {
		const catalogue = await freshCatalogue();
		const [v1, v2, v3] = [record('iris:v1', { second: 1 }), record('iris:v2', { second: 2 }), record('iris:v3', { second: 3 })];
		await addAll(catalogue, [v1, v2, v3]);
		expect(await catalogue.moveToTrash(['iris:v3'], { removeAliases: false, now })).toEqual({ removed: [v3], latest: { iris: 'iris:v2' }, aliasesRemoved: [] });
		expect((await catalogue.latest('iris'))?.tag).toBe('iris:v2');
		expect(await catalogue.moveToTrash(['iris:v1'], { removeAliases: false, now: now + 1 })).toMatchObject({ latest: {} });
		expect(await catalogue.names()).toMatchObject([{ name: 'iris', count: 1, latest: 'iris:v2', size: 100 }]);
		expect(await catalogue.moveToTrash(['iris:v2'], { removeAliases: false, now: now + 2 })).toMatchObject({ latest: { iris: null } });
		expect(await catalogue.names()).toEqual([]);
		expect((await catalogue.trash()).map((item) => [item.record.tag, item.trashedAt])).toEqual([['iris:v2', now + 2], ['iris:v1', now + 1], ['iris:v3', now]]);
		expect(await catalogue.restore(['iris:v3', 'iris:v1'])).toEqual([v3, v1]);
		expect(await catalogue.get('iris:v3')).toEqual(v3);
		expect(await catalogue.names()).toMatchObject([{ name: 'iris', count: 2, latest: 'iris:v3', size: 200 }]);
		expect((await catalogue.ledger()).map((entry) => [entry.tag, entry.trashed]).sort()).toEqual([['iris:v1', false], ['iris:v2', true], ['iris:v3', false]]);
	});

	it('keeps a trashed tag reserved, and moves all of a batch or none of it', async () => {
		const catalogue = await freshCatalogue();
		await addAll(catalogue, [record('iris:v1'), record('iris:v2', { second: 1 })]);
		await catalogue.moveToTrash(['iris:v1'], { removeAliases: false, now });
		expect(await codeOf(catalogue.add(record('iris:v1')))).toBe('TAG_EXISTS');
		const error = await catalogue.add(record('iris:v1')).catch((caught: unknown) => caught);
		expect(error).toMatchObject({ details: { tag: 'iris:v1', trashed: true } });
		expect(await codeOf(catalogue.moveToTrash(['iris:v2', 'iris:v9'], { removeAliases: false, now }))).toBe('NOT_FOUND');
		expect((await catalogue.get('iris:v2'))?.tag).toBe('iris:v2');
		expect(await codeOf(catalogue.restore(['iris:v2']))).toBe('NOT_FOUND');
	});

	it('keeps blobs referenced while in the trash; purging reports only the digests nothing references any more', async () => {
		const catalogue = await freshCatalogue();
		const [a, b, c] = [file('a'), file('b'), file('c')];
		await catalogue.add(record('iris:v1', { files: [a, b, { ...a, path: 'copy-of-a.bin' }] }));
		await catalogue.add(record('iris:v2', { second: 1, files: [b, c] }));
		await catalogue.moveToTrash(['iris:v1'], { removeAliases: false, now });
		expect(await catalogue.isReferenced(a.sha256)).toBe(true);
		expect(await catalogue.referencedDigests()).toEqual(new Set([a.sha256, b.sha256, c.sha256]));
		expect(await catalogue.fileByDigest(a.sha256)).toMatchObject({ sha256: a.sha256, size: 100 });
		expect(await catalogue.purge(['iris:v1'])).toEqual({ removed: ['iris:v1'], unreferenced: [a.sha256] });
		expect(await catalogue.isReferenced(a.sha256)).toBe(false);
		expect(await catalogue.isReferenced(b.sha256)).toBe(true);
		await catalogue.moveToTrash(['iris:v2'], { removeAliases: false, now });
		expect((await catalogue.purge(['iris:v2'])).unreferenced.sort()).toEqual([b.sha256, c.sha256]);
		expect(await catalogue.referencedDigests()).toEqual(new Set());
		expect(await catalogue.ledger()).toEqual([]);
	});
});

describe('listing against a brute-force reference (2,000 seeded versions)', () => {
	const records = randomRecords(2000, 42);
	let catalogue: IdbCatalogue;
	beforeAll(async () => {
		catalogue = await freshCatalogue();
		await addAll(catalogue, records);
	}, 60_000);

	it('walks newest and oldest first, and pages with limit 1, 3 and 50 yield every item exactly once in order', async () => {
		for (const order of ['newest', 'oldest'] as const) {
			expect(await listEverything(catalogue, { order, limit: 50 })).toEqual(bruteForce(records, { order }));
			for (const limit of [1, 3]) {
				expect(await listEverything(catalogue, { order, limit, name: 'yolo' })).toEqual(bruteForce(records, { order, name: 'yolo' }));
				const selector = parseSelector('stage=prod,team=cv,env in (a,b)');
				expect(await listEverything(catalogue, { order, limit, selector })).toEqual(bruteForce(records, { order, selector }));
			}
		}
		expect((await catalogue.list({})).items).toHaveLength(50);
	}, 60_000);

	const selectors = [
		'stage=prod', 'stage==staging', 'stage!=prod', 'team in (cv,nlp)', 'team notin (cv)', 'deprecated', '!deprecated',
		'note=', 'note', 'n>5', 'n<3,stage=dev', 'stage=prod,team=cv', 'stage=prod,env in (a,b),!deprecated',
		'env in (a,b),team in (nlp,speech)', 'env notin (a,b),team!=cv', 'stage in (prod,staging,dev)', 'team in (cv)',
		'stage=prod,stage=dev', 'team=missing', '!stage,!team', 'n,env=d,team', 'stage=dev,n in (1,2,3),!note'
	];
	it.each(selectors)('answers selector %j exactly like a full filter, in both orders and several page sizes', async (text) => {
		const selector = parseSelector(text);
		for (const [order, limit] of [['newest', 50], ['oldest', 7], ['newest', 333]] as const) {
			expect(await listEverything(catalogue, { selector, order, limit })).toEqual(bruteForce(records, { selector, order }));
		}
		expect(await catalogue.count({ selector })).toBe(bruteForce(records, { selector }).length);
	}, 60_000);

	it.each([
		[{ text: 'iris' }], [{ text: 'IRIS ' }], [{ text: 'ris_' }], [{ text: 'fraud:' }], [{ text: 'zzz' }],
		[{ text: `${records[0]?.tag.slice(0, 8)}` }], [{ text: 'r' }], [{ text: 'e', selector: parseSelector('stage=prod') }],
		[{ name: 'iris', selector: parseSelector('team in (cv,speech)') }], [{ name: 'iris', text: 'big' }], [{ name: 'unknown' }]
	])('answers %j exactly like a full filter', async (query) => {
		for (const [order, limit] of [['newest', 50], ['oldest', 9]] as const) {
			expect(await listEverything(catalogue, { ...query, order, limit })).toEqual(bruteForce(records, { ...query, order }));
		}
		expect(await catalogue.count(query)).toBe(bruteForce(records, query).length);
	}, 60_000);

	it('counts by name, by equality and in total from indexes', async () => {
		expect(await catalogue.count()).toBe(2000);
		expect(await catalogue.count({ name: 'bert' })).toBe(bruteForce(records, { name: 'bert' }).length);
		expect(await catalogue.count({ selector: parseSelector('env in (a,c)') })).toBe(bruteForce(records, { selector: parseSelector('env in (a,c)') }).length);
	});

	it('resumes strictly after the cursor when versions are added between pages', async () => {
		const small = await freshCatalogue();
		await addAll(small, [1, 2, 3, 4].map((second) => record(`m:v${second}`, { second })));
		const first = await small.list({ limit: 2 });
		await small.add(record('m:v0', { second: 0 }));
		await small.add(record('m:v9', { second: 9 }));
		const rest = await small.list({ limit: 2, cursor: first.next });
		expect([...first.items, ...rest.items].map(({ tag }) => tag)).toEqual(['m:v4', 'm:v3', 'm:v2', 'm:v1']);
		expect((await small.list({ limit: 2, cursor: rest.next })).items.map(({ tag }) => tag)).toEqual(['m:v0']);
	});

	it('refuses a cursor that no page returned', async () => {
		expect(await codeOf(catalogue.list({ cursor: 'not-a-cursor' }))).toBe('UNSUPPORTED');
	});
});

describe('query planning', () => {
	const stats = (pairs: Record<string, number>, names: Record<string, number> = {}): PlanStats => {
		const summaries = Object.entries(names).map(([name, count]) => ({ name, count, latest: `${name}:x`, latestCreatedKey: '', size: 0 }));
		return {
			summary: async (name) => summaries.find((summary) => summary.name === name),
			names: async () => summaries.map(({ name }) => name),
			pairCount: async (pair) => pairs[pair] ?? 0,
			keyCount: async (key) => Object.entries(pairs).reduce((sum, [pair, n]) => (pair.startsWith(`${key}=`) ? sum + n : sum), 0)
		};
	};

	it('picks the most selective equality pair', async () => {
		const plan = await planQuery({ selector: parseSelector('stage=prod,team=cv') }, stats({ 'stage=prod': 900, 'team=cv': 40 }));
		expect(plan).toEqual({ kind: 'label', sources: [{ index: 'by-label-created', pair: 'team=cv' }], estimate: 40 });
	});

	it('merges the pairs of an in list, uses the key range for exists, and walks everything otherwise', async () => {
		const s = stats({ 'env=a': 5, 'env=b': 6, 'n=1': 1000 });
		expect(await planQuery({ selector: parseSelector('env in (a,b),n') }, s)).toMatchObject({ kind: 'label-union', estimate: 11 });
		expect(await planQuery({ selector: parseSelector('n>3') }, s)).toMatchObject({ kind: 'label-key', sources: [{ index: 'by-key-created', key: 'n' }] });
		expect(await planQuery({ selector: parseSelector('stage!=prod,!n') }, s)).toMatchObject({ kind: 'created' });
		expect(await planQuery({}, s)).toMatchObject({ kind: 'created' });
		expect(await planQuery({ selector: parseSelector('env=zz,n') }, s)).toMatchObject({ kind: 'empty' });
	});

	it('uses the name range, or a smaller label range when there is one', async () => {
		const s = stats({ 'stage=prod': 3 }, { iris: 5000, tiny: 10 });
		expect(await planQuery({ name: 'iris' }, s)).toMatchObject({ kind: 'name', estimate: 5000 });
		expect(await planQuery({ name: 'iris', selector: parseSelector('stage=prod') }, s)).toMatchObject({ kind: 'label', estimate: 3 });
		expect(await planQuery({ name: 'tiny', selector: parseSelector('stage=prod') }, s)).toMatchObject({ kind: 'name' });
		expect(await planQuery({ name: 'nope' }, s)).toMatchObject({ kind: 'empty' });
	});

	it('merges the ranges of the names free text matches, and walks everything above 16 names', async () => {
		const few = stats({}, { iris: 1, iris_big: 2, fraud: 3 });
		expect(await planQuery({ text: 'Iris' }, few)).toMatchObject({ kind: 'text-names', estimate: 3, sources: [{ name: 'iris' }, { name: 'iris_big' }] });
		expect(await planQuery({ text: 'fraud:v1' }, few)).toMatchObject({ kind: 'text-names', sources: [{ name: 'fraud' }] });
		expect(await planQuery({ text: 'zzz' }, few)).toMatchObject({ kind: 'empty' });
		expect(await planQuery({ name: 'fraud', text: 'iris' }, few)).toMatchObject({ kind: 'empty' });
		const many = stats({}, Object.fromEntries(Array.from({ length: 17 }, (_, i) => [`model-${i}`, 1])));
		expect(await planQuery({ text: 'model' }, many)).toMatchObject({ kind: 'created' });
	});

	it('answers a selector page on 10,000 versions through an index plan', async () => {
		const catalogue = await freshCatalogue();
		const records = randomRecords(10_000, 7);
		await addAll(catalogue, records);
		// stage=dev is on ~45% of versions, env in (a,b) on ~30%: the union of two ranges is the smaller walk.
		const selector = parseSelector('stage=dev,env in (a,b),team!=cv');
		expect(await catalogue.plan({ selector })).toMatchObject({ kind: 'label-union', sources: [{ pair: 'env=a' }, { pair: 'env=b' }] });
		expect(await catalogue.plan({ selector: parseSelector('stage=dev,team=nlp') })).toMatchObject({ kind: 'label', sources: [{ pair: 'team=nlp' }] });
		expect(await catalogue.plan({ selector: parseSelector('deprecated,stage=dev') })).toMatchObject({ kind: 'label-key' });
		const page = await catalogue.list({ selector, limit: 50 });
		expect(page.items.map(({ tag }) => tag)).toEqual(bruteForce(records, { selector }).slice(0, 50));
	}, 120_000);
});

describe('schema migrations', () => {
	it('builds every store and index from version 0', async () => {
		expect(DB_VERSION).toBe(5);
		expect(MIGRATIONS).toHaveLength(DB_VERSION);
		const db = await openCatalogueDatabase({ factory: new IDBFactory() });
		expect([...db.objectStoreNames].sort()).toEqual(['alias-history', 'aliases', 'label-counts', 'last-used', 'ledger', 'name-directory', 'names', 'settings', 'trash', 'versions']);
		const tx = db.transaction(['versions', 'names', 'trash', 'aliases', 'alias-history', 'label-counts']);
		expect(tx.objectStore('names').keyPath).toBe('name');
		expect(tx.objectStore('label-counts').keyPath).toEqual(['kind', 'text']);
		expect(tx.objectStore('aliases').keyPath).toEqual(['name', 'alias']);
		const indexesOf = (store: IDBObjectStore) =>
			Object.fromEntries(
				[...store.indexNames].map((name) => {
					const index = store.index(name);
					return [name, { keyPath: index.keyPath, unique: index.unique, multiEntry: index.multiEntry }];
				})
			);
		const versions = unwrap(tx.objectStore('versions'));
		expect(versions.keyPath).toBe('tag');
		expect(indexesOf(versions)).toEqual({
			'by-created': { keyPath: 'createdKey', unique: true, multiEntry: false },
			'by-name-created': { keyPath: ['name', 'createdKey'], unique: false, multiEntry: false },
			'by-label': { keyPath: 'labelPairs', unique: false, multiEntry: true },
			'by-label-key': { keyPath: 'labelKeys', unique: false, multiEntry: true },
			'by-label-created': { keyPath: 'labelCreated', unique: false, multiEntry: true },
			'by-key-created': { keyPath: 'keyCreated', unique: false, multiEntry: true },
			'by-digest': { keyPath: 'digests', unique: false, multiEntry: true },
			'by-metric': { keyPath: 'metricEntries', unique: false, multiEntry: true },
			'by-facts': { keyPath: 'facts.factsVersion', unique: false, multiEntry: false }
		});
		expect(indexesOf(unwrap(tx.objectStore('trash')))).toEqual({
			'by-digest': { keyPath: 'digests', unique: false, multiEntry: true },
			'by-trashed': { keyPath: 'trashedAt', unique: false, multiEntry: false },
			'by-facts': { keyPath: 'record.facts.factsVersion', unique: false, multiEntry: false }
		});
		db.close();
	});

	it('upgrades a version-1 database: its versions gain metric entries and ledger lines, and later steps run alone', async () => {
		const factory = new IDBFactory();
		const v1 = await openCatalogueDatabase({ factory, name: 'shelf', migrations: MIGRATIONS.slice(0, 1) });
		const old = record('iris:v1', { labels: { stage: 'prod' } });
		old.info = { ...old.info, metadata: { accuracy: 0.9, note: 'x' } } as typeof old.info;
		const { metricEntries: _, ...storedByV1 } = toStored(old);
		await v1.put('versions', storedByV1 as ReturnType<typeof toStored>);
		await v1.put('names', { name: 'iris', count: 1, latest: old.tag, latestCreatedKey: old.createdKey, size: old.size });
		v1.close();
		const upgraded = await openCatalogue({ factory, name: 'shelf' });
		expect(await upgraded.get('iris:v1')).toEqual(old);
		expect((await upgraded.ledger()).map((entry) => [entry.tag, entry.trashed, entry.size])).toEqual([['iris:v1', false, 100]]);
		expect((await upgraded.list({ orderBy: { metadata: 'accuracy', direction: 'desc' } })).items.map((item) => item.tag)).toEqual(['iris:v1']);
		expect(await upgraded.count({ selector: parseSelector('stage=prod') })).toBe(1); // from the label counts step 4 filled
		expect((await upgraded.list({ text: 'iri' })).items.map((item) => item.tag)).toEqual(['iris:v1']); // from the name directory step 5 built
		upgraded.close();
		const ran: number[] = [];
		const addSavedAt: Migration = (_db, tx) => {
			ran.push(6);
			// A later schema would declare this index in its DBSchema; the cast stands in for that.
			(tx.objectStore('versions') as unknown as { createIndex(name: string, keyPath: string): void }).createIndex('by-saved', 'savedAt');
		};
		const db = await openCatalogueDatabase({ factory, name: 'shelf', migrations: [...MIGRATIONS, addSavedAt] });
		expect(ran).toEqual([6]);
		expect(db.version).toBe(6);
		expect([...db.transaction('versions').store.indexNames]).toContain('by-saved');
		expect((await db.get('versions', 'iris:v1'))?.labelPairs).toEqual(['stage=prod']);
		db.close();
		expect(await codeOf(openCatalogue({ factory, name: 'shelf' }))).toBe('UNSUPPORTED');
	});
});
