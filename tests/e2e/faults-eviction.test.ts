// Issue 22, item 2: blobs gone from OPFS and from the IndexedDB small-blob tier while the catalogue remains
// (a partial eviction, or site storage partly cleared). fsck and the pages name the damaged versions and how
// to repair them, reads and exports fail with NOT_FOUND naming the file, nothing crashes, the list loads, and
// the repair the pages suggest (pull again, import again) works. Also: persistent storage is asked for
// before an import that brings the site's storage to 100 MiB, and the Storage page shows the answer.
import { expect, test, type Page } from '@playwright/test';
import { MiB, manifestText, seededFile, writeBundle } from './fault-helpers.ts';
import { useRegistry } from './registry-harness.ts';
import { openShelf, save, shelfError } from './shelf-page.ts';
import { storedBlobs } from './stored-blobs.ts';
import { importThroughPicker } from './ui-helpers.ts';

const registry = useRegistry();

/** Removes stored blobs from whichever tier holds them, as eviction would: the catalogue is left alone. */
async function evict(page: Page, digests: string[]) {
	await page.evaluate(async (digests) => {
		const done = <T>(request: IDBRequest<T>) => new Promise<T>((resolve, reject) => ((request.onsuccess = () => resolve(request.result)), (request.onerror = () => reject(request.error))));
		const blobs = await (await navigator.storage.getDirectory()).getDirectoryHandle('blobs');
		const db = await done(indexedDB.open('shelf-blobs'));
		for (const sha256 of digests) {
			await blobs.removeEntry(sha256).catch(() => undefined);
			const tx = db.transaction(['blobs', 'chunks'], 'readwrite');
			const entry = (await done(tx.objectStore('blobs').get(sha256))) as { id: string; records: number } | undefined;
			if (entry) {
				tx.objectStore('blobs').delete(sha256);
				tx.objectStore('chunks').delete(IDBKeyRange.bound([entry.id, 0], [entry.id, Infinity]));
			}
			await new Promise((resolve) => (tx.oncomplete = resolve));
		}
		db.close();
	}, digests);
}

test('blobs evicted under a kept catalogue: fsck and the pages name the damaged versions and the repair, reads fail with NOT_FOUND naming the file, and the repair works', async ({ page }, testInfo) => {
	await openShelf(page);
	await page.evaluate((url) => window.modelShelf!.api.setRemote({ url, namespace: 'team' }), registry().url);
	// One version with a copy on a registry (pushed), one imported from a bundle, one left whole.
	const pushed = await save(page, { name: 'pushed', version: 'v1', files: [{ path: 'weights.bin', size: 2 * MiB, seed: 1 }, { path: 'config.json', text: '{"a":1}' }] });
	await page.evaluate(() => window.modelShelf!.api.push({ tag: 'pushed:v1' }));
	const bundle = testInfo.outputPath('imported.zip');
	writeBundle(bundle, 'zip', manifestText('imported', 'v1', '2025-01-01T00:00:00+00:00'), [seededFile('model.bin', MiB, 2), seededFile('vocab.txt', 3000, 3)]);
	await page.goto('/');
	await importThroughPicker(page, [bundle]);
	const imported = await page.evaluate(() => window.modelShelf!.api.get({ tag: 'imported:v1' }));
	await save(page, { name: 'whole', version: 'v1', files: [{ path: 'w.bin', size: MiB, seed: 4 }] });
	const digest = (record: { files: Array<{ path: string; sha256: string }> }, path: string) => record.files.find((file) => file.path === path)!.sha256;
	// A large blob from OPFS, a small one from the IndexedDB tier, and both tiers for the imported version.
	const gone = { pushed: [digest(pushed.record, 'weights.bin')], imported: [digest(imported, 'model.bin'), digest(imported, 'vocab.txt')] };
	await evict(page, [...gone.pushed, ...gone.imported]);
	expect(await storedBlobs(page)).not.toContain(gone.pushed[0]);

	// Reopened (a new worker that knows nothing of what was removed): nothing crashes, the list loads.
	await openShelf(page);
	await expect(page.getByRole('link', { name: 'whole:v1', exact: true })).toBeVisible();
	expect((await page.evaluate(() => window.modelShelf!.api.list({}))).items.map((item) => item.tag).sort()).toEqual(['imported:v1', 'pushed:v1', 'whole:v1']);
	const { startup, now } = await page.evaluate(() => window.modelShelf!.api.fsck());
	const damaged = [
		{ tag: 'pushed:v1', trashed: false, files: [{ path: 'weights.bin', sha256: gone.pushed[0], size: 2 * MiB }] },
		{ tag: 'imported:v1', trashed: false, files: expect.arrayContaining([{ path: 'model.bin', sha256: gone.imported[0], size: MiB }, { path: 'vocab.txt', sha256: gone.imported[1], size: 3000 }]) }
	];
	for (const report of [startup, now]) {
		expect(report.missingBlobs).toEqual([...gone.pushed, ...gone.imported].sort());
		expect(report.damaged).toEqual(expect.arrayContaining(damaged));
		expect(report.damaged).toHaveLength(2);
	}
	expect(await page.evaluate(() => window.modelShelf!.api.damage({ tag: 'whole:v1' }))).toBeNull();
	expect(await page.evaluate(() => window.modelShelf!.api.damage({ tag: 'pushed' }))).toEqual(damaged[0]);

	// Reads and exports fail with NOT_FOUND naming the version and file; the whole version still exports.
	expect(await shelfError(page, 'readFile', { tag: 'pushed:v1', path: 'weights.bin' })).toMatchObject({ code: 'NOT_FOUND', details: { tag: 'pushed:v1', path: 'weights.bin' } });
	expect(await shelfError(page, 'exportBundle', { tag: 'imported:v1' })).toMatchObject({ code: 'NOT_FOUND', details: { tag: 'imported:v1', path: expect.stringMatching(/^(model.bin|vocab.txt)$/) } });
	expect(await page.evaluate(() => window.modelShelf!.api.exportBundle({ tag: 'whole:v1' }).then(() => 'ok'))).toBe('ok');
	const { problems } = await page.evaluate(() => window.modelShelf!.api.verify({}));
	expect(problems.map((problem) => [problem.code, problem.tag, problem.path]).sort()).toEqual([
		['NOT_FOUND', 'imported:v1', 'model.bin'],
		['NOT_FOUND', 'imported:v1', 'vocab.txt'],
		['NOT_FOUND', 'pushed:v1', 'weights.bin']
	]);

	// The version pages say what is lost and how to repair it: pull again where a registry has a copy, else import again.
	const registryHost = new URL(registry().url).host;
	await page.goto('/models/pushed/v1');
	const pushedNotice = page.getByTestId('damage-notice');
	await expect(pushedNotice).toContainText('lost 1 file');
	await expect(pushedNotice).toContainText('weights.bin');
	await expect(pushedNotice.getByTestId('damage-repair')).toContainText(`pull pushed:v1 again from ${registryHost}/team/pushed`);
	await page.goto('/models/imported/v1');
	await expect(page.getByTestId('damage-notice')).toContainText('lost 2 files');
	await expect(page.getByTestId('damage-repair')).toContainText('import this version\'s bundle again');
	await page.goto('/models/whole/v1');
	await expect(page.getByTestId('version-tag')).toHaveText('whole:v1');
	await expect(page.getByTestId('damage-notice')).toHaveCount(0);
	// The Storage page's clean-up lists both, with their repairs.
	await page.goto('/storage');
	await page.getByRole('button', { name: 'Clean up' }).click();
	const report = page.getByTestId('fsck-report');
	await expect(report).toContainText('3 files that versions need are missing, in 2 versions');
	await expect(report.locator('[data-testid="damage-notice"][data-tag="pushed:v1"]').first()).toContainText(`pull pushed:v1 again from ${registryHost}/team/pushed`);
	await expect(report.locator('[data-testid="damage-notice"][data-tag="imported:v1"]').first()).toContainText('import this version\'s bundle again');

	// The repairs: pulling the pushed copy and importing the bundle again store the missing bytes.
	await page.evaluate(() => window.modelShelf!.api.pull({ reference: 'pushed:v1' }));
	await page.goto('/');
	await importThroughPicker(page, [bundle]);
	expect((await page.evaluate(() => window.modelShelf!.api.verify({}))).problems).toEqual([]);
	expect((await page.evaluate(() => window.modelShelf!.api.fsck())).now).toEqual({ tempFilesRemoved: 0, orphanBlobsRemoved: [], missingBlobs: [] });
});

