// The Remote page and the version page's push (issue 9), through the UI against a real registry
// (CNCF Distribution, tests/e2e/registry-harness.ts): set up, push, browse, pull, and the failures.
import { createHash } from 'node:crypto';
import { createServer } from 'node:net';
import { expect, test, type Page } from '@playwright/test';
import { startRegistry } from '../../scripts/registry.mjs';
import { startFaultProxy } from './fault-proxy.ts';
import { appOrigin, useRegistry } from './registry-harness.ts';
import { save } from './shelf-page.ts';
import { expectNoSeriousAxeViolations, openApp, waitForServiceWorker } from './ui-helpers.ts';

const registry = useRegistry();
const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';

/** Fills the Remote page's form and saves it; the page then checks the registry. */
async function setUpRemote(page: Page, url: string, namespace: string) {
	await page.getByLabel('Registry address').fill(url);
	await page.getByLabel('Namespace').fill(namespace);
	await page.getByRole('button', { name: 'Save and connect' }).click();
}

/** A port nothing listens on right now (bound, then closed). */
function closedPort(): Promise<number> {
	return new Promise((resolve, reject) => {
		const server = createServer();
		server.once('error', reject);
		server.listen(0, '127.0.0.1', () => {
			const { port } = server.address() as { port: number };
			server.close(() => resolve(port));
		});
	});
}

test('push a version from its page, then pull it in a fresh browser from the Remote page', async ({ page, browser }) => {
	test.setTimeout(120_000);
	await openApp(page);
	await save(page, {
		name: 'iris',
		version: 'v1',
		labels: { stage: 'production', team: 'risk' },
		files: [
			{ path: 'model.pkl', size: 3 << 20, seed: 7 },
			{ path: 'config/params.json', text: '{"depth": 3}' }
		]
	});

	// Set up the remote from the navigation; credentials are not remembered unless asked.
	await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Remote' }).click();
	await expect(page.getByRole('heading', { level: 1, name: 'Remote registry' })).toBeVisible();
	await expect(page.getByLabel('Remember the credentials on this device')).not.toBeChecked();
	await expect(page.getByText('forgotten when the app closes')).toBeVisible();
	await setUpRemote(page, registry().url, 'shelf-e2e');
	const host = registry().url.replace('http://', '');
	await expect(page.getByTestId('remote-status')).toContainText(`Connected to ${host} anonymously`);
	await expect(page.getByTestId('remote-models')).toContainText('No models under this namespace yet');

	// Push from the version page: progress, then the digest and the bytes sent.
	await page.goto('/models/iris/v1');
	await expect(page.getByTestId('remote-copies-empty')).toBeVisible();
	await page.getByRole('button', { name: 'Push to registry' }).click();
	const result = page.getByTestId('push-result');
	await expect(result).toHaveAttribute('data-status', 'pushed', { timeout: 30_000 });
	await expect(result).toContainText(/3\.\d\d MiB uploaded, 0 B already on the registry/);
	const digest = (await page.getByTestId('push-digest').textContent())!;
	expect(digest).toMatch(/^sha256:[0-9a-f]{64}$/);
	await expect(result).toContainText(`shelf-e2e/iris:v1@${digest}`);
	await expect(page.getByRole('button', { name: `Copy digest ${digest}` }).first()).toBeVisible();
	await expect(page.getByRole('table', { name: 'Copies on registries' })).toContainText(digest);
	await expect(page.getByRole('table', { name: 'Copies on registries' })).toContainText('shelf-e2e/iris:v1');

	// The registry really holds that manifest under that digest.
	const manifest = await fetch(`${registry().url}/v2/shelf-e2e/iris/manifests/v1`, { headers: { accept: OCI_MANIFEST } });
	expect(manifest.status).toBe(200);
	expect(`sha256:${createHash('sha256').update(Buffer.from(await manifest.arrayBuffer())).digest('hex')}`).toBe(digest);

	// Pushing again sends nothing.
	await page.getByRole('button', { name: 'Push to registry' }).click();
	await expect(result).toHaveAttribute('data-status', 'unchanged');
	await expect(result).toContainText(/0 B uploaded, 3\.\d\d MiB already on the registry/);

	// A fresh browser (empty shelf, no settings): browse the registry and pull.
	const context = await browser.newContext({ baseURL: appOrigin() });
	try {
		const other = await context.newPage();
		await openApp(other, '/remote');
		await setUpRemote(other, registry().url, 'shelf-e2e');
		await expect(other.getByTestId('remote-status')).toContainText('Connected');
		await other.getByRole('list', { name: 'Models' }).getByRole('button', { name: 'iris' }).click();
		await other.getByRole('list', { name: 'Versions of iris' }).getByRole('button', { name: 'v1' }).click();
		const details = other.getByTestId('remote-version');
		await expect(details.getByTestId('remote-digest')).toHaveText(digest);
		await expect(details).toContainText('stage=production');
		await expect(details.getByRole('table')).toContainText('config/params.json');
		await expect(details.getByRole('button', { name: `Copy digest ${digest}` })).toBeVisible();
		await expectNoSeriousAxeViolations(other, 'the Remote page with a version inspected');

		await details.getByRole('button', { name: 'Pull iris:v1' }).click();
		const outcome = other.getByTestId('pull-outcome');
		await expect(outcome).toHaveAttribute('data-status', 'created', { timeout: 30_000 });
		await expect(outcome).toContainText(/3\.\d\d MiB downloaded, 0 B already held here/);

		// Pulling by digest now finds it on the shelf and downloads nothing.
		await other.getByLabel('Pull by reference').fill(`iris@${digest}`);
		await other.getByTestId('pull-panel').getByRole('button', { name: 'Pull', exact: true }).click();
		await expect(outcome).toHaveAttribute('data-status', 'unchanged');
		await expect(outcome).toContainText('0 B downloaded');

		await outcome.getByRole('link', { name: 'iris:v1' }).click();
		await expect(other.getByTestId('version-tag')).toHaveText('iris:v1');
		await expect(other.getByRole('table', { name: 'Files' })).toContainText('model.pkl');
		await expect(other.getByRole('table', { name: 'Copies on registries' })).toContainText(digest);
		await expect(other.getByRole('table', { name: 'Copies on registries' })).toContainText('pulled');
	} finally {
		await context.close();
	}
});

