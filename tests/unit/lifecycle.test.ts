// Issue 16 in Node: aliases (grammar, collisions, history, roll back), the trash, bulk deletes, retention plans
// (shared blobs, latest and alias exemptions) and the space report, on the real store over fake-indexeddb.
import 'fake-indexeddb/auto';
import { IDBFactory } from 'fake-indexeddb';
import { describe, expect, it, vi } from 'vitest';
import { parseMetricFilter, meetsThresholds } from '../../src/lib/core/lifecycle/metric-filter.ts';
import { parseReference } from '../../src/lib/core/tags.ts';
import { openCatalogue } from '../../src/lib/worker/catalogue/idb-catalogue.ts';
import { createMemoryBlobStore } from '../../src/lib/worker/blobs/memory-blob-store.ts';
import { localCoordination } from '../../src/lib/worker/store/coordination.ts';
import { applyRetention, deleteMany, emptyTrash, expireTrash, listTrash, planRetentionNow, removeAlias, restore, rollbackAlias, setAlias, spaceReport } from '../../src/lib/worker/store/lifecycle.ts';
import { fsck, usage } from '../../src/lib/worker/store/maintenance.ts';
import { ModelStore } from '../../src/lib/worker/store/model-store.ts';

async function openStore() {
	return new ModelStore(await openCatalogue({ factory: new IDBFactory() }), createMemoryBlobStore(), localCoordination());
}

/** Saves `name:version` created on day `day` of 2025 with the given files (path → text), labels and metadata. */
async function save(store: ModelStore, tag: string, day: number, files: Record<string, string>, extra: { labels?: Record<string, string>; metadata?: Record<string, number | string> } = {}) {
	const [name = '', version = ''] = tag.split(':');
	const creationTime = new Date(Date.UTC(2025, 0, day)).toISOString();
	return store.save({ name, version, creationTime, ...extra, files: Object.entries(files).map(([path, text]) => ({ path, data: new Blob([text]) })) });
}

async function codeOf(promise: Promise<unknown>) {
	return promise.then(
		() => 'resolved',
		(error: { code?: string }) => error.code
	);
}

describe('alias grammar', () => {
	it('reads name@alias with BentoML version rules, lower-cased; latest is reserved', () => {
		expect(parseReference('Churn@Champion')).toEqual({ name: 'churn', alias: 'champion' });
		expect(parseReference('churn:v3')).toEqual({ name: 'churn', version: 'v3' });
		for (const bad of ['churn@latest', 'churn@', 'churn@-x', 'churn@a b', `churn@${'a'.repeat(64)}`, '@champion']) {
			expect(() => parseReference(bad), bad).toThrow(expect.objectContaining({ code: 'INVALID_TAG' }));
		}
		expect(() => parseReference('churn@latest')).toThrow(expect.objectContaining({ details: { tag: 'churn@latest', part: 'alias', reason: 'reserved-alias' } }));
	});
});

