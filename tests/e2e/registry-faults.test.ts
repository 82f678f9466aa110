// Issue 22, item 4: a misbehaving network between the app and a real Distribution (token auth), made by our
// fault proxy (fault-proxy.ts). Each case goes through the app's worker API in Chromium: the operation
// finishes, or fails with a specific code; nothing stored before is lost (verify and fsck clean); and the
// same operation afterwards, with the network healthy, finishes. The client's waits are made short per
// shelf (`setRemote({ network })`), so no case waits on a real timeout; no assertion is about time.
import { expect, test, type Browser, type Page } from '@playwright/test';
import { startFaultProxy, type FaultProxy, type FaultRule, type ProxiedRequest } from './fault-proxy.ts';
import { appOrigin, useRegistry } from './registry-harness.ts';
import { openShelf, save, seededBytes, shelfError } from './shelf-page.ts';
import { createHash } from 'node:crypto';

const USER = 'alice';
const PASSWORD = 'faulty network';
const MiB = 1 << 20;
const registry = useRegistry({ auth: { kind: 'token', user: USER, password: PASSWORD } });
/** Short waits: a stall is called after 2.5 s, retries come within 0.2 s, 4 attempts in all (a slow answer on a loaded machine is retried too). */
const NETWORK = { attempts: 4, baseDelayMs: 50, maxDelayMs: 200, maxRetryAfterMs: 5_000, headersTimeoutMs: 2_500, idleTimeoutMs: 2_500 };
/** The version on the registry every pull case fetches: a 3 MiB weights file and a small one. */
const WEIGHTS = { path: 'model.bin', size: 3 * MiB, seed: 22 };
const WEIGHTS_SHA = createHash('sha256').update(seededBytes(WEIGHTS.size, WEIGHTS.seed)).digest('hex');
const BLOB_GET = /^\/v2\/team\/iris\/blobs\/sha256:/;
const WEIGHTS_GET = new RegExp(`^/v2/team/iris/blobs/sha256:${WEIGHTS_SHA}$`);

let proxy: FaultProxy;

test.describe.configure({ mode: 'serial' });

test.beforeAll(async ({ browser }) => {
	proxy = await startFaultProxy(registry(), appOrigin());
	const seed = await shelfBehindProxy(browser);
	await save(seed.page, { name: 'iris', version: 'v1', files: [WEIGHTS, { path: 'README.md', text: '# iris' }] });
	expect(await seed.page.evaluate(() => window.modelShelf!.api.push({ tag: 'iris:v1' }))).toMatchObject({ status: 'pushed' });
	await seed.context.close();
});
test.afterAll(async () => {
	// The issue's closing figures: faults injected per kind in this run.
	const kinds = new Map<string, number>();
	for (const request of proxy?.requests() ?? []) if (request.fault) kinds.set(request.fault, (kinds.get(request.fault) ?? 0) + 1);
	console.log(`network faults injected: ${[...kinds].map(([kind, count]) => `${kind} ${count}`).join(', ')}`);
	await proxy?.close();
});
test.afterEach(() => proxy.clear());

/** A fresh profile whose registry is the proxy, holding one version of its own that no fault may touch. */
async function shelfBehindProxy(browser: Browser) {
	const context = await browser.newContext();
	const page = await context.newPage();
	await openShelf(page);
	await page.evaluate(({ url, user, password, network }) => window.modelShelf!.api.setRemote({ url, namespace: 'team', username: user, password, network }), {
		url: proxy.url,
		user: USER,
		password: PASSWORD,
		network: NETWORK
	});
	await save(page, { name: 'keep', version: 'v1', files: [{ path: 'keep.bin', size: 256 * 1024, seed: 7 }] });
	return { context, page };
}

/** Nothing half-written, nothing lost: verify passes, fsck finds no temp file or orphan, `keep:v1` is there. */
async function expectIntact(page: Page) {
	expect((await page.evaluate(() => window.modelShelf!.api.verify({}))).problems).toEqual([]);
	expect((await page.evaluate(() => window.modelShelf!.api.fsck())).now).toEqual({ tempFilesRemoved: 0, orphanBlobsRemoved: [], missingBlobs: [] });
	expect((await page.evaluate(() => window.modelShelf!.api.get({ tag: 'keep:v1' }))).tag).toBe('keep:v1');
}

async function pull(page: Page) {
	return page.evaluate(() => window.modelShelf!.api.pull({ reference: 'iris:v1' }));
}