test('a registry address where nothing listens says the registry cannot be reached', async ({ page }) => {
	const port = await closedPort();
	await openApp(page, '/remote');
	await setUpRemote(page, `http://127.0.0.1:${port}`, 'shelf-e2e');
	const error = page.getByTestId('remote-status').getByTestId('remote-error');
	await expect(error).toHaveAttribute('data-code', 'REMOTE_UNREACHABLE');
	await expect(error).toContainText('Registry not reachable');
	await expect(error).toContainText(`127.0.0.1:${port} cannot be reached`);
	await expect(page.getByRole('button', { name: 'Try again' })).toBeVisible();
	await expect(page.getByTestId('pull-panel').getByRole('button', { name: 'Pull', exact: true })).toBeDisabled();
	await expectNoSeriousAxeViolations(page, 'the Remote page with an unreachable registry');

	// A bad address is refused before anything is saved.
	await setUpRemote(page, 'ftp://example.com', 'shelf-e2e');
	await expect(page.getByRole('form').getByTestId('remote-error')).toHaveAttribute('data-code', 'INVALID_REMOTE');
	await expect(page.getByLabel('Registry address')).toHaveAttribute('aria-invalid', 'true');
});

test('a registry that does not allow this app (CORS) says what to configure', async ({ page }) => {
	const elsewhere = await startRegistry({ origin: 'https://another-app.example' });
	try {
		await openApp(page, '/remote');
		await setUpRemote(page, elsewhere.url, 'shelf-e2e');
		const error = page.getByTestId('remote-status').getByTestId('remote-error');
		await expect(error).toHaveAttribute('data-code', 'REMOTE_CORS');
		await expect(error).toContainText('does not allow this app');
		await error.getByText('What to configure on the registry').click();
		await expect(error.locator('pre')).toContainText(`Access-Control-Allow-Origin: ["${appOrigin()}"]`);
		// The message and the disclosure point at README's section, and name what other registries need.
		await expect(error).toContainText('README, "Sharing through a registry: registry configuration"');
		await expect(error).toContainText(`http.allowOrigin: "${appOrigin()}"`);
		await expect(error).toContainText('Harbor, Docker Hub, GHCR, ECR, Quay: no documented CORS setting; put a proxy in front.');
		await expect(error).toContainText('README, “Sharing through a registry: registry configuration”');
		await expectNoSeriousAxeViolations(page, 'the Remote page with a CORS failure');
	} finally {
		await elsewhere.close();
	}
});

