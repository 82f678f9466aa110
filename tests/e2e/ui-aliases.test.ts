// Issue 16, "Done when": set, move and roll back an alias and read it back from the history; `name@alias` in
// go-to-tag and the URL; deleting an aliased version is refused, then allowed with its aliases; best by metric.
import { expect, test, type Page } from '@playwright/test';
import { save } from './shelf-page.ts';
import { expectNoSeriousAxeViolations, openApp } from './ui-helpers.ts';

/** `churn` v1…vN, a month apart (v1 oldest), each with the metadata given for it. */
async function seedChurn(page: Page, metadata: Array<Record<string, unknown>>) {
	await openApp(page);
	for (const [i, values] of metadata.entries()) {
		const month = String(i + 1).padStart(2, '0');
		await save(page, { name: 'churn', version: `v${i + 1}`, metadata: values, creationTime: `2025-${month}-01T00:00:00+00:00`, files: [{ path: 'model.txt', text: `weights ${i + 1}` }] });
	}
}

/** Points `churn@alias` at a version straight through the worker (setting up, not under test). */
async function setAlias(page: Page, alias: string, version: string) {
	await page.evaluate(({ alias, version }) => window.modelShelf!.api.setAlias({ name: 'churn', alias, version }), { alias, version });
}

/** The aliases listed as pointing at the version shown. */
const aliasesHere = (page: Page) => page.getByRole('list', { name: 'Aliases of this version' }).getByTestId('alias-badge');
const toast = (page: Page, text: string) => page.getByRole('status').filter({ hasText: text });

test('set an alias, move it with a note, roll it back from the model page, and read the story from the history', async ({ page }) => {
	await seedChurn(page, [{}, {}, {}]);

	// Set champion on v1.
	await page.goto('/models/churn/v1');
	const aliasBox = page.getByRole('textbox', { name: 'Alias', exact: true });
	await aliasBox.fill('Champion');
	await page.getByRole('button', { name: 'Set alias' }).click();
	await expect(toast(page, 'churn@champion now points at v1.')).toBeVisible();
	await expect(aliasesHere(page)).toHaveText(['@champion']);

	// Bad words are refused with the reason: `latest` is reserved, and an alias may not be a version's name.
	await aliasBox.fill('latest');
	await page.getByRole('button', { name: 'Set alias' }).click();
	await expect(page.getByRole('alert')).toContainText('reserved');
	await aliasBox.fill('v3');
	await page.getByRole('button', { name: 'Set alias' }).click();
	await expect(page.getByRole('alert')).toBeVisible();
	await expect(aliasesHere(page)).toHaveText(['@champion']);

	// Move it to v2 with a note: the form says where it moves from.
	await page.goto('/models/churn/v2');
	await expect(page.getByTestId('no-aliases')).toBeVisible();
	await aliasBox.fill('champion');
	await expect(page.getByTestId('alias-move')).toHaveText('This moves champion from v1.');
	await page.getByRole('textbox', { name: 'Note' }).fill('better recall');
	await page.getByRole('button', { name: 'Set alias' }).click();
	await expect(toast(page, 'Moved churn@champion from v1 to v2.')).toBeVisible();
	await expect(aliasesHere(page)).toHaveText(['@champion']);
	await expectNoSeriousAxeViolations(page, 'the version page with an alias');

	// The model page: the badge beside v2, and Roll back to v1.
	await page.getByRole('navigation', { name: 'Breadcrumb' }).getByRole('link', { name: 'churn' }).click();
	const entries = page.getByRole('list', { name: 'Versions, newest first' }).getByTestId('timeline-entry');
	await expect(entries.filter({ hasText: 'v2' }).getByTestId('alias-badge')).toHaveText(['@champion']);
	await expect(entries.filter({ hasText: 'v1' }).getByTestId('alias-badge')).toHaveCount(0);
	await page.getByRole('button', { name: 'Roll back champion to v1' }).click();
	await expect(toast(page, 'Rolled churn@champion back from v2 to v1.')).toBeVisible();
	await expect(entries.filter({ hasText: 'v1' }).getByTestId('alias-badge')).toHaveText(['@champion']);
	await expect(entries.filter({ hasText: 'v2' }).getByTestId('alias-badge')).toHaveCount(0);
	await expect(page.getByTestId('current-alias')).toHaveText(/@champion\s*→ v1/);

	// The whole story, newest first.
	const story = page.getByTestId('alias-event');
	await expect(story).toHaveCount(3);
	await expect(story.nth(0)).toContainText('champion: v2 → v1, just now');
	await expect(story.nth(1)).toContainText('champion: v1 → v2, just now — better recall');
	await expect(story.nth(2)).toContainText('champion set to v1, just now');

	// What was champion on a date: nothing before any of this; v1 now.
	await page.getByRole('combobox', { name: 'Alias asked about' }).selectOption('champion');
	await page.getByLabel('Date and time').fill('2000-01-01T00:00:00');
	await expect(page.getByTestId('alias-as-of')).toContainText('churn@champion was not set');
	await page.getByLabel('Date and time').fill('2099-01-01T00:00:00');
	await expect(page.getByTestId('alias-as-of')).toContainText('churn@champion pointed at v1');
	await expectNoSeriousAxeViolations(page, 'the model page with aliases and their history');

	// The history survives a reload (it comes from the store, not from this page).
	await page.reload();
	await expect(story).toHaveCount(3);
	await expect(page.getByRole('button', { name: 'Roll back champion to v2' })).toBeVisible();
});