test('persistent storage is asked for before an import that brings the site to 100 MiB, not before a small one; the Storage page shows the answer', async ({ page, baseURL }, testInfo) => {
	// Counts the page's calls of persist() and lets each through to the browser.
	await page.addInitScript(() => {
		const persist = StorageManager.prototype.persist;
		StorageManager.prototype.persist = function (this: StorageManager) {
			const counted = window as unknown as { __persistAsked?: number };
			counted.__persistAsked = (counted.__persistAsked ?? 0) + 1;
			return persist.call(this);
		};
	});
	const asked = () => page.evaluate(() => (window as unknown as { __persistAsked?: number }).__persistAsked ?? 0);
	await openShelf(page);
	const small = testInfo.outputPath('small.zip');
	writeBundle(small, 'zip', manifestText('small', 'v1', '2025-01-01T00:00:00+00:00'), [seededFile('a.bin', 1000, 1)]);
	await importThroughPicker(page, [small]);
	expect(await asked()).toBe(0);
	// The site reaches 100 MiB with the next import, however small: it asks first. Headless Chromium declines
	// (no engagement, not installed), and the Storage page says what that means and what to do.
	await page.evaluate(() => window.modelShelf!.api.save({ name: 'large', version: 'v1', files: [{ path: 'zeros.bin', data: new Blob([new Uint8Array(100 * 1048576)]) }] }));
	const next = testInfo.outputPath('next.zip');
	writeBundle(next, 'zip', manifestText('next', 'v1', '2025-01-01T00:00:00+00:00'), [seededFile('b.bin', 1000, 2)]);
	await page.goto('/'); // a fresh tab's import list (and a fresh count)
	await importThroughPicker(page, [next]);
	expect(await asked()).toBe(1);
	await page.goto('/storage');
	await expect(page.getByTestId('persisted')).toContainText('Not persistent.');
	await expect(page.getByTestId('persisted')).toContainText('may evict');
	await expect(page.getByRole('button', { name: 'Make storage persistent' })).toBeVisible();
	// Once the browser agrees (the permission stands for installing or bookmarking), the page says so.
	const cdp = await page.context().newCDPSession(page);
	const { targetInfo } = (await cdp.send('Target.getTargetInfo')) as { targetInfo: { browserContextId: string } };
	await cdp.send('Browser.grantPermissions', { origin: baseURL!, permissions: ['durableStorage'], browserContextId: targetInfo.browserContextId } as never);
	await page.getByRole('button', { name: 'Make storage persistent' }).click();
	await expect(page.getByTestId('persisted')).toContainText('Persistent.');
});
