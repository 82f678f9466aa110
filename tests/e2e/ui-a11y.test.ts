// Accessibility: axe on every page (light and dark), names that say what controls do, keyboard-only use.
import { expect, test, type Page } from '@playwright/test';
import { save } from './shelf-page.ts';
import { FRAUD, SPEECH, bundlePaths, expectNoSeriousAxeViolations, expectTags, importPicker, importThroughPicker, openApp, searchBox, selectorBox } from './ui-helpers.ts';

/** The fixtures plus a second fraud_detector version with metrics, so every page has something to show. */
async function seed(page: Page) {
	await openApp(page);
	await importThroughPicker(page, bundlePaths);
	await save(page, { name: 'fraud_detector', version: 'v2', labels: { stage: 'staging', team: 'risk' }, metadata: { precision: 0.91, nested: { depth: { deeper: [1, 2, { x: 'y' }] } } }, files: [{ path: 'saved_model.txt', text: 'v2' }] });
}

for (const colorScheme of ['light', 'dark'] as const) {
	test(`axe finds no serious or critical violations on any page (${colorScheme})`, async ({ page }) => {
		test.setTimeout(300_000); // axe runs on 15 page states; each run takes seconds
		await page.emulateMedia({ colorScheme });
		await openApp(page);
		await expect(page.getByTestId('empty-shelf')).toBeVisible();
		await expectNoSeriousAxeViolations(page, 'the empty Models page');
		await seed(page);

		const pages: Array<[string, string, () => Promise<void>]> = [
			['Models', '/', () => expectTags(page, ['fraud_detector:v2', SPEECH.tag, FRAUD.tag])],
			['Models, grouped and filtered', '/?selector=team%3Drisk&view=grouped', () => expectTags(page, ['fraud_detector:v2', FRAUD.tag])],
			['Models, invalid selector', '/?selector=stage%3D%3D%3D', () => expect(page.getByRole('alert')).toBeVisible()],
			['Model', '/models/fraud_detector', () => expect(page.getByRole('img', { name: /precision/ })).toBeVisible()],
			['Version', `/models/speech_encoder/${SPEECH.tag.split(':')[1]}`, () => expect(page.getByRole('table', { name: 'Files' })).toBeVisible()],
			['Version compared', `/models/fraud_detector/v2?compare=${FRAUD.tag.split(':')[1]}`, () => expect(page.getByTestId('comparison')).toBeVisible()],
			['Missing version', '/models/fraud_detector/v404', () => expect(page.getByRole('alert')).toBeVisible()],
			['Save', '/save', () => expect(page.getByRole('button', { name: 'Save version' })).toBeVisible()],
			['Storage', '/storage', () => expect(page.getByTestId('usage-versions')).toHaveText('3')],
			// No registry set up; its connected, unreachable and offline states are checked in ui-remote.test.ts.
			['Remote', '/remote', () => expect(page.getByRole('button', { name: 'Save and connect' })).toBeVisible()]
		];
		for (const [name, path, ready] of pages) {
			await page.goto(path);
			await ready();
			await expectNoSeriousAxeViolations(page, `${name} (${colorScheme})`);
		}

		// States that only appear after an action: save errors, reports, the import panel, the delete dialog.
		await page.goto('/save');
		await page.getByRole('button', { name: 'Save version' }).click();
		await expect(page.getByText('Pick at least one file')).toBeVisible();
		await expectNoSeriousAxeViolations(page, `Save with errors (${colorScheme})`);
		await page.goto('/storage');
		await page.getByRole('button', { name: 'Check integrity' }).click();
		await page.getByRole('button', { name: 'Clean up' }).click();
		await expect(page.getByTestId('verify-report')).toContainText('no problems found');
		await expect(page.getByTestId('fsck-report')).toBeVisible();
		await expectNoSeriousAxeViolations(page, `Storage with reports (${colorScheme})`);
		await importThroughPicker(page, bundlePaths);
		await expectNoSeriousAxeViolations(page, `Import panel (${colorScheme})`);
		await page.goto('/models/fraud_detector/v2');
		await page.getByRole('button', { name: 'Delete version…' }).click();
		await expect(page.getByTestId('latest-after')).toContainText(`will point to ${FRAUD.tag}`);
		await expectNoSeriousAxeViolations(page, `Delete dialog (${colorScheme})`);
	});
}