test('name@alias opens the version it points at, from go-to-tag and from the URL', async ({ page }) => {
	await seedChurn(page, [{}, {}]);
	await setAlias(page, 'production', 'v1');
	await page.goto('/');

	const box = page.getByRole('textbox', { name: /Go to tag/ });
	await expect(box).toHaveAccessibleName(/name@alias/);
	await box.fill('Churn@Production');
	await box.press('Enter');
	await expect(page.getByTestId('version-tag')).toHaveText('churn:v1');
	await expect(page).toHaveURL('/models/churn/v1');

	for (const path of ['/models/churn/@production', '/models/churn@production']) {
		await page.goto(path);
		await expect(page.getByTestId('version-tag')).toHaveText('churn:v1');
		await expect(page).toHaveURL('/models/churn/v1');
	}

	// Moving the alias moves where the same address leads.
	await setAlias(page, 'production', 'v2');
	await page.goto('/models/churn/@production');
	await expect(page.getByTestId('version-tag')).toHaveText('churn:v2');
	await expect(page).toHaveURL('/models/churn/v2');

	// `latest` is no alias, and an unknown alias says so.
	for (const typed of ['churn@latest', 'churn@nope']) {
		await box.fill(typed);
		await box.press('Enter');
		await expect(page.getByRole('alert')).toBeVisible();
		await expect(box).toHaveAttribute('aria-invalid', 'true');
		await expect(page.getByTestId('version-tag')).toHaveText('churn:v2');
	}
	await page.goto('/models/churn/@nope');
	await expect(page.getByRole('alert')).toBeVisible();
});

test('deleting an aliased version is refused naming its aliases, then allowed with "also remove aliases"', async ({ page }) => {
	await seedChurn(page, [{}, {}]);
	await setAlias(page, 'champion', 'v1');
	await setAlias(page, 'production', 'v1');

	await page.goto('/models/churn/v1');
	await page.getByRole('button', { name: 'Delete version…' }).click();
	const dialog = page.getByRole('dialog', { name: 'Delete churn:v1?' });
	await expect(dialog).toContainText('Move to trash');
	await expect(dialog).toContainText('restorable from the Storage page for 30 days');
	await dialog.getByRole('button', { name: 'Delete version' }).click();
	// Refused: the dialog names the aliases and the version stays.
	const refusal = dialog.getByTestId('aliased');
	await expect(refusal).toContainText('champion');
	await expect(refusal).toContainText('production');
	await expect(dialog).toBeVisible();
	expect(await page.evaluate(() => window.modelShelf!.api.get({ tag: 'churn:v1' }).then((record) => record.tag))).toBe('churn:v1');
	await expectNoSeriousAxeViolations(page, 'the delete dialog refusing an aliased version');

	await dialog.getByRole('checkbox', { name: /Also remove aliases champion, production/ }).check();
	await dialog.getByRole('button', { name: 'Delete version' }).click();
	await expect(toast(page, 'Moved churn:v1 to the trash')).toBeVisible();
	await expect(page).toHaveURL('/models/churn');
	const entries = page.getByRole('list', { name: 'Versions, newest first' }).getByTestId('timeline-entry');
	await expect(entries).toHaveCount(1);
	await expect(entries).toContainText('v2');
	await expect(page.getByTestId('current-alias')).toHaveCount(0);
	expect(await page.evaluate(() => window.modelShelf!.api.aliases({ name: 'churn' }))).toEqual([]);
	// The trash holds it, aliases noted.
	const trash = await page.evaluate(() => window.modelShelf!.api.listTrash());
	expect(trash.items.map((item) => [item.tag, [...item.aliasesRemoved].sort()])).toEqual([['churn:v1', ['champion', 'production']]]);
});

test('the model page names the best version by a metric and orders the versions by it, kept in the URL', async ({ page }) => {
	await seedChurn(page, [{ accuracy: 0.91, loss: 0.4 }, { accuracy: 0.97, loss: 0.2 }, { loss: 0.1 }, { accuracy: 0.93 }]);
	await page.goto('/models/churn?metric=accuracy');
	const best = page.getByTestId('best-version');
	await expect(best).toHaveText(/Best version by accuracy:\s*v2\s*\(0\.97\)/);

	const order = page.getByRole('combobox', { name: 'Order versions' });
	const shownVersions = (label: string) => page.getByRole('list', { name: label }).getByTestId('timeline-entry').getByRole('link', { name: /^v\d$/ });
	await expect(shownVersions('Versions, newest first')).toHaveText(['v4', 'v3', 'v2', 'v1']);

	await order.selectOption({ label: 'By accuracy, highest first' });
	await expect(page).toHaveURL(/metric=accuracy&order=desc/);
	await expect(shownVersions('Versions by accuracy, highest first')).toHaveText(['v2', 'v4', 'v1', 'v3']);

	await order.selectOption({ label: 'By accuracy, lowest first' });
	await expect(page).toHaveURL(/order=asc/);
	await expect(best).toHaveText(/Best version by accuracy \(lowest\):\s*v1\s*\(0\.91\)/);
	await expect(shownVersions('Versions by accuracy, lowest first')).toHaveText(['v1', 'v4', 'v2', 'v3']);

	// Another metric, from the chart's picker, keeps the order; a reload keeps both.
	await page.getByRole('combobox', { name: 'Metric to chart' }).selectOption('loss');
	await expect(page).toHaveURL(/metric=loss&order=asc/);
	await page.reload();
	await expect(best).toHaveText(/Best version by loss \(lowest\):\s*v3\s*\(0\.1\)/);
	await expect(shownVersions('Versions by loss, lowest first')).toHaveText(['v3', 'v2', 'v1', 'v4']);
});
