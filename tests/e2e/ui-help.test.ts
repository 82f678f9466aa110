// Issue 25, part 1: Help in the app (offline, by keyboard, axe), its selector examples against the Models list,
// the "?" beside the selector box and on every other page that uses a part of Help, and the empty shelf that leads somewhere.
import { expect, test, type Page } from '@playwright/test';
import { parseSelector } from '../../src/lib/core/selector.ts';
import { save } from './shelf-page.ts';
import { bundlePaths, expectNoSeriousAxeViolations, importThroughPicker, openApp, versionRows, waitForServiceWorker } from './ui-helpers.ts';

const SECTIONS = ['tags', 'latest-and-aliases', 'selectors', 'metrics', 'bentoml', 'registry', 'storage'];
const tryBox = (page: Page) => page.getByRole('textbox', { name: 'Try a selector' });
const matchesInHelp = (page: Page) => page.getByRole('list', { name: 'Matching versions' }).getByRole('listitem');

/** Four versions whose labels give each documented example a different, proper subset. */
async function seedLabelled(page: Page) {
	const versions: Array<{ name: string; version: string; labels: Record<string, string>; creationTime: string }> = [
		{ name: 'churn', version: 'v1', labels: { stage: 'production', team: 'risk', epochs: '5' }, creationTime: '2025-01-01T00:00:00+00:00' },
		{ name: 'churn', version: 'v2', labels: { stage: 'staging', team: 'vision', epochs: '15' }, creationTime: '2025-02-01T00:00:00+00:00' },
		{ name: 'fraud', version: 'v1', labels: { stage: 'production', team: 'cv', deprecated: 'yes', epochs: '25' }, creationTime: '2025-03-01T00:00:00+00:00' },
		{ name: 'fraud', version: 'v2', labels: {}, creationTime: '2025-04-01T00:00:00+00:00' }
	];
	for (const spec of versions) await save(page, { ...spec, metadata: { accuracy: 0.9 }, files: [{ path: 'model.txt', text: `${spec.name}:${spec.version}` }] });
	await page.evaluate(() => window.modelShelf!.api.setAlias({ name: 'churn', alias: 'champion', version: 'v1' }));
}

test('an empty shelf offers five ways to start, and Help says the shelf is empty; Help opens by keyboard and offline', async ({ page, context }) => {
	await openApp(page);
	const empty = page.getByTestId('empty-shelf');
	await expect(empty.getByRole('list', { name: 'Ways to start' }).getByRole('listitem')).toHaveCount(5);
	await expect(empty.getByTestId('way-samples').getByRole('button')).toHaveText('Try with sample models');
	await expect(empty.getByTestId('way-import')).toContainText('Import a bundle');
	await expect(empty.getByTestId('way-store-folder')).toContainText('Open BentoML store');
	await expect(empty.getByRole('link', { name: 'Pull from a registry' })).toHaveAttribute('href', '/remote');
	await expect(empty.getByRole('link', { name: 'Read Help' })).toHaveAttribute('href', '/help');

	// From a fresh profile, by keyboard only: Tab to the main navigation's Help, Enter.
	const helpLink = page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Help' });
	const onHelpLink = () => page.evaluate(() => document.activeElement?.closest('nav[aria-label="Main"]') !== null && document.activeElement?.textContent === 'Help');
	for (let presses = 0; presses < 15 && !(await onHelpLink()); presses++) await page.keyboard.press('Tab');
	await expect(helpLink).toBeFocused();
	await page.keyboard.press('Enter');
	await expect(page).toHaveURL(/\/help$/);
	await expect(page.getByRole('heading', { name: 'Help', level: 1 })).toBeVisible();
	await expect(helpLink).toHaveAttribute('aria-current', 'page');
	await expect(page.getByTestId('help-empty-shelf')).toBeVisible();
	await expect(page.getByTestId('try-it-empty')).toBeVisible();

	// Each section by its link in the table of contents.
	const toc = page.getByRole('navigation', { name: 'Help sections' }).getByRole('link');
	await expect(toc).toHaveCount(SECTIONS.length);
	for (const [index, id] of SECTIONS.entries()) {
		await toc.nth(index).click();
		await expect(page).toHaveURL(new RegExp(`/help#${id}$`));
		await expect(page.locator(`#${id} h2`)).toBeInViewport();
	}
	// The CORS lines are written for this app's own address.
	await expect(page.getByTestId('help-cors-yaml')).toContainText(`Access-Control-Allow-Origin: ["${new URL(page.url()).origin}"]`);
	await expectNoSeriousAxeViolations(page, 'Help, empty shelf');

	// Offline after the first visit, Help still opens, deep link included.
	await waitForServiceWorker(page);
	await context.setOffline(true);
	await page.goto('/help#storage');
	await expect(page.getByRole('heading', { name: 'Storage', level: 2 })).toBeInViewport();
	await expect(page.getByTestId('help-persisted')).toBeVisible(); // the worker answered, offline
	await expect(page.getByRole('heading', { name: 'Label selectors', level: 2 })).toBeVisible();
});

