// Issue 8, concurrency: two and four tabs saving, importing and deleting at once, for a bounded number of
// rounds. No version is lost, no tag exists twice, `latest` is always the newest existing version, and
// every tab's Models page converges to the same list. SHELF_FAULTS=full runs more rounds.
import { expect, test, type Page } from '@playwright/test';
import { FULL, manifestText, seededFile, writeBundle } from './fault-helpers.ts';
import { opfsFiles, openShelf, save } from './shelf-page.ts';
import { expectTags } from './ui-helpers.ts';

/** Rows on the Models page's first page (PAGE_SIZE in src/lib/ui/paged-versions.svelte.ts, a rune module Node cannot load). */
const PAGE_SIZE = 50;
const tally = { rounds: 0 };
test.afterAll(() => console.log(`concurrency: ${tally.rounds} rounds run`));

type Outcome = { tag: string; result: string };

/** One tab's share of a round: a save of its own, the contested shared tag, an import, and a delete of last round's save. */
async function playRound(tab: Page, index: number, round: number, bundle: string): Promise<Outcome[]> {
	return tab.evaluate(
		async ({ index, round, bundle }) => {
			const api = window.modelShelf!.api;
			const second = (n: number) => String(n).padStart(2, '0');
			const attempt = async (tag: string, run: () => Promise<{ status: string } | unknown>) => {
				try {
					const value = (await run()) as { status?: string };
					return { tag, result: value?.status ?? 'done' };
				} catch (error) {
					return { tag, result: (error as { code: string }).code };
				}
			};
			const file = new File([await (await fetch(`/__bundles__/${bundle}`)).blob()], bundle);
			return Promise.all([
				attempt(`own:t${index}r${round}`, () =>
					api.save({ name: 'own', version: `t${index}r${round}`, creationTime: `2025-01-01T00:${second(round)}:${second(index)}+00:00`, files: [{ path: 'w.bin', data: new Blob([`tab ${index} round ${round}`]) }] })
				),
				// Every tab stores the same content under one tag: one creates it, the others find it unchanged.
				attempt(`shared:r${round}`, () => api.save({ name: 'shared', version: `r${round}`, creationTime: `2025-01-01T00:${second(round)}:00+00:00`, files: [{ path: 'w.bin', data: new Blob([`round ${round}`]) }] })),
				// Every tab stores its own content under one tag: one wins, the others get TAG_EXISTS.
				attempt(`contested:r${round}`, () => api.save({ name: 'contested', version: `r${round}`, files: [{ path: 'w.bin', data: new Blob([`tab ${index}`]) }] })),
				attempt(`imported:t${index}r${round}`, () => api.importBundle({ file })),
				round > 0 && index % 2 === 0 ? attempt(`deleted:own:t${index}r${round - 1}`, () => api.delete({ tag: `own:t${index}r${round - 1}` })) : Promise.resolve(null)
			]).then((outcomes) => outcomes.filter((outcome) => outcome !== null));
		},
		{ index, round, bundle }
	);
}

for (const tabCount of [2, 4]) {
	test(`${tabCount} tabs saving, importing and deleting at once lose nothing and converge`, async ({ context }, testInfo) => {
		const rounds = FULL ? (tabCount === 2 ? 10 : 6) : 2;
		test.setTimeout(60_000 + rounds * tabCount * 15_000);
		const tabs = await Promise.all(Array.from({ length: tabCount }, () => context.newPage()));
		await context.route('**/__bundles__/**', (route) => route.fulfill({ path: testInfo.outputPath(decodeURIComponent(route.request().url().split('/').at(-1)!)) }));
		await Promise.all(tabs.map((tab) => openShelf(tab)));
		const expected = new Set<string>();
		for (let round = 0; round < rounds; round++) {
			const bundles = tabs.map((_, index) => {
				const name = `imported-t${index}r${round}.zip`;
				writeBundle(testInfo.outputPath(name), 'zip', manifestText('imported', `t${index}r${round}`, `2025-02-01T00:${String(round).padStart(2, '0')}:${String(index).padStart(2, '0')}+00:00`), [seededFile('w.bin', 32 << 10, round * 10 + index + 1)]);
				return name;
			});
			const outcomes = (await Promise.all(tabs.map((tab, index) => playRound(tab, index, round, bundles[index]!)))).flat();
			const of = (tag: string) => outcomes.filter((outcome) => outcome.tag === tag).map((outcome) => outcome.result).sort();
			expect(of(`shared:r${round}`)).toEqual(['created', ...Array(tabCount - 1).fill('unchanged')]);
			expect(of(`contested:r${round}`)).toEqual([...Array(tabCount - 1).fill('TAG_EXISTS'), 'created'].sort());
			for (const outcome of outcomes) {
				if (outcome.tag.startsWith('deleted:')) {
					expect(outcome.result, outcome.tag).toBe('done');
					expected.delete(outcome.tag.slice('deleted:'.length));
				} else if (outcome.result === 'created') expected.add(outcome.tag);
				else expect(outcome.result, outcome.tag).toMatch(/^(unchanged|TAG_EXISTS)$/);
			}
			for (const index of tabs.keys()) {
				expect(expected.has(`own:t${index}r${round}`)).toBe(true);
				expect(expected.has(`imported:t${index}r${round}`)).toBe(true);
			}
			// Every tab reads the same catalogue: exactly the expected tags, each once, latest the newest.
			for (const tab of tabs) {
				const items = (await tab.evaluate(() => window.modelShelf!.api.list({ limit: 1000 }))).items;
				expect(items.map((item) => item.tag).sort()).toEqual([...expected].sort());
				for (const name of ['own', 'shared', 'contested', 'imported']) {
					const newest = items.filter((item) => item.name === name).sort((a, b) => (a.createdKey < b.createdKey ? 1 : -1))[0];
					expect((await tab.evaluate((name) => window.modelShelf!.api.get({ tag: name }), name)).tag, `${name}:latest`).toBe(newest!.tag);
				}
			}
			tally.rounds++;
		}
		// Every tab's Models page, refreshed only by the change feed, shows the same first page in the same order.
		// The rounds called the API directly, which tells only other tabs; one last change from a tab of
		// its own reaches all of them.
		const announcer = await context.newPage();
		await openShelf(announcer);
		await save(announcer, { name: 'zz-announce', version: 'v1', files: [{ path: 'a', text: 'a' }] });
		await announcer.evaluate(() => window.modelShelf!.api.delete({ tag: 'zz-announce:v1' }));
		await announcer.close();
		const order = (await tabs[0]!.evaluate(() => window.modelShelf!.api.list({ limit: 1000 }))).items.map((item) => item.tag);
		for (const tab of tabs) await expectTags(tab, order.slice(0, PAGE_SIZE));
		const report = await tabs[0]!.evaluate(async () => ({ verify: await window.modelShelf!.api.verify({}), fsck: (await window.modelShelf!.api.fsck()).now }));
		expect(report.verify.problems).toEqual([]);
		expect(report.fsck).toEqual({ tempFilesRemoved: 0, orphanBlobsRemoved: [], missingBlobs: [] });
		expect(await opfsFiles(tabs[0]!, 'tmp')).toEqual([]);
	});
}
