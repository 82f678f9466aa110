// Issue 22, two tabs: both moving the same alias, and a bulk delete in one while the other imports. Both tabs
// converge on the same shelf, the alias history holds every move in one chain (no move lost or overwritten
// unseen), and no version is lost, trashed by mistake, or half-written.
import { expect, test, type Page } from '@playwright/test';
import { manifestText, seededFile, writeBundle } from './fault-helpers.ts';
import { opfsFiles, openShelf, save } from './shelf-page.ts';

test.setTimeout(240_000);

/** Whole-shelf checks a user relies on after concurrent work: every byte verifies, nothing orphaned or temporary. */
async function expectHealthy(tab: Page) {
	const report = await tab.evaluate(async () => ({ verify: await window.modelShelf!.api.verify({}), fsck: (await window.modelShelf!.api.fsck()).now }));
	expect(report.verify.problems).toEqual([]);
	expect(report.fsck).toEqual({ tempFilesRemoved: 0, orphanBlobsRemoved: [], missingBlobs: [] });
	expect(await opfsFiles(tab, 'tmp')).toEqual([]);
}

test('two tabs moving the same alias at once: every move is in the history, in one chain, and both tabs agree where it points', async ({ context }) => {
	const tabs = [await context.newPage(), await context.newPage()];
	await Promise.all(tabs.map((tab) => openShelf(tab)));
	const versions = Array.from({ length: 8 }, (_, index) => `v${index}`);
	for (const version of versions) await save(tabs[0]!, { name: 'contested', version, files: [{ path: 'w.bin', text: `weights ${version}` }] });

	const moves = 12;
	// Each tab moves `prod` back and forth between its own versions, as fast as the API answers.
	await Promise.all(
		tabs.map((tab, index) =>
			tab.evaluate(
				async ({ index, moves, versions }) => {
					const api = window.modelShelf!.api;
					for (let move = 0; move < moves; move++) {
						const version = versions[(move % 4) * 2 + index]!;
						await api.setAlias({ name: 'contested', alias: 'prod', version, note: `tab ${index} move ${move}` });
					}
				},
				{ index, moves, versions }
			)
		)
	);

	const history = await tabs[1]!.evaluate(() => window.modelShelf!.api.aliasHistory({ name: 'contested' }));
	const prod = history.filter((event) => event.alias === 'prod');
	expect(prod).toHaveLength(2 * moves);
	// Every note of both tabs, once each.
	expect(prod.map((event) => event.note).sort()).toEqual(tabs.flatMap((_, index) => Array.from({ length: moves }, (_, move) => `tab ${index} move ${move}`)).sort());
	// One chain: each move starts where the one before it ended (a lost update would break it), in seq order.
	expect(prod[0]!.from).toBeNull();
	for (let at = 1; at < prod.length; at++) {
		expect(prod[at]!.seq).toBeGreaterThan(prod[at - 1]!.seq);
		expect(prod[at]!.from, `move ${at}`).toBe(prod[at - 1]!.to);
	}
	const last = `contested:${prod.at(-1)!.to}`;
	for (const tab of tabs) {
		expect((await tab.evaluate(() => window.modelShelf!.api.get({ tag: 'contested@prod' }))).tag).toBe(last);
		expect(await tab.evaluate(() => window.modelShelf!.api.aliases({ name: 'contested' }))).toEqual([expect.objectContaining({ name: 'contested', alias: 'prod', version: last.split(':')[1] })]);
	}
	// And the model page of the other tab shows it.
	await tabs[0]!.goto('/models/contested');
	await expect(tabs[0]!.getByText('prod').first()).toBeVisible();
	await expectHealthy(tabs[0]!);
});

test('a bulk delete in one tab while the other imports: the deleted versions are whole in the trash, every import on the shelf, latest right in both', async ({ context }, testInfo) => {
	const [deleter, importer] = [await context.newPage(), await context.newPage()];
	await Promise.all([openShelf(deleter), openShelf(importer)]);
	const doomed = 400;
	await deleter.evaluate(async (count) => {
		const api = window.modelShelf!.api;
		for (let index = 0; index < count; index++) {
			const creationTime = new Date(Date.UTC(2024, 0, 1) + index * 1000).toISOString();
			await api.save({ name: `old${index % 3}`, version: `v${index}`, creationTime, files: [{ path: 'w.bin', data: new Blob([`old ${index}`]) }] });
		}
	}, doomed);
	const doomedTags = Array.from({ length: doomed }, (_, index) => `old${index % 3}:v${index}`);

	// Imports of new versions of the same names (and one new name), each a bundle of a few files.
	const bundles = Array.from({ length: 6 }, (_, index) => {
		const name = index === 5 ? 'fresh' : `old${index % 3}`;
		const file = `incoming-${index}.zip`;
		const files = [seededFile('a.bin', 200 << 10, 700 + index), seededFile('b.bin', 50 << 10, 800 + index)];
		writeBundle(testInfo.outputPath(file), 'zip', manifestText(name, `new${index}`, `2025-06-01T00:00:0${index}+00:00`), files);
		return { file, tag: `${name}:new${index}` };
	});
	await context.route('**/__bundles__/**', (route) => route.fulfill({ path: testInfo.outputPath(decodeURIComponent(route.request().url().split('/').at(-1)!)) }));

	const [deleted, imported] = await Promise.all([
		deleter.evaluate((tags) => window.modelShelf!.api.deleteMany({ tags }), doomedTags),
		importer.evaluate(async (names) => {
			const results: string[] = [];
			for (const name of names) {
				const file = new File([await (await fetch(`/__bundles__/${name}`)).blob()], name);
				const { versions } = await window.modelShelf!.api.importBundle({ file });
				results.push(...versions.map((version) => version.record.tag));
			}
			return results;
		}, bundles.map((bundle) => bundle.file))
	]);
	expect(deleted.removed.sort()).toEqual([...doomedTags].sort());
	expect(imported.sort()).toEqual(bundles.map((bundle) => bundle.tag).sort());

	for (const tab of [deleter, importer]) {
		const shelf = (await tab.evaluate(() => window.modelShelf!.api.list({ limit: 1000 }))).items.map((item) => item.tag);
		expect(shelf.sort()).toEqual(bundles.map((bundle) => bundle.tag).sort());
		const trash = (await tab.evaluate(() => window.modelShelf!.api.listTrash())).items.map((item) => item.tag);
		expect(trash.sort()).toEqual([...doomedTags].sort());
		for (const name of ['old0', 'old1', 'old2', 'fresh']) {
			const newest = bundles.filter((bundle) => bundle.tag.startsWith(`${name}:`)).at(-1)!.tag;
			expect((await tab.evaluate((name) => window.modelShelf!.api.get({ tag: name }), name)).tag, `${name}:latest`).toBe(newest);
		}
	}
	// The trashed versions are whole: restoring a few brings back their exact bytes.
	const restored = doomedTags.slice(0, 3);
	await importer.evaluate((tags) => window.modelShelf!.api.restore({ tags }), restored);
	for (const tag of restored) {
		const index = Number(tag.split(':v')[1]);
		expect(await importer.evaluate(async (tag) => (await window.modelShelf!.api.readFile({ tag, path: 'w.bin' })).text(), tag)).toBe(`old ${index}`);
	}
	await expectHealthy(deleter);
});