describe('aliases', () => {
	it('resolve everywhere a tag is taken, move with history, and roll back', async () => {
		const store = await openStore();
		await save(store, 'churn:v1', 1, { w: '1' });
		await save(store, 'churn:v2', 2, { w: '2' });
		await setAlias(store, { name: 'churn', alias: 'Champion', version: 'v1' });
		expect((await store.get('churn@champion')).tag).toBe('churn:v1');
		expect(await (await store.readFile('churn@champion', 'w')).text()).toBe('1');
		expect(await store.manifestText('churn@champion')).toContain('version: v1');
		await setAlias(store, { name: 'churn', alias: 'champion', version: 'v2', note: 'better recall' });
		expect((await store.get('churn@champion')).tag).toBe('churn:v2');
		expect(await setAlias(store, { name: 'churn', alias: 'champion', version: 'v2' })).toMatchObject({ from: 'v1', to: 'v2', note: 'better recall' }); // no change, no event
		await rollbackAlias(store, { name: 'churn', alias: 'champion' });
		expect((await store.get('churn@champion')).tag).toBe('churn:v1');
		await removeAlias(store, { name: 'churn', alias: 'champion' });
		expect(await codeOf(store.get('churn@champion'))).toBe('NOT_FOUND');
		const history = await store.catalogue.aliasHistory('churn');
		expect(history.map(({ alias, from, to, note }) => ({ alias, from, to, note }))).toEqual([
			{ alias: 'champion', from: null, to: 'v1', note: undefined },
			{ alias: 'champion', from: 'v1', to: 'v2', note: 'better recall' },
			{ alias: 'champion', from: 'v2', to: 'v1', note: 'rolled back from v2' },
			{ alias: 'champion', from: 'v1', to: null, note: undefined }
		]);
		expect(history.map((event) => event.seq)).toEqual([...history.map((event) => event.seq)].sort((a, b) => a - b));
	});

	it('never share a word with a version of the model, either way', async () => {
		const store = await openStore();
		await save(store, 'churn:v1', 1, { w: '1' });
		expect(await codeOf(setAlias(store, { name: 'churn', alias: 'v1', version: 'v1' }))).toBe('ALIAS_CONFLICT');
		await setAlias(store, { name: 'churn', alias: 'prod', version: 'v1' });
		const error = await save(store, 'churn:prod', 2, { w: '2' }).catch((caught: unknown) => caught);
		expect(error).toMatchObject({ code: 'ALIAS_CONFLICT', details: { name: 'churn', alias: 'prod', reason: 'is-alias' } });
		expect((await store.catalogue.versions('churn')).map((record) => record.tag)).toEqual(['churn:v1']);
		expect(await codeOf(setAlias(store, { name: 'churn', alias: 'x', version: 'v9' }))).toBe('NOT_FOUND');
		expect(await codeOf(setAlias(store, { name: 'churn', alias: 'latest', version: 'v1' }))).toBe('INVALID_TAG');
	});

	it('make a delete refuse (ALIASED) unless the aliases go in the same step', async () => {
		const store = await openStore();
		await save(store, 'churn:v1', 1, { w: '1' });
		await save(store, 'churn:v2', 2, { w: '2' });
		await setAlias(store, { name: 'churn', alias: 'champion', version: 'v1' });
		const refused = await store.delete('churn:v1').catch((caught: unknown) => caught);
		expect(refused).toMatchObject({ code: 'ALIASED', details: { tag: 'churn:v1', name: 'churn', aliases: ['champion'] } });
		expect(await codeOf(deleteMany(store, { tags: ['churn:v2', 'churn:v1'] }))).toBe('ALIASED');
		expect((await store.catalogue.versions('churn')).length).toBe(2); // nothing moved
		expect(await store.delete('churn:v1', { removeAliases: true })).toMatchObject({ removed: 'churn:v1', aliasesRemoved: ['champion'] });
		expect(await store.catalogue.aliases('churn')).toEqual([]);
		expect((await store.catalogue.aliasHistory('churn')).at(-1)).toMatchObject({ from: 'v1', to: null, note: 'removed with churn:v1' });
	});
});

describe('the trash', () => {
	it('gives versions back identical, keeps the tag reserved, and frees bytes only when emptied', async () => {
		const store = await openStore();
		await save(store, 'iris:v1', 1, { a: 'aaaa', shared: 'ss' });
		await save(store, 'iris:v2', 2, { b: 'bb', shared: 'ss' });
		const before = await store.get('iris:v2');
		expect(await store.delete('iris:v2')).toMatchObject({ latest: 'iris:v1', latestMoves: true });
		expect((await store.get('iris')).tag).toBe('iris:v1');
		// Refused before any byte is written.
		const writes = vi.spyOn(store.blobs, 'create');
		const refused = await save(store, 'iris:v2', 2, { other: 'never stored' }).catch((error: unknown) => error);
		expect(refused).toMatchObject({ code: 'TAG_EXISTS', details: { tag: 'iris:v2', trashed: true } });
		expect(writes).not.toHaveBeenCalled();
		writes.mockRestore();
		const trash = await listTrash(store);
		expect(trash).toMatchObject({ days: 30, bytes: 2, items: [{ tag: 'iris:v2', size: 4, uniqueBytes: 2 }] });
		expect(await usage(store)).toMatchObject({ versions: 1, logicalBytes: 10, storedBytes: 8, savedByDedup: 2, trash: { versions: 1, bytes: 4 } });
		expect(await restore(store, ['iris:v2'])).toEqual({ restored: ['iris:v2'] });
		expect(await store.get('iris:v2')).toEqual(before);
		expect((await store.get('iris')).tag).toBe('iris:v2');
		await deleteMany(store, { tags: ['iris:v1', 'iris:v2'] });
		expect(await store.catalogue.names()).toEqual([]);
		expect(await emptyTrash(store, ['iris:v1'])).toEqual({ removed: ['iris:v1'], bytesFreed: 4 }); // `shared` stays for v2
		expect(await emptyTrash(store)).toEqual({ removed: ['iris:v2'], bytesFreed: 4 });
		expect(await store.blobs.list()).toEqual([]);
	});

	it('empties itself of what it kept longer than its days, and fsck leaves trashed blobs alone', async () => {
		const store = await openStore();
		await save(store, 'iris:v1', 1, { a: 'a' });
		await store.delete('iris:v1');
		expect((await fsck(store)).orphanBlobsRemoved).toEqual([]);
		expect(await expireTrash(store, Date.now() + 29 * 86_400_000)).toEqual({ removed: [], bytesFreed: 0 });
		expect(await expireTrash(store, Date.now() + 31 * 86_400_000)).toEqual({ removed: ['iris:v1'], bytesFreed: 1 });
	});
});