test('offline, the Remote page says so and turns remote actions off; the shelf keeps working', async ({ page, context }) => {
	await openApp(page);
	await save(page, { name: 'offline_model', version: 'v1', files: [{ path: 'w.bin', text: 'weights' }] });
	await waitForServiceWorker(page);
	await page.goto('/remote');
	await setUpRemote(page, registry().url, 'shelf-offline');
	await expect(page.getByTestId('remote-status')).toContainText('Connected');

	await context.setOffline(true);
	await expect(page.getByTestId('remote-offline')).toContainText('You are offline');
	await expect(page.getByTestId('remote-status')).toHaveAttribute('data-state', 'offline');
	await expect(page.getByTestId('remote-models')).toHaveCount(0);
	await page.getByLabel('Pull by reference').fill('offline_model:v1');
	await expect(page.getByTestId('pull-panel').getByRole('button', { name: 'Pull', exact: true })).toBeDisabled();
	await expectNoSeriousAxeViolations(page, 'the Remote page offline');

	// The version page still shows the version; only the push is off, with the reason.
	await page.goto('/models/offline_model/v1');
	await expect(page.getByTestId('version-tag')).toHaveText('offline_model:v1');
	const push = page.getByRole('button', { name: 'Push to registry' });
	await expect(push).toBeDisabled();
	await expect(push).toHaveAccessibleDescription('Offline: pushing needs the network.');

	// Back online, the Remote page checks the registry again by itself (the app asks again every few
	// seconds while offline: some browsers fire no `online` event after an offline reload).
	await page.goto('/remote');
	await context.setOffline(false);
	await expect(page.getByTestId('remote-status')).toContainText('Connected', { timeout: 15_000 });
	await expect(page.getByTestId('remote-offline')).toHaveCount(0);
});

test('offline is learned from a request that failed, not from the browser saying so, and clears when one succeeds (issue 13)', async ({ page, context }) => {
	// The browser's hints never reach the app: what it shows comes from real requests alone.
	await context.addInitScript(() => {
		for (const type of ['online', 'offline']) addEventListener(type, (event) => event.stopImmediatePropagation(), { capture: true });
	});
	await openApp(page);
	await page.goto('/remote');
	await setUpRemote(page, registry().url, 'shelf-offline-learned');
	await expect(page.getByTestId('remote-status')).toContainText('Connected');

	await context.setOffline(true);
	await expect(page.getByTestId('sw-status').getByText('Offline')).toHaveCount(0);
	await page.getByLabel('Pull by reference').fill('anything:v1');
	await page.getByTestId('pull-panel').getByRole('button', { name: 'Pull', exact: true }).click();
	// The pull's request failed and the app's own origin did not answer either: offline, not "registry down".
	await expect(page.getByTestId('remote-offline')).toContainText('You are offline');
	await expect(page.getByTestId('sw-status').getByText('Offline')).toBeVisible();
	await expect(page.getByTestId('pull-panel').getByRole('button', { name: 'Pull', exact: true })).toBeDisabled();

	await context.setOffline(false);
	await expect(page.getByTestId('remote-status')).toContainText('Connected', { timeout: 15_000 });
	await expect(page.getByTestId('remote-offline')).toHaveCount(0);
	await expect(page.getByTestId('sw-status').getByText('Offline')).toHaveCount(0);
});

test('without a registry, the version page explains why it cannot push', async ({ page }) => {
	await openApp(page);
	await save(page, { name: 'lonely', version: 'v1', files: [{ path: 'w.bin', text: 'w' }] });
	await page.goto('/models/lonely/v1');
	const push = page.getByRole('button', { name: 'Push to registry' });
	await expect(push).toBeDisabled();
	await expect(push).toHaveAccessibleDescription(/No registry set up/);
	await page.getByRole('link', { name: 'set one up on the Remote page' }).click();
	await expect(page.getByRole('heading', { level: 1, name: 'Remote registry' })).toBeVisible();
});

