// Issue 9: the bearer-token challenge flow against a real CNCF Distribution 2.8 with `auth.token`
// (scripts/registry.mjs): the registry verifies every token itself; only the token service is the
// harness's (a minimal implementation of the Docker token spec, on its own origin as auth.docker.io
// is). Driven through the worker API the app exposes on window. Facts: docs/registry.md, "Token auth".
import { expect, test, type Browser, type Page } from '@playwright/test';
import { decodeJwt, useRegistry, type Registry, type TokenRequest } from './registry-harness.ts';
import { openShelf, save, shelfError } from './shelf-page.ts';

const USER = 'alice';
const PASSWORD = 'correct horse battery';
const registry = useRegistry({ auth: { kind: 'token', user: USER, password: PASSWORD } });

test.describe.configure({ mode: 'serial' });

/** A fresh browser profile (its own OPFS and IndexedDB) with the app open and the registry as its remote. */
async function freshShelf(browser: Browser, credentials: { username?: string; password?: string } = {}) {
	const context = await browser.newContext();
	const page = await context.newPage();
	await openShelf(page);
	await page.evaluate(({ url, credentials }) => window.modelShelf!.api.setRemote({ url, namespace: 'team', ...credentials }), { url: registry().url, credentials });
	return { context, page };
}

/** What the token service and the registry saw from the moment this is called. */
function watch(target: Registry) {
	const tokensBefore = target.tokenRequests().length;
	const bearersBefore = target.bearerTokens().length;
	return {
		tokenRequests: (): TokenRequest[] => target.tokenRequests().slice(tokensBefore),
		bearerTokens: (): string[] => target.bearerTokens().slice(bearersBefore)
	};
}

/**
 * The actions a token request asked for on one repository, sorted. Distribution writes a challenge's
 * actions in Go map order (`push,pull` as often as `pull,push`) and the app passes the scope on as is.
 */
function askedOn(request: TokenRequest, repository: string): string[] {
	const prefix = `repository:${repository}:`;
	return request.scopes.flatMap((value) => value.split(' ')).filter((scope) => scope.startsWith(prefix)).flatMap((scope) => scope.slice(prefix.length).split(',')).sort();
}

/** The actions a token request was granted on one repository. */
function grantedOn(request: TokenRequest, repository: string): string[] {
	return request.granted.filter((entry) => entry.type === 'repository' && entry.name === repository).flatMap((entry) => entry.actions);
}

async function saveIris(page: Page) {
	await save(page, { name: 'iris', version: 'v1', labels: { stage: 'dev' }, files: [{ path: 'model.pkl', text: 'weights' }, { path: 'README.md', text: '# iris' }] });
}

test('the right password: push and pull go through bearer tokens the token service scoped to the repository', async ({ browser }) => {
	const seen = watch(registry());
	const own = await freshShelf(browser, { username: USER, password: PASSWORD });
	try {
		await saveIris(own.page);
		expect(await own.page.evaluate(() => window.modelShelf!.api.checkRemote())).toEqual({ url: registry().url, ok: true });
		expect(await own.page.evaluate(() => window.modelShelf!.api.push({ tag: 'iris:v1' }))).toMatchObject({ status: 'pushed', repository: 'team/iris', tag: 'v1' });
	} finally {
		await own.context.close();
	}

	const pushTokens = seen.tokenRequests();
	// Every token request authenticated as alice, for our service, and was granted.
	expect(pushTokens.length).toBeGreaterThan(0);
	for (const request of pushTokens) expect(request).toMatchObject({ user: USER, status: 200, service: 'model-shelf-test-registry' });
	const pushScope = pushTokens.find((request) => askedOn(request, 'team/iris').join() === 'pull,push');
	expect(pushScope, JSON.stringify(pushTokens.map((request) => request.scopes))).toBeDefined();
	expect(grantedOn(pushScope!, 'team/iris').sort()).toEqual(['pull', 'push']);

	// The registry was sent those tokens (and no others), and accepted them: the manifest is stored.
	const issued = new Set(pushTokens.map((request) => request.jti));
	const sent = seen.bearerTokens();
	expect(sent.length).toBeGreaterThan(0);
	for (const token of sent) {
		const { header, claims } = decodeJwt(token);
		expect(header).toMatchObject({ alg: 'ES256', x5c: [expect.any(String)] });
		expect(issued.has(claims.jti)).toBe(true);
		expect(claims.sub).toBe(USER);
	}
	const log = await registry().requests();
	expect(log.some((entry) => entry.method === 'PUT' && entry.path === '/v2/team/iris/manifests/v1' && entry.status === 201)).toBe(true);

	// A colleague's fresh profile pulls it; its tokens ask for pull only.
	const pullSeen = watch(registry());
	const colleague = await freshShelf(browser, { username: USER, password: PASSWORD });
	try {
		expect(await colleague.page.evaluate(() => window.modelShelf!.api.pull({ reference: 'iris:v1' }))).toMatchObject({ status: 'created' });
		const got = await colleague.page.evaluate(() => window.modelShelf!.api.get({ tag: 'iris:v1' }));
		expect(got.files.map((file: { path: string }) => file.path).sort()).toEqual(['README.md', 'model.pkl']);
	} finally {
		await colleague.context.close();
	}
	const pullTokens = pullSeen.tokenRequests();
	expect(pullTokens.some((request) => askedOn(request, 'team/iris').join() === 'pull' && grantedOn(request, 'team/iris').includes('pull'))).toBe(true);
	expect(pullTokens.every((request) => !askedOn(request, 'team/iris').includes('push'))).toBe(true);
});

