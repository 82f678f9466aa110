// Issue 24: the whole app on the IndexedDB blob store, as a browser without OPFS runs it (WebKitGTK, private
// windows): the worker is served without `navigator.storage.getDirectory` (scripts/worker-gaps.mjs), the page
// keeps its own, so the test can see that nothing went into OPFS.
import { readFileSync } from 'node:fs';
import { expect, test, type Page } from '@playwright/test';
import { NO_OPFS, withoutInWorkers } from '../../scripts/worker-gaps.mjs';
import { MiB, closeTabAt, manifestText, reopenAndCheck, seededFile, serveFile, startOperation, writeBundle, type Attempt } from './fault-helpers.ts';
import { opfsFiles, openShelf } from './shelf-page.ts';
import { storedBlobs } from './stored-blobs.ts';
import { FRAUD, SPEECH, bundlePaths, byPath, expectTags, importPicker, importThroughPicker, openApp, readZipWithPython, searchBox, selectorBox, versionRows } from './ui-helpers.ts';

test.beforeEach(async ({ context }) => withoutInWorkers(context, NO_OPFS));

/** Exports the version shown through its Export bundle button; returns the downloaded zip's path. */
async function exportShown(page: Page, path: string): Promise<string> {
	const downloading = page.waitForEvent('download');
	await page.getByRole('button', { name: 'Export bundle' }).click();
	const download = await downloading;
	await download.saveAs(path);
	return path;
}

test('without OPFS: import, filter, version page, export and re-import, delete, reload, all in IndexedDB', async ({ page }, testInfo) => {
	test.setTimeout(120_000);
	await openApp(page);
	expect((await page.evaluate(() => window.modelShelf!.api.usage())).storage).toEqual({ kind: 'indexeddb', missing: ['opfs'] });

	await importThroughPicker(page, bundlePaths);
	await expect(page.getByTestId('import-job').filter({ hasText: SPEECH.file })).toContainText(`Imported as ${SPEECH.tag}`);
	await expect(page.getByTestId('import-job').filter({ hasText: FRAUD.file })).toContainText(`Imported as ${FRAUD.tag}`);
	await expectTags(page, [SPEECH.tag, FRAUD.tag]);
	await selectorBox(page).fill('stage=production');
	await expectTags(page, [FRAUD.tag]);
	await selectorBox(page).fill('');
	await searchBox(page).fill('speech');
	await expectTags(page, [SPEECH.tag]);

	await versionRows(page).getByRole('link', { name: SPEECH.tag }).click();
	await expect(page.getByTestId('version-tag')).toHaveText(SPEECH.tag);
	await expect(page.getByRole('table', { name: 'Files' })).toContainText(SPEECH.files[0]!.sha256);
	const first = await exportShown(page, testInfo.outputPath('first.zip'));
	expect(byPath(readZipWithPython(first).filter((file) => file.path !== 'model.yaml'))).toEqual(byPath(SPEECH.files));
	// Every byte lives in IndexedDB: the site's OPFS was never touched (no blobs/, tmp/ or exports/).
	expect(await opfsFiles(page, '')).toEqual([]);
	expect(await storedBlobs(page)).toEqual([...new Set([...SPEECH.files, ...FRAUD.files].map((file) => file.sha256))].sort());

	// Delete it (and empty the trash, which frees the tag), import the export again: the same bundle comes out.
	await page.getByRole('button', { name: 'Delete version…' }).click();
	await page.getByRole('dialog', { name: `Delete ${SPEECH.tag}?` }).getByRole('button', { name: 'Delete version' }).click();
	await expect.poll(async () => (await page.evaluate(() => window.modelShelf!.api.listTrash())).items.map((item) => item.tag)).toEqual([SPEECH.tag]);
	expect((await page.evaluate(() => window.modelShelf!.api.emptyTrash({}))).removed).toEqual([SPEECH.tag]);
	expect(await storedBlobs(page)).toEqual([...new Set(FRAUD.files.map((file) => file.sha256))].sort());
	await importPicker(page).setInputFiles([first]);
	await expect(page.getByTestId('import-job').filter({ hasText: 'first.zip' })).toContainText(`Imported as ${SPEECH.tag}`);
	await page.goto(`/models/${SPEECH.tag.replace(':', '/')}`);
	const second = await exportShown(page, testInfo.outputPath('second.zip'));
	expect(readFileSync(second).equals(readFileSync(first))).toBe(true);

	await page.reload();
	await page.goto('/');
	await expectTags(page, [SPEECH.tag, FRAUD.tag]);
	expect((await page.evaluate(() => window.modelShelf!.api.verify({}))).problems).toEqual([]);
	const { now } = await page.evaluate(() => window.modelShelf!.api.fsck());
	expect(now).toEqual({ tempFilesRemoved: 0, orphanBlobsRemoved: [], missingBlobs: [] });

	await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Storage' }).click();
	await expect(page.getByTestId('storage-kind')).toHaveAttribute('data-kind', 'indexeddb');
	await expect(page.getByTestId('storage-kind')).toContainText('IndexedDB');
	await expect(page.getByText('Unexpected failure')).toHaveCount(0);
});

test('without OPFS: a tab closed mid-import leaves the version whole or absent, and no chunk record behind', async ({ context }, testInfo) => {
	test.setTimeout(120_000);
	const files = [seededFile('weights.bin', 24 * MiB, 24), seededFile('config.json', 700, 25)];
	const path = testInfo.outputPath('fallback-crash.zip');
	writeBundle(path, 'zip', manifestText('fallback_crash', 'v1', '2026-11-02T10:00:00+00:00'), files);
	const attempts: Attempt[] = [{ tag: 'fallback_crash:v1', files }];
	for (const point of [4 * MiB, 20 * MiB]) {
		const tab = await context.newPage();
		await serveFile(tab, path);
		await openShelf(tab);
		await startOperation(tab, 'import', { name: 'fallback-crash.zip' });
		await closeTabAt(tab, point);
		const { page } = await reopenAndCheck(context, attempts, `tab closed at ${point / MiB} MiB`);
		// fsck has run: every chunk record left belongs to a stored blob, and no write's temp marker is left.
		expect(await idbLeftovers(page), `tab closed at ${point / MiB} MiB`).toEqual({ temp: 0, strayChunks: 0 });
		expect(await opfsFiles(page, '')).toEqual([]);
		await page.close();
	}
});

/** Temp markers, and chunk records no stored blob's entry names, in the database `shelf-blobs`. */
async function idbLeftovers(page: Page): Promise<{ temp: number; strayChunks: number }> {
	return page.evaluate(async () => {
		const db = await new Promise<IDBDatabase>((resolve, reject) => {
			const request = indexedDB.open('shelf-blobs');
			request.onsuccess = () => resolve(request.result);
			request.onerror = () => reject(request.error);
		});
		const all = <T>(store: string, keys: boolean) =>
			new Promise<T[]>((resolve, reject) => {
				const objects = db.transaction(store).objectStore(store);
				const request = keys ? objects.getAllKeys() : objects.getAll();
				request.onsuccess = () => resolve(request.result as T[]);
				request.onerror = () => reject(request.error);
			});
		try {
			const ids = new Set((await all<{ id: string }>('blobs', false)).map((entry) => entry.id));
			const chunks = await all<[string, number]>('chunks', true);
			return { temp: (await all('temp', true)).length, strayChunks: chunks.filter(([id]) => !ids.has(id)).length };
		} finally {
			db.close();
		}
	});
}
