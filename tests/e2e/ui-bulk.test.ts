// The Models list over many versions: select all matching a filter (beyond the loaded page), move them to the
// trash and restore them identical; order by a metric and filter by thresholds, kept in the URL.
import { expect, test, type Page } from '@playwright/test';
import { expectNoSeriousAxeViolations, openApp, readZipWithPython, selectorBox, versionRows } from './ui-helpers.ts';

/** Versions per name; two names. */
const PER_NAME = 70;
const NAMES = ['churn', 'fraud'] as const;

/** What each seeded version is: its stage and accuracy (fraud:v000, v010, … have none). */
function seedOf(name: (typeof NAMES)[number], i: number) {
	const stage = i % 2 === 0 ? 'dev' : 'prod';
	// Distinct values across both names, so the order is the metric's alone.
	const [step, offset] = name === 'churn' ? [37, 0.5] : [23, 0.501];
	const accuracy = name === 'fraud' && i % 10 === 0 ? undefined : offset + ((i * step) % PER_NAME) / 140;
	return { tag: `${name}:v${String(i).padStart(3, '0')}`, stage, accuracy };
}
const seeds = NAMES.flatMap((name) => Array.from({ length: PER_NAME }, (_, i) => ({ name, i, ...seedOf(name, i) })));

/** Saves the 140 versions straight through the worker API, oldest first, a minute apart. */
async function seedShelf(page: Page) {
	await openApp(page);
	await page.evaluate(async (seeds) => {
		const base = Date.UTC(2025, 0, 1);
		for (const [n, seed] of seeds.entries()) {
			await window.modelShelf!.api.save({
				name: seed.name,
				version: seed.tag.split(':')[1]!,
				labels: { stage: seed.stage },
				metadata: seed.accuracy === undefined ? { epochs: seed.i } : { accuracy: seed.accuracy, epochs: seed.i },
				creationTime: new Date(base + n * 60_000).toISOString().replace('Z', '+00:00'),
				files: [{ path: 'weights.bin', data: new Blob([`${seed.tag} weights`]) }]
			});
		}
	}, seeds);
	await page.reload();
	await expect(page.getByTestId('shown-count')).toHaveText('50 shown; more below');
}

/** Every version on the shelf as the worker lists it: tag, files, creation time, order key. */
async function shelfContents(page: Page) {
	return page.evaluate(async () => {
		const all: Array<{ tag: string; files: unknown; creationTime: string; createdKey: string; labels: Record<string, string> }> = [];
		let cursor: string | null = null;
		do {
			const page: Awaited<ReturnType<NonNullable<typeof window.modelShelf>['api']['list']>> = await window.modelShelf!.api.list({ limit: 1000, cursor });
			for (const v of page.items) all.push({ tag: v.tag, files: v.files, creationTime: v.info.creationTime, createdKey: v.createdKey, labels: v.info.labels });
			cursor = page.next;
		} while (cursor !== null);
		return all.sort((a, b) => a.tag.localeCompare(b.tag));
	});
}

const sortBox = (page: Page) => page.getByRole('combobox', { name: 'Sort by metric' });
const thresholdsBox = (page: Page) => page.getByRole('textbox', { name: 'Metric thresholds' });
const rowTags = (page: Page) => versionRows(page).getByRole('link').allTextContents();

