// The registry harness itself, through a real Chromium page at the app's origin: uploads and reads
// cross-origin (so CORS and its preflights are really exercised), basic auth, and a restart that
// keeps stored blobs and a half-done upload. Facts these tests pin down: docs/registry.md.
import { expect, test, type Page } from '@playwright/test';
import { basicAuth, corruptBlob, openAppOrigin, sha256Digest, startAppRegistry, useRegistry, type Registry } from './registry-harness.ts';

const registry = useRegistry();

/** What a page learns from one fetch: status, the headers it may read, and the body as text. */
type Seen = { status: number; headers: Record<string, string>; body: string } | { error: string };

/** Runs fetch in the page (a cross-origin request to the registry) and returns what the page could see. */
function browserFetch(page: Page, url: string, init: { method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<Seen> {
	return page.evaluate(
		async ({ url, init }) => {
			try {
				const response = await fetch(url, init);
				return { status: response.status, headers: Object.fromEntries(response.headers), body: await response.text() };
			} catch (error) {
				return { error: String(error) };
			}
		},
		{ url, init }
	);
}

/** A successful response, or the test fails with what the page saw. */
function ok(seen: Seen) {
	if ('error' in seen) throw new Error(`the page's fetch failed: ${seen.error}`);
	return seen;
}

const OCTETS = { 'content-type': 'application/octet-stream' };

/** Uploads `text` from the page as POST + PATCH per chunk + PUT; returns the PUT's response. */
async function uploadInChunks(page: Page, base: string, repo: string, chunks: string[], headers: Record<string, string> = {}) {
	let location = ok(await browserFetch(page, `${base}/v2/${repo}/blobs/uploads/`, { method: 'POST', headers })).headers.location!;
	for (const chunk of chunks) {
		const patched = ok(await browserFetch(page, location, { method: 'PATCH', headers: { ...OCTETS, ...headers }, body: chunk }));
		expect(patched.status).toBe(202);
		location = patched.headers.location!;
	}
	const digest = sha256Digest(Buffer.from(chunks.join('')));
	return ok(await browserFetch(page, `${location}&digest=${encodeURIComponent(digest)}`, { method: 'PUT', headers: { ...OCTETS, ...headers } }));
}

test.beforeEach(async ({ page }) => {
	await openAppOrigin(page);
});

test('the registry answers a CORS preflight for PUT and PATCH with 200 and the app origin', async () => {
	const response = await fetch(`${registry().url}/v2/shelf/preflight/blobs/uploads/`, {
		method: 'OPTIONS',
		headers: { origin: 'http://localhost:4321', 'access-control-request-method': 'PUT', 'access-control-request-headers': 'authorization, content-type' }
	});
	expect(response.status).toBe(200);
	expect(response.headers.get('access-control-allow-origin')).toMatch(/^http:\/\/localhost:\d+$/);
	expect(response.headers.get('access-control-allow-methods')).toContain('PATCH');
	expect(response.headers.get('access-control-allow-headers')?.toLowerCase()).toContain('authorization');
	expect(response.headers.get('access-control-allow-credentials')).toBeNull();
});

test('the page uploads a blob with POST + PUT and with POST + PATCH + PUT, then reads it with HEAD and GET', async ({ page }) => {
	const base = registry().url;
	const before = (await registry().requests()).length;

	const whole = 'weights of a small model';
	const location = ok(await browserFetch(page, `${base}/v2/shelf/demo/blobs/uploads/`, { method: 'POST' })).headers.location!;
	const put = ok(await browserFetch(page, `${location}&digest=${sha256Digest(Buffer.from(whole))}`, { method: 'PUT', headers: OCTETS, body: whole }));
	expect(put.status).toBe(201);
	expect(put.headers['docker-content-digest']).toBe(sha256Digest(Buffer.from(whole)));

	const chunks = ['first chunk, ', 'second chunk, ', 'last'];
	const chunked = await uploadInChunks(page, base, 'shelf/demo', chunks);
	const digest = sha256Digest(Buffer.from(chunks.join('')));
	expect(chunked.status).toBe(201);

	const head = ok(await browserFetch(page, `${base}/v2/shelf/demo/blobs/${digest}`, { method: 'HEAD' }));
	expect(head).toMatchObject({ status: 200, headers: { 'docker-content-digest': digest, 'content-length': String(chunks.join('').length) } });
	const get = ok(await browserFetch(page, `${base}/v2/shelf/demo/blobs/${digest}`));
	expect(get).toMatchObject({ status: 200, body: chunks.join('') });

	// The PUTs and PATCHes were preceded by real preflights, which the registry answered itself.
	const seen = (await registry().requests()).slice(before).map((entry) => `${entry.method} ${entry.status}`);
	expect(seen).toContain('OPTIONS 200');
	expect(seen.filter((line) => line === 'PATCH 202')).toHaveLength(3);
	expect(seen.filter((line) => line === 'PUT 201')).toHaveLength(2);
});

test('a restart keeps stored blobs, and a half-done upload continues where it stopped', async ({ page }) => {
	const base = registry().url;
	const stored = await uploadInChunks(page, base, 'shelf/restart', ['kept across a restart']);
	expect(stored.status).toBe(201);

	let location = ok(await browserFetch(page, `${base}/v2/shelf/restart/blobs/uploads/`, { method: 'POST' })).headers.location!;
	location = ok(await browserFetch(page, location, { method: 'PATCH', headers: OCTETS, body: '0123456789' })).headers.location!;

	await registry().stop();
	expect(await browserFetch(page, `${base}/v2/`)).toHaveProperty('error');
	await registry().restart();

	const status = ok(await browserFetch(page, location));
	expect(status).toMatchObject({ status: 204, headers: { range: '0-9' } });
	const rest = ok(await browserFetch(page, location, { method: 'PATCH', headers: OCTETS, body: 'abcdef' }));
	expect(rest.headers.range).toBe('0-15');
	const done = ok(await browserFetch(page, `${rest.headers.location}&digest=${sha256Digest(Buffer.from('0123456789abcdef'))}`, { method: 'PUT', headers: OCTETS }));
	expect(done.status).toBe(201);

	const kept = ok(await browserFetch(page, `${base}/v2/shelf/restart/blobs/${stored.headers['docker-content-digest']}`));
	expect(kept.body).toBe('kept across a restart');
});

test('corruptBlob makes the registry serve other bytes under the same digest', async ({ page }) => {
	const stored = await uploadInChunks(page, registry().url, 'shelf/corrupt', ['original bytes']);
	const digest = stored.headers['docker-content-digest']!;
	corruptBlob(registry(), digest, Buffer.from('tampered bytes'));
	const served = ok(await browserFetch(page, `${registry().url}/v2/shelf/corrupt/blobs/${digest}`));
	expect(served).toMatchObject({ status: 200, body: 'tampered bytes', headers: { 'docker-content-digest': digest } });
});

test.describe('with basic auth', () => {
	const alice = { user: 'alice', password: 'correct horse' };
	let secured: Registry;
	test.beforeAll(async () => {
		secured = await startAppRegistry({ auth: alice });
	});
	test.afterAll(async () => {
		await secured.close();
	});

	test('401 carries a WWW-Authenticate the page can read; the right password works, a wrong one is 401', async ({ page }) => {
		const anonymous = ok(await browserFetch(page, `${secured.url}/v2/`));
		expect(anonymous.status).toBe(401);
		expect(anonymous.headers['www-authenticate']).toBe('Basic realm="model-shelf-test"');

		const headers = { authorization: basicAuth(alice) };
		expect(ok(await browserFetch(page, `${secured.url}/v2/`, { headers })).status).toBe(200);
		expect((await uploadInChunks(page, secured.url, 'shelf/private', ['secret weights'], headers)).status).toBe(201);
		const wrong = ok(await browserFetch(page, `${secured.url}/v2/`, { headers: { authorization: basicAuth({ ...alice, password: 'wrong' }) } }));
		expect(wrong.status).toBe(401);
	});

	test('without the preflight proxy the browser refuses every request that sends credentials', async ({ page }) => {
		// Distribution checks credentials before routing, so the preflight (never credentialed) gets 401.
		const direct = await browserFetch(page, `${secured.directUrl}/v2/`, { headers: { authorization: basicAuth(alice) } });
		expect(direct).toHaveProperty('error');
		const preflights = (await secured.requests()).filter((entry) => entry.method === 'OPTIONS').map((entry) => entry.status);
		expect(preflights).toEqual([401]);
	});
});
