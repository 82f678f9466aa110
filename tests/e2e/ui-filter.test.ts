// The Models page's filter (URL-backed selector and search, chips, order, view, paging) and the go-to-tag box.
import { expect, test, type Page } from '@playwright/test';
import { save } from './shelf-page.ts';
import { FRAUD, SPEECH, bundlePaths, expectTags, importThroughPicker, openApp, searchBox, selectorBox, versionRows } from './ui-helpers.ts';

/** A shelf with the two fixture bundles plus `fraud_detector:v0` (older, stage=dev). */
async function shelfWithFixtures(page: Page) {
	await openApp(page);
	await save(page, { name: 'fraud_detector', version: 'v0', labels: { stage: 'dev', team: 'risk' }, creationTime: '2025-01-01T00:00:00+00:00', files: [{ path: 'saved_model.txt', text: 'v0' }] });
	await importThroughPicker(page, bundlePaths);
	await expectTags(page, [SPEECH.tag, FRAUD.tag, 'fraud_detector:v0']);
}

test.describe('Models page filter', () => {
	test('an invalid selector shows the error with its position; the list keeps the last valid result', async ({ page }) => {
		await shelfWithFixtures(page);
		await selectorBox(page).fill('stage=production');
		await expectTags(page, [FRAUD.tag]);
		await selectorBox(page).fill('stage=production,');
		const problem = page.getByRole('alert').filter({ hasText: 'Invalid selector' });
		await expect(problem).toContainText('at position 17');
		await expect(selectorBox(page)).toHaveAttribute('aria-invalid', 'true');
		await expect(page.getByText('Showing the last valid result.')).toBeVisible();
		await page.waitForTimeout(400); // past the debounce: nothing may change
		await expectTags(page, [FRAUD.tag]);
		await expect(page).toHaveURL(/selector=stage%3Dproduction$/);
		// Typing a search meanwhile keeps the invalid text in the box and filters by the last valid selector.
		await searchBox(page).fill('fraud');
		await expect(page).toHaveURL(/q=fraud/);
		await expect(selectorBox(page)).toHaveValue('stage=production,');
		await expectTags(page, [FRAUD.tag]);
		await selectorBox(page).fill('stage in (production, dev)');
		await expect(problem).toHaveCount(0);
		await expectTags(page, [FRAUD.tag, 'fraud_detector:v0']);
	});

	test('an invalid selector in a link shows the error and the unfiltered list', async ({ page }) => {
		await shelfWithFixtures(page);
		await page.goto('/?selector=team%3D%3Cscript%3E');
		await expect(selectorBox(page)).toHaveValue('team=<script>');
		await expect(page.getByRole('alert').filter({ hasText: 'Invalid selector' })).toContainText('position 5');
		await expectTags(page, [SPEECH.tag, FRAUD.tag, 'fraud_detector:v0']);
	});

	test('clicking a label chip adds key=value to the selector; Back undoes it', async ({ page }) => {
		await shelfWithFixtures(page);
		await selectorBox(page).fill('team=risk');
		await expectTags(page, [FRAUD.tag, 'fraud_detector:v0']);
		await versionRows(page).filter({ hasText: FRAUD.tag }).getByRole('button', { name: 'Add stage=production to the label selector' }).click();
		await expect(selectorBox(page)).toHaveValue('team=risk,stage=production');
		await expect(page).toHaveURL(/selector=team%3Drisk%2Cstage%3Dproduction/);
		await expectTags(page, [FRAUD.tag]);
		// A chip already in the selector adds nothing.
		await versionRows(page).getByRole('button', { name: 'Add team=risk to the label selector' }).click();
		await expect(selectorBox(page)).toHaveValue('team=risk,stage=production');
		await page.goBack();
		await expect(selectorBox(page)).toHaveValue('team=risk');
		await expectTags(page, [FRAUD.tag, 'fraud_detector:v0']);
	});

	test('search, selector, order and view live in the URL and survive a reload', async ({ page }) => {
		await shelfWithFixtures(page);
		await searchBox(page).fill('fraud');
		await expectTags(page, [FRAUD.tag, 'fraud_detector:v0']);
		await page.getByLabel('Order').selectOption('oldest');
		await expectTags(page, ['fraud_detector:v0', FRAUD.tag]);
		await page.getByLabel('View').selectOption('grouped');
		await expect(page.getByRole('rowheader', { name: /fraud_detector/ })).toBeVisible();
		await expect(page).toHaveURL(/\?q=fraud&order=oldest&view=grouped$/);
		await page.reload();
		await expect(searchBox(page)).toHaveValue('fraud');
		await expect(page.getByLabel('Order')).toHaveValue('oldest');
		await expect(page.getByLabel('View')).toHaveValue('grouped');
		await expectTags(page, ['fraud_detector:v0', FRAUD.tag]);
		// Nothing matches: the empty state says so and offers a way out.
		await searchBox(page).fill('nothing-like-this');
		await expect(page.getByTestId('no-match')).toBeVisible();
		await page.getByRole('button', { name: 'Clear filters' }).click();
		await expectTags(page, ['fraud_detector:v0', FRAUD.tag, SPEECH.tag]);
	});

	test('the list pages through the shelf 50 versions at a time', async ({ page }) => {
		test.setTimeout(120_000);
		await openApp(page);
		await page.evaluate(async () => {
			for (let i = 0; i < 120; i++) {
				const creationTime = new Date(Date.UTC(2025, 0, 1, 0, i)).toISOString();
				await window.modelShelf!.api.save({ name: `bulk-${i % 3}`, version: `v${String(i).padStart(3, '0')}`, creationTime, files: [{ path: 'w.bin', data: new Blob([`w${i % 5}`]) }] });
			}
		});
		await page.reload();
		await expect(versionRows(page)).toHaveCount(50);
		await expect(versionRows(page).first()).toContainText('v119');
		await expect(page.getByTestId('shown-count')).toHaveText('50 shown; more below');
		// Scrolling to the end of the list loads the next page (infinite scroll), until there is none.
		await page.getByTestId('shown-count').scrollIntoViewIfNeeded();
		await expect(page.getByTestId('shown-count')).toHaveText('100 shown; more below');
		await page.getByTestId('shown-count').scrollIntoViewIfNeeded();
		await expect(versionRows(page)).toHaveCount(120);
		await expect(page.getByTestId('shown-count')).toHaveText('120 shown');
		await expect(versionRows(page).last()).toContainText('v000');
		await expect(page.getByRole('button', { name: 'Load more' })).toHaveCount(0);
	});
});