test.describe('Models list over many versions', () => {
	test.describe.configure({ timeout: 120_000 });

	test('select all matching a selector moves exactly that set to the trash, aliased ones after consent; restore gives them back identical', async ({ page }) => {
		await seedShelf(page);
		const before = await shelfContents(page);
		expect(before).toHaveLength(2 * PER_NAME);
		const dev = before.filter((v) => v.labels.stage === 'dev').map((v) => v.tag);
		expect(dev).toHaveLength(PER_NAME);
		await page.evaluate(() => window.modelShelf!.api.setAlias({ name: 'churn', alias: 'champion', version: 'v010' }));

		await selectorBox(page).fill('stage=dev');
		await expect(page).toHaveURL(/selector=stage%3Ddev/);
		await expect(page.getByTestId('shown-count')).toHaveText('50 shown; more below');
		await page.getByRole('checkbox', { name: 'Select all shown versions' }).check();
		await expect(page.getByTestId('selected-count')).toHaveText('50 selected');
		await page.getByRole('button', { name: `Select all ${PER_NAME} matching this filter` }).click();
		await expect(page.getByTestId('selected-count')).toHaveText(`${PER_NAME} selected`);
		await expect(page.getByText(`All ${PER_NAME} versions matching this filter are selected.`)).toBeVisible();
		await expect(page.getByTestId('shown-count')).toHaveText('50 shown; more below');

		// churn:v010 has an alias: nothing moves until the user agrees to remove it too.
		await page.getByRole('button', { name: 'Move to trash' }).click();
		const refusal = page.getByRole('alert').filter({ hasText: /aliases, so nothing was moved/ });
		await expect(refusal).toContainText('churn:v010 @champion');
		expect(await shelfContents(page)).toHaveLength(2 * PER_NAME);
		await page.getByRole('button', { name: 'Also remove their aliases' }).click();
		const moved = page.getByRole('status').filter({ hasText: `Moved ${PER_NAME} versions to the trash` });
		await expect(moved).toBeVisible();
		await expect(moved.getByRole('link', { name: 'Restore' })).toHaveAttribute('href', '/storage#trash');
		await expect(page.getByTestId('no-match')).toBeVisible();
		await expect(page.getByTestId('selected-count')).toHaveCount(0);

		// Exactly the filtered set went; the others are untouched.
		const after = await shelfContents(page);
		expect(after).toEqual(before.filter((v) => v.labels.stage === 'prod'));
		const trash = await page.evaluate(() => window.modelShelf!.api.listTrash());
		expect(trash.items.map((item) => item.tag).sort()).toEqual(dev);

		const restored = await page.evaluate((tags) => window.modelShelf!.api.restore({ tags }), dev);
		expect(restored.restored.sort()).toEqual(dev);
		expect(await shelfContents(page)).toEqual(before);
		expect((await page.evaluate(() => window.modelShelf!.api.listTrash())).items).toEqual([]);
	});

	test('order by a metric, highest first with versions lacking it last, in the URL across a reload; thresholds filter', async ({ page }) => {
		await seedShelf(page);
		const byAccuracy = (a: (typeof seeds)[0], b: (typeof seeds)[0]) => (b.accuracy ?? -Infinity) - (a.accuracy ?? -Infinity);
		const best = [...seeds].sort(byAccuracy);

		await sortBox(page).fill('accuracy');
		await expect(page).toHaveURL(/sort=accuracy/);
		await expect(versionRows(page).first().getByRole('link')).toHaveText(best[0]!.tag);
		expect((await rowTags(page)).slice(0, 10)).toEqual(best.slice(0, 10).map((s) => s.tag));
		await expect(page.getByTestId('metric-value').first()).toHaveText(best[0]!.accuracy!.toLocaleString('en', { maximumFractionDigits: 6 }));

		// Ten fraud versions: the one without accuracy comes last in either direction.
		await page.getByRole('searchbox', { name: /Search/ }).fill('fraud:v00');
		const fraudFew = seeds.filter((s) => s.tag.startsWith('fraud:v00'));
		await expect(versionRows(page)).toHaveCount(10);
		expect(await rowTags(page)).toEqual([...fraudFew].sort(byAccuracy).map((s) => s.tag));
		await expect(versionRows(page).last().getByTestId('metric-value')).toHaveText('—');
		await page.getByLabel('Direction').selectOption('asc');
		await expect(page).toHaveURL(/dir=asc/);
		const ascending = fraudFew.filter((s) => s.accuracy !== undefined).sort((a, b) => a.accuracy! - b.accuracy!);
		await expect(versionRows(page).first().getByRole('link')).toHaveText(ascending[0]!.tag);
		expect(await rowTags(page)).toEqual([...ascending.map((s) => s.tag), 'fraud:v000']);

		await page.reload();
		await expect(sortBox(page)).toHaveValue('accuracy');
		await expect(page.getByLabel('Direction')).toHaveValue('asc');
		await expect(versionRows(page)).toHaveCount(10);
		expect(await rowTags(page)).toEqual([...ascending.map((s) => s.tag), 'fraud:v000']);

		// Thresholds: only versions with accuracy >= 0.9 (a version without the key never passes).
		await page.getByRole('searchbox', { name: /Search/ }).fill('');
		await thresholdsBox(page).fill('accuracy>=0.9');
		await expect(page).toHaveURL(/where=accuracy%3E%3D0\.9/);
		const passing = seeds.filter((s) => s.accuracy !== undefined && s.accuracy >= 0.9).sort((a, b) => a.accuracy! - b.accuracy!);
		expect(passing.length).toBeGreaterThan(5);
		await expect(versionRows(page)).toHaveCount(passing.length);
		expect(await rowTags(page)).toEqual(passing.map((s) => s.tag));
		// With the selector too (AND).
		await selectorBox(page).fill('stage=prod');
		await expect(versionRows(page)).toHaveCount(passing.filter((s) => s.stage === 'prod').length);
		// An invalid threshold says where; the list keeps the last valid result.
		await thresholdsBox(page).fill('accuracy>=');
		await expect(page.getByText('Showing the last valid result.')).toBeVisible();
		await expect(thresholdsBox(page)).toHaveAttribute('aria-invalid', 'true');
		await expect(versionRows(page)).toHaveCount(passing.filter((s) => s.stage === 'prod').length);
	});

	test('has-alias filter and one row per alias show aliases as badges and rows', async ({ page }) => {
		await seedShelf(page);
		await page.evaluate(async () => {
			const api = window.modelShelf!.api;
			await api.setAlias({ name: 'churn', alias: 'champion', version: 'v010' });
			await api.setAlias({ name: 'churn', alias: 'production', version: 'v010' });
			await api.setAlias({ name: 'fraud', alias: 'staging', version: 'v021' });
		});
		await page.getByRole('checkbox', { name: 'Has alias' }).check();
		await expect(page).toHaveURL(/aliased=1/);
		await expect(versionRows(page)).toHaveCount(2);
		expect(await rowTags(page)).toEqual(['fraud:v021', 'churn:v010']);
		await expect(versionRows(page).filter({ hasText: 'churn:v010' }).getByTestId('alias-badge')).toHaveText(['@champion', '@production']);
		await page.getByLabel('View').selectOption('aliases');
		await expect(versionRows(page)).toHaveCount(3);
		await expect(versionRows(page)).toContainText([/fraud@staging\s*→ v021/, /churn@champion\s*→ v010/, /churn@production\s*→ v010/]);
	});

	test('a shift-click range exports as one zip, each version in its own folder', async ({ page }, testInfo) => {
		await openApp(page);
		await page.evaluate(async () => {
			for (const version of ['v1', 'v2', 'v3', 'v4']) {
				await window.modelShelf!.api.save({ name: 'iris', version, files: [{ path: 'model.pkl', data: new Blob([`iris ${version}`]) }] });
			}
		});
		await page.reload();
		await expect(versionRows(page)).toHaveCount(4);
		// Newest first: v4, v3, v2, v1; v3 then shift+v1 ticks v3, v2, v1.
		await page.getByRole('checkbox', { name: 'Select iris:v3' }).check();
		await page.getByRole('checkbox', { name: 'Select iris:v1' }).click({ modifiers: ['Shift'] });
		await expect(page.getByTestId('selected-count')).toHaveText('3 selected');
		await expect(page.getByRole('checkbox', { name: 'Select iris:v2' })).toBeChecked();
		await expect(page.getByRole('checkbox', { name: 'Select iris:v4' })).not.toBeChecked();
		await expect(page.getByRole('checkbox', { name: 'Select all shown versions' })).toHaveJSProperty('indeterminate', true);
		await expectNoSeriousAxeViolations(page, 'the Models list with a selection');

		const downloading = page.waitForEvent('download');
		await page.getByRole('region', { name: 'Bulk actions' }).getByRole('button', { name: 'Export' }).click();
		const download = await downloading;
		const zipPath = testInfo.outputPath(download.suggestedFilename());
		await download.saveAs(zipPath);
		const paths = readZipWithPython(zipPath).map((file) => file.path).sort();
		expect(paths).toEqual(['iris/v1/model.pkl', 'iris/v1/model.yaml', 'iris/v2/model.pkl', 'iris/v2/model.yaml', 'iris/v3/model.pkl', 'iris/v3/model.yaml']);
		// No registry configured: no Push.
		await expect(page.getByRole('region', { name: 'Bulk actions' }).getByRole('button', { name: 'Push' })).toHaveCount(0);
	});
});
