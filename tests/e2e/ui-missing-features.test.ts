// Issue 24: a plain word where a browser feature is missing. Chromium has them all, so each test removes some
// before the app loads (page APIs with an init script, worker APIs with scripts/worker-gaps.mjs) and checks the
// fallback the UI offers or the sentence it shows, and that no INTERNAL failure ("Unexpected failure") appears.
import { expect, test, type Page } from '@playwright/test';
import { NO_LOCKS_OR_CHANNEL, withoutInWorkers } from '../../scripts/worker-gaps.mjs';
import { save } from './shelf-page.ts';
import { SPEECH, bundlePaths, byPath, importThroughPicker, openApp, readZipWithPython } from './ui-helpers.ts';

/** Features named on the Storage page as missing, in order. */
async function missingOnStoragePage(page: Page): Promise<string[]> {
	await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Storage' }).click();
	await expect(page.getByTestId('storage-kind')).toHaveAttribute('data-kind', /./);
	return page.getByTestId('missing-features').locator('li').evaluateAll((items) => items.map((item) => item.getAttribute('data-feature') ?? ''));
}

/** Fails on any uncaught error in the page, and on an INTERNAL failure shown anywhere. */
function watchForFailures(page: Page): () => Promise<void> {
	const errors: string[] = [];
	page.on('pageerror', (error) => errors.push(error.message));
	return async () => {
		await expect(page.getByText('Unexpected failure')).toHaveCount(0);
		expect(errors).toEqual([]);
	};
}

test('in Chromium, with every feature, the Storage page names OPFS and lists nothing missing', async ({ page }) => {
	const noFailures = watchForFailures(page);
	await openApp(page);
	const missing = await missingOnStoragePage(page);
	await expect(page.getByTestId('storage-kind')).toHaveAttribute('data-kind', 'opfs');
	expect(missing).toEqual([]);
	await expect(page.getByRole('button', { name: 'Make storage persistent' }).or(page.getByTestId('persisted').getByText('Persistent.', { exact: true }))).toHaveCount(1);
	await noFailures();
});

test('without the save picker, directory picker, file handlers and persist(): downloads, a folder input, and one sentence each', async ({ page }, testInfo) => {
	await page.addInitScript(() => {
		for (const name of ['showSaveFilePicker', 'showDirectoryPicker', 'launchQueue']) {
			delete (window as unknown as Record<string, unknown>)[name];
			delete (Window.prototype as unknown as Record<string, unknown>)[name];
		}
		delete (StorageManager.prototype as unknown as Record<string, unknown>).persist;
	});
	const noFailures = watchForFailures(page);
	await openApp(page);
	// The directory picker's fallback: a folder input under the same name.
	await expect(page.getByLabel('Open BentoML store…')).toHaveAttribute('webkitdirectory', '');

	await importThroughPicker(page, [bundlePaths[1]!]);
	await page.goto(`/models/${SPEECH.tag.replace(':', '/')}`);
	// The save picker's fallback: no "Save bundle as…", Export bundle downloads.
	await expect(page.getByRole('button', { name: 'Save bundle as…' })).toHaveCount(0);
	const downloading = page.waitForEvent('download');
	await page.getByRole('button', { name: 'Export bundle' }).click();
	const zipPath = testInfo.outputPath('exported.zip');
	await (await downloading).saveAs(zipPath);
	expect(byPath(readZipWithPython(zipPath).filter((file) => file.path !== 'model.yaml'))).toEqual(byPath(SPEECH.files));

	expect(await missingOnStoragePage(page)).toEqual(['save-file-picker', 'directory-picker', 'file-handlers', 'persistent-storage']);
	await expect(page.getByRole('button', { name: 'Make storage persistent' })).toHaveCount(0);
	await expect(page.locator('[data-feature="persistent-storage"]')).toContainText('cannot be asked to keep');
	await noFailures();
});

test('without Web Locks and BroadcastChannel in the worker: saving works in this tab, and the Storage page says what cannot be done', async ({ page, context }) => {
	await withoutInWorkers(context, NO_LOCKS_OR_CHANNEL);
	const noFailures = watchForFailures(page);
	await openApp(page);
	const stored = await save(page, { name: 'iris', version: 'v1', files: [{ path: 'w.bin', text: 'weights' }] });
	expect(stored.record.tag).toBe('iris:v1');
	const usage = await page.evaluate(() => window.modelShelf!.api.usage());
	expect(usage.storage).toEqual({ kind: 'opfs', missing: ['web-locks', 'broadcast-channel'] });
	const missing = await missingOnStoragePage(page);
	expect(missing.slice(0, 2)).toEqual(['web-locks', 'broadcast-channel']);
	await expect(page.locator('[data-feature="web-locks"]')).toContainText('one tab at a time');
	await noFailures();
});

test('a file handle the worker cannot write is UNSUPPORTED naming the feature, across the worker boundary, never INTERNAL', async ({ page, context }) => {
	await withoutInWorkers(context, 'delete FileSystemFileHandle.prototype.createWritable;');
	await openApp(page);
	await save(page, { name: 'iris', version: 'v1', files: [{ path: 'w.bin', text: 'weights' }] });
	const failure = await page.evaluate(async () => {
		const target = await (await navigator.storage.getDirectory()).getFileHandle('picked.zip', { create: true });
		try {
			await window.modelShelf!.api.exportBundle({ tag: 'iris:v1', target });
			return null;
		} catch (error) {
			const { code, details } = error as { code: string; details?: { feature?: string } };
			return { code, feature: details?.feature };
		}
	});
	expect(failure).toEqual({ code: 'UNSUPPORTED', feature: 'save-file-picker' });
});