describe('bulk delete', () => {
	it('moves 400 versions in batches with progress in versions, and a cancel leaves each version whole in one place', async () => {
		const store = await openStore();
		for (let i = 0; i < 400; i++) await save(store, `m${i % 3}:v${i}`, 1 + (i % 300), { f: String(i) });
		const tags = (await store.list({ limit: 1000 })).items.map((record) => record.tag);
		const controller = new AbortController();
		const reports: number[] = [];
		const error = await deleteMany(store, { tags }, {
			signal: controller.signal,
			report: (progress) => {
				reports.push(progress.loaded);
				if (progress.loaded >= 250) controller.abort();
			}
		}).catch((caught: unknown) => caught);
		expect(error).toMatchObject({ code: 'ABORTED' });
		const onShelf = (await store.list({ limit: 1000 })).items.map((record) => record.tag);
		const inTrash = (await store.catalogue.trash()).map((item) => item.record.tag);
		expect(inTrash).toHaveLength(250);
		expect([...onShelf, ...inTrash].sort()).toEqual([...tags].sort());
		for (const name of ['m0', 'm1', 'm2']) {
			const newest = (await store.list({ name, limit: 1 })).items[0]?.tag;
			expect((await store.catalogue.summary(name))?.latest).toBe(newest);
		}
		const rest = await deleteMany(store, { tags: onShelf }, { report: (progress) => reports.push(progress.loaded) });
		expect(rest.removed).toHaveLength(150);
		expect(rest.latest).toEqual({ m0: null, m1: null, m2: null });
		expect(reports.at(-1)).toBe(150);
	}, 60_000);
});

describe('retention', () => {
	async function fleet() {
		const store = await openStore();
		// Two models; v1..v4 of each, one day apart; every version of `a` shares the file `base`.
		for (let day = 1; day <= 4; day++) {
			await save(store, `a:v${day}`, day, { base: 'BASE-BYTES', own: `a${day}`.repeat(day) }, { labels: { stage: day === 4 ? 'prod' : 'dev' } });
			await save(store, `b:v${day}`, day, { own: `b${day}`.repeat(10) }, { labels: { stage: 'dev' } });
		}
		return store;
	}

	it('plans the exact versions and counts only bytes no staying version shares; latest and aliased are kept unless asked', async () => {
		const store = await fleet();
		await setAlias(store, { name: 'b', alias: 'champion', version: 'v1' });
		const plan = await planRetentionNow(store, { keepNewest: 2 });
		expect(plan.versions.map((version) => version.tag)).toEqual(['a:v1', 'a:v2', 'b:v2']);
		expect(plan.exempt).toEqual([{ tag: 'b:v1', reason: 'aliased' }]);
		// a's shared `base` stays with a:v3 and a:v4: only the own files go (2 + 4 bytes); b:v2 owns 20.
		expect(plan.bytesFreed).toBe(2 + 4 + 20);
		expect(plan.versions.find((version) => version.tag === 'a:v1')).toEqual({ tag: 'a:v1', size: 12, uniqueBytes: 2 });
		const all = await planRetentionNow(store, { keepNewest: 0, includeAliased: true, selector: 'stage=dev' });
		expect(all.versions.map((version) => version.tag)).toEqual(['a:v1', 'a:v2', 'a:v3', 'b:v1', 'b:v2', 'b:v3']);
		expect(all.exempt).toEqual([{ tag: 'b:v4', reason: 'latest' }]);
		expect(all.versions.find((version) => version.tag === 'b:v1')).toEqual({ tag: 'b:v1', size: 20, uniqueBytes: 20, aliases: ['champion'] });
		expect((await planRetentionNow(store, { keepNewest: 0, includeLatest: true, includeAliased: true })).bytesFreed).toBe((await usage(store)).storedBytes);
		expect((await planRetentionNow(store, { name: 'a', keepNewest: 1 })).versions.map((version) => version.tag)).toEqual(['a:v1', 'a:v2', 'a:v3']);
	});

	it('applies what it planned; emptying the trash frees exactly the planned bytes', async () => {
		const store = await fleet();
		const plan = await planRetentionNow(store, { olderThanDays: 0, keepNewest: 1 });
		const before = (await usage(store)).storedBytes;
		const applied = await applyRetention(store, { olderThanDays: 0, keepNewest: 1 });
		expect(applied.removed).toEqual(plan.versions.map((version) => version.tag));
		expect((await emptyTrash(store)).bytesFreed).toBe(plan.bytesFreed);
		expect(before - (await usage(store)).storedBytes).toBe(plan.bytesFreed);
	});

	it('refuses a rule that says nothing, or a bad count', async () => {
		const store = await fleet();
		expect(await codeOf(planRetentionNow(store, {}))).toBe('UNSUPPORTED');
		expect(await codeOf(planRetentionNow(store, { keepNewest: -1 }))).toBe('UNSUPPORTED');
		expect(await codeOf(planRetentionNow(store, { keepNewest: 1, selector: 'stage in (' }))).toBe('INVALID_SELECTOR');
		expect((await planRetentionNow(store, { olderThanDays: 100_000 })).versions).toEqual([]);
	});
});

