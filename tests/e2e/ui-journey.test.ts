// Issue 6, "Done when": the whole journey through the pages, offline after the first visit.
import { createHash } from 'node:crypto';
import { expect, test } from '@playwright/test';
import {
	FRAUD,
	SPEECH,
	bundlePaths,
	byPath,
	expectTags,
	importThroughPicker,
	readZipWithPython,
	searchBox,
	selectorBox,
	versionRows,
	waitForServiceWorker
} from './ui-helpers.ts';

test('the journey: offline, import two, filter, chip, reload, open, copy, export, save, delete latest', async ({ page, context }, testInfo) => {
	test.setTimeout(120_000);
	await context.grantPermissions(['clipboard-read', 'clipboard-write']);

	// Open offline after the first visit.
	await page.goto('/');
	await waitForServiceWorker(page);
	await context.setOffline(true);
	await page.reload();
	await expect(page.getByRole('heading', { name: 'Models', level: 1 })).toBeVisible();
	await expect(page.getByRole('status').filter({ hasText: 'Offline' })).toBeVisible();
	await expect(page.getByTestId('empty-shelf')).toContainText('Import a bundle');

	// Import two bundles at once.
	await importThroughPicker(page, bundlePaths);
	await expect(page.getByTestId('import-job').filter({ hasText: FRAUD.file })).toContainText(`Imported as ${FRAUD.tag}`);
	await expect(page.getByTestId('import-job').filter({ hasText: SPEECH.file })).toContainText(`Imported as ${SPEECH.tag}`);
	await expectTags(page, [SPEECH.tag, FRAUD.tag]);

	// Filter with a selector, then by search.
	await selectorBox(page).fill('stage=production');
	await expectTags(page, [FRAUD.tag]);
	await expect(page).toHaveURL(/selector=stage%3Dproduction/);
	await selectorBox(page).fill('');
	await searchBox(page).fill('speech');
	await expectTags(page, [SPEECH.tag]);
	await searchBox(page).fill('');
	await expectTags(page, [SPEECH.tag, FRAUD.tag]);

	// Follow a chip: it adds key=value to the selector.
	await versionRows(page).filter({ hasText: SPEECH.tag }).getByRole('button', { name: 'Add team=audio to the label selector' }).click();
	await expect(selectorBox(page)).toHaveValue('team=audio');
	await expectTags(page, [SPEECH.tag]);

	// Reload (still offline) keeps the filter.
	await page.reload();
	await expect(selectorBox(page)).toHaveValue('team=audio');
	await expectTags(page, [SPEECH.tag]);

	// Open a version and copy its tag.
	await versionRows(page).getByRole('link', { name: SPEECH.tag }).click();
	await expect(page.getByTestId('version-tag')).toHaveText(SPEECH.tag);
	await expect(page.getByRole('table', { name: 'Files' })).toContainText(SPEECH.files[0]!.sha256);
	await page.getByRole('button', { name: `Copy tag ${SPEECH.tag}` }).click();
	await expect(page.getByRole('status').filter({ hasText: `Copied tag ${SPEECH.tag}` })).toBeVisible();
	expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(SPEECH.tag);

	// Export and check the download with an independent zip reader.
	const downloading = page.waitForEvent('download');
	await page.getByRole('button', { name: 'Export bundle' }).click();
	const download = await downloading;
	expect(download.suggestedFilename()).toBe(`${SPEECH.tag.replace(':', '-')}.zip`);
	const zipPath = testInfo.outputPath(download.suggestedFilename());
	await download.saveAs(zipPath);
	expect(byPath(readZipWithPython(zipPath).filter((file) => file.path !== 'model.yaml'))).toEqual(byPath(SPEECH.files));
	await expect(page.getByRole('status').filter({ hasText: `Exported ${SPEECH.tag}` })).toBeVisible();

	// Save a version from files: it becomes fraud_detector's latest.
	await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Save' }).click();
	await page.getByLabel('Name', { exact: true }).fill('fraud_detector');
	await page.getByLabel('Version (optional)').fill('v2');
	await page.getByLabel('Labels').fill('stage=staging\nteam=risk');
	await page.getByLabel('Metadata (JSON)').fill('{"precision": 0.91, "recall": 0.83}');
	const weights = Buffer.from('new weights for the fraud detector');
	await page.getByLabel('Choose files…').setInputFiles([{ name: 'saved_model.txt', mimeType: 'text/plain', buffer: weights }]);
	await page.getByRole('button', { name: 'Save version' }).click();
	await expect(page.getByTestId('version-tag')).toHaveText('fraud_detector:v2');
	await expect(page.getByText('latest', { exact: true })).toBeVisible();
	await expect(page.getByRole('table', { name: 'Files' })).toContainText(createHash('sha256').update(weights).digest('hex'));

	// The model page charts the numbers in metadata across versions.
	await page.getByRole('navigation', { name: 'Breadcrumb' }).getByRole('link', { name: 'fraud_detector' }).click();
	await expect(page.getByRole('img', { name: /precision across 2 versions/ })).toBeVisible();
	await expect(page.getByTestId('latest-badge')).toHaveCount(1);

	// Delete the latest version: the dialog says where latest goes, and it goes there.
	await page.getByRole('link', { name: 'v2', exact: true }).click();
	await page.getByRole('button', { name: 'Delete version…' }).click();
	const dialog = page.getByRole('dialog', { name: 'Delete fraud_detector:v2?' });
	await expect(dialog.getByTestId('latest-after')).toContainText(`will point to ${FRAUD.tag}`);
	await dialog.getByRole('button', { name: 'Delete version' }).click();
	await expect(page.getByRole('status').filter({ hasText: `fraud_detector:latest is ${FRAUD.tag}` })).toBeVisible();
	await expect(page).toHaveURL(/\/models\/fraud_detector$/);
	await expect(page.getByTestId('model-summary')).toContainText(`1 version · 256 KiB in total · latest is ${FRAUD.tag}`);
	const timeline = page.getByRole('list', { name: 'Versions, newest first' }).getByTestId('timeline-entry');
	await expect(timeline).toHaveCount(1);
	await expect(timeline.filter({ has: page.getByTestId('latest-badge') })).toContainText(FRAUD.tag.split(':')[1]!);
});
