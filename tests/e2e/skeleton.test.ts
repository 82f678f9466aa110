import { createHash } from 'node:crypto';
import { chromium, expect, test, type Page } from '@playwright/test';

async function waitForServiceWorker(page: Page) {
	await page.waitForFunction(async () => {
		await navigator.serviceWorker.ready;
		return navigator.serviceWorker.controller !== null;
	});
}

test('the worker stores bytes in OPFS and returns their SHA-256', async ({ page }) => {
	await page.goto('/');
	await page.getByRole('button', { name: 'Check storage' }).click();
	const expected = createHash('sha256').update('model shelf self-test').digest('hex');
	await expect(page.getByTestId('self-test-result')).toContainText(`Stored 21 bytes, SHA-256 ${expected}`);
	// The probe file is removed afterwards: OPFS holds nothing the test left behind.
	const leftovers = await page.evaluate(async () => {
		const names: string[] = [];
		for await (const name of (await navigator.storage.getDirectory()).keys()) names.push(name);
		return names;
	});
	expect(leftovers).toEqual([]);
});

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
	await page.getByRole('button', { name: 'Check storage' }).click();
	await expect(page.getByTestId('self-test-result')).toContainText('SHA-256');

	await page.goto('/storage?selector=stage%3Dproduction&q=bert');
	await expect(page.getByTestId('storage-page')).toBeVisible();
	await expect(page.getByText('?selector=stage%3Dproduction&q=bert')).toBeVisible();

	await page.reload();
	await expect(page.getByTestId('storage-page')).toBeVisible();
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
