// Issue 16, the Storage page: a retention dry run's figure equals the bytes emptying the trash frees; the trash
// gives a version back identically; "what takes the space" lists the largest model first, unique below size
// when bytes are shared.
import { expect, test, type Page } from '@playwright/test';
import { expectNoSeriousAxeViolations, openApp } from './ui-helpers.ts';

/** One seeded version: its files as (size, fill byte) pairs; equal pairs are equal bytes, stored once. */
interface Seed {
	name: string;
	version: string;
	creationTime: string;
	labels?: Record<string, string>;
	files: Array<{ path: string; size: number; fill: number }>;
}

const shared = { path: 'shared.bin', size: 20_000, fill: 1 };
/** alpha:v1's weights are byte for byte beta:v1's, so deleting alpha:v1 alone frees none of them. */
const SEEDS: Seed[] = [
	{ name: 'gamma', version: 'v1', creationTime: '2024-01-01T00:00:00+00:00', files: [{ path: 'big.bin', size: 300_000, fill: 7 }] },
	...[1, 2, 3, 4].map((i) => ({
		name: 'alpha',
		version: `v${i}`,
		creationTime: `2024-02-0${i}T00:00:00+00:00`,
		labels: { stage: 'dev' },
		files: [shared, { path: 'weights.bin', size: 10_000 + i, fill: 10 + i }]
	})),
	{ name: 'beta', version: 'v1', creationTime: '2024-03-01T00:00:00+00:00', files: [{ path: 'weights.bin', size: 10_001, fill: 11 }] },
	{ name: 'beta', version: 'v2', creationTime: '2024-03-02T00:00:00+00:00', files: [{ path: 'weights.bin', size: 5_000, fill: 50 }] }
];

/** Saves versions through the raw worker API (quick; the UI is what the tests look at). */
async function seed(page: Page, seeds: Seed[]) {
	await page.evaluate(async (seeds) => {
		const api = window.modelShelf!.api;
		for (const { files, ...rest } of seeds) {
			await api.save({ ...rest, metadata: { seeded: rest.version }, files: files.map(({ path, size, fill }) => ({ path, data: new Blob([new Uint8Array(size).fill(fill)]) })) });
		}
	}, seeds);
}

const storedBytes = (page: Page) => page.evaluate(async () => (await window.modelShelf!.api.usage()).storedBytes);
/** How the page writes a figure people compare: binary units and the exact count. */
const exactBytes = (bytes: number) => `${bytes.toLocaleString('en')} bytes`;