test("every documented selector example matches in Help exactly what the Models list shows; a bad one shows the parser's message", async ({ page }) => {
	test.setTimeout(90_000);
	await openApp(page);
	await seedLabelled(page);

	// The "?" beside the selector box lands on Help's selector section.
	await page.getByRole('link', { name: 'Help: label selectors' }).click();
	await expect(page).toHaveURL(/\/help#selectors$/);
	await expect(page.getByRole('heading', { name: 'Label selectors', level: 2 })).toBeInViewport();
	await expect(page.getByTestId('help-live-alias')).toContainText('churn@champion points at churn:v1');
	await expect(page.getByTestId('help-live-tag')).toContainText('fraud:latest both mean fraud:v2');

	const examples = await page.getByTestId('selector-example-text').allTextContents();
	expect(examples.length).toBeGreaterThanOrEqual(10);
	const seen: Record<string, string[]> = {};
	for (const example of examples) {
		await tryBox(page).fill(example);
		await expect(page.getByTestId('try-it-count')).toBeVisible();
		seen[example] = await matchesInHelp(page).allTextContents();
		// A selector that matched nothing or everything would prove little about the operator.
		expect(seen[example]!.length, example).toBeGreaterThan(0);
		expect(seen[example]!.length, example).toBeLessThan(4);
	}
	for (const example of examples) {
		await page.goto(`/?selector=${encodeURIComponent(example)}`);
		await expect(versionRows(page).getByRole('link')).toHaveText(seen[example]!);
	}
	expect(seen['team notin (risk)']).toEqual(['fraud:v2', 'fraud:v1', 'churn:v2']);

	// A selector the parser refuses: its own message, with the place it goes wrong, and no matches.
	await page.goto('/help#selectors');
	await tryBox(page).fill('stage=production,');
	const message = (() => {
		try {
			parseSelector('stage=production,');
		} catch (error) {
			return (error as Error).message;
		}
	})()!;
	await expect(page.getByTestId('try-it-error').locator('p.error')).toHaveText(message);
	await expect(tryBox(page)).toHaveAttribute('aria-invalid', 'true');
	await expect(page.getByRole('list', { name: 'Matching versions' })).toHaveCount(0);
	await expectNoSeriousAxeViolations(page, 'Help, with versions and an invalid selector');
	await tryBox(page).fill('stage=production');
	await expect(matchesInHelp(page)).toHaveText(['fraud:v1', 'churn:v1']);
	await expectNoSeriousAxeViolations(page, 'Help, with matches');
	await page.emulateMedia({ colorScheme: 'dark' });
	await expectNoSeriousAxeViolations(page, 'Help, with matches (dark)');
});

/** Each page that uses a part of Help links to it; following the link lands on that part's heading. */
const PAGE_LINKS: Array<{ path: string; link: string; section: string }> = [
	{ path: '/', link: 'Help: label selectors', section: 'selectors' },
	{ path: '/', link: 'Help: metrics', section: 'metrics' },
	{ path: '/models/churn', link: 'Help: metrics', section: 'metrics' },
	{ path: '/models/churn/v1', link: 'Help: tags', section: 'tags' },
	{ path: '/models/churn/v1', link: 'What aliases are, and how they differ from latest', section: 'latest-and-aliases' },
	{ path: '/models/churn/v1', link: 'Help: exporting to BentoML', section: 'bentoml' },
	{ path: '/save', link: 'Help: tags', section: 'tags' },
	{ path: '/storage', link: 'Help: storage and the trash', section: 'storage' },
	{ path: '/storage', link: 'Help: label selectors', section: 'selectors' },
	{ path: '/remote', link: 'What the registry must allow (CORS), and how sharing works', section: 'registry' }
];

test('every page links to the part of Help it uses, and the link lands on that part', async ({ page }) => {
	test.setTimeout(90_000);
	await openApp(page);
	await seedLabelled(page);
	for (const { path, link, section } of PAGE_LINKS) {
		await page.goto(path);
		await page.getByRole('link', { name: link, exact: true }).click();
		await expect(page, `${path} → ${link}`).toHaveURL(new RegExp(`/help#${section}$`));
		await expect(page.locator(`#${section} h2`), `${path} → ${link}`).toBeInViewport();
	}

	// The Imports panel, once something was imported, links to Help's BentoML part.
	await page.goto('/');
	await importThroughPicker(page, [bundlePaths[0]!]);
	await page.getByRole('region', { name: 'Imports' }).getByRole('link', { name: 'Help: importing from BentoML' }).click();
	await expect(page).toHaveURL(/\/help#bentoml$/);
	await expect(page.locator('#bentoml h2')).toBeInViewport();
});
