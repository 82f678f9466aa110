// Issue 24: push and pull on the IndexedDB blob store (no OPFS in the worker), through a real CNCF Distribution
// registry: a version pushed from one such profile comes back byte for byte in another. The app is opened through
// scripts/worker-gaps.mjs's proxy (a routed worker script could not reach a registry on 127.0.0.1), which the
// registry allows as the app's origin.
import { createHash } from 'node:crypto';
import { expect, test, type Browser } from '@playwright/test';
import { startRegistry, type Registry } from '../../scripts/registry.mjs';
import { NO_OPFS, serveWithoutInWorkers } from '../../scripts/worker-gaps.mjs';
import { appOrigin } from './registry-harness.ts';
import { openShelf, opfsFiles, save, seededBytes } from './shelf-page.ts';
import { storedBlobs } from './stored-blobs.ts';

const MiB = 1024 * 1024;
let proxy: { url: string; close: () => Promise<void> };
let registry: Registry;
test.beforeAll(async () => {
	proxy = await serveWithoutInWorkers(appOrigin(), NO_OPFS);
	registry = await startRegistry({ origin: proxy.url });
});
test.afterAll(async () => {
	await registry?.close();
	await proxy?.close();
});

/** A new profile whose worker has no OPFS, with the app open and the registry as its remote. */
async function shelfWithoutOpfs(browser: Browser) {
	const context = await browser.newContext({ baseURL: proxy.url });
	const page = await context.newPage();
	await openShelf(page);
	await page.evaluate((url) => window.modelShelf!.api.setRemote({ url, namespace: 'team' }), registry.url);
	return { context, page };
}

test('without OPFS: a pushed version is pulled into another profile without OPFS, byte for byte', async ({ browser }) => {
	const from = await shelfWithoutOpfs(browser);
	const to = await shelfWithoutOpfs(browser);
	try {
		expect((await to.page.evaluate(() => window.modelShelf!.api.usage())).storage.kind).toBe('indexeddb');
		await save(from.page, { name: 'fallback_model', version: 'v1', files: [{ path: 'weights.bin', size: 3 * MiB + 5, seed: 7 }, { path: 'config.json', text: '{"layers": 2}' }] });
		expect(await from.page.evaluate(() => window.modelShelf!.api.push({ tag: 'fallback_model:v1' }))).toMatchObject({ status: 'pushed' });
		expect(await to.page.evaluate(() => window.modelShelf!.api.pull({ reference: 'fallback_model:v1' }))).toMatchObject({ status: 'created' });

		const weights = createHash('sha256').update(seededBytes(3 * MiB + 5, 7)).digest('hex');
		const record = await to.page.evaluate(() => window.modelShelf!.api.get({ tag: 'fallback_model:v1' }));
		expect(record.files.find((file) => file.path === 'weights.bin')?.sha256).toBe(weights);
		expect(await storedBlobs(to.page)).toEqual(record.files.map((file) => file.sha256).sort());
		expect(await opfsFiles(to.page, '')).toEqual([]);
		expect((await to.page.evaluate(() => window.modelShelf!.api.verify({}))).problems).toEqual([]);
		expect((await to.page.evaluate(() => window.modelShelf!.api.fsck())).now).toEqual({ tempFilesRemoved: 0, orphanBlobsRemoved: [], missingBlobs: [] });
	} finally {
		await Promise.all([from.context.close(), to.context.close()]);
	}
});
