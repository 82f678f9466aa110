// Issue 20, the second format: cosign's Sigstore bundle (DSSE over an in-toto statement) attached as an OCI 1.1
// referrer, against a real CNCF Distribution 2.8 — which has no referrers API (404), so the shelf keeps the
// spec's fallback index at tag `sha256-<hex>`, as cosign and oras do. openssl verifies the shelf's bundle
// signature over DSSE's pre-authentication encoding, and signs a bundle the shelf must accept or refuse. Each
// case removes cosign's tag signature so that the bundle alone decides.
import { writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { IDBFactory } from 'fake-indexeddb';
import { describe, expect, it } from 'vitest';
import { pushVersion } from '../../src/lib/worker/remote/push.ts';
import { openKeyStore } from '../../src/lib/worker/remote/signing-keys.ts';
import { clientFor, logged, openShelf, save, useRegistry } from './registry-fixtures.ts';
import { openssl, referrersTag, sha256, signingHelpers } from './signing-fixtures.ts';

const registry = useRegistry();
const { file, publish, consumer, refused, api, getJson, putBlob, dropTagSignature, bundleOf } = signingHelpers(registry);
const BUNDLE = 'application/vnd.dev.sigstore.bundle.v0.3+json';
const INTOTO = 'application/vnd.in-toto+json';
const INDEX = 'application/vnd.oci.image.index.v1+json';
const MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
/** DSSE's pre-authentication encoding, written here from the DSSE spec (not the shelf's code). */
const pae = (type: string, payload: Buffer) => Buffer.concat([Buffer.from(`DSSEv1 ${Buffer.byteLength(type)} ${type} ${payload.length} `), payload]);
const statementFor = (digest: string) =>
	Buffer.from(JSON.stringify({ _type: 'https://in-toto.io/Statement/v1', subject: [{ digest: { sha256: digest.slice(7) } }], predicateType: 'https://sigstore.dev/cosign/sign/v1', predicate: {} }));

/** Attaches a bundle as a referrer the way another tool does on a registry without the API: manifest by digest, then the index. */
async function attachBundle(repository: string, subject: { digest: string; size: number }, bundle: object) {
	const layer = await putBlob(repository, JSON.stringify(bundle));
	const config = await putBlob(repository, '{}');
	const manifest = JSON.stringify({ schemaVersion: 2, mediaType: MANIFEST, artifactType: BUNDLE, config: { mediaType: 'application/vnd.oci.empty.v1+json', ...config }, layers: [{ mediaType: BUNDLE, ...layer }], subject: { mediaType: MANIFEST, ...subject } });
	expect((await fetch(api(`${repository}/manifests/${sha256(manifest)}`), { method: 'PUT', headers: { 'Content-Type': MANIFEST }, body: manifest })).status).toBe(201);
	const index = { schemaVersion: 2, mediaType: INDEX, manifests: [{ mediaType: MANIFEST, digest: sha256(manifest), size: Buffer.byteLength(manifest), artifactType: BUNDLE }] };
	expect((await fetch(api(`${repository}/manifests/${referrersTag(subject.digest)}`), { method: 'PUT', headers: { 'Content-Type': INDEX }, body: JSON.stringify(index) })).status).toBe(201);
}

describe('the shelf writes a Sigstore bundle referrer', () => {
	it("in cosign's layout, listed at the fallback tag; openssl verifies its DSSE signature; a fresh profile verifies it alone", async () => {
		const { client, key, pushed } = await publish();
		const { repository, digest, signature } = pushed[0]!;
		const manifestSize = (await (await fetch(api(`${repository}/manifests/${digest}`), { headers: { Accept: MANIFEST } })).arrayBuffer()).byteLength;
		const { index, manifest, bundle } = await bundleOf(repository, digest);
		expect(index.manifests[0]).toMatchObject({ mediaType: MANIFEST, digest: signature!.referrer, artifactType: BUNDLE });
		expect(manifest).toMatchObject({
			artifactType: BUNDLE,
			config: { mediaType: 'application/vnd.oci.empty.v1+json', digest: sha256('{}'), size: 2 },
			layers: [{ mediaType: BUNDLE }],
			subject: { mediaType: MANIFEST, digest, size: manifestSize },
			annotations: { 'dev.sigstore.bundle.content': 'dsse-envelope', 'dev.sigstore.bundle.predicateType': 'https://sigstore.dev/cosign/sign/v1' }
		});
		// cosign's hint: base64 of the SHA-256 of the public key's DER.
		const spki = Buffer.from(key.publicKeyPem.replace(/-----[^-]+-----|\s/g, ''), 'base64');
		expect(bundle.verificationMaterial.publicKey.hint).toBe(createHash('sha256').update(spki).digest('base64'));
		expect(bundle.dsseEnvelope.payloadType).toBe(INTOTO);
		const statement = Buffer.from(bundle.dsseEnvelope.payload, 'base64');
		expect(JSON.parse(statement.toString())).toEqual({ _type: 'https://in-toto.io/Statement/v1', subject: [{ digest: { sha256: digest.slice(7) } }], predicateType: 'https://sigstore.dev/cosign/sign/v1', predicate: {} });
		writeFileSync(file('pae.bin'), pae(INTOTO, statement));
		writeFileSync(file('bundle-sig.der'), Buffer.from(bundle.dsseEnvelope.signatures[0].sig, 'base64'));
		writeFileSync(file('bundle-pub.pem'), key.publicKeyPem);
		expect(openssl('dgst', '-sha256', '-verify', file('bundle-pub.pem'), '-signature', file('bundle-sig.der'), file('pae.bin'))).toBe('Verified OK\n');

		await dropTagSignature(repository, digest);
		const profile = await consumer(client, 'enforce', { 'release key': key.publicKeyPem });
		const { value, requests } = await logged(registry(), () => profile.pull('iris:v1'));
		expect(value.signature).toMatchObject({ status: 'signed', keyName: 'release key' });
		// The referrers API was asked first (Distribution 2.8: 404), then the fallback tag read.
		const asked = requests.map((request) => `${request.method} ${request.path.split('/').slice(-2).join('/')} ${request.status}`);
		expect(asked).toEqual(expect.arrayContaining([`GET referrers/${digest} 404`, `GET manifests/${referrersTag(digest)} 200`]));
	});

	it("signing again with the same key replaces its own entry; another key's bundle and other tools' referrers stay", async () => {
		const { client, shelf, keys, key, pushed } = await publish();
		const { repository, digest } = pushed[0]!;
		const sbom = await putBlob(repository, '{"spdxVersion":"SPDX-2.3"}');
		const foreign = { mediaType: MANIFEST, digest: sbom.digest, size: sbom.size, artifactType: 'application/spdx+json' };
		const { index } = await bundleOf(repository, digest);
		const withForeign = { ...index, manifests: [...index.manifests, foreign] };
		expect((await fetch(api(`${repository}/manifests/${referrersTag(digest)}`), { method: 'PUT', headers: { 'Content-Type': INDEX }, body: JSON.stringify(withForeign) })).status).toBe(201);

		const again = await pushVersion(shelf.store, client, shelf.remoteDb, 'iris:v1', {}, { sign: { keyId: key.id }, keys });
		const second = await keys.createSigningKey('second');
		const other = await pushVersion(shelf.store, client, shelf.remoteDb, 'iris:v1', {}, { sign: { keyId: second.id }, keys });
		const entries = (await getJson(`${repository}/manifests/${referrersTag(digest)}`)).manifests;
		expect(entries.map((entry: { digest: string }) => entry.digest).sort()).toEqual([foreign.digest, again.signature!.referrer, other.signature!.referrer].sort());

		await dropTagSignature(repository, digest);
		const profile = await consumer(client, 'enforce', { 'second only': second.publicKeyPem });
		expect((await profile.pull('iris:v1')).signature).toMatchObject({ status: 'signed', keyName: 'second only' });
	});
});

describe('a bundle openssl signed, attached by another tool', () => {
	it('verifies when its key is trusted and is refused when not', async () => {
		const client = clientFor(registry());
		const shelf = await openShelf();
		await save(shelf, 'iris:v1', { 'weights.bin': 'bundle signed by openssl' });
		const { repository, digest } = await pushVersion(shelf.store, client, shelf.remoteDb, 'iris:v1');
		const size = (await (await fetch(api(`${repository}/manifests/${digest}`), { headers: { Accept: MANIFEST } })).arrayBuffer()).byteLength;
		writeFileSync(file('b.sec1.pem'), openssl('ecparam', '-genkey', '-name', 'prime256v1', '-noout'));
		const publicPem = openssl('ec', '-in', file('b.sec1.pem'), '-pubout');
		const statement = statementFor(digest);
		writeFileSync(file('b-pae.bin'), pae(INTOTO, statement));
		const sig = execFileSync('openssl', ['dgst', '-sha256', '-sign', file('b.sec1.pem'), file('b-pae.bin')]);
		await attachBundle(repository, { digest, size }, { mediaType: BUNDLE, verificationMaterial: { publicKey: { hint: 'unknown' } }, dsseEnvelope: { payload: statement.toString('base64'), payloadType: INTOTO, signatures: [{ sig: sig.toString('base64'), keyid: '' }] } });

		expect((await (await consumer(client, 'enforce', { 'openssl key': publicPem })).pull('iris:v1')).signature).toMatchObject({ status: 'signed', keyName: 'openssl key' });
		const stranger = await (await openKeyStore({ factory: new IDBFactory() })).createSigningKey('stranger');
		expect((await refused(await consumer(client, 'enforce', { stranger: stranger.publicKeyPem }), 'iris:v1')).details).toMatchObject({ reason: 'untrusted-key' });
	});
});

describe('tampered bundles, refused under enforce with the reason', () => {
	it('an edited statement, flipped signature bytes, a bundle for another digest, a statement of another kind', async () => {
		const { client, key, pushed } = await publish(['iris:v1', 'iris:v2']);
		const [v1, v2] = pushed as [NonNullable<(typeof pushed)[0]>, NonNullable<(typeof pushed)[0]>];
		const repository = v1.repository;
		await dropTagSignature(repository, v1.digest);
		const size = (await (await fetch(api(`${repository}/manifests/${v1.digest}`), { headers: { Accept: MANIFEST } })).arrayBuffer()).byteLength;
		const { bundle } = await bundleOf(repository, v1.digest);
		const profile = await consumer(client, 'enforce', { 'release key': key.publicKeyPem });
		const envelope = bundle.dsseEnvelope;
		const withEnvelope = (changes: object) => attachBundle(repository, { digest: v1.digest, size }, { ...bundle, dsseEnvelope: { ...envelope, ...changes } });

		// The statement edited (a second subject added), the signature kept: the trusted key it names no longer verifies.
		const edited = JSON.parse(Buffer.from(envelope.payload, 'base64').toString());
		edited.subject.push({ digest: { sha256: 'f'.repeat(64) } });
		await withEnvelope({ payload: Buffer.from(JSON.stringify(edited)).toString('base64') });
		expect((await refused(profile, 'iris:v1')).details).toMatchObject({ reason: 'bad-signature' });

		const der = Buffer.from(envelope.signatures[0].sig, 'base64');
		der[der.length - 1]! ^= 0xff;
		await withEnvelope({ signatures: [{ sig: der.toString('base64') }] });
		expect((await refused(profile, 'iris:v1')).details).toMatchObject({ reason: 'bad-signature' });

		// v2's genuine bundle attached to v1: signed by the trusted key, for another manifest.
		await attachBundle(repository, { digest: v1.digest, size }, (await bundleOf(repository, v2.digest)).bundle);
		expect((await refused(profile, 'iris:v1')).details).toMatchObject({ reason: 'wrong-digest', signedDigest: v2.digest });

		// A DSSE envelope of another payload type (say, an attestation), validly signed: not a signature of the image.
		await withEnvelope({ payloadType: 'application/json' });
		expect((await refused(profile, 'iris:v1')).details).toMatchObject({ reason: 'bad-payload' });

		// The genuine bundle back: signed.
		await attachBundle(repository, { digest: v1.digest, size }, bundle);
		expect((await profile.pull('iris:v1')).signature).toMatchObject({ status: 'signed', keyName: 'release key' });
	});
});