test('a push and a pull can be cancelled; pushing again finishes the push', async ({ page, browser }) => {
	test.setTimeout(120_000);
	// The weights' transfer is held by our fault proxy until the cancel, so the cancel always lands mid-transfer
	// (on a quiet machine the whole 96 MiB went through before the page showed its file bar; a fresh clone saw it).
	const proxy = await startFaultProxy(registry(), appOrigin());
	try {
		await openApp(page);
		await save(page, { name: 'big_model', version: 'v1', files: [{ path: 'weights.bin', size: 96 << 20, seed: 3 }] });
		await page.goto('/remote');
		await setUpRemote(page, proxy.url, 'shelf-cancel');
		await expect(page.getByTestId('remote-status')).toContainText('Connected');

		// Large blobs go up in PATCH chunks, the config and model.yaml in one PUT each: the weights' second chunk is
		// held, after the first has shown the file's bar (fetch reports an upload's progress only as chunks finish).
		proxy.add({ method: 'PATCH', path: /\/blobs\/uploads\//, fault: { kind: 'stall' }, after: 1 });
		await page.goto('/models/big_model/v1');
		await page.getByRole('button', { name: 'Push to registry' }).click();
		await expect(page.getByTestId('push-progress')).toBeVisible();
		await expect(page.getByRole('progressbar', { name: 'Push of big_model:v1, all files' })).toBeVisible();
		await proxy.held(1);
		// The file being sent has its own bar: the ModelPack config and model.yaml go first (the page's default format), then the one file.
		await expect(page.getByTestId('push-progress')).toContainText('File 3 of 3: weights.bin');
		await expect(page.getByRole('progressbar', { name: 'Push of weights.bin' })).toBeVisible();
		await page.getByRole('button', { name: 'Cancel push' }).click();
		await expect(page.getByRole('status').filter({ hasText: 'Push of big_model:v1 cancelled.' })).toBeVisible();
		await expect(page.getByTestId('push-panel')).toHaveCount(0);
		proxy.clear();
		await page.getByRole('button', { name: 'Push to registry' }).click();
		await expect(page.getByTestId('push-result')).toHaveAttribute('data-status', 'pushed', { timeout: 60_000 });

		const context = await browser.newContext({ baseURL: appOrigin() });
		try {
			const other = await context.newPage();
			await openApp(other, '/remote');
			await setUpRemote(other, proxy.url, 'shelf-cancel');
			await expect(other.getByTestId('remote-status')).toContainText('Connected');
			// The weights' download stops after its first MiB (the config and model.yaml are smaller, and pass).
			proxy.add({ method: 'GET', path: /\/blobs\/sha256:/, fault: { kind: 'stall', afterBytes: 1 << 20 }, times: 99 });
			await other.getByLabel('Pull by reference').fill('big_model:v1');
			await other.getByTestId('pull-panel').getByRole('button', { name: 'Pull', exact: true }).click();
			await expect(other.getByTestId('pull-progress')).toBeVisible();
			await proxy.held(2);
			await other.getByRole('button', { name: 'Cancel pull' }).click();
			await expect(other.getByTestId('pull-panel')).toContainText('Pull of big_model:v1 cancelled; nothing was stored.');
			await other.goto('/models/big_model/v1');
			await expect(other.getByRole('alert')).toBeVisible();
		} finally {
			await context.close();
		}
	} finally {
		await proxy.close();
	}
});

test('labels and file names from the registry render as text on the Remote page', async ({ page }) => {
	const IMG = '<img src=x onerror="window.__pwned = 1">';
	await openApp(page);
	await save(page, { name: 'hostile', version: 'v1', labels: { note: IMG }, files: [{ path: `${IMG}.bin`, text: 'a' }] });
	await page.goto('/remote');
	await setUpRemote(page, registry().url, 'shelf-xss');
	await expect(page.getByTestId('remote-status')).toContainText('Connected');
	await page.goto('/models/hostile/v1');
	await page.getByRole('button', { name: 'Push to registry' }).click();
	// Generous: under a full parallel run a push of even a few bytes has waited several seconds for the CPU.
	await expect(page.getByTestId('push-result')).toBeVisible({ timeout: 30_000 });
	await page.goto('/remote');
	await page.getByRole('list', { name: 'Models' }).getByRole('button', { name: 'hostile' }).click();
	await page.getByRole('list', { name: 'Versions of hostile' }).getByRole('button', { name: 'v1' }).click();
	await expect(page.getByTestId('remote-version').getByRole('table')).toContainText(`${IMG}.bin`);
	await expect(page.getByTestId('remote-version')).toContainText(`note=${IMG}`);
	expect(await page.locator('main img, main script').count()).toBe(0);
	expect(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned)).toBeUndefined();
});

test('an alias travels: pushed as a registry tag from the version page, pulled back as an alias in a fresh browser (issue 16)', async ({ page, browser }) => {
	test.setTimeout(120_000);
	await openApp(page);
	await save(page, { name: 'churn', version: 'v1', creationTime: '2025-01-01T00:00:00+00:00', files: [{ path: 'w.bin', text: 'one' }] });
	await save(page, { name: 'churn', version: 'v2', creationTime: '2025-02-01T00:00:00+00:00', files: [{ path: 'w.bin', text: 'two' }] });
	await page.evaluate(() => window.modelShelf!.api.setAlias({ name: 'churn', alias: 'champion', version: 'v2' }));
	await page.goto('/remote');
	await setUpRemote(page, registry().url, 'alias-e2e');
	await expect(page.getByTestId('remote-status')).toContainText('Connected');

	await page.goto('/models/churn/v2');
	await expect(page.getByLabel("Also point the registry's champion tag at it")).toBeChecked();
	await page.getByRole('button', { name: 'Push to registry' }).click();
	await expect(page.getByTestId('push-result')).toHaveAttribute('data-status', 'pushed', { timeout: 30_000 });
	await expect(page.getByTestId('push-aliases')).toHaveText('Alias tags now pointing at it: alias-e2e/churn:champion');
	const digest = (await page.getByTestId('push-digest').textContent())!;
	const tagged = await fetch(`${registry().url}/v2/alias-e2e/churn/manifests/champion`, { method: 'HEAD', headers: { accept: OCI_MANIFEST } });
	expect(tagged.headers.get('docker-content-digest')).toBe(digest);

	const context = await browser.newContext({ baseURL: appOrigin() });
	try {
		const other = await context.newPage();
		await openApp(other, '/remote');
		await setUpRemote(other, registry().url, 'alias-e2e');
		await expect(other.getByTestId('remote-status')).toContainText('Connected');
		await other.getByLabel('Pull by reference').fill('churn:champion');
		await other.getByTestId('pull-panel').getByRole('button', { name: 'Pull', exact: true }).click();
		const outcome = other.getByTestId('pull-outcome');
		await expect(outcome).toHaveAttribute('data-status', 'created', { timeout: 30_000 });
		await expect(outcome.getByRole('link', { name: 'churn:v2' })).toBeVisible();
		await expect(other.getByTestId('pull-alias')).toContainText('churn@champion now points at v2');
		await other.goto('/models/churn/@champion');
		await expect(other.getByTestId('version-tag')).toHaveText('churn:v2');
		await expect(other).toHaveURL(/\/models\/churn\/v2$/);
	} finally {
		await context.close();
	}
});

test('a selection on the Models list is pushed version by version (issue 16)', async ({ page }) => {
	test.setTimeout(120_000);
	await openApp(page);
	for (const version of ['v1', 'v2', 'v3']) {
		await save(page, { name: 'fleet', version, creationTime: `2025-0${version.slice(1)}-01T00:00:00+00:00`, files: [{ path: 'w.bin', text: `weights ${version}` }] });
	}
	await page.goto('/remote');
	await setUpRemote(page, registry().url, 'bulk-e2e');
	await expect(page.getByTestId('remote-status')).toContainText('Connected');
	await page.goto('/');
	await page.getByRole('checkbox', { name: 'Select all shown versions' }).check();
	await expect(page.getByTestId('selected-count')).toHaveText('3 selected');
	await page.getByRole('button', { name: 'Push', exact: true }).click();
	await expect(page.getByText('Pushed 3 versions to')).toBeVisible({ timeout: 30_000 });
	for (const version of ['v1', 'v2', 'v3']) {
		const manifest = await fetch(`${registry().url}/v2/bulk-e2e/fleet/manifests/${version}`, { method: 'HEAD', headers: { accept: OCI_MANIFEST } });
		expect(manifest.status, version).toBe(200);
	}
});
