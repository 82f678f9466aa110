// A real CNCF Distribution registry for the browser tests (scripts/registry.mjs), with the app's
// origin allowed by CORS. No mock registry: facts about what it does are in docs/registry.md.
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test, type Page } from '@playwright/test';
import { startRegistry, type Credentials, type Registry, type RegistryRequest, type ResourceActions, type TokenAuth, type TokenRequest } from '../../scripts/registry.mjs';

export type { Credentials, Registry, RegistryRequest, ResourceActions, TokenAuth, TokenRequest };

/** The origin the app is served from in the tests, which every harness registry allows. */
export function appOrigin(): string {
	return `http://localhost:${process.env.SHELF_PORT ?? 4321}`;
}

/**
 * Starts a registry for the app's origin (anonymous, HTTP basic with `auth`, or bearer tokens from the
 * harness's token service with `auth.kind: 'token'`).
 * @param options `auth` the one user the registry (or its token service) accepts
 * @example
 * const registry = await startAppRegistry({ auth: { user: 'alice', password: 's3cret' } });
 * const tokened = await startAppRegistry({ auth: { kind: 'token', user: 'alice', password: 's3cret' } });
 */
export function startAppRegistry(options: { auth?: Credentials | TokenAuth } = {}): Promise<Registry> {
	return startRegistry({ origin: appOrigin(), ...options });
}

/**
 * Starts a registry before the calling file's tests and closes it (storage deleted) after them.
 * Call at the top level of a test file; the returned function gives the running registry.
 * @param options as for `startAppRegistry`
 * @example
 * const registry = useRegistry();
 * test('…', async () => { await fetch(`${registry().url}/v2/`); });
 */
export function useRegistry(options: { auth?: Credentials | TokenAuth } = {}): () => Registry {
	let registry: Registry | undefined;
	test.beforeAll(async () => {
		registry = await startAppRegistry(options);
	});
	test.afterAll(async () => {
		await registry?.close();
		registry = undefined;
	});
	return () => {
		if (!registry) throw new Error('useRegistry(): the registry runs only inside the tests of the file that called it.');
		return registry;
	};
}

/**
 * Opens a page at the app's origin that is not the app, so `page.evaluate(fetch…)` is a real
 * cross-origin request to the registry (CORS and preflights included), free of the app's own code
 * and policy, so a failure is the registry's; and not a page made
 * up with `page.route`, which Chromium places in no address space, so its requests to 127.0.0.1 are
 * refused as Local Network Access. The app's own server's 404 page for a missing file is neither.
 * @param page a fresh page
 */
export async function openAppOrigin(page: Page): Promise<void> {
	const response = await page.goto(`${appOrigin()}/__registry-harness.txt`);
	if (response?.status() !== 404 || response.headers()['content-security-policy']) {
		throw new Error('openAppOrigin: the server no longer answers a missing file with a bare 404; open another page and use bypassCSP.');
	}
}

/** The `Authorization` header value for HTTP basic credentials. */
export function basicAuth({ user, password }: Credentials): string {
	return `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
}

/** The OCI digest (`sha256:<hex>`) of some bytes. */
export function sha256Digest(bytes: Uint8Array): string {
	return `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
}

/**
 * Where the registry keeps a blob's bytes on its disk (filesystem driver layout).
 * @param registry a running or stopped registry
 * @param digest `sha256:<hex>`
 */
export function blobDataPath(registry: Pick<Registry, 'storageDir'>, digest: string): string {
	const hex = /^sha256:([0-9a-f]{64})$/.exec(digest)?.[1];
	if (!hex) throw new Error(`blobDataPath: ${digest} is not a sha256 digest.`);
	return join(registry.storageDir, 'docker/registry/v2/blobs/sha256', hex.slice(0, 2), hex, 'data');
}

/**
 * Changes a stored blob's bytes on the registry's disk, so the real registry serves wrong bytes under
 * the blob's digest (it never re-hashes what it serves). By default every byte is inverted and the
 * size kept, so only a digest check can notice; `replacement` writes other bytes (size may change).
 * @param registry the registry holding the blob
 * @param digest `sha256:<hex>` of the blob
 * @param replacement the bytes to serve instead
 */
export function corruptBlob(registry: Pick<Registry, 'storageDir'>, digest: string, replacement?: Uint8Array): void {
	const path = blobDataPath(registry, digest);
	const bytes = replacement ?? readFileSync(path).map((byte) => byte ^ 0xff);
	writeFileSync(path, bytes);
}

/** The header and claims of a JWT (a registry bearer token), unverified: for asserting what was issued and sent. */
export function decodeJwt(token: string): { header: Record<string, unknown>; claims: { sub: string; jti: string; access: ResourceActions[] } & Record<string, unknown> } {
	const [header = '', claims = ''] = token.split('.');
	const json = (part: string) => JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
	return { header: json(header), claims: json(claims) };
}
