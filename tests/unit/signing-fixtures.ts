// Helpers of the signing tests against a real CNCF Distribution registry (tests/unit/signing-*.test.ts): a
// publisher shelf that signs on push, fresh consumer profiles with a trust policy, direct registry writes for
// tampering (as another tool or an attacker would make them), and openssl as the independent verifier.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { IDBFactory } from 'fake-indexeddb';
import { expect } from 'vitest';
import { OCI_INDEX_TYPE, OCI_MANIFEST_TYPE } from '../../src/lib/core/oci/artifact.ts';
import type { TrustPolicy } from '../../src/lib/worker/contract.ts';
import { pullVersion } from '../../src/lib/worker/remote/pull.ts';
import { pushVersion } from '../../src/lib/worker/remote/push.ts';
import type { RegistryClient } from '../../src/lib/worker/remote/registry-client.ts';
import { openKeyStore } from '../../src/lib/worker/remote/signing-keys.ts';
import type { Registry } from '../../scripts/registry.mjs';
import { clientFor, failure, logged, openShelf, save, type Shelf } from './registry-fixtures.ts';

export const sha256 = (bytes: Uint8Array | string) => `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
export const sigTag = (digest: string) => `${digest.replace(':', '-')}.sig`;
export const referrersTag = (digest: string) => digest.replace(':', '-');
export const openssl = (...args: string[]) => execFileSync('openssl', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });

/** The helpers, bound to the file's registry. */
export function signingHelpers(registry: () => Registry) {
	const dir = mkdtempSync(join(tmpdir(), 'signing-'));
	const file = (name: string) => join(dir, name);

	/** A publisher: a shelf with a version pushed and signed by a key made in the key store. */
	async function publish(versions = ['iris:v1']) {
		const client = clientFor(registry());
		const shelf = await openShelf();
		const keys = await openKeyStore({ factory: new IDBFactory() });
		const key = await keys.createSigningKey('release key');
		const pushed = [];
		for (const tag of versions) {
			await save(shelf, tag, { 'weights.bin': `weights of ${tag}`, 'README.md': '# iris' });
			pushed.push(await pushVersion(shelf.store, client, shelf.remoteDb, tag, {}, { sign: { keyId: key.id }, keys }));
		}
		return { client, shelf, keys, key, pushed };
	}

	/** A fresh profile: an empty shelf and key store, with a policy and these trusted public keys. */
	async function consumer(client: RegistryClient, policy: TrustPolicy, trusted: Record<string, string> = {}) {
		const shelf = await openShelf();
		const keys = await openKeyStore({ factory: new IDBFactory() });
		await keys.setTrustPolicy(client.remote.url, policy);
		for (const [name, pem] of Object.entries(trusted)) await keys.trustKey(client.remote.url, name, pem);
		return { shelf, keys, pull: (reference: string) => pullVersion(shelf.store, client, shelf.remoteDb, reference, {}, { keys }) };
	}

	/** The UNTRUSTED refusal of a pull, having checked nothing was stored and no model file was downloaded. */
	async function refused(profile: { shelf: Shelf; pull: (reference: string) => Promise<unknown> }, reference: string) {
		const { value: error, requests } = await logged(registry(), () => failure(profile.pull(reference)));
		expect(error.code).toBe('UNTRUSTED');
		expect((await profile.shelf.store.catalogue.list({})).items).toEqual([]);
		// Signatures were read (payloads, bundles), never a model file: no layer of the refused manifest was fetched.
		const manifestGet = requests.find((request) => request.method === 'GET' && request.path.endsWith(`/manifests/${reference.split(':')[1]}`))!;
		const manifest = await getJson(manifestGet.path.replace(/^\/v2\//, ''));
		const layers = new Set((manifest.layers as { digest: string }[]).map((layer) => layer.digest));
		const blobGets = requests.filter((request) => request.method === 'GET' && request.path.includes('/blobs/'));
		expect(blobGets.filter((request) => layers.has(request.path.split('/blobs/')[1]!))).toEqual([]);
		return error;
	}

	const api = (path: string) => `${registry().directUrl}/v2/${path}`;
	async function getJson(path: string): Promise<Record<string, any>> {
		const response = await fetch(api(path), { headers: { Accept: `${OCI_MANIFEST_TYPE}, ${OCI_INDEX_TYPE}` } });
		expect(response.status).toBe(200);
		return response.json();
	}
	async function getBytes(path: string): Promise<Buffer> {
		return Buffer.from(await (await fetch(api(path))).arrayBuffer());
	}
	async function putBlob(repository: string, bytes: Buffer | string): Promise<{ digest: string; size: number }> {
		const body = new Uint8Array(typeof bytes === 'string' ? Buffer.from(bytes) : bytes);
		const start = await fetch(api(`${repository}/blobs/uploads/`), { method: 'POST' });
		const location = new URL(start.headers.get('Location')!, registry().directUrl);
		location.searchParams.set('digest', sha256(body));
		expect((await fetch(location, { method: 'PUT', body })).status).toBe(201);
		return { digest: sha256(body), size: body.length };
	}
	async function putManifest(repository: string, tag: string, manifest: unknown) {
		const response = await fetch(api(`${repository}/manifests/${tag}`), { method: 'PUT', headers: { 'Content-Type': OCI_MANIFEST_TYPE }, body: JSON.stringify(manifest) });
		expect(response.status).toBe(201);
	}
	/** Pushes a signature in cosign's layout, as a tool other than the shelf would. */
	async function putCosignSignature(repository: string, digest: string, payload: string, signatureDer: Buffer) {
		const layer = await putBlob(repository, payload);
		const config = await putBlob(repository, JSON.stringify({ architecture: '', os: '', rootfs: { type: 'layers', diff_ids: [layer.digest] }, config: {} }));
		await putManifest(repository, sigTag(digest), {
			schemaVersion: 2,
			mediaType: OCI_MANIFEST_TYPE,
			config: { mediaType: 'application/vnd.oci.image.config.v1+json', ...config },
			layers: [{ mediaType: 'application/vnd.dev.cosign.simplesigning.v1+json', ...layer, annotations: { 'dev.cosignproject.cosign/signature': signatureDer.toString('base64') } }]
		});
	}
	/** openssl's verdict on a signature the shelf pushed for `digest`, under a public PEM. */
	async function opensslVerifies(repository: string, digest: string, publicPem: string): Promise<string> {
		const manifest = await getJson(`${repository}/manifests/${sigTag(digest)}`);
		const layer = manifest.layers[0];
		writeFileSync(file('payload.json'), await getBytes(`${repository}/blobs/${layer.digest}`));
		writeFileSync(file('sig.der'), Buffer.from(layer.annotations['dev.cosignproject.cosign/signature'], 'base64'));
		writeFileSync(file('pub.pem'), publicPem);
		return openssl('dgst', '-sha256', '-verify', file('pub.pem'), '-signature', file('sig.der'), file('payload.json'));
	}

	/** Makes `digest` have no Sigstore bundle referrer: an empty index at its fallback tag (Distribution 2.8 keeps them there). */
	async function dropReferrers(repository: string, digest: string) {
		const response = await fetch(api(`${repository}/manifests/${referrersTag(digest)}`), { method: 'PUT', headers: { 'Content-Type': OCI_INDEX_TYPE }, body: JSON.stringify({ schemaVersion: 2, mediaType: OCI_INDEX_TYPE, manifests: [] }) });
		expect(response.status).toBe(201);
	}
	/** The Sigstore bundle of `digest`'s one bundle referrer, with the referrer manifest. */
	async function bundleOf(repository: string, digest: string) {
		const index = await getJson(`${repository}/manifests/${referrersTag(digest)}`);
		const entries = index.manifests.filter((entry: { artifactType?: string }) => entry.artifactType === 'application/vnd.dev.sigstore.bundle.v0.3+json');
		expect(entries).toHaveLength(1);
		const manifest = await getJson(`${repository}/manifests/${entries[0].digest}`);
		return { index, manifest, bundle: JSON.parse((await getBytes(`${repository}/blobs/${manifest.layers[0].digest}`)).toString()) };
	}

	/** Removes cosign's tag signature of `digest` (the harness's registry allows deletes). */
	async function dropTagSignature(repository: string, digest: string) {
		const head = await fetch(api(`${repository}/manifests/${sigTag(digest)}`), { method: 'HEAD', headers: { Accept: OCI_MANIFEST_TYPE } });
		expect(head.status).toBe(200);
		expect((await fetch(api(`${repository}/manifests/${head.headers.get('Docker-Content-Digest')}`), { method: 'DELETE' })).status).toBe(202);
	}

	return { dir, file, dropTagSignature, publish, consumer, refused, api, getJson, getBytes, putBlob, putManifest, putCosignSignature, opensslVerifies, dropReferrers, bundleOf };
}
