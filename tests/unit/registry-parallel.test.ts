// Issue 21: a pull reads each blob ahead of the writer, several files at once, and stores them only whole and
// verified, with progress that only grows; requests in parallel on a registry with bearer-token auth share one
// token fetch. Real CNCF Distribution (scripts/registry.mjs), no mock.
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRegistry, type Registry } from '../../scripts/registry.mjs';
import { pullVersion } from '../../src/lib/worker/remote/pull.ts';
import { pushVersion } from '../../src/lib/worker/remote/push.ts';
import { RegistryClient } from '../../src/lib/worker/remote/registry-client.ts';
import { bytes, clientFor, corruptRegistryBlob, failure, logged, openShelf, save, useRegistry } from './registry-fixtures.ts';

const registry = useRegistry();

/** A size that spans several read-ahead chunks of the response. */
const PART_SIZE = 4 * 1024 * 1024;
const sha = (data: Uint8Array) => createHash('sha256').update(data).digest('hex');

async function published(tag: string, files: Record<string, Uint8Array<ArrayBuffer>>) {
	const source = await openShelf();
	await save(source, tag, files);
	const client = clientFor(registry());
	const { repository } = await pushVersion(source.store, client, source.remoteDb, tag);
	return { client, repository };
}

describe('parallel pull', () => {
	it('a large file and a small one are stored byte for byte, each in one request read ahead, and progress only grows to the total', async () => {
		const weights = bytes(3 * PART_SIZE + 5);
		const small = bytes(1000);
		const { client } = await published('big:v1', { 'weights.bin': weights, 'tokenizer.json': small });
		const shelf = await openShelf();
		const seen: number[] = [];
		const { value: result, requests } = await logged(registry(), () =>
			pullVersion(shelf.store, client, shelf.remoteDb, 'big:v1', { report: (progress) => void seen.push(progress.loaded ?? 0) })
		);

		expect(result).toMatchObject({ status: 'created', downloadedBytes: weights.byteLength + small.byteLength });
		expect(Buffer.from(await (await shelf.store.blobs.read(sha(weights))).arrayBuffer()).equals(weights)).toBe(true);
		const gets = requests.filter((request) => request.method === 'GET' && request.path.endsWith(sha(weights)));
		expect(gets.map((request) => [request.status, request.bytes])).toEqual([[200, weights.byteLength]]);
		expect(seen.every((loaded, index) => index === 0 || loaded >= seen[index - 1]!)).toBe(true);
		expect(seen.at(-1)).toBe(weights.byteLength + small.byteLength);
	}, 60_000);

	it('a large file damaged past its first 4 MiB is INTEGRITY; nothing is stored, no temporary file is left', async () => {
		const weights = bytes(2 * PART_SIZE + 7);
		const { client, repository } = await published('big:v2', { 'weights.bin': weights });
		const damaged = weights.slice();
		damaged[PART_SIZE + 3] = damaged[PART_SIZE + 3]! ^ 0xff; // read ahead while the first megabytes are written
		corruptRegistryBlob(registry(), `sha256:${sha(weights)}`, damaged);
		const shelf = await openShelf();

		const error = await failure(pullVersion(shelf.store, client, shelf.remoteDb, 'big:v2'));
		expect(error.code).toBe('INTEGRITY');
		expect(error.details).toMatchObject({ path: 'weights.bin', repository });
		expect(await shelf.store.catalogue.names()).toEqual([]);
		expect(await shelf.store.blobs.list()).toEqual([]);
		expect(shelf.volume.tmp.size).toBe(0);
	}, 60_000);

	it('cancelled mid-file while the response is read ahead: ABORTED, nothing stored', async () => {
		const weights = bytes(4 * PART_SIZE);
		const { client } = await published('big:v3', { 'weights.bin': weights });
		const shelf = await openShelf();
		const cancel = new AbortController();
		const error = await failure(
			pullVersion(shelf.store, client, shelf.remoteDb, 'big:v3', { signal: cancel.signal, report: (progress) => void ((progress.loaded ?? 0) >= PART_SIZE && cancel.abort()) })
		);
		expect(error.code).toBe('ABORTED');
		expect(await shelf.store.catalogue.names()).toEqual([]);
		expect(await shelf.store.blobs.list()).toEqual([]);
		expect(shelf.volume.tmp.size).toBe(0);
	}, 60_000);
});

describe('bearer tokens under parallel requests', () => {
	const USER = 'alice';
	const PASSWORD = 'correct horse battery';
	let tokenRegistry: Registry | undefined;
	beforeAll(async () => {
		tokenRegistry = await startRegistry({ origin: 'http://localhost:4321', auth: { kind: 'token', user: USER, password: PASSWORD } });
	}, 30_000);
	afterAll(async () => {
		await tokenRegistry?.close();
	});

	it('requests sent at once, all challenged, wait for one token fetch and all go through with it', async () => {
		const target = tokenRegistry!;
		const client = new RegistryClient({ url: target.url, namespace: 'team' }, { username: USER, password: PASSWORD });
		const before = target.tokenRequests().length;
		const answers = await Promise.all(
			Array.from({ length: 4 }, (_, index) => client.request(`team/iris/blobs/sha256:${'0'.repeat(63)}${index}`, { method: 'HEAD', repository: 'team/iris', accept: [404] }))
		);
		expect(answers.map((response) => response.status)).toEqual(Array(4).fill(404));
		expect(target.tokenRequests().slice(before)).toHaveLength(1);
	});
});