describe('space', () => {
	it('says per model and version what is unique and what is shared, largest first, with last use', async () => {
		const store = await openStore();
		await save(store, 'a:v1', 1, { base: 'x'.repeat(100), own: 'a' });
		await save(store, 'a:v2', 2, { base: 'x'.repeat(100), own: 'bb' });
		await save(store, 'b:v1', 1, { own: 'c'.repeat(10) });
		await store.readFile('a:v2', 'own');
		await new Promise((resolve) => setTimeout(resolve, 20)); // the use is noted without holding up the read
		const report = await spaceReport(store);
		expect(report.models.map((model) => [model.name, model.size, model.uniqueBytes])).toEqual([
			['a', 203, 103],
			['b', 10, 10]
		]);
		expect(report.models[0]!.versions.map((version) => [version.tag, version.uniqueBytes, version.sharedBytes, version.lastUsed?.how ?? null])).toEqual([
			['a:v2', 2, 100, 'read'],
			['a:v1', 1, 100, null]
		]);
		expect(report.storedBytes).toBe((await usage(store)).storedBytes);
	});
});

describe('best by metric', () => {
	it('orders by a metadata number across pages, lacking last, and filters by thresholds', async () => {
		const store = await openStore();
		const accuracies = [0.5, 0.9, undefined, 0.7, 0.9, 0.1, undefined];
		for (const [i, accuracy] of accuracies.entries()) await save(store, `m:v${i}`, i + 1, { f: String(i) }, { metadata: accuracy === undefined ? { note: 'n' } : { accuracy } });
		const pages: string[] = [];
		let cursor: string | null = null;
		do {
			const page: Awaited<ReturnType<ModelStore['list']>> = await store.list({ orderBy: { metadata: 'accuracy', direction: 'desc' }, limit: 2, cursor });
			pages.push(...page.items.map((item) => item.version));
			cursor = page.next;
		} while (cursor !== null);
		expect(pages).toEqual(['v4', 'v1', 'v3', 'v0', 'v5', 'v6', 'v2']);
		expect((await store.list({ orderBy: { metadata: 'accuracy', direction: 'asc' } })).items.map((item) => item.version)).toEqual(['v5', 'v0', 'v3', 'v1', 'v4', 'v6', 'v2']);
		expect((await store.list({ where: 'accuracy>=0.7' })).items.map((item) => item.version)).toEqual(['v4', 'v3', 'v1']);
		expect((await store.list({ where: 'accuracy>=0.7', orderBy: { metadata: 'accuracy', direction: 'asc' } })).items.map((item) => item.version)).toEqual(['v3', 'v1', 'v4']);
		expect(await codeOf(store.list({ where: 'accuracy >> 1' }))).toBe('INVALID_SELECTOR');
	});

	it('parses thresholds and says where a bad one starts', () => {
		expect(parseMetricFilter(' accuracy >= 0.9 , epochs<10,loss==1e-3')).toEqual([
			{ key: 'accuracy', op: '>=', value: 0.9 },
			{ key: 'epochs', op: '<', value: 10 },
			{ key: 'loss', op: '=', value: 0.001 }
		]);
		expect(() => parseMetricFilter('accuracy>=0.9, f1 ~ 2')).toThrow(expect.objectContaining({ details: { selector: 'accuracy>=0.9, f1 ~ 2', position: 15, found: 'f1 ~ 2' } }));
		expect(meetsThresholds(parseMetricFilter('a>1'), { a: 2 })).toBe(true);
		expect(meetsThresholds(parseMetricFilter('a>1'), { a: '2' })).toBe(false);
		expect(meetsThresholds(parseMetricFilter('a!=1'), {})).toBe(false);
	});
});

