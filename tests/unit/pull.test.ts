// Issue 15: pullVersion in Node, with the remote database passed in, against a real CNCF Distribution
// registry (tests/unit/registry-fixtures.ts): what is stored, what is skipped, what is recorded, and what
// is refused (TAG_EXISTS, INTEGRITY, a model.yaml contradicting its manifest) with the shelf left as it was.
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { parseModelYaml } from '../../src/lib/core/manifest.ts';
import { OCI_MANIFEST_TYPE } from '../../src/lib/core/oci/artifact.ts';
import { pullVersion } from '../../src/lib/worker/remote/pull.ts';
import { pushVersion } from '../../src/lib/worker/remote/push.ts';
import type { RegistryClient } from '../../src/lib/worker/remote/registry-client.ts';
import { MiB, bytes, clientFor, corruptRegistryBlob, failure, logged, openShelf, save, useRegistry, type Shelf } from './registry-fixtures.ts';

const registry = useRegistry();

/** A shelf that pushed `tag` with these files to a fresh namespace: the source of a pull. */
async function published(tag: string, files: Record<string, string | Uint8Array<ArrayBuffer>>): Promise<{ client: RegistryClient; digest: string; repository: string }> {
	const source = await openShelf();
	await save(source, tag, files, { stage: 'dev' });
	const client = clientFor(registry());
	const { digest, repository } = await pushVersion(source.store, client, source.remoteDb, tag);
	return { client, digest, repository };
}

/** A stored file's bytes equal these (a boolean: a diff of megabytes would fill the heap). */
async function holds(shelf: Shelf, sha256: string, expected: Uint8Array): Promise<boolean> {
	return Buffer.from(await (await shelf.store.blobs.read(sha256)).arrayBuffer()).equals(expected);
}

const blobGets = (requests: { method: string; path: string }[]) => requests.filter((request) => request.method === 'GET' && request.path.includes('/blobs/sha256:'));