/** Pulls iris:v1 under `rules`; it must finish with the weights intact. @returns the requests the proxy saw */
async function pullFinishes(browser: Browser, rules: FaultRule[]) {
	const shelf = await shelfBehindProxy(browser);
	try {
		const counters = rules.map((rule) => proxy.add(rule));
		const seenBefore = proxy.requests().length;
		expect(await pull(shelf.page)).toMatchObject({ status: 'created' });
		for (const counter of counters) expect(counter.fired, 'every rule injected its fault').toBeGreaterThan(0);
		const stored = await shelf.page.evaluate(() => window.modelShelf!.api.get({ tag: 'iris:v1' }));
		expect(stored.files.find((file: { path: string }) => file.path === WEIGHTS.path)?.sha256).toBe(WEIGHTS_SHA);
		await expectIntact(shelf.page);
		return proxy.requests().slice(seenBefore);
	} finally {
		await shelf.context.close();
	}
}

/** Pulls iris:v1 under `rules`: it must fail with `code`, store nothing, and then finish once the network is healthy. */
async function pullFailsThenFinishes(browser: Browser, rules: FaultRule[], code: string) {
	const shelf = await shelfBehindProxy(browser);
	try {
		for (const rule of rules) proxy.add(rule);
		const error = await shelfError(shelf.page, 'pull', { reference: 'iris:v1' });
		expect(error.code, error.message).toBe(code);
		expect(await shelf.page.evaluate(() => window.modelShelf!.api.list({}).then((list) => list.items.map((item) => item.tag)))).toEqual(['keep:v1']);
		await expectIntact(shelf.page);
		proxy.clear();
		expect(await pull(shelf.page)).toMatchObject({ status: 'created' });
		await expectIntact(shelf.page);
		return error;
	} finally {
		await shelf.context.close();
	}
}

const blobGets = (requests: ProxiedRequest[]) => requests.filter((request) => request.method === 'GET' && BLOB_GET.test(request.path));

test('429 with Retry-After is honoured: a short wait is retried and finishes; a wait beyond the bound fails at once as rate-limited', async ({ browser }) => {
	const seen = await pullFinishes(browser, [{ method: 'GET', path: BLOB_GET, fault: { kind: 'status', status: 429, retryAfter: '0' }, times: 2 }]);
	expect(seen.filter((request) => request.fault === 'status')).toHaveLength(2);
	// The registry asks for an hour: the client reads Retry-After (exposed by CORS) and does not wait that long.
	const error = await pullFailsThenFinishes(browser, [{ method: 'GET', path: BLOB_GET, fault: { kind: 'status', status: 429, retryAfter: '3600' }, times: 99 }], 'REMOTE_REJECTED');
	expect(error.details).toMatchObject({ status: 429, reason: 'rate-limited', retryAfter: 3600, attempts: 1 });
});