describe('aliased listing', () => {
	it('lists only versions some alias points at', async () => {
		const store = await openStore();
		for (let i = 1; i <= 4; i++) await save(store, `m:v${i}`, i, { f: String(i) });
		await setAlias(store, { name: 'm', alias: 'prod', version: 'v2' });
		await setAlias(store, { name: 'm', alias: 'canary', version: 'v4' });
		expect((await store.list({ aliased: true })).items.map((item) => item.tag)).toEqual(['m:v4', 'm:v2']);
		const first = await store.list({ aliased: true, limit: 1, order: 'oldest' });
		expect(first.items.map((item) => item.tag)).toEqual(['m:v2']);
		expect((await store.list({ aliased: true, limit: 1, order: 'oldest', cursor: first.next })).items.map((item) => item.tag)).toEqual(['m:v4']);
	});
});

describe('the ledger stays true', () => {
	it('after any mix of saves sharing bytes, deletes, restores and emptying: every unique and shared figure equals a count from the full records', async () => {
		const store = await openStore();
		let seed = 7;
		const random = (below: number) => {
			seed ^= seed << 13;
			seed ^= seed >>> 17;
			seed ^= seed << 5;
			return (seed >>> 0) % below;
		};
		const done = { saved: 0, deleted: 0, restored: 0, emptied: 0 };
		const contents = ['A', 'BB', 'CCC', 'DDDD', 'EEEEE'];
		let made = 0;
		for (let step = 0; step < 150; step++) {
			const action = random(4);
			const shelfTags = (await store.list({ limit: 1000 })).items.map((record) => record.tag);
			const trashTags = (await store.catalogue.trash()).map((item) => item.record.tag);
			if (action === 0 || shelfTags.length < 2) {
				const files = Object.fromEntries(Array.from({ length: 1 + random(3) }, (_, index) => [`f${index}`, contents[random(contents.length)]!]));
				await save(store, `m${random(3)}:v${made++}`, 1 + random(300), files);
				done.saved++;
			} else if (action === 1) {
				await store.delete(shelfTags[random(shelfTags.length)]!);
				done.deleted++;
			} else if (action === 2 && trashTags.length > 0) {
				await restore(store, [trashTags[random(trashTags.length)]!]);
				done.restored++;
			} else if (trashTags.length > 0) {
				await emptyTrash(store, [trashTags[random(trashTags.length)]!]);
				done.emptied++;
			}
			const records = [...(await store.list({ limit: 1000 })).items, ...(await store.catalogue.trash()).map((item) => item.record)];
			const holders = new Map<string, number>();
			for (const record of records) for (const sha of new Set(record.files.map((file) => file.sha256))) holders.set(sha, (holders.get(sha) ?? 0) + 1);
			const expected = records.map((record) => {
				const distinct = new Map(record.files.map((file) => [file.sha256, file.size]));
				const unique = [...distinct].filter(([sha]) => holders.get(sha) === 1).reduce((sum, [, size]) => sum + size, 0);
				return [record.tag, unique, [...distinct.values()].reduce((sum, size) => sum + size, 0) - unique];
			});
			const ledger = await store.catalogue.ledger();
			expect(ledger.map((entry) => [entry.tag, entry.uniqueBytes, entry.distinctBytes - entry.uniqueBytes]).sort(), `step ${step}`).toEqual(expected.sort());
			expect((await spaceReport(store)).storedBytes, `step ${step}`).toBe((await usage(store)).storedBytes);
		}
		// Every kind of change happened, many times over.
		expect(Math.min(...Object.values(done)), JSON.stringify(done)).toBeGreaterThanOrEqual(10);
	}, 60_000);
});
