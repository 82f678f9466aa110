// Issue 20: signing on push and verifying on pull, against a real CNCF Distribution registry, with openssl
// as the independent party: it verifies signatures the shelf made (payload and signature read from the
// registry by this test), and makes signatures the shelf must accept (pushed by this test in cosign's layout)
// or refuse. Tampering is done here straight against the registry's HTTP API. Each shelf and key store is a
// fresh profile (its own IndexedDB factory). These cases are about cosign's tag format: each drops the bundle
// referrer the shelf also writes where it would otherwise vouch for the version (signing-referrers.test.ts
// covers bundles).
import { readFileSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { IDBFactory } from 'fake-indexeddb';
import { describe, expect, it } from 'vitest';
import { inspectRemote, pullVersion } from '../../src/lib/worker/remote/pull.ts';
import { pushVersion } from '../../src/lib/worker/remote/push.ts';
import { openKeyStore } from '../../src/lib/worker/remote/signing-keys.ts';
import { clientFor, failure, logged, openShelf, save, useRegistry } from './registry-fixtures.ts';
import { openssl, sha256, sigTag, signingHelpers } from './signing-fixtures.ts';
const registry = useRegistry();
const { file, publish, consumer, refused, getJson, getBytes, putBlob, putManifest, putCosignSignature, opensslVerifies, dropReferrers } = signingHelpers(registry);

describe('sign on push, verify on pull', () => {
	it('pushes a cosign signature at sha256-<hex>.sig that openssl verifies, and a fresh profile trusting the key pulls it as signed', async () => {
		const { client, key, pushed } = await publish();
		const [result] = pushed;
		expect(result!.signature).toEqual({ tag: sigTag(result!.digest), referrer: expect.stringMatching(/^sha256:[0-9a-f]{64}$/), keyName: 'release key' });
		await dropReferrers(result!.repository, result!.digest); // this test is about the tag format alone
		expect(key.fingerprint).toBe(sha256(Buffer.from(key.publicKeyPem.replace(/-----[^-]+-----|\s/g, ''), 'base64')).slice(7));
		expect(await opensslVerifies(result!.repository, result!.digest, key.publicKeyPem)).toBe('Verified OK\n');
		const payload = JSON.parse(readFileSync(file('payload.json'), 'utf8'));
		expect(payload.critical).toEqual({ identity: { 'docker-reference': `${new URL(registry().url).host}/${result!.repository}` }, image: { 'docker-manifest-digest': result!.digest }, type: 'cosign container image signature' });

		const profile = await consumer(client, 'enforce', { 'release key': key.publicKeyPem });
		expect((await inspectRemote(client, 'iris:v1', undefined, profile.keys)).signature).toMatchObject({ status: 'signed', keyName: 'release key' });
		const pulled = await profile.pull('iris:v1');
		expect(pulled).toMatchObject({ status: 'created', signature: { status: 'signed', keyName: 'release key' } });
		expect(await profile.shelf.remoteDb.copiesOf('iris:v1')).toEqual([expect.objectContaining({ digest: result!.digest, signature: expect.objectContaining({ status: 'signed', keyName: 'release key' }) })]);
	});

	it('signing again with the same key replaces its signature; another key adds one beside it', async () => {
		const { client, shelf, keys, key, pushed } = await publish();
		const repository = pushed[0]!.repository;
		await pushVersion(shelf.store, client, shelf.remoteDb, 'iris:v1', {}, { sign: { keyId: key.id }, keys });
		expect((await getJson(`${repository}/manifests/${sigTag(pushed[0]!.digest)}`)).layers).toHaveLength(1);
		const second = await keys.createSigningKey('second');
		await pushVersion(shelf.store, client, shelf.remoteDb, 'iris:v1', {}, { sign: { keyId: second.id }, keys });
		expect((await getJson(`${repository}/manifests/${sigTag(pushed[0]!.digest)}`)).layers).toHaveLength(2);
		const profile = await consumer(client, 'enforce', { 'second only': second.publicKeyPem });
		expect((await profile.pull('iris:v1')).signature).toMatchObject({ status: 'signed', keyName: 'second only' });
	});

	it('a signing key that is gone fails the push before anything is sent', async () => {
		const { client, shelf, keys, key } = await publish([]);
		await save(shelf, 'iris:v1', { 'weights.bin': 'w' });
		await keys.deleteSigningKey(key.id);
		const { value: error, requests } = await logged(registry(), () => failure(pushVersion(shelf.store, client, shelf.remoteDb, 'iris:v1', {}, { sign: { keyId: key.id }, keys })));
		expect(error.code).toBe('NOT_FOUND');
		expect(requests).toEqual([]);
	});
});

describe('trust policies', () => {
	it('enforce refuses a key not trusted here (nothing stored); warn pulls and records "untrusted"; off does not look', async () => {
		const { client } = await publish();
		const stranger = await (await openKeyStore({ factory: new IDBFactory() })).createSigningKey('stranger');
		const enforcing = await consumer(client, 'enforce', { stranger: stranger.publicKeyPem });
		// Inspecting shows the check and refuses nothing; pulling refuses.
		expect((await inspectRemote(client, 'iris:v1', undefined, enforcing.keys)).signature).toMatchObject({ status: 'untrusted' });
		const error = await refused(enforcing, 'iris:v1');
		expect(error.details).toMatchObject({ reason: 'untrusted-key' });
		expect(error.message).toMatch(/not trusted here/);

		const warned = await consumer(client, 'warn', { stranger: stranger.publicKeyPem });
		expect((await warned.pull('iris:v1')).signature).toMatchObject({ status: 'untrusted' });
		expect((await warned.shelf.remoteDb.copiesOf('iris:v1'))[0]!.signature).toMatchObject({ status: 'untrusted' });

		const off = await consumer(client, 'off');
		const { value, requests } = await logged(registry(), () => off.pull('iris:v1'));
		expect(value.signature.status).toBe('unchecked');
		expect(requests.some((request) => request.path.includes('.sig') || request.path.includes('/referrers/'))).toBe(false);
	});

	it('enforce refuses an unsigned version; warn pulls it as unsigned', async () => {
		const client = clientFor(registry());
		const shelf = await openShelf();
		await save(shelf, 'iris:v1', { 'weights.bin': 'unsigned' });
		await pushVersion(shelf.store, client, shelf.remoteDb, 'iris:v1');
		expect((await refused(await consumer(client, 'enforce'), 'iris:v1')).details).toMatchObject({ reason: 'unsigned' });
		expect((await (await consumer(client, 'warn')).pull('iris:v1')).signature).toMatchObject({ status: 'unsigned' });
	});
});

describe('tampering, refused under enforce with the reason', () => {
	it('an edited payload, flipped signature bytes, a signature copied from another digest, a trusted key removed', async () => {
		const { client, key, pushed } = await publish(['iris:v1', 'iris:v2']);
		const [v1, v2] = pushed as [NonNullable<(typeof pushed)[0]>, NonNullable<(typeof pushed)[0]>];
		const repository = v1.repository;
		await dropReferrers(repository, v1.digest);
		const original = await getJson(`${repository}/manifests/${sigTag(v1.digest)}`);
		const layer = original.layers[0];
		const payload = (await getBytes(`${repository}/blobs/${layer.digest}`)).toString();
		const profile = await consumer(client, 'enforce', { 'release key': key.publicKeyPem });
		const withLayer = async (changes: Record<string, unknown>) => putManifest(repository, sigTag(v1.digest), { ...original, layers: [{ ...layer, ...changes }] });

		// The payload edited (a field added that cosign ignores), its signature kept.
		const edited = await putBlob(repository, payload.replace('"optional":null', '"optional":{"note":"edited"}'));
		await withLayer(edited);
		expect((await refused(profile, 'iris:v1')).details).toMatchObject({ reason: 'bad-signature' });

		// The signature's bytes flipped (the last byte of s: still well-formed DER).
		const der = Buffer.from(layer.annotations['dev.cosignproject.cosign/signature'], 'base64');
		der[der.length - 1]! ^= 0xff;
		await withLayer({ annotations: { ...layer.annotations, 'dev.cosignproject.cosign/signature': der.toString('base64') } });
		expect((await refused(profile, 'iris:v1')).details).toMatchObject({ reason: 'bad-signature' });

		// v2's genuine signature put at v1's tag: signed by the trusted key, for another manifest.
		await putManifest(repository, sigTag(v1.digest), await getJson(`${repository}/manifests/${sigTag(v2.digest)}`));
		const swapped = await refused(profile, 'iris:v1');
		expect(swapped.details).toMatchObject({ reason: 'wrong-digest', digest: v1.digest, signedDigest: v2.digest });

		// The genuine signature back: it verifies, until the key is no longer trusted.
		await putManifest(repository, sigTag(v1.digest), original);
		const trusted = await profile.keys.trustedKeys(client.remote.url);
		await profile.keys.untrustKey(trusted[0]!.id);
		expect((await refused(profile, 'iris:v1')).details).toMatchObject({ reason: 'untrusted-key' });
		// Trusted again, but only until yesterday (a key rotated out): refused, naming the key and the day.
		const yesterday = Date.now() - 86_400_000;
		expect(await profile.keys.trustKey(client.remote.url, 'rotated out', key.publicKeyPem, yesterday)).toMatchObject({ name: 'rotated out', expiresAt: yesterday });
		const ended = await refused(profile, 'iris:v1');
		expect(ended.details).toMatchObject({ reason: 'expired-key' });
		expect(ended.message).toContain(`Signed by "rotated out", whose trust ended on ${new Date(yesterday).toISOString().slice(0, 10)}.`);
		// The same key trusted again with no end: the entry is updated, and the genuine signature verifies.
		const again = await profile.keys.trustKey(client.remote.url, 'back', key.publicKeyPem);
		expect(again.expiresAt).toBeUndefined();
		expect((await profile.pull('iris:v1')).signature).toMatchObject({ status: 'signed', keyName: 'back' });
	});
});

describe('openssl, the other way', () => {
	it('accepts a signature openssl made over a cosign payload, pushed in cosign layout, only when its key is trusted', async () => {
		const client = clientFor(registry());
		const shelf = await openShelf();
		await save(shelf, 'iris:v1', { 'weights.bin': 'signed by openssl' });
		const { repository, digest } = await pushVersion(shelf.store, client, shelf.remoteDb, 'iris:v1');
		writeFileSync(file('ossl.sec1.pem'), openssl('ecparam', '-genkey', '-name', 'prime256v1', '-noout'));
		writeFileSync(file('ossl.pem'), openssl('pkcs8', '-topk8', '-nocrypt', '-in', file('ossl.sec1.pem')));
		const publicPem = openssl('ec', '-in', file('ossl.pem'), '-pubout');
		const payload = `{"critical":{"identity":{"docker-reference":"${new URL(registry().url).host}/${repository}"},"image":{"docker-manifest-digest":"${digest}"},"type":"cosign container image signature"},"optional":null}`;
		writeFileSync(file('ossl-payload.json'), payload);
		const signature = execFileSync('openssl', ['dgst', '-sha256', '-sign', file('ossl.pem'), file('ossl-payload.json')]);
		await putCosignSignature(repository, digest, payload, signature);

		const trusting = await consumer(client, 'enforce', { 'openssl key': publicPem });
		expect((await trusting.pull('iris:v1')).signature).toMatchObject({ status: 'signed', keyName: 'openssl key' });
		const other = await (await openKeyStore({ factory: new IDBFactory() })).createSigningKey('other');
		expect((await refused(await consumer(client, 'enforce', { other: other.publicKeyPem }), 'iris:v1')).details).toMatchObject({ reason: 'untrusted-key' });
	});

	it("imports openssl's PKCS#8 key (and its SEC1 form) to sign with; openssl verifies the result with its own public key", async () => {
		writeFileSync(file('imp.sec1.pem'), openssl('ecparam', '-genkey', '-name', 'prime256v1'));
		const pkcs8 = openssl('pkcs8', '-topk8', '-nocrypt', '-in', file('imp.sec1.pem'));
		writeFileSync(file('imp.pem'), pkcs8);
		const publicPem = openssl('ec', '-in', file('imp.pem'), '-pubout');
		const keys = await openKeyStore({ factory: new IDBFactory() });
		const imported = await keys.importSigningKey('team key', pkcs8);
		expect(imported).toMatchObject({ origin: 'imported', publicKeyPem: publicPem });
		expect((await keys.importSigningKey('same, SEC1', readFileSync(file('imp.sec1.pem'), 'utf8'))).fingerprint).toBe(imported.fingerprint);
		expect((await failure(keys.importSigningKey('not a key', publicPem))).code).toBe('UNSUPPORTED');

		const client = clientFor(registry());
		const shelf = await openShelf();
		await save(shelf, 'iris:v1', { 'weights.bin': 'signed by an imported key' });
		const result = await pushVersion(shelf.store, client, shelf.remoteDb, 'iris:v1', {}, { sign: { keyId: imported.id }, keys });
		expect(await opensslVerifies(result.repository, result.digest, publicPem)).toBe('Verified OK\n');
	});
});