test.describe('go to tag', () => {
	for (const typed of ['fraud_detector', 'fraud_detector:latest', 'FRAUD_DETECTOR:LATEST']) {
		test(`"${typed}" opens the latest version`, async ({ page }) => {
			await shelfWithFixtures(page);
			await page.getByRole('textbox', { name: /Go to tag/ }).fill(typed);
			await page.keyboard.press('Enter');
			await expect(page.getByTestId('version-tag')).toHaveText(FRAUD.tag);
			await expect(page).toHaveURL(`/models/fraud_detector/${FRAUD.tag.split(':')[1]}`);
		});
	}

	test('name:version opens that version; unknown and invalid tags say why', async ({ page }) => {
		await shelfWithFixtures(page);
		const box = page.getByRole('textbox', { name: /Go to tag/ });
		await box.fill('fraud_detector:v0');
		await page.getByRole('button', { name: 'Open tag' }).click();
		await expect(page.getByTestId('version-tag')).toHaveText('fraud_detector:v0');
		await expect(page.getByText('latest', { exact: true })).toHaveCount(0);
		await box.fill('fraud_detector:v9');
		await box.press('Enter');
		await expect(page.getByRole('alert')).toContainText('fraud_detector:v9');
		await expect(box).toHaveAttribute('aria-invalid', 'true');
		await box.fill('no such/tag');
		await box.press('Enter');
		await expect(page.getByRole('alert')).toBeVisible();
		await expect(page.getByTestId('version-tag')).toHaveText('fraud_detector:v0');
	});

	test('/models/<name>/latest shows the latest version under its own address', async ({ page }) => {
		await shelfWithFixtures(page);
		await page.goto('/models/fraud_detector/latest');
		await expect(page.getByTestId('version-tag')).toHaveText(FRAUD.tag);
		await expect(page).toHaveURL(`/models/fraud_detector/${FRAUD.tag.split(':')[1]}`);
	});
});
