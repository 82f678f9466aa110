// Labels, metadata and file names are shown as text, never as HTML.
import { expect, test } from '@playwright/test';
import { save } from './shelf-page.ts';
import { openApp, versionRows } from './ui-helpers.ts';

const SCRIPT = '<script>window.__pwned = "script"</script>';
const IMG = '<img src=x onerror="window.__pwned = \'img\'">';

test('hostile labels, metadata and file names render inert, as the text they are', async ({ page }) => {
	const dialogs: string[] = [];
	page.on('dialog', (dialog) => void dialog.dismiss().then(() => dialogs.push(dialog.message())));
	await openApp(page);
	await save(page, {
		name: 'hostile',
		version: 'v1',
		creationTime: '2025-01-01T00:00:00+00:00',
		labels: { note: SCRIPT, [IMG]: 'key-is-html' },
		metadata: { [SCRIPT]: IMG, nested: { html: IMG, list: [SCRIPT, IMG] } },
		files: [
			{ path: `${IMG}.bin`, text: 'a' },
			{ path: '<script>alert(1)<!--/x.bin', text: 'b' }
		]
	});
	await save(page, { name: 'hostile', version: 'v2', labels: { note: IMG }, metadata: { [SCRIPT]: 'changed' }, files: [{ path: `${IMG}.bin`, text: 'changed' }] });

	const pages = ['/', '/?view=grouped', '/models/hostile', '/models/hostile/v1', '/models/hostile/v2?compare=v1'];
	for (const path of pages) {
		await page.goto(path);
		await expect(page.getByText(IMG).first()).toBeVisible();
		expect(await page.evaluate(() => (window as unknown as { __pwned?: string }).__pwned), path).toBeUndefined();
		// No element was made from the hostile text: only our own markup is in <main>.
		expect(await page.locator('main img, main script').count(), path).toBe(0);
	}
	await page.goto('/models/hostile/v1');
	await expect(page.getByRole('table', { name: 'Files' })).toContainText(`${IMG}.bin`);
	await expect(page.getByRole('table', { name: 'Files' })).toContainText('<script>alert(1)<!--/x.bin');
	await expect(page.locator('main')).toContainText(SCRIPT);

	// A chip whose value cannot be written as a selector says so instead of breaking the filter.
	await page.goto('/');
	await versionRows(page).filter({ hasText: 'hostile:v1' }).getByRole('button', { name: `Add note=${SCRIPT} to the label selector` }).click();
	await expect(page.getByRole('alert')).toContainText('cannot be written as a selector');
	await expect(page.getByRole('textbox', { name: /label selector/ })).toHaveValue('');
	expect(dialogs).toEqual([]);
});
