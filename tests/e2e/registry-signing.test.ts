// Issue 20 in Chromium: signing keys live in the worker's IndexedDB (a non-extractable CryptoKey that survives
// a reload), push signs in both of cosign's layouts (tag `sha256-<hex>.sig`, and a Sigstore bundle as an OCI 1.1
// referrer), and a fresh profile verifies on pull under its trust policy, against the real registry. openssl is the independent party both ways. Every tampering case is also covered in
// Node (tests/unit/signing-registry.test.ts); here the browser's own WebCrypto and IndexedDB do the work.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test, type Browser } from '@playwright/test';
import { sha256Digest, useRegistry } from './registry-harness.ts';
import { openShelf, save, shelfError } from './shelf-page.ts';
import { storedBlobs } from './stored-blobs.ts';

const registry = useRegistry();
const NAMESPACE = 'signing';
const OCI = 'application/vnd.oci.image.manifest.v1+json';
const dir = mkdtempSync(join(tmpdir(), 'e2e-signing-'));
const file = (name: string) => join(dir, name);
const openssl = (...args: string[]) => execFileSync('openssl', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
const sigTag = (digest: string) => `${digest.replace(':', '-')}.sig`;
const api = (path: string) => `${registry().directUrl}/v2/${NAMESPACE}/${path}`;

test.describe.configure({ mode: 'serial' });

async function profile(browser: Browser) {
	const context = await browser.newContext();
	const page = await context.newPage();
	await openShelf(page);
	await page.evaluate(({ url, namespace }) => window.modelShelf!.api.setRemote({ url, namespace }), { url: registry().url, namespace: NAMESPACE });
	return { context, page };
}

async function putBlob(name: string, body: Uint8Array<ArrayBuffer>): Promise<{ digest: string; size: number }> {
	const start = await fetch(api(`${name}/blobs/uploads/`), { method: 'POST' });
	const location = new URL(start.headers.get('Location')!, registry().directUrl);
	location.searchParams.set('digest', sha256Digest(body));
	expect((await fetch(location, { method: 'PUT', body })).status).toBe(201);
	return { digest: sha256Digest(body), size: body.length };
}

test('a key made in the browser signs on push; openssl verifies; a fresh profile verifies under enforce, refuses an untrusted or unsigned one', async ({ browser }) => {
	const publisher = await profile(browser);
	const consumer = await profile(browser);
	try {
		const { page } = publisher;
		const key = await page.evaluate(() => window.modelShelf!.api.createSigningKey({ name: 'release key' }));
		await page.reload();
		await page.waitForFunction(() => window.modelShelf !== undefined);
		expect(await page.evaluate(() => window.modelShelf!.api.signingKeys())).toEqual([key]);
		await save(page, { name: 'iris', version: 'v1', files: [{ path: 'weights.bin', text: 'signed weights' }] });
		await save(page, { name: 'iris', version: 'v2', files: [{ path: 'weights.bin', text: 'unsigned weights' }] });
		const pushed = await page.evaluate((keyId) => window.modelShelf!.api.push({ tag: 'iris:v1', sign: { keyId } }), key.id);
		expect(pushed.signature).toEqual({ tag: sigTag(pushed.digest), referrer: expect.stringMatching(/^sha256:[0-9a-f]{64}$/), keyName: 'release key' });
		await page.evaluate(() => window.modelShelf!.api.push({ tag: 'iris:v2' }));

		// openssl, with the PEM the app shows, verifies the payload and signature as the registry holds them.
		const manifest = await (await fetch(api(`iris/manifests/${sigTag(pushed.digest)}`), { headers: { Accept: OCI } })).json();
		const layer = manifest.layers[0];
		writeFileSync(file('payload.json'), Buffer.from(await (await fetch(api(`iris/blobs/${layer.digest}`))).arrayBuffer()));
		writeFileSync(file('sig.der'), Buffer.from(layer.annotations['dev.cosignproject.cosign/signature'], 'base64'));
		writeFileSync(file('app.pub.pem'), key.publicKeyPem);
		expect(openssl('dgst', '-sha256', '-verify', file('app.pub.pem'), '-signature', file('sig.der'), file('payload.json'))).toBe('Verified OK\n');

		// A fresh profile: enforce, nothing trusted yet → refused, nothing stored.
		const other = consumer.page;
		await other.evaluate(() => window.modelShelf!.api.setTrustPolicy({ policy: 'enforce' }));
		const untrusted = await shelfError(other, 'pull', { reference: 'iris:v1' });
		expect([untrusted.code, untrusted.details]).toMatchObject(['UNTRUSTED', { reason: 'untrusted-key', digest: pushed.digest }]);
		expect((await other.evaluate(() => window.modelShelf!.api.list())).items).toEqual([]);
		expect(await storedBlobs(other)).toEqual([]);
		// Trusting the exported PEM: it pulls as signed, and the fact is kept with the copy.
		await other.evaluate((pem) => window.modelShelf!.api.trustKey({ name: 'publisher', pem }), key.publicKeyPem);
		expect((await other.evaluate(() => window.modelShelf!.api.inspectRemote({ reference: 'iris:v1' }))).signature).toMatchObject({ status: 'signed', keyName: 'publisher' });
		expect((await other.evaluate(() => window.modelShelf!.api.pull({ reference: 'iris:v1' }))).signature).toMatchObject({ status: 'signed', keyName: 'publisher' });
		expect(await other.evaluate(() => window.modelShelf!.api.remoteCopies({ tag: 'iris:v1' }))).toEqual([expect.objectContaining({ digest: pushed.digest, signature: expect.objectContaining({ status: 'signed', keyName: 'publisher' }) })]);
		const unsigned = await shelfError(other, 'pull', { reference: 'iris:v2' });
		expect([unsigned.code, unsigned.details]).toMatchObject(['UNTRUSTED', { reason: 'unsigned' }]);
		// v1's signature put at v2's tag: a signature for another manifest.
		const moved = await fetch(api(`iris/manifests/${sigTag((await other.evaluate(() => window.modelShelf!.api.inspectRemote({ reference: 'iris:v2' }))).digest)}`), { method: 'PUT', headers: { 'Content-Type': OCI }, body: JSON.stringify(manifest) });
		expect(moved.status).toBe(201);
		const swapped = await shelfError(other, 'pull', { reference: 'iris:v2' });
		expect([swapped.code, swapped.details]).toMatchObject(['UNTRUSTED', { reason: 'wrong-digest', signedDigest: pushed.digest }]);
		// warn: pulled, with the check recorded.
		await other.evaluate(() => window.modelShelf!.api.setTrustPolicy({ policy: 'warn' }));
		expect((await other.evaluate(() => window.modelShelf!.api.pull({ reference: 'iris:v2' }))).signature).toMatchObject({ status: 'invalid' });
	} finally {
		await publisher.context.close();
		await consumer.context.close();
	}
});

test("openssl's key imported as a signing key signs in the browser; a signature openssl made in cosign layout verifies when trusted", async ({ browser }) => {
	const { context, page } = await profile(browser);
	try {
		writeFileSync(file('team.sec1.pem'), openssl('ecparam', '-genkey', '-name', 'prime256v1', '-noout'));
		const pkcs8 = openssl('pkcs8', '-topk8', '-nocrypt', '-in', file('team.sec1.pem'));
		writeFileSync(file('team.pem'), pkcs8);
		const publicPem = openssl('ec', '-in', file('team.pem'), '-pubout');
		const imported = await page.evaluate((pem) => window.modelShelf!.api.importSigningKey({ name: 'team key', pem }), pkcs8);
		expect(imported).toMatchObject({ origin: 'imported', publicKeyPem: publicPem });
		await save(page, { name: 'mnist', version: 'v1', files: [{ path: 'w.bin', text: 'imported key' }] });
		await save(page, { name: 'mnist', version: 'v2', files: [{ path: 'w.bin', text: 'openssl signs this one' }] });
		const v1 = await page.evaluate((keyId) => window.modelShelf!.api.push({ tag: 'mnist:v1', sign: { keyId } }), imported.id);
		const v2 = await page.evaluate(() => window.modelShelf!.api.push({ tag: 'mnist:v2' }));
		const layer = (await (await fetch(api(`mnist/manifests/${sigTag(v1.digest)}`), { headers: { Accept: OCI } })).json()).layers[0];
		writeFileSync(file('payload.json'), Buffer.from(await (await fetch(api(`mnist/blobs/${layer.digest}`))).arrayBuffer()));
		writeFileSync(file('sig.der'), Buffer.from(layer.annotations['dev.cosignproject.cosign/signature'], 'base64'));
		writeFileSync(file('team.pub.pem'), publicPem);
		expect(openssl('dgst', '-sha256', '-verify', file('team.pub.pem'), '-signature', file('sig.der'), file('payload.json'))).toBe('Verified OK\n');

		// openssl signs a cosign payload for v2 with a key of its own; the test pushes it in cosign's layout.
		writeFileSync(file('ossl.sec1.pem'), openssl('ecparam', '-genkey', '-name', 'prime256v1', '-noout'));
		const osslPublic = openssl('ec', '-in', file('ossl.sec1.pem'), '-pubout');
		const payload = `{"critical":{"identity":{"docker-reference":"${new URL(registry().url).host}/${NAMESPACE}/mnist"},"image":{"docker-manifest-digest":"${v2.digest}"},"type":"cosign container image signature"},"optional":null}`;
		writeFileSync(file('ossl-payload.json'), payload);
		const signature = execFileSync('openssl', ['dgst', '-sha256', '-sign', file('ossl.sec1.pem'), file('ossl-payload.json')]);
		const payloadBlob = await putBlob('mnist', new Uint8Array(Buffer.from(payload)));
		const config = await putBlob('mnist', new TextEncoder().encode(JSON.stringify({ architecture: '', os: '', rootfs: { type: 'layers', diff_ids: [payloadBlob.digest] }, config: {} })));
		const put = await fetch(api(`mnist/manifests/${sigTag(v2.digest)}`), {
			method: 'PUT',
			headers: { 'Content-Type': OCI },
			body: JSON.stringify({ schemaVersion: 2, mediaType: OCI, config: { mediaType: 'application/vnd.oci.image.config.v1+json', ...config }, layers: [{ mediaType: 'application/vnd.dev.cosign.simplesigning.v1+json', ...payloadBlob, annotations: { 'dev.cosignproject.cosign/signature': signature.toString('base64') } }] })
		});
		expect(put.status).toBe(201);

		const fresh = await profile(browser);
		try {
			const other = fresh.page;
			await other.evaluate(() => window.modelShelf!.api.setTrustPolicy({ policy: 'enforce' }));
			await other.evaluate((pem) => window.modelShelf!.api.trustKey({ name: 'team key', pem }), publicPem);
			const refused = await shelfError(other, 'pull', { reference: 'mnist:v2' });
			expect([refused.code, refused.details]).toMatchObject(['UNTRUSTED', { reason: 'untrusted-key' }]);
			const trusted = await other.evaluate((pem) => window.modelShelf!.api.trustKey({ name: 'openssl key', pem }), osslPublic);
			expect((await other.evaluate(() => window.modelShelf!.api.pull({ reference: 'mnist:v2' }))).signature).toMatchObject({ status: 'signed', keyName: 'openssl key' });
			expect((await other.evaluate(() => window.modelShelf!.api.pull({ reference: 'mnist:v1' }))).signature).toMatchObject({ status: 'signed', keyName: 'team key' });
			await other.evaluate((id) => window.modelShelf!.api.untrustKey({ id }), trusted.id);
			expect(await other.evaluate(() => window.modelShelf!.api.trustedKeys())).toEqual([expect.objectContaining({ name: 'team key' })]);
		} finally {
			await fresh.context.close();
		}
	} finally {
		await context.close();
	}
});

test('the Sigstore bundle referrer made in the browser: openssl verifies its DSSE signature, and it alone gets a version pulled under enforce', async ({ browser }) => {
	const publisher = await profile(browser);
	const consumer = await profile(browser);
	try {
		const { page } = publisher;
		const key = await page.evaluate(() => window.modelShelf!.api.createSigningKey({ name: 'bundle key' }));
		await save(page, { name: 'bert', version: 'v1', files: [{ path: 'weights.bin', text: 'bundle-signed weights' }] });
		const pushed = await page.evaluate((keyId) => window.modelShelf!.api.push({ tag: 'bert:v1', sign: { keyId } }), key.id);
		// Distribution 2.8 has no referrers API: the bundle is listed in the fallback index at sha256-<hex>.
		const index = await (await fetch(api(`bert/manifests/${pushed.digest.replace(':', '-')}`), { headers: { Accept: 'application/vnd.oci.image.index.v1+json' } })).json();
		expect(index.manifests).toEqual([expect.objectContaining({ digest: pushed.signature!.referrer, artifactType: 'application/vnd.dev.sigstore.bundle.v0.3+json' })]);
		const referrer = await (await fetch(api(`bert/manifests/${pushed.signature!.referrer}`), { headers: { Accept: OCI } })).json();
		expect(referrer.subject).toMatchObject({ digest: pushed.digest });
		const bundle = await (await fetch(api(`bert/blobs/${referrer.layers[0].digest}`))).json();
		const statement = Buffer.from(bundle.dsseEnvelope.payload, 'base64');
		const type = bundle.dsseEnvelope.payloadType as string;
		writeFileSync(file('pae.bin'), Buffer.concat([Buffer.from(`DSSEv1 ${Buffer.byteLength(type)} ${type} ${statement.length} `), statement]));
		writeFileSync(file('bundle.sig.der'), Buffer.from(bundle.dsseEnvelope.signatures[0].sig, 'base64'));
		writeFileSync(file('bundle.pub.pem'), key.publicKeyPem);
		expect(openssl('dgst', '-sha256', '-verify', file('bundle.pub.pem'), '-signature', file('bundle.sig.der'), file('pae.bin'))).toBe('Verified OK\n');
		expect(JSON.parse(statement.toString()).subject).toEqual([{ digest: { sha256: pushed.digest.slice(7) } }]);

		// cosign's tag signature deleted: the bundle alone vouches for the version.
		const head = await fetch(api(`bert/manifests/${sigTag(pushed.digest)}`), { method: 'HEAD', headers: { Accept: OCI } });
		expect((await fetch(api(`bert/manifests/${head.headers.get('Docker-Content-Digest')}`), { method: 'DELETE' })).status).toBe(202);
		const other = consumer.page;
		await other.evaluate(() => window.modelShelf!.api.setTrustPolicy({ policy: 'enforce' }));
		const refused = await shelfError(other, 'pull', { reference: 'bert:v1' });
		expect([refused.code, refused.details]).toMatchObject(['UNTRUSTED', { reason: 'untrusted-key' }]);
		await other.evaluate((pem) => window.modelShelf!.api.trustKey({ name: 'publisher', pem }), key.publicKeyPem);
		expect((await other.evaluate(() => window.modelShelf!.api.pull({ reference: 'bert:v1' }))).signature).toMatchObject({ status: 'signed', keyName: 'publisher' });
	} finally {
		await publisher.context.close();
		await consumer.context.close();
	}
});
