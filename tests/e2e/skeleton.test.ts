import { createHash } from 'node:crypto';
import { chromium, expect, test, type Page } from '@playwright/test';

async function waitForServiceWorker(page: Page) {
	await page.waitForFunction(async () => {
		await navigator.serviceWorker.ready;
		return navigator.serviceWorker.controller !== null;
	});
}

test('after the first visit the app reloads, deep-links and uses its worker with the network off', async ({
	page,
	context
}) => {
	await page.goto('/');
	await waitForServiceWorker(page);
	await context.setOffline(true);

	await page.reload();
	await expect(page.getByRole('heading', { name: 'Models', level: 1 })).toBeVisible();
	await expect(page.getByRole('status')).toHaveText('Offline');
	// The worker chunk, its hash worker and the WASM hasher all come from the precache.
	await page.waitForFunction(() => window.modelShelf !== undefined);
	const saved = await page.evaluate(() =>
		window.modelShelf!.api.save({ name: 'offline-model', version: 'v1', files: [{ path: 'w.bin', data: new Blob(['offline bytes']) }] })
	);
	expect(saved.record.files[0]!.sha256).toBe(createHash('sha256').update('offline bytes').digest('hex'));
	await page.reload();
	await expect(page.getByText('offline-model:v1').first()).toBeVisible();

	// A deep link into a dynamic route, with a query string, straight from the precache.
	await page.goto('/models/offline-model/v1?from=bookmark&utm_source=mail');
	await expect(page.getByRole('heading', { level: 1 })).toContainText('offline-model');
	await page.reload();
	await expect(page.getByRole('heading', { level: 1 })).toContainText('offline-model');
	await page.goto('/storage?panel=usage');
	await expect(page.getByRole('heading', { name: 'Storage', level: 1 })).toBeVisible();
});

test('Chromium finds the app installable', async ({ page }, testInfo) => {
	// Installability is never granted to incognito contexts, which Playwright's default ones are.
	const profile = testInfo.outputPath('profile');
	const context = await chromium.launchPersistentContext(profile, testInfo.project.use.launchOptions);
	try {
		const installPage = await context.newPage();
		await installPage.goto(new URL('/', testInfo.project.use.baseURL).href);
		await waitForServiceWorker(installPage);
		const cdp = await context.newCDPSession(installPage);
		const { installabilityErrors } = await cdp.send('Page.getInstallabilityErrors');
		expect(installabilityErrors).toEqual([]);
	} finally {
		await context.close();
	}
	const manifest = await (await page.request.get('/manifest.webmanifest')).json();
	expect(manifest.icons.map((icon: { sizes: string }) => icon.sizes)).toEqual(
		expect.arrayContaining(['192x192', '512x512'])
	);
});

test('the page loads without console errors', async ({ page }) => {
	const errors: string[] = [];
	page.on('console', (message) => message.type() === 'error' && errors.push(message.text()));
	page.on('pageerror', (error) => errors.push(error.message));
	await page.goto('/');
	await waitForServiceWorker(page);
	await page.reload();
	await expect(page.getByRole('heading', { name: 'Models', level: 1 })).toBeVisible();
	expect(errors).toEqual([]);
});
