// Issue 8, faults: storage running out on every write path, a blob damaged on disk, and a catalogue
// that a previous page load wrote. Each failure has its code, and what was stored before stays whole.
import { DB_VERSION } from '../../src/lib/worker/catalogue/schema.ts';
import { expect, test, type Page } from '@playwright/test';
import { MiB, manifestText, seededFile, serveFile, writeBundle } from './fault-helpers.ts';
import { opfsFiles, openShelf, save } from './shelf-page.ts';
import { damageBlob, storedBlobs } from './stored-blobs.ts';

/** Tries `call` in the page; returns the ShelfError's code and details, or 'ok'. */
async function outcome(page: Page, call: 'save' | 'import' | 'export', arg: Record<string, unknown>) {
	return page.evaluate(
		async ({ call, arg }) => {
			const api = window.modelShelf!.api;
			try {
				if (call === 'save') await api.save({ name: arg.name as string, version: 'v1', files: [{ path: 'a.bin', data: new Blob([new Uint8Array(MiBs(1))]) }, { path: 'b.bin', data: new Blob([new Uint8Array(MiBs(arg.mib as number)).fill(1)]) }] });
				else if (call === 'import') await api.importBundle({ file: new File([await (await fetch(`/__fault-files__/${arg.name as string}`)).blob()], arg.name as string) });
				else await api.exportBundle({ tag: arg.tag as string });
				return 'ok';
			} catch (error) {
				const { code, details } = error as { code: string; details?: Record<string, unknown> };
				return { code, details };
			}
			function MiBs(count: number) {
				return count * 1048576;
			}
		},
		{ call, arg }
	);
}

/** What must not change when a write fails: the versions, the blobs, no temporary files, verify clean. */
async function storeState(page: Page) {
	const tags = (await page.evaluate(() => window.modelShelf!.api.list({}))).items.map((item) => item.tag);
	const verify = await page.evaluate(() => window.modelShelf!.api.verify({}));
	return { tags, blobs: await storedBlobs(page), tmp: await opfsFiles(page, 'tmp'), exports: await opfsFiles(page, 'exports'), problems: verify.problems };
}

test('STORAGE_FULL on every write path (save, zip import, tar import, export) keeps everything stored before', async ({ page }, testInfo) => {
	await openShelf(page);
	await save(page, { name: 'kept', version: 'v1', files: [{ path: 'w.bin', size: 2 * MiB, seed: 1 }] });
	const before = await storeState(page);
	expect(before).toMatchObject({ tags: ['kept:v1'], tmp: [], exports: [], problems: [] });
	await page.evaluate(() => window.modelShelf!.api.setStorageLimit({ bytes: 4 * 1048576 }));
	const big = [seededFile('a.bin', MiB, 7), seededFile('b.bin', 3 * MiB, 8)];
	for (const kind of ['zip', 'tar'] as const) {
		const name = `big.${kind}`;
		writeBundle(testInfo.outputPath(name), kind, manifestText('big', kind, '2025-01-01T00:00:00+00:00'), big);
		await serveFile(page, testInfo.outputPath(name));
	}
	const tried = {
		save: await outcome(page, 'save', { name: 'big', mib: 3 }),
		zip: await outcome(page, 'import', { name: 'big.zip' }),
		tar: await outcome(page, 'import', { name: 'big.tar' }),
		export: await outcome(page, 'export', { tag: 'kept:v1' })
	};
	for (const [path, result] of Object.entries(tried)) expect(result, path).toMatchObject({ code: 'STORAGE_FULL' });
	expect(await storeState(page)).toEqual(before);
	// Room again: the same writes succeed.
	await page.evaluate(() => window.modelShelf!.api.setStorageLimit({ bytes: null }));
	expect(await outcome(page, 'import', { name: 'big.zip' })).toBe('ok');
	expect(await outcome(page, 'export', { tag: 'kept:v1' })).toBe('ok');
});

test('exportBundle refuses a blob damaged on disk with INTEGRITY naming the version and file, small or streamed', async ({ page }) => {
	await openShelf(page);
	// 1 KiB goes through the whole-file (deflate) path, 6 MiB through the streamed one; one version each.
	for (const [version, path, size] of [['small', 'config.json', 1024], ['large', 'weights/w.bin', 6 * MiB]] as const) {
		const saved = await save(page, { name: 'damaged', version, files: [{ path: 'ok.txt', text: 'fine' }, { path, size, seed: size }] });
		const tag = `damaged:${version}`;
		const sha = saved.record.files.find((file) => file.path === path)!.sha256;
		await damageBlob(page, sha, 100, [0xde, 0xad]);
		expect(await outcome(page, 'export', { tag }), path).toMatchObject({ code: 'INTEGRITY', details: { tag, path, expected: sha } });
		// No half-written bundle is left to be downloaded.
		expect(await opfsFiles(page, 'exports'), path).toEqual([]);
	}
});

test('the app reopens the catalogue and blobs a previous page load wrote, unchanged', async ({ context }) => {
	const first = await context.newPage();
	await openShelf(first);
	const saved = await save(first, { name: 'persisted', version: 'v1', labels: { stage: 'prod' }, metadata: { accuracy: 0.9 }, files: [{ path: 'w.bin', size: MiB, seed: 5 }] });
	await first.close();
	const second = await context.newPage();
	await openShelf(second);
	expect(await second.evaluate(() => window.modelShelf!.api.get({ tag: 'persisted' }))).toEqual(saved.record);
	expect((await second.evaluate(() => window.modelShelf!.api.list({ selector: 'stage=prod' }))).items.map((item) => item.tag)).toEqual(['persisted:v1']);
	expect((await second.evaluate(() => window.modelShelf!.api.verify({}))).problems).toEqual([]);
	// The database is at the schema version this build writes (tests/unit/catalogue.test.ts rehearses upgrades).
	const databases = await second.evaluate(() => indexedDB.databases());
	expect(databases.find((db) => db.name === 'model-shelf')?.version).toBe(DB_VERSION);
});