test('controls are named for what they do', async ({ page }) => {
	await openApp(page);
	await expect(importPicker(page)).toHaveAccessibleName(/Import/);
	await expect(selectorBox(page)).toHaveAccessibleName(/label selector/);
	await expect(searchBox(page)).toHaveAccessibleName(/Search/);
	await expect(page.getByRole('textbox', { name: /Go to tag/ })).toBeVisible();
	await expect(page.getByRole('combobox', { name: 'Order' })).toBeVisible();
	await expect(page.getByRole('combobox', { name: 'View' })).toBeVisible();
});

test('keyboard only: import through the picker, filter with the selector, follow a chip, open a version', async ({ page }) => {
	await openApp(page);
	// Tab to the import picker; focus is visible on its button-like label; Space opens the file chooser.
	await tabUntil(page, () => document.activeElement instanceof HTMLInputElement && document.activeElement.type === 'file');
	const outline = await page.evaluate(() => getComputedStyle(document.activeElement!.closest('label')!).outlineStyle);
	expect(outline).toBe('solid');
	await (await openChooserByKeyboard(page)).setFiles(bundlePaths);
	await expect(page.getByTestId('import-job').filter({ hasText: 'Imported as' })).toHaveCount(2);
	await expectTags(page, [SPEECH.tag, FRAUD.tag]);

	// Tab to the selector box and type; the list follows.
	await tabUntil(page, () => document.activeElement?.getAttribute('aria-label') === 'Filter by label selector');
	await page.keyboard.type('team=risk');
	await expectTags(page, [FRAUD.tag]);

	// Tab to a chip and press Enter: it joins the selector.
	await tabUntil(page, () => document.activeElement?.getAttribute('aria-label') === 'Add stage=production to the label selector');
	const focusRing = await page.evaluate(() => getComputedStyle(document.activeElement!).outlineStyle);
	expect(focusRing).toBe('solid');
	await page.keyboard.press('Enter');
	await expect(selectorBox(page)).toHaveValue('team=risk,stage=production');

	// Back to the tag link (Shift+Tab) and open the version with Enter.
	await tabUntil(page, (tag) => document.activeElement?.textContent === tag, FRAUD.tag, 'Shift+Tab');
	await page.keyboard.press('Enter');
	await expect(page.getByTestId('version-tag')).toHaveText(FRAUD.tag);

	// The delete dialog is keyboard-operable and Escape closes it.
	await tabUntil(page, () => document.activeElement?.textContent?.trim() === 'Delete version…');
	await page.keyboard.press('Enter');
	await expect(page.getByRole('dialog')).toBeVisible();
	await page.keyboard.press('Escape');
	await expect(page.getByRole('dialog')).toBeHidden();
});

test('dropping bundle files on any page imports them', async ({ page }) => {
	await openApp(page, '/storage');
	const bytes = await Promise.all(bundlePaths.map(async (path) => (await import('node:fs')).readFileSync(path).toString('base64')));
	await page.evaluate(
		({ files }) => {
			const transfer = new DataTransfer();
			for (const { name, base64 } of files) transfer.items.add(new File([Uint8Array.from(atob(base64), (c) => c.charCodeAt(0))], name));
			for (const type of ['dragenter', 'dragover', 'drop']) document.querySelector('main')!.dispatchEvent(new DragEvent(type, { dataTransfer: transfer, bubbles: true, cancelable: true }));
		},
		{ files: bundlePaths.map((path, i) => ({ name: path.split('/').at(-1)!, base64: bytes[i]! })) }
	);
	await expect(page.getByTestId('import-job').filter({ hasText: 'Imported as' })).toHaveCount(2);
	await expect(page.getByTestId('usage-versions')).toHaveText('2');
});

/**
 * Presses Space on the focused file input until Playwright sees the chooser. Playwright turns on
 * file-chooser interception lazily; a press that lands before it is on opens nothing it can see,
 * so the press (not the expectation) is repeated, a few times at most.
 */
async function openChooserByKeyboard(page: Page) {
	for (let attempt = 1; ; attempt++) {
		const choosing = page.waitForEvent('filechooser', { timeout: 5_000 });
		await page.keyboard.press('Space');
		try {
			return await choosing;
		} catch (error) {
			if (attempt === 3) throw error;
		}
	}
}

/** Presses Tab (or Shift+Tab) until `focused(arg)` holds in the page; fails after 60 presses. */
async function tabUntil(page: Page, focused: (arg: string) => boolean, arg = '', key = 'Tab') {
	for (let i = 0; i < 60; i++) {
		await page.keyboard.press(key);
		if (await page.evaluate(focused, arg)) return;
	}
	throw new Error(`Pressed ${key} 60 times without reaching the control`);
}