describe('pullVersion', () => {
	it('stores every file byte for byte, commits the version and records the copy and which repository holds its blobs', async () => {
		const weights = bytes(3 * MiB);
		const { client, digest, repository } = await published('iris:v1', { 'model.bin': weights, 'README.md': '# iris' });
		const shelf = await openShelf();
		const result = await pullVersion(shelf.store, client, shelf.remoteDb, 'iris:v1');

		expect(result).toMatchObject({ status: 'created', digest, downloadedBytes: weights.byteLength + 6, skippedBytes: 0 });
		expect(result.record).toMatchObject({ tag: 'iris:v1', info: { labels: { stage: 'dev' } } });
		expect(await shelf.store.catalogue.get('iris:v1')).toEqual(result.record);
		const model = result.record.files.find((file) => file.path === 'model.bin')!;
		expect(await holds(shelf, model.sha256, weights)).toBe(true);
		expect(await shelf.remoteDb.copiesOf('iris:v1')).toEqual([expect.objectContaining({ registry: registry().url, repository, digest, how: 'pulled' })]);
		for (const file of result.record.files) expect(await shelf.remoteDb.repositoryWithBlob(registry().url, `sha256:${file.sha256}`)).toBe(repository);
	});

	it('pulls by digest, and pulling again is unchanged: no blob is downloaded and the copy is recorded', async () => {
		const { client, digest } = await published('iris:v1', { 'model.bin': bytes(4096) });
		const shelf = await openShelf();
		expect(await pullVersion(shelf.store, client, shelf.remoteDb, `iris@${digest}`)).toMatchObject({ status: 'created', digest });
		const { value: again, requests } = await logged(registry(), () => pullVersion(shelf.store, client, shelf.remoteDb, 'iris:v1'));
		expect(again).toMatchObject({ status: 'unchanged', digest, downloadedBytes: 0 });
		expect(blobGets(requests)).toHaveLength(1); // model.yaml, to compare with the stored version
		expect(await shelf.remoteDb.copiesOf('iris:v1')).toEqual([expect.objectContaining({ digest, how: 'pulled' })]);
	});

	it('keeps the exact model.yaml text another tool wrote, byte-order mark and layout included (issue 14)', async () => {
		const written = '\ufeffname: iris\nversion: v7\nmodule: bentoml.sklearn\nlabels: {stage: dev}\noptions: {}\nmetadata: {C: 1.0}\ncontext: {framework_name: sklearn, framework_versions: {}, bentoml_version: 1.4.0, python_version: 3.11.2}\nsignatures: {}\napi_version: v1\ncreation_time: "2025-06-01T12:00:00+00:00"\n';
		const source = await openShelf();
		await source.store.storeVersion(parseModelYaml(written), [{ path: 'model.bin', data: new Blob(['weights']) }]);
		const client = clientFor(registry());
		await pushVersion(source.store, client, source.remoteDb, 'iris:v7');
		const shelf = await openShelf();
		await pullVersion(shelf.store, client, shelf.remoteDb, 'iris:v7');
		expect(await shelf.store.manifestText('iris:v7')).toBe(written);
	});

	it('does not download the files the shelf already holds', async () => {
		const weights = bytes(2 * MiB);
		const { client } = await published('iris:v2', { 'model.bin': weights, 'config.json': '{"a": 2}' });
		const shelf = await openShelf();
		const local = await save(shelf, 'iris:v1', { 'model.bin': weights, 'config.json': '{"a": 1}' });
		const held = `sha256:${local.files.find((file) => file.path === 'model.bin')!.sha256}`;
		const { value: result, requests } = await logged(registry(), () => pullVersion(shelf.store, client, shelf.remoteDb, 'iris:v2'));

		expect(result).toMatchObject({ status: 'created', skippedBytes: weights.byteLength, downloadedBytes: 8 });
		expect(blobGets(requests).filter((request) => request.path.endsWith(held))).toEqual([]);
		expect(await shelf.store.blobs.list()).toHaveLength(3); // model.bin once, two config.json
	});

	it('pulling a tag the shelf holds with other content is TAG_EXISTS, and the shelf keeps its own', async () => {
		const { client } = await published('iris:v1', { 'model.bin': 'their weights' });
		const shelf = await openShelf();
		const mine = await save(shelf, 'iris:v1', { 'model.bin': 'my weights' });
		const error = await failure(pullVersion(shelf.store, client, shelf.remoteDb, 'iris:v1'));
		expect(error.code).toBe('TAG_EXISTS');
		expect(error.details).toMatchObject({ tag: 'iris:v1' });
		expect(await shelf.store.catalogue.get('iris:v1')).toEqual(mine);
		expect(await shelf.remoteDb.copiesOf('iris:v1')).toEqual([]);
	});

	it.each([
		['the same number of other bytes', (original: Uint8Array) => original.map((byte) => byte ^ 0xff)],
		['more bytes than the manifest lists', (original: Uint8Array) => new Uint8Array([...original, 0])]
	])('a registry serving %s for a digest is INTEGRITY, and nothing is stored', async (_what, damage) => {
		const weights = bytes(64 * 1024);
		const { client, repository } = await published('iris:v1', { 'model.bin': weights, 'notes.txt': 'kept' });
		const shelf = await openShelf();
		await save(shelf, 'kept:v1', { 'notes.txt': 'kept' });
		const blobsBefore = (await shelf.store.blobs.list()).sort();
		const digest = `sha256:${createHash('sha256').update(weights).digest('hex')}`;
		corruptRegistryBlob(registry(), digest, damage(weights));

		const error = await failure(pullVersion(shelf.store, client, shelf.remoteDb, 'iris:v1'));
		expect(error.code).toBe('INTEGRITY');
		expect(error.details).toMatchObject({ path: 'model.bin', repository });
		expect((await shelf.store.catalogue.names()).map((summary) => summary.name)).toEqual(['kept']);
		expect((await shelf.store.blobs.list()).sort()).toEqual(blobsBefore);
		expect(shelf.volume.tmp.size).toBe(0);
		expect(await shelf.remoteDb.copiesOf('iris:v1')).toEqual([]);
	});

	it('a manifest whose version annotation contradicts its model.yaml is INVALID_MANIFEST, and nothing is stored', async () => {
		const { client, repository } = await published('iris:v1', { 'model.bin': 'weights' });
		// The manifest, edited to claim v2, under the tag v2: its model.yaml still says v1.
		const manifest = (await (await fetch(`${registry().directUrl}/v2/${repository}/manifests/v1`, { headers: { Accept: OCI_MANIFEST_TYPE } })).json()) as { annotations: Record<string, string> };
		manifest.annotations['org.opencontainers.image.version'] = 'v2';
		const retagged = await fetch(`${registry().directUrl}/v2/${repository}/manifests/v2`, { method: 'PUT', headers: { 'Content-Type': OCI_MANIFEST_TYPE }, body: JSON.stringify(manifest) });
		expect(retagged.status).toBe(201);
		const shelf = await openShelf();
		expect((await failure(pullVersion(shelf.store, client, shelf.remoteDb, 'iris:v2'))).code).toBe('INVALID_MANIFEST');
		expect(await shelf.store.catalogue.names()).toEqual([]);
		expect((await failure(pullVersion(shelf.store, client, shelf.remoteDb, `iris@sha256:${'0'.repeat(64)}`))).code).toBe('NOT_FOUND');
	});
});