test('a wrong password is REMOTE_AUTH naming the user, never the password, and no token is issued', async ({ browser }) => {
	const seen = watch(registry());
	const fresh = await freshShelf(browser, { username: USER, password: 'wrong staple' });
	try {
		await saveIris(fresh.page);
		for (const [call, arg] of [['checkRemote', {}], ['push', { tag: 'iris:v1' }], ['pull', { reference: 'iris:v1' }]] as const) {
			const error = await shelfError(fresh.page, call, arg);
			expect(error.code, call).toBe('REMOTE_AUTH');
			expect(error.message).toContain(USER);
			expect(JSON.stringify(error)).not.toContain('wrong staple');
		}
	} finally {
		await fresh.context.close();
	}
	const requests = seen.tokenRequests();
	expect(requests.length).toBeGreaterThan(0);
	for (const request of requests) expect(request).toMatchObject({ user: USER, status: 401, jti: null });
	expect(seen.bearerTokens()).toEqual([]);
});

test('anonymous, as on Docker Hub: a pull-only token, so pulling works and pushing is REMOTE_AUTH asking to sign in', async ({ browser }) => {
	const seen = watch(registry());
	const fresh = await freshShelf(browser);
	try {
		expect(await fresh.page.evaluate(() => window.modelShelf!.api.pull({ reference: 'iris:v1' }))).toMatchObject({ status: 'created' });
		await save(fresh.page, { name: 'iris', version: 'v2', files: [{ path: 'model.pkl', text: 'new weights' }] });
		const refused = await shelfError(fresh.page, 'push', { tag: 'iris:v2' });
		expect(refused.code).toBe('REMOTE_AUTH');
		expect(refused.message).toMatch(/needs a user name and password/);
	} finally {
		await fresh.context.close();
	}
	const requests = seen.tokenRequests();
	for (const request of requests) expect(request).toMatchObject({ user: null, status: 200 });
	// The push asked for pull,push and got pull only: a smaller grant is not an error at the token service…
	const pushAsk = requests.find((request) => askedOn(request, 'team/iris').join() === 'pull,push');
	expect(pushAsk).toBeDefined();
	expect(grantedOn(pushAsk!, 'team/iris')).toEqual(['pull']);
	// …the registry refuses the upload, and nothing was stored under v2.
	const log = await registry().requests();
	expect(log.some((entry) => entry.path === '/v2/team/iris/manifests/v2' && entry.method === 'PUT' && entry.status < 300)).toBe(false);
});

test('a cross-repository mount asks for both repositories, one `scope` parameter each, and mounts', async ({ browser }) => {
	// Known app bug (reported, not fixed here): registry-client.ts `#fetchToken` sends the challenge's
	// scope as one parameter, `scope=repository:team/rose:push,pull repository:team/lily:pull`; the token
	// spec asks for one parameter per space-separated entry, and a token service that follows it (as this
	// one and Distribution's contrib/token-server do) grants nothing for that value, so the mount is 401
	// and the push fails with REMOTE_AUTH. Remove this line once the client splits the scope.
	const seen = watch(registry());
	const own = await freshShelf(browser, { username: USER, password: PASSWORD });
	try {
		await save(own.page, { name: 'lily', version: 'v1', files: [{ path: 'model.pkl', text: 'shared petals' }] });
		await save(own.page, { name: 'rose', version: 'v1', files: [{ path: 'model.pkl', text: 'shared petals' }] });
		expect(await own.page.evaluate(() => window.modelShelf!.api.push({ tag: 'lily:v1' }))).toMatchObject({ status: 'pushed' });
		const rose = await own.page.evaluate(() => window.modelShelf!.api.push({ tag: 'rose:v1' }));
		expect(rose.files.find((file: { path: string }) => file.path === 'model.pkl')?.sent).toBe('mounted');
	} finally {
		await own.context.close();
	}
	const mountAsk = seen.tokenRequests().find((request) => askedOn(request, 'team/lily').includes('pull') && askedOn(request, 'team/rose').includes('push'));
	expect(mountAsk?.scopes.length).toBe(2);
});
