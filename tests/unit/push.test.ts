// Issue 15: pushVersion in Node, with the remote database passed in, against a real CNCF Distribution
// registry (tests/unit/registry-fixtures.ts). What used to be testable only through a browser: resuming
// from a saved upload session, HEAD skips, mount choice from recorded blobs, and what is recorded after.
import { describe, expect, it } from 'vitest';
import { OCI_MANIFEST_TYPE } from '../../src/lib/core/oci/artifact.ts';
import { UPLOAD_CHUNK } from '../../src/lib/worker/remote/blob-upload.ts';
import { pushVersion } from '../../src/lib/worker/remote/push.ts';
import { MiB, bytes, clientFor, failure, logged, openShelf, save, useRegistry } from './registry-fixtures.ts';

const registry = useRegistry();

/** Whether the registry holds exactly these bytes under a digest, read over plain HTTP (a boolean: a diff of megabytes would fill the heap). */
async function registryHolds(repository: string, digest: string, expected: Uint8Array): Promise<boolean> {
	const response = await fetch(`${registry().directUrl}/v2/${repository}/blobs/${digest}`);
	expect(response.status).toBe(200);
	return Buffer.from(await response.arrayBuffer()).equals(expected);
}

const isUpload = (request: { method: string; path: string }) => ['POST', 'PUT', 'PATCH'].includes(request.method) && request.path.includes('/blobs/uploads/');

