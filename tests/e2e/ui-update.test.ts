// Issue 22: the service worker's update prompt. A profile that has the first build sees the second one served
// at the same origin: "A new version … Reload to update", and reloading runs the new build, offline too, with
// the catalogue intact. The second build is a real `vite build` of the same sources with another label.
import { execFileSync } from 'node:child_process';
import type { Server } from 'node:http';
import { expect, test, type Page } from '@playwright/test';
import { buildDir } from '../../scripts/build-dir.mjs';
import { serveStatic } from '../../scripts/serve.mjs';
import { save } from './shelf-page.ts';

test.setTimeout(300_000);

const NEXT_LABEL = 'update-test-next';

/** Resolves once a service worker controls the page (it then opens offline). */
async function controlled(page: Page) {
	await page.waitForFunction(async () => {
		await navigator.serviceWorker.ready;
		return navigator.serviceWorker.controller !== null;
	});
}

function close(server: Server) {
	server.closeAllConnections();
	return new Promise((resolve) => server.close(resolve));
}

test('a profile with the first build is offered the second, and reloading runs it with the catalogue intact, offline too', async ({ page, context }, testInfo) => {
	const nextBuild = testInfo.outputPath('next-build');
	execFileSync('npx', ['svelte-kit', 'sync'], { stdio: 'inherit' });
	execFileSync('npx', ['vite', 'build', '--logLevel', 'warn'], { stdio: 'inherit', env: { ...process.env, SHELF_BUILD_DIR: nextBuild, SHELF_BUILD_LABEL: NEXT_LABEL } });

	// The first build on a port of its own, so this origin's profile starts empty.
	let served = await serveStatic({ root: buildDir, port: 0 });
	const port = Number(new URL(served.url).port);
	try {
		await page.goto(`${served.url}/`);
		await controlled(page);
		await page.waitForFunction(() => window.modelShelf !== undefined);
		const firstLabel = await page.getByTestId('build').textContent();
		expect(firstLabel).not.toContain(NEXT_LABEL);
		await save(page, { name: 'kept-across-update', version: 'v1', files: [{ path: 'w.bin', text: 'the same bytes after the update' }] });
		await expect(page.getByRole('alert').filter({ hasText: 'A new version' })).toHaveCount(0);

		// The second build replaces the first at the same origin, as a deploy does.
		await close(served.server);
		served = await serveStatic({ root: nextBuild, port });
		await page.reload();
		const prompt = page.getByRole('alert').filter({ hasText: 'A new version of Model Shelf is available' });
		await expect(prompt).toBeVisible({ timeout: 60_000 });
		// Until the user accepts, the page keeps running the build it started with.
		await expect(page.getByTestId('build')).toHaveText(firstLabel!);

		await prompt.getByRole('button', { name: 'Reload to update' }).click();
		await expect(page.getByTestId('build')).toHaveText(`Model Shelf ${NEXT_LABEL}`, { timeout: 30_000 });
		await expect(page.getByText('kept-across-update:v1').first()).toBeVisible();
		await expect(prompt).toHaveCount(0);

		// The new build is what the precache now holds: offline, the reload runs it and reads the same bytes.
		await controlled(page);
		await context.setOffline(true);
		await page.reload();
		await expect(page.getByTestId('build')).toHaveText(`Model Shelf ${NEXT_LABEL}`);
		const text = await page.evaluate(async () => {
			const version = await window.modelShelf!.api.get({ tag: 'kept-across-update' });
			return (await window.modelShelf!.api.readFile({ tag: version.tag, path: 'w.bin' })).text();
		});
		expect(text).toBe('the same bytes after the update');
	} finally {
		await context.setOffline(false);
		await close(served.server);
	}
});