test('500, 502 and 503 are retried with backoff; a registry that keeps failing is REMOTE_UNREACHABLE server-error after every attempt', async ({ browser }) => {
	await pullFinishes(browser, [
		{ method: 'GET', path: /\/manifests\//, fault: { kind: 'status', status: 502 }, times: 2 },
		{ method: 'GET', path: BLOB_GET, fault: { kind: 'status', status: 500 } },
		{ method: 'GET', path: BLOB_GET, fault: { kind: 'status', status: 503 } }
	]);
	const error = await pullFailsThenFinishes(browser, [{ method: 'GET', path: /\/manifests\//, fault: { kind: 'status', status: 503 }, times: 99 }], 'REMOTE_UNREACHABLE');
	expect(error.details).toMatchObject({ status: 503, reason: 'server-error', attempts: NETWORK.attempts });
});

test('a connection cut mid-blob is sent again, from where the bytes that arrived end, and the blob is stored whole', async ({ browser }) => {
	const seen = await pullFinishes(browser, [{ method: 'GET', path: WEIGHTS_GET, fault: { kind: 'reset', afterBytes: MiB } }]);
	const weights = blobGets(seen).filter((request) => WEIGHTS_GET.test(request.path));
	expect(weights[0]?.fault).toBe('reset');
	// One more request: a Range for the rest, or the whole blob when Chromium dropped the bytes before the cut
	// (it does, now and then, on a reset connection; the Range resume itself is proved by the short-length test below).
	const again = weights.slice(1).map((request) => request.range);
	expect(again).toHaveLength(1);
	expect(again[0] === undefined || /^bytes=[1-9]\d*-$/.test(again[0]), `retry range ${again[0]}`).toBe(true);
	// Cut every time: the pull gives up with the connection named, and stores nothing.
	const error = await pullFailsThenFinishes(browser, [{ method: 'GET', path: WEIGHTS_GET, fault: { kind: 'reset', afterBytes: 64 * 1024 }, times: 99 }], 'REMOTE_UNREACHABLE');
	expect(error.details).toMatchObject({ reason: 'connection-lost', attempts: NETWORK.attempts });
});

test('a response that stalls times out, before its headers or mid-body, and the retry finishes', async ({ browser }) => {
	const seen = await pullFinishes(browser, [
		{ method: 'GET', path: /\/manifests\//, fault: { kind: 'stall' } },
		{ method: 'GET', path: WEIGHTS_GET, fault: { kind: 'stall', afterBytes: MiB } }
	]);
	expect(blobGets(seen).some((request) => request.range !== undefined), 'the stalled blob was resumed').toBe(true);
	const error = await pullFailsThenFinishes(browser, [{ method: 'GET', path: WEIGHTS_GET, fault: { kind: 'stall', afterBytes: 1024 }, times: 99 }], 'REMOTE_UNREACHABLE');
	expect(error.details).toMatchObject({ reason: 'timeout', attempts: NETWORK.attempts });
});

test('a wrong Content-Length is never stored short: too small, the rest is fetched again; too large, the bytes that came verify', async ({ browser }) => {
	const short = await pullFinishes(browser, [{ method: 'GET', path: WEIGHTS_GET, fault: { kind: 'length', delta: -1000 } }]);
	expect(blobGets(short).filter((request) => WEIGHTS_GET.test(request.path)).map((request) => request.range)).toEqual([undefined, `bytes=${WEIGHTS.size - 1000}-`]);
	// Declared 1000 bytes more than the blob, then the connection closes: every byte came, and the hash says they are right.
	await pullFinishes(browser, [{ method: 'GET', path: WEIGHTS_GET, fault: { kind: 'length', delta: 1000 } }]);
	await pullFailsThenFinishes(browser, [{ method: 'GET', path: WEIGHTS_GET, fault: { kind: 'length', delta: -1000 }, times: 99 }], 'REMOTE_UNREACHABLE');
});

test('a blob download redirected to another origin (the S3 pattern) is followed without the Authorization header', async ({ browser }) => {
	const before = proxy.blobOriginRequests().length;
	await pullFinishes(browser, [{ method: 'GET', path: BLOB_GET, fault: { kind: 'redirect' }, times: 99 }]);
	const sent = proxy.blobOriginRequests().slice(before);
	expect(sent.filter((request) => request.path.startsWith('/blob/')).length, 'both blobs came from the other origin').toBeGreaterThanOrEqual(2);
	for (const request of sent) {
		expect(request.headers.authorization, `${request.path} must not carry the registry's credentials`).toBeUndefined();
		expect(request.headers['access-control-request-headers'] ?? '', 'nor ask to send them').not.toMatch(/authorization/i);
	}
});

test('a bearer token that expires mid-push is renewed and the push finishes; a PATCH cut mid-upload continues', async ({ browser }) => {
	const shelf = await shelfBehindProxy(browser);
	try {
		// Larger than one PUT: sent in a PATCH session.
		await save(shelf.page, { name: 'iris', version: 'v2', files: [{ path: 'model.bin', size: 9 * MiB, seed: 23 }, { path: 'a.txt', text: 'a' }, { path: 'b.txt', text: 'b' }] });
		const tokensBefore = registry().tokenRequests().length;
		const expire = proxy.add({ method: 'PUT', path: /\/blobs\/uploads\//, fault: { kind: 'expire-token' }, after: 1 });
		const cut = proxy.add({ method: 'PATCH', path: /\/blobs\/uploads\//, fault: { kind: 'reset', afterBytes: 2 * MiB } });
		expect(await shelf.page.evaluate(() => window.modelShelf!.api.push({ tag: 'iris:v2' }))).toMatchObject({ status: 'pushed' });
		expect(expire.fired).toBe(1);
		expect(cut.fired).toBe(1);
		expect(proxy.requests().some((request) => request.fault === 'expire-token')).toBe(true);
		expect(registry().tokenRequests().slice(tokensBefore).filter((request) => request.status === 200).length, 'a new token after the old one expired').toBeGreaterThan(1);
		await expectIntact(shelf.page);
	} finally {
		await shelf.context.close();
	}
	// What was pushed is exactly what was saved: another profile pulls it and verifies every byte.
	const other = await shelfBehindProxy(browser);
	try {
		expect(await other.page.evaluate(() => window.modelShelf!.api.pull({ reference: 'iris:v2' }))).toMatchObject({ status: 'created' });
		await expectIntact(other.page);
	} finally {
		await other.context.close();
	}
});

test('an upload whose completing PUT the registry did but never answered is retried, found stored, and the push finishes', async ({ browser }) => {
	const shelf = await shelfBehindProxy(browser);
	try {
		await save(shelf.page, { name: 'iris', version: 'v3', files: [{ path: 'model.bin', size: 64 * 1024, seed: 24 }] });
		const lost = proxy.add({ method: 'PUT', path: /\/blobs\/uploads\//, fault: { kind: 'lose-answer' } });
		expect(await shelf.page.evaluate(() => window.modelShelf!.api.push({ tag: 'iris:v3' }))).toMatchObject({ status: 'pushed' });
		expect(lost.fired).toBe(1);
		await expectIntact(shelf.page);
	} finally {
		await shelf.context.close();
	}
});