describe('pushVersion', () => {
	it('sends model.yaml and each distinct file once, then the manifest, and records the copy and where each blob is', async () => {
		const shelf = await openShelf();
		const client = clientFor(registry());
		const record = await save(shelf, 'iris:v1', { 'a.bin': 'same bytes', 'copy/a.bin': 'same bytes', 'README.md': '# iris' });
		const { value: result, requests } = await logged(registry(), () => pushVersion(shelf.store, client, shelf.remoteDb, 'iris:v1'));

		expect(result).toMatchObject({ status: 'pushed', registry: registry().url, repository: `${client.remote.namespace}/iris`, tag: 'v1', skippedBytes: 0 });
		expect(result.files.map((file) => [file.path, file.sent]).sort()).toEqual([
			['README.md', 'uploaded'],
			['a.bin', 'uploaded'],
			['copy/a.bin', 'uploaded']
		]);
		expect(requests.filter((request) => request.method === 'PUT' && isUpload(request))).toHaveLength(3); // model.yaml, a.bin, README.md
		expect(requests.at(-1)).toMatchObject({ method: 'PUT', path: `/v2/${result.repository}/manifests/v1`, status: 201 });
		const manifest = await fetch(`${registry().directUrl}/v2/${result.repository}/manifests/v1`, { headers: { Accept: OCI_MANIFEST_TYPE } });
		expect(manifest.headers.get('Docker-Content-Digest')).toBe(result.digest);

		expect(await shelf.remoteDb.copiesOf('iris:v1')).toEqual([expect.objectContaining({ registry: registry().url, repository: result.repository, digest: result.digest, how: 'pushed' })]);
		for (const file of record.files) expect(await shelf.remoteDb.repositoryWithBlob(registry().url, `sha256:${file.sha256}`)).toBe(result.repository);
	});

	it('pushing the same version again is unchanged and sends no bytes', async () => {
		const shelf = await openShelf();
		const client = clientFor(registry());
		await save(shelf, 'iris:v1', { 'model.pkl': bytes(4096) });
		const first = await pushVersion(shelf.store, client, shelf.remoteDb, 'iris:v1');
		const { value: again, requests } = await logged(registry(), () => pushVersion(shelf.store, client, shelf.remoteDb, 'iris:v1'));
		expect(again).toMatchObject({ status: 'unchanged', digest: first.digest, uploadedBytes: 0 });
		expect(again.skippedBytes).toBe(first.uploadedBytes);
		expect(requests.filter((request) => request.method !== 'HEAD' && request.method !== 'GET')).toEqual([]);
	});

	it('a second version sends only the files that changed: the registry’s HEAD finds the others', async () => {
		const shelf = await openShelf();
		const client = clientFor(registry());
		const weights = bytes(64 * 1024);
		await save(shelf, 'iris:v1', { 'model.pkl': weights, 'config.json': '{"a": 1}' });
		await pushVersion(shelf.store, client, shelf.remoteDb, 'iris:v1');
		const v2 = await save(shelf, 'iris:v2', { 'model.pkl': weights, 'config.json': '{"a": 2}' });
		const { value: result, requests } = await logged(registry(), () => pushVersion(shelf.store, client, shelf.remoteDb, 'iris:v2'));

		expect(result.files.map((file) => [file.path, file.sent]).sort()).toEqual([
			['config.json', 'uploaded'],
			['model.pkl', 'present']
		]);
		expect(result.skippedBytes).toBe(weights.byteLength);
		const unchanged = `sha256:${v2.files.find((file) => file.path === 'model.pkl')!.sha256}`;
		expect(requests.filter((request) => request.method === 'HEAD' && request.path.endsWith(unchanged))).toEqual([expect.objectContaining({ status: 200 })]);
		expect(requests.filter((request) => isUpload(request) && request.uri.includes(unchanged))).toEqual([]);
	});

	it('mounts a blob the shelf recorded in another repository of the registry instead of sending it', async () => {
		const shelf = await openShelf();
		const client = clientFor(registry());
		const weights = bytes(MiB);
		await save(shelf, 'iris:v1', { 'model.bin': weights });
		await pushVersion(shelf.store, client, shelf.remoteDb, 'iris:v1');
		await save(shelf, 'bert:v1', { 'model.bin': weights });
		const { value: result, requests } = await logged(registry(), () => pushVersion(shelf.store, client, shelf.remoteDb, 'bert:v1'));

		expect(result.files).toEqual([expect.objectContaining({ path: 'model.bin', sent: 'mounted' })]);
		expect(result.skippedBytes).toBe(weights.byteLength);
		expect(requests.filter((request) => request.method === 'POST' && request.uri.includes('mount='))).toEqual([
			expect.objectContaining({ path: `/v2/${client.remote.namespace}/bert/blobs/uploads/`, status: 201 })
		]);
		expect(requests.filter((request) => request.method === 'PATCH')).toEqual([]);
		expect(await shelf.remoteDb.repositoryWithBlob(registry().url, `sha256:${result.files[0]!.sha256}`)).toBe(`${client.remote.namespace}/bert`);
	});

	it('uploads into the session a failed mount opened when the recorded repository no longer has the blob', async () => {
		const shelf = await openShelf();
		const client = clientFor(registry());
		const record = await save(shelf, 'iris:v1', { 'model.bin': bytes(4096) });
		const digest = `sha256:${record.files[0]!.sha256}`;
		await shelf.remoteDb.recordBlobs(registry().url, `${client.remote.namespace}/gone`, [digest]);
		const { value: result, requests } = await logged(registry(), () => pushVersion(shelf.store, client, shelf.remoteDb, 'iris:v1'));

		expect(result.files).toEqual([expect.objectContaining({ sent: 'uploaded' })]);
		const posts = requests.filter((request) => request.method === 'POST');
		expect(posts.filter((request) => request.uri.includes('mount='))).toEqual([expect.objectContaining({ status: 202 })]);
		expect(posts).toHaveLength(2); // model.yaml's session, and the mount's: none opened for the file itself
		expect(await registryHolds(result.repository, digest, new Uint8Array(await (await shelf.store.blobs.read(record.files[0]!.sha256)).arrayBuffer()))).toBe(true);
	});

	it('a cancelled chunked upload continues from its saved session: the push asks where it stands and sends only the rest', async () => {
		const shelf = await openShelf();
		const client = clientFor(registry());
		const size = 2 * UPLOAD_CHUNK + 5;
		const weights = bytes(size);
		const record = await save(shelf, 'speech:big', { 'weights.bin': weights });
		const digest = `sha256:${record.files[0]!.sha256}`;
		const repository = `${client.remote.namespace}/speech`;
		const cancel = new AbortController();
		const report = (progress: { item?: string; file?: { loaded: number } }) => {
			if (progress.item === 'weights.bin' && (progress.file?.loaded ?? 0) >= UPLOAD_CHUNK) cancel.abort();
		};
		expect((await failure(pushVersion(shelf.store, client, shelf.remoteDb, 'speech:big', { signal: cancel.signal, report }))).code).toBe('ABORTED');
		const key = `${registry().url}|${repository}|${digest}`;
		expect(await shelf.remoteDb.upload(key)).toMatchObject({ offset: UPLOAD_CHUNK });

		const { value: result, requests } = await logged(registry(), () => pushVersion(shelf.store, client, shelf.remoteDb, 'speech:big'));
		expect(result).toMatchObject({ status: 'pushed', uploadedBytes: size - UPLOAD_CHUNK });
		expect(requests.filter((request) => request.method === 'GET' && request.path.includes('/blobs/uploads/'))).toEqual([expect.objectContaining({ status: 204 })]);
		expect(requests.filter((request) => request.method === 'PATCH')).toHaveLength(2);
		expect(requests.filter((request) => request.method === 'POST')).toEqual([]); // same session; model.yaml was sent before the cancel
		expect(await shelf.remoteDb.upload(key)).toBeUndefined();
		expect(await registryHolds(repository, digest, weights)).toBe(true);
	}, 60_000);

	it('a saved session the registry no longer knows (a chunk cut off mid-way) starts that file again in a new session', async () => {
		const shelf = await openShelf();
		const client = clientFor(registry());
		const size = UPLOAD_CHUNK + 3 * MiB;
		const weights = bytes(size);
		const record = await save(shelf, 'speech:cut', { 'weights.bin': weights });
		const digest = `sha256:${record.files[0]!.sha256}`;
		const repository = `${client.remote.namespace}/speech`;
		// A first chunk that completed and was saved, then part of the next one that reached the registry
		// before the connection broke: Distribution appended it, so the saved location is void.
		const opened = await fetch(`${registry().url}/v2/${repository}/blobs/uploads/`, { method: 'POST' });
		const patch = (location: string, body: Uint8Array<ArrayBuffer>) =>
			fetch(new URL(location, registry().url), { method: 'PATCH', headers: { 'Content-Type': 'application/octet-stream' }, body });
		const saved = await patch(opened.headers.get('Location')!, weights.slice(0, UPLOAD_CHUNK));
		expect(saved.status).toBe(202);
		const location = new URL(saved.headers.get('Location')!, registry().url).href;
		expect((await patch(location, weights.slice(UPLOAD_CHUNK, UPLOAD_CHUNK + MiB))).status).toBe(202);
		await shelf.remoteDb.saveUpload({ key: `${registry().url}|${repository}|${digest}`, location, offset: UPLOAD_CHUNK, updatedAt: Date.now() });

		const { value: result, requests } = await logged(registry(), () => pushVersion(shelf.store, client, shelf.remoteDb, 'speech:cut'));
		expect(result).toMatchObject({ status: 'pushed' });
		// The whole file again, plus model.yaml (well under a KiB).
		expect(result.uploadedBytes).toBeGreaterThan(size);
		expect(result.uploadedBytes).toBeLessThan(size + 1024);
		expect(requests.filter((request) => request.method === 'GET' && request.path.includes('/blobs/uploads/'))).toEqual([expect.objectContaining({ status: 404 })]);
		expect(requests.filter((request) => request.method === 'POST')).toHaveLength(2); // model.yaml's session and the file's new one
		expect(requests.filter((request) => request.method === 'PATCH')).toHaveLength(2);
		expect(await registryHolds(repository, digest, weights)).toBe(true);
	}, 60_000);

	it('a registry tag that holds other content is TAG_EXISTS, and nothing is sent or recorded', async () => {
		const namespace = 'shared-tag';
		const theirs = await openShelf();
		await save(theirs, 'iris:v1', { 'model.pkl': 'their weights' });
		const pushed = await pushVersion(theirs.store, clientFor(registry(), namespace), theirs.remoteDb, 'iris:v1');
		const mine = await openShelf();
		await save(mine, 'iris:v1', { 'model.pkl': 'my weights' });

		const { value: error, requests } = await logged(registry(), () => failure(pushVersion(mine.store, clientFor(registry(), namespace), mine.remoteDb, 'iris:v1')));
		expect(error.code).toBe('TAG_EXISTS');
		expect(error.details).toMatchObject({ repository: `${namespace}/iris`, tag: 'v1', remoteDigest: pushed.digest });
		expect(requests.filter((request) => request.method !== 'HEAD' && request.method !== 'GET')).toEqual([]);
		expect(await mine.remoteDb.copiesOf('iris:v1')).toEqual([]);
	});

	it.each([
		['sent in one PUT', 4096],
		['sent in PATCH chunks', UPLOAD_CHUNK + 4096]
	])('a stored file whose bytes no longer match its digest is INTEGRITY when the registry checks them (%s)', async (_how, size) => {
		const shelf = await openShelf();
		const client = clientFor(registry());
		const record = await save(shelf, 'iris:damaged', { 'model.bin': bytes(size) });
		const sha256 = record.files[0]!.sha256;
		const stored = shelf.volume.blobs.get(sha256)!;
		stored[size - 1] = stored[size - 1]! ^ 0xff; // bit rot in storage, after the save hashed it
		const error = await failure(pushVersion(shelf.store, client, shelf.remoteDb, 'iris:damaged'));
		expect(error.code).toBe('INTEGRITY');
		expect(error.details).toMatchObject({ digest: `sha256:${sha256}` });
		const manifest = await fetch(`${registry().directUrl}/v2/${client.remote.namespace}/iris/manifests/damaged`, { method: 'HEAD', headers: { Accept: OCI_MANIFEST_TYPE } });
		expect(manifest.status).toBe(404);
		expect(await shelf.remoteDb.copiesOf('iris:damaged')).toEqual([]);
	}, 60_000);
});