test('a retention dry run lists what goes and frees exactly what emptying the trash frees', async ({ page }) => {
	await openApp(page, '/storage');
	await seed(page, SEEDS);
	await page.reload();
	await page.waitForFunction(() => window.modelShelf !== undefined);

	// Keep the newest 2 of each model: alpha:v1 and alpha:v2 go. alpha:v1's weights live on in beta:v1 and
	// shared.bin in alpha:v3 and v4, so only alpha:v2's own weights are freed.
	const expectedFreed = 10_002;
	await page.getByLabel('Keep the newest N versions of each model').fill('2');
	await expect(page).toHaveURL(/[?&]keep=2(&|#|$)/);
	await page.getByRole('button', { name: 'Preview' }).click();
	const plan = page.getByRole('region', { name: 'Retention preview' });
	const planRows = plan.getByRole('table', { name: 'Versions the rule would delete' }).getByTestId('plan-row');
	await expect(planRows).toHaveCount(2);
	expect((await planRows.locator('td:first-child').allTextContents()).sort()).toEqual(['alpha:v1', 'alpha:v2']);
	await expect(plan.getByTestId('plan-count')).toHaveText('2 versions would go');
	const frees = (await plan.getByTestId('plan-frees').textContent())!;
	expect(frees).toContain(exactBytes(expectedFreed));
	// The page shows what the worker plans, nothing of its own.
	expect((await page.evaluate(() => window.modelShelf!.api.planRetention({ keepNewest: 2 }))).bytesFreed).toBe(expectedFreed);

	// Run: both move into the trash, whose bytes stay stored until it is emptied.
	const before = await storedBytes(page);
	await page.getByRole('button', { name: 'Run: move 2 versions to the trash' }).click();
	await expect(page.getByTestId('retention-result')).toContainText('Moved 2 versions to the trash.');
	const trash = page.getByRole('table', { name: 'Trashed versions' });
	await expect(trash.getByTestId('trash-row')).toHaveCount(2);
	await expect(trash).toContainText('alpha:v1');
	await expect(trash).toContainText('alpha:v2');
	await expect(page.getByTestId('trash-bytes')).toContainText(exactBytes(expectedFreed));
	expect(await storedBytes(page)).toBe(before);
	expect(await page.evaluate(async () => (await window.modelShelf!.api.versions({ name: 'alpha' })).map((record) => record.tag))).toEqual(['alpha:v4', 'alpha:v3']);

	// Empty the trash: the confirmation names the bytes, the result says what was freed, and storage agrees.
	await page.getByRole('button', { name: 'Empty trash' }).click();
	const dialog = page.getByRole('dialog', { name: 'Empty the trash?' });
	await expect(dialog).toContainText(exactBytes(expectedFreed));
	await dialog.getByRole('button', { name: 'Empty trash' }).click();
	await expect(page.getByTestId('trash-freed')).toContainText(`Freed ${frees}`);
	await expect(page.getByTestId('trash-freed')).toContainText('2 versions deleted for good');
	expect(before - (await storedBytes(page))).toBe(expectedFreed);
	await expect(page.getByTestId('trash-summary')).toContainText('The trash is empty.');
});

test('restoring from the trash gives back the identical version, and latest moves back', async ({ page }) => {
	await openApp(page, '/storage');
	await seed(page, SEEDS.filter((one) => one.name === 'alpha'));
	const snapshot = (tag: string) =>
		page.evaluate(async (tag) => {
			const api = window.modelShelf!.api;
			const record = await api.get({ tag });
			return { tag: record.tag, files: record.files, creationTime: record.info.creationTime, labels: record.info.labels, metadata: record.info.metadata, createdKey: record.createdKey, manifest: await api.manifest({ tag }) };
		}, tag);
	const original = await snapshot('alpha:v4');
	const latest = () => page.evaluate(async () => (await window.modelShelf!.api.get({ tag: 'alpha' })).tag);

	// Delete the latest and one more; latest moves to v2.
	await page.evaluate(() => window.modelShelf!.api.deleteMany({ tags: ['alpha:v4', 'alpha:v3'] }));
	expect(await latest()).toBe('alpha:v2');
	await page.reload();
	await page.waitForFunction(() => window.modelShelf !== undefined);
	const trash = page.getByRole('table', { name: 'Trashed versions' });
	await expect(trash.getByTestId('trash-row')).toHaveCount(2);
	await expect(page.getByTestId('usage-trash')).not.toHaveText('…');

	await trash.getByRole('checkbox', { name: 'Select alpha:v4' }).check();
	await page.getByRole('button', { name: 'Restore selected (1)' }).click();
	await expect(page.getByRole('status').filter({ hasText: 'Restored 1 version.' })).toBeVisible();
	await expect(trash.getByTestId('trash-row')).toHaveCount(1);
	await expect(trash).not.toContainText('alpha:v4');
	expect(await snapshot('alpha:v4')).toEqual(original);
	expect(await latest()).toBe('alpha:v4');

	// Deleting the other one forever frees its own weights only (shared.bin stays with v1, v2 and v4).
	const before = await storedBytes(page);
	await trash.getByRole('checkbox', { name: 'Select alpha:v3' }).check();
	await page.getByRole('button', { name: 'Delete forever selected (1)' }).click();
	const dialog = page.getByRole('dialog', { name: 'Delete 1 version forever?' });
	await expect(dialog).toContainText(exactBytes(10_003));
	await dialog.getByRole('button', { name: 'Delete forever' }).click();
	await expect(page.getByTestId('trash-freed')).toContainText(`Freed 9.77 KiB (${exactBytes(10_003)}); 1 version deleted for good.`);
	expect(before - (await storedBytes(page))).toBe(10_003);
	await expect(page.getByTestId('trash-summary')).toContainText('The trash is empty.');
	await expect(page.getByRole('button', { name: 'Empty trash' })).toHaveCount(0);

	// The trash keeps versions for as long as the setting says.
	await page.getByLabel('Keep deleted versions for').fill('7');
	await page.getByRole('button', { name: 'Set', exact: true }).click();
	await expect(page.getByTestId('trash-summary')).toContainText('stay here for 7 days');
	expect(await page.evaluate(async () => (await window.modelShelf!.api.listTrash()).days)).toBe(7);
});

test('what takes the space: largest model first, unique below size when bytes are shared, versions on demand', async ({ page }) => {
	await openApp(page, '/storage');
	await seed(page, SEEDS);
	await page.reload();
	await page.waitForFunction(() => window.modelShelf !== undefined);

	const models = page.getByRole('table', { name: 'Space by model' }).getByTestId('space-model');
	await expect(models).toHaveCount(3);
	await expect(models.getByRole('rowheader')).toHaveText(['gamma', 'alpha', 'beta']);
	const report = await page.evaluate(() => window.modelShelf!.api.space());
	const alpha = report.models.find((model) => model.name === 'alpha')!;
	// alpha's four versions hold shared.bin once and v1's weights are beta's too.
	expect(alpha.size).toBe(4 * 20_000 + 10_001 + 10_002 + 10_003 + 10_004);
	expect(alpha.uniqueBytes).toBeLessThan(alpha.size);
	expect(alpha.uniqueBytes).toBe(20_000 + 10_002 + 10_003 + 10_004);
	const alphaRow = models.filter({ hasText: 'alpha' });
	await expect(alphaRow.getByTestId('space-unique')).not.toHaveText(await alphaRow.getByTestId('space-size').innerText());

	// Expanding a model shows its versions with their own figures and when they were last used.
	await alphaRow.getByRole('button', { name: 'Show versions of alpha' }).click();
	const versions = page.getByRole('table', { name: 'Versions of alpha by space' }).getByTestId('space-version');
	await expect(versions).toHaveCount(4);
	await expect(versions.first()).toContainText('never');
	await expectNoSeriousAxeViolations(page, 'the Storage page with the space view open');

	// "Keep only the newest 3…" prefills a rule for that model and keeps it in the URL.
	await alphaRow.getByRole('link', { name: /Keep only the newest 3/ }).click();
	await expect(page).toHaveURL(/\?name=alpha&keep=3#retention$/);
	await expect(page.getByLabel('Keep the newest N versions of each model')).toHaveValue('3');
	await expect(page.getByLabel('Only the model (name, optional)')).toHaveValue('alpha');
	await page.getByRole('button', { name: 'Preview' }).click();
	const preview = page.getByRole('region', { name: 'Retention preview' });
	await expect(preview.getByTestId('plan-row')).toHaveText([/alpha:v1/]);

	// An aliased version is kept and said why, unless the rule says otherwise; then it is marked.
	await page.evaluate(() => window.modelShelf!.api.setAlias({ name: 'alpha', alias: 'champion', version: 'v1' }));
	await page.getByRole('button', { name: 'Preview' }).click();
	await expect(preview.getByTestId('plan-count')).toHaveText('No version would go.');
	await expect(preview.getByTestId('plan-exempt')).toHaveText(['alpha:v1: an alias points at it']);
	await page.getByLabel('Also delete aliased versions').check();
	await expect(page).toHaveURL(/\?name=alpha&keep=3&aliased=1#retention$/);
	await page.getByRole('button', { name: 'Preview' }).click();
	await expect(preview.getByTestId('plan-row')).toHaveText([/alpha:v1.*champion/]);
	await expect(preview.getByTestId('plan-exempt')).toHaveCount(0);

	// A bad selector says where it goes wrong, and the rule is not previewed.
	await page.getByLabel('Only versions matching (label selector, optional)').fill('stage=dev,,x');
	await expect(page.getByTestId('retention-problem')).toBeVisible();
	await expect(page.getByLabel('Only versions matching (label selector, optional)')).toHaveAttribute('aria-invalid', 'true');
	await expect(page.getByTestId('retention-problem').locator('mark')).toHaveText(',');
	await expect(page.getByRole('status').filter({ hasText: 'The rule changed since this preview' })).toBeVisible();
});

test('the trash panel is where /storage#trash lands', async ({ page }) => {
	await openApp(page, '/storage#trash');
	await expect(page.locator('#trash')).toBeInViewport();
	await expect(page.getByRole('heading', { name: 'Trash', level: 2 })).toBeVisible();
	await expect(page.getByTestId('trash-summary')).toContainText('The trash is empty.');
});
