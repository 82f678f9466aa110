// Other tabs refresh what they show when this one changes the store; the import panel reports every outcome.
import { readFileSync } from 'node:fs';
import { expect, test } from '@playwright/test';
import { save } from './shelf-page.ts';
import { FRAUD, SPEECH, bundlePaths, expectTags, importPicker, importThroughPicker, openApp } from './ui-helpers.ts';

test('another tab refreshes its list, model and storage pages when this tab imports or deletes', async ({ context }) => {
	const here = await context.newPage();
	const there = await context.newPage();
	await openApp(here);
	await openApp(there);
	await expect(there.getByTestId('empty-shelf')).toBeVisible();
	await importThroughPicker(here, bundlePaths);
	await expectTags(there, [SPEECH.tag, FRAUD.tag]);

	await there.goto('/storage');
	await expect(there.getByTestId('usage-versions')).toHaveText('2');
	await here.goto(`/models/speech_encoder/${SPEECH.tag.split(':')[1]}`);
	await here.getByRole('button', { name: 'Delete version…' }).click();
	await expect(here.getByTestId('latest-after')).toContainText('only version');
	await here.getByRole('dialog').getByRole('button', { name: 'Delete version' }).click();
	await expect(here).toHaveURL('/');
	await expectTags(here, [FRAUD.tag]);
	await expect(there.getByTestId('usage-versions')).toHaveText('1');
});

test('the import panel reports each bundle: imported, already present, or the error in plain words', async ({ page }, testInfo) => {
	await openApp(page);
	await importThroughPicker(page, [bundlePaths[0]!]);
	const notABundle = testInfo.outputPath('notes.zip');
	(await import('node:fs')).writeFileSync(notABundle, 'these are meeting notes, not a model bundle');
	await importPicker(page).setInputFiles([bundlePaths[0]!, notABundle]);
	const jobs = page.getByTestId('import-job');
	await expect(jobs.filter({ hasText: 'Already present' })).toContainText(`Already present as ${FRAUD.tag}; nothing changed.`);
	const failed = jobs.filter({ hasText: 'notes.zip' });
	await expect(failed).toContainText('Failed');
	await expect(failed.locator('.error')).not.toBeEmpty();
	await expect(failed.locator('.error')).not.toContainText('BAD_BUNDLE');
	await page.getByRole('button', { name: 'Clear' }).click();
	await expect(jobs).toHaveCount(0);
});

test('a running import can be cancelled; nothing is stored', async ({ page }, testInfo) => {
	test.setTimeout(120_000);
	await openApp(page);
	// A big bundle made by the shelf itself: save, export, delete for good (the trash keeps a tag reserved), then
	// import it again and cancel.
	await save(page, { name: 'big', version: 'v1', files: [{ path: 'weights.bin', size: 160 << 20, seed: 9 }] });
	const downloading = page.waitForEvent('download');
	await page.goto('/models/big/v1');
	await page.getByRole('button', { name: 'Export bundle' }).click();
	const bundle = testInfo.outputPath('big-v1.zip');
	await (await downloading).saveAs(bundle);
	await page.evaluate(async () => {
		await window.modelShelf!.api.deleteModel({ name: 'big' });
		await window.modelShelf!.api.emptyTrash({});
	});
	await page.goto('/');
	await importPicker(page).setInputFiles([bundle]);
	const job = page.getByTestId('import-job');
	await expect(job.getByRole('progressbar', { name: 'Import of big-v1.zip' })).toBeVisible();
	await job.getByRole('button', { name: 'Cancel import of big-v1.zip' }).click();
	await expect(job).toContainText('Cancelled; nothing was stored.');
	expect((await page.evaluate(() => window.modelShelf!.api.list({}))).items).toEqual([]);
	expect(readFileSync(bundle).byteLength).toBeGreaterThan(100 << 20);
});
