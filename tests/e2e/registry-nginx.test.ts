// Issue 19: README's nginx lines for an authenticated registry, run for real. Debian's nginx stands in
// front of the real CNCF Distribution (htpasswd, then bearer-token auth), configured with exactly the
// lines README shows (tests/e2e/nginx-harness.ts reads them out of README.md), and the app, on its own
// origin, pushes a version through nginx and pulls it back in a fresh browser.
import { expect, test, type Page } from '@playwright/test';
import { appOrigin, sha256Digest, startAppRegistry, type Credentials, type Registry, type TokenAuth } from './registry-harness.ts';
import { moveTokenRealm, readmeNginxLines, startNginx, type Nginx } from './nginx-harness.ts';
import { save } from './shelf-page.ts';
import { openApp } from './ui-helpers.ts';

const USER = 'alice';
const PASSWORD = 'correct horse battery';
const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
// Over one 8 MiB chunk, so the upload is a PATCH session through nginx, not a single PUT.
const WEIGHTS = 9 << 20;

/** The Remote page's form, with credentials remembered; the page then checks the registry. */
async function setUpRemote(page: Page, url: string) {
	await page.getByLabel('Registry address').fill(url);
	await page.getByLabel('Namespace').fill('team');
	await page.getByLabel('User name (optional)').fill(USER);
	await page.getByLabel('Password or token (optional)').fill(PASSWORD);
	// Remembered, so they outlive the page loads below (otherwise they live in the worker's memory only).
	await page.getByLabel('Remember the credentials on this device').check();
	await page.getByRole('button', { name: 'Save and connect' }).click();
	await expect(page.getByTestId('remote-status')).toContainText(`Connected to ${url.replace('http://', '')} as ${USER}`);
}

/** README's token-service lines proxy `location /token` (the harness's token path) to the token service. */
function tokenLocation(): string {
	const path = /location\s+=?\s*(\/\S*token\S*)\s*\{/.exec(readmeNginxLines())?.[1];
	if (!path) throw new Error("README's nginx lines have no location for the token service.");
	return path;
}

const variants: { name: string; auth: Credentials | TokenAuth }[] = [
	{ name: 'htpasswd (HTTP basic)', auth: { user: USER, password: PASSWORD } },
	{ name: 'bearer tokens from a token service', auth: { kind: 'token', user: USER, password: PASSWORD } }
];

for (const { name, auth } of variants) {
	test(`${name}: through README's nginx lines, push a version and pull it in a fresh browser`, async ({ page, browser }) => {
		test.setTimeout(120_000);
		const token = 'kind' in auth;
		let registry: Registry | undefined;
		let nginx: Nginx | undefined;
		try {
			registry = await startAppRegistry({ auth });
			const tokenService = token ? new URL(registry.tokenRealm!).origin : undefined;
			nginx = await startNginx({ registry, origin: appOrigin(), tokenService });
			// The registry's challenge names the token service behind nginx, as README tells a team to do.
			if (token) await moveTokenRealm(registry, `${nginx.url}${tokenLocation()}`);

			await openApp(page);
			await save(page, { name: 'iris', version: 'v1', labels: { stage: 'dev' }, files: [{ path: 'model.pkl', size: WEIGHTS, seed: 3 }, { path: 'README.md', text: '# iris' }] });
			await page.goto('/remote');
			await setUpRemote(page, nginx.url);
			await page.goto('/models/iris/v1');
			await page.getByRole('button', { name: 'Push to registry' }).click();
			const result = page.getByTestId('push-result');
			await expect(result).toHaveAttribute('data-status', 'pushed', { timeout: 60_000 });
			const digest = (await page.getByTestId('push-digest').textContent())!;
			await expect(result).toContainText(`team/iris:v1@${digest}`);

			// The registry holds that manifest (asked directly, past nginx, with the harness's own proxy's credentials).
			if (!token) {
				const direct = await fetch(`${registry.directUrl}/v2/team/iris/manifests/v1`, {
					headers: { accept: OCI_MANIFEST, authorization: `Basic ${Buffer.from(`${USER}:${PASSWORD}`).toString('base64')}` }
				});
				expect(direct.status).toBe(200);
				expect(sha256Digest(new Uint8Array(await direct.arrayBuffer()))).toBe(digest);
			}

			const context = await browser.newContext({ baseURL: appOrigin() });
			try {
				const other = await context.newPage();
				await openApp(other, '/remote');
				await setUpRemote(other, nginx.url);
				await other.getByLabel('Pull by reference').fill('iris:v1');
				await other.getByTestId('pull-panel').getByRole('button', { name: 'Pull', exact: true }).click();
				const outcome = other.getByTestId('pull-outcome');
				await expect(outcome).toHaveAttribute('data-status', 'created', { timeout: 60_000 });
				await expect(outcome).toContainText(/9\.\d\d MiB downloaded, 0 B already held here/);
				await outcome.getByRole('link', { name: 'iris:v1' }).click();
				await expect(other.getByRole('table', { name: 'Files' })).toContainText('model.pkl');
				await expect(other.getByRole('table', { name: 'Copies on registries' })).toContainText(digest);
			} finally {
				await context.close();
			}

			// nginx answered every preflight itself (the registry with auth would have said 401) and passed
			// the rest on: the upload's PATCHes, its PUT and the manifest.
			const seen = nginx.requests();
			const preflights = seen.filter((request) => request.method === 'OPTIONS');
			expect(preflights.length).toBeGreaterThan(0);
			expect(preflights.every((request) => request.status === 204)).toBe(true);
			expect(seen).toContainEqual(expect.objectContaining({ method: 'PATCH', status: 202 }));
			expect(seen).toContainEqual({ method: 'PUT', path: '/v2/team/iris/manifests/v1', status: 201 });
			expect(seen).toContainEqual(expect.objectContaining({ method: 'GET', path: expect.stringMatching(/^\/v2\/team\/iris\/blobs\/sha256:/), status: 200 }));
			expect((await registry.requests()).filter((request) => request.method === 'OPTIONS')).toEqual([]);
			if (token) {
				// The tokens came through nginx's token-service lines (preflight included), for the right user.
				expect(seen).toContainEqual({ method: 'OPTIONS', path: tokenLocation(), status: 204 });
				expect(seen).toContainEqual({ method: 'GET', path: tokenLocation(), status: 200 });
				expect(registry.tokenRequests().filter((request) => request.user === USER && request.status === 200).length).toBeGreaterThan(0);
			}
		} finally {
			await nginx?.close();
			await registry?.close();
		}
	});
}
