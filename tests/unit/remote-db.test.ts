// The remote database (issue 15) in Node, on fake-indexeddb: its schema and migrations, a version-1
// database written by the first release's inline `upgrade` opened by the new code, and the credentials
// rule (memory unless "remember"). Each test gets its own IDBFactory.
import 'fake-indexeddb/auto';
import { IDBFactory } from 'fake-indexeddb';
import { openDB } from 'idb';
import { describe, expect, it } from 'vitest';
import { ShelfError } from '../../src/lib/core/errors.ts';
import { openRemoteDb } from '../../src/lib/worker/remote/remote-db.ts';
import { REMOTE_DB_NAME, REMOTE_DB_VERSION, REMOTE_MIGRATIONS, openRemoteDatabase, type RemoteMigration } from '../../src/lib/worker/remote/remote-schema.ts';

const REGISTRY = 'https://registry.acme.dev';

/**
 * Creates `model-shelf-remote` exactly as the first release did (its `openDB` call, `upgrade` and writes,
 * copied from remote-db.ts before issue 15), with a remembered remote, an upload session, a copy and a blob.
 */
async function createFirstReleaseDatabase(factory: IDBFactory): Promise<void> {
	const previous = globalThis.indexedDB;
	globalThis.indexedDB = factory; // idb's openDB reads the global factory
	try {
		const db = await openDB('model-shelf-remote', 1, {
			upgrade(db) {
				db.createObjectStore('settings');
				db.createObjectStore('uploads', { keyPath: 'key' });
				db.createObjectStore('copies', { keyPath: 'key' }).createIndex('by-tag', 'tag');
				db.createObjectStore('blobs', { keyPath: 'key' });
			}
		});
		await db.put('settings', { url: REGISTRY, namespace: 'team', username: 'ana', password: 's3cret' }, 'remote');
		await db.put('uploads', { key: `${REGISTRY}|team/iris|sha256:${'a'.repeat(64)}`, location: `${REGISTRY}/v2/team/iris/blobs/uploads/u1?_state=x`, offset: 8388608, updatedAt: 1 });
		await db.put('copies', { key: `${REGISTRY}|iris:v1`, registry: REGISTRY, repository: 'team/iris', tag: 'iris:v1', digest: `sha256:${'b'.repeat(64)}`, how: 'pushed', at: 2 });
		await db.put('blobs', { key: `${REGISTRY}|sha256:${'c'.repeat(64)}`, repository: 'team/iris' });
		db.close();
	} finally {
		globalThis.indexedDB = previous;
	}
}

async function codeOf(promise: Promise<unknown>): Promise<string | undefined> {
	const error = await promise.then(
		() => undefined,
		(caught: unknown) => caught
	);
	expect(error).toBeInstanceOf(ShelfError);
	return (error as ShelfError).code;
}

describe('remote schema migrations', () => {
	it('builds the first release’s stores and index and the pull journal (issue 22) from version 0, under the first release’s name', async () => {
		expect(REMOTE_DB_NAME).toBe('model-shelf-remote');
		expect(REMOTE_DB_VERSION).toBe(2);
		expect(REMOTE_MIGRATIONS).toHaveLength(REMOTE_DB_VERSION);
		const db = await openRemoteDatabase({ factory: new IDBFactory() });
		expect(db.name).toBe('model-shelf-remote');
		expect([...db.objectStoreNames].sort()).toEqual(['blobs', 'copies', 'pulls', 'settings', 'uploads']);
		const tx = db.transaction(['settings', 'uploads', 'copies', 'blobs', 'pulls']);
		expect(tx.objectStore('pulls').keyPath).toBe('key');
		expect(tx.objectStore('settings').keyPath).toBeNull();
		expect(tx.objectStore('uploads').keyPath).toBe('key');
		expect(tx.objectStore('blobs').keyPath).toBe('key');
		const copies = tx.objectStore('copies');
		expect(copies.keyPath).toBe('key');
		expect([...copies.indexNames]).toEqual(['by-tag']);
		expect(copies.index('by-tag').keyPath).toBe('tag');
		db.close();
	});

	it('opens a database the first release created and finds the saved remote, upload session, copy and blob', async () => {
		const factory = new IDBFactory();
		await createFirstReleaseDatabase(factory);
		const remoteDb = await openRemoteDb({ factory });
		expect(await remoteDb.remote()).toEqual({ url: REGISTRY, namespace: 'team', username: 'ana', password: 's3cret' });
		expect(await remoteDb.credentials(REGISTRY)).toEqual({ username: 'ana', password: 's3cret' });
		expect(await remoteDb.upload(`${REGISTRY}|team/iris|sha256:${'a'.repeat(64)}`)).toMatchObject({ offset: 8388608 });
		expect(await remoteDb.copiesOf('iris:v1')).toEqual([
			{ key: `${REGISTRY}|iris:v1`, registry: REGISTRY, repository: 'team/iris', tag: 'iris:v1', digest: `sha256:${'b'.repeat(64)}`, how: 'pushed', at: 2 }
		]);
		expect(await remoteDb.repositoryWithBlob(REGISTRY, `sha256:${'c'.repeat(64)}`)).toBe('team/iris');
		remoteDb.close();
	});

	it('runs only the new steps on a version-1 database and keeps its data; an older build then refuses it', async () => {
		const factory = new IDBFactory();
		await createFirstReleaseDatabase(factory);
		const ran: number[] = [];
		const addByRegistry: RemoteMigration = (_db, tx) => {
			ran.push(3);
			// A later schema would declare this index in its DBSchema; the cast stands in for that.
			(tx.objectStore('copies') as unknown as { createIndex(name: string, keyPath: string): void }).createIndex('by-registry', 'registry');
		};
		const db = await openRemoteDatabase({ factory, migrations: [...REMOTE_MIGRATIONS, addByRegistry] });
		expect(ran).toEqual([3]);
		expect(db.version).toBe(3);
		expect(db.objectStoreNames.contains('pulls')).toBe(true); // step 1 → 2 ran too
		expect([...db.transaction('copies').store.indexNames].sort()).toEqual(['by-registry', 'by-tag']);
		expect((await db.get('settings', 'remote'))?.namespace).toBe('team');
		db.close();
		expect(await codeOf(openRemoteDb({ factory }))).toBe('UNSUPPORTED');
	});
});

describe('remote settings and credentials', () => {
	it('keeps credentials typed without "remember" in memory: the database never holds them, and a new adapter does not know them', async () => {
		const factory = new IDBFactory();
		const remoteDb = await openRemoteDb({ factory });
		await remoteDb.setRemote({ url: REGISTRY, namespace: 'team' }, { username: 'ana', password: 's3cret' }, false);
		expect(await remoteDb.remote()).toEqual({ url: REGISTRY, namespace: 'team' });
		expect(await remoteDb.credentials(REGISTRY)).toEqual({ username: 'ana', password: 's3cret' });
		expect(await remoteDb.credentials('https://other.example')).toBeUndefined();
		remoteDb.close();

		const later = await openRemoteDb({ factory });
		expect(await later.remote()).toEqual({ url: REGISTRY, namespace: 'team' });
		expect(await later.credentials(REGISTRY)).toBeUndefined();
		later.close();
	});

	it('saves remembered credentials with the remote, and saving again without them forgets this session’s', async () => {
		const factory = new IDBFactory();
		const remoteDb = await openRemoteDb({ factory });
		await remoteDb.setRemote({ url: REGISTRY, namespace: 'team' }, { username: 'ana', password: 'typed' }, false);
		await remoteDb.setRemote({ url: REGISTRY, namespace: 'team' }, { username: 'ana', password: 's3cret' }, true);
		remoteDb.close();
		const later = await openRemoteDb({ factory });
		expect(await later.credentials(REGISTRY)).toEqual({ username: 'ana', password: 's3cret' });
		await later.setRemote({ url: REGISTRY, namespace: 'team' }, undefined, false);
		expect(await later.remote()).toEqual({ url: REGISTRY, namespace: 'team' });
		expect(await later.credentials(REGISTRY)).toBeUndefined();
		later.close();
	});

	it('keeps upload sessions until dropped, copies by local tag, and the latest repository seen with a blob', async () => {
		const remoteDb = await openRemoteDb({ factory: new IDBFactory() });
		const key = `${REGISTRY}|team/iris|sha256:${'a'.repeat(64)}`;
		await remoteDb.saveUpload({ key, location: 'https://registry.acme.dev/v2/u?1', offset: 0, updatedAt: 1 });
		await remoteDb.saveUpload({ key, location: 'https://registry.acme.dev/v2/u?2', offset: 8, updatedAt: 2 });
		expect(await remoteDb.upload(key)).toEqual({ key, location: 'https://registry.acme.dev/v2/u?2', offset: 8, updatedAt: 2 });
		await remoteDb.dropUpload(key);
		expect(await remoteDb.upload(key)).toBeUndefined();

		await remoteDb.recordCopy({ registry: REGISTRY, repository: 'team/iris', tag: 'iris:v1', digest: 'sha256:1', how: 'pushed', at: 1 });
		await remoteDb.recordCopy({ registry: 'https://other.example', repository: 'x/iris', tag: 'iris:v1', digest: 'sha256:2', how: 'pulled', at: 2 });
		await remoteDb.recordCopy({ registry: REGISTRY, repository: 'team/iris', tag: 'iris:v1', digest: 'sha256:3', how: 'pulled', at: 3 });
		expect((await remoteDb.copiesOf('iris:v1')).map((copy) => [copy.registry, copy.digest, copy.how])).toEqual([
			['https://other.example', 'sha256:2', 'pulled'],
			[REGISTRY, 'sha256:3', 'pulled']
		]);
		expect(await remoteDb.copiesOf('iris:v2')).toEqual([]);

		await remoteDb.recordBlobs(REGISTRY, 'team/iris', ['sha256:a', 'sha256:b']);
		await remoteDb.recordBlobs(REGISTRY, 'team/bert', ['sha256:b']);
		expect(await remoteDb.repositoryWithBlob(REGISTRY, 'sha256:a')).toBe('team/iris');
		expect(await remoteDb.repositoryWithBlob(REGISTRY, 'sha256:b')).toBe('team/bert');
		expect(await remoteDb.repositoryWithBlob('https://other.example', 'sha256:a')).toBeUndefined();
		remoteDb.close();
	});

	it('keeps a pull’s journal across an interruption for a week, forgets it when the pull commits, and lists the blobs fsck must keep', async () => {
		const remoteDb = await openRemoteDb({ factory: new IDBFactory() });
		const key = `${REGISTRY}|team/rose@sha256:${'d'.repeat(64)}`;
		const file = { sha256: 'e'.repeat(64), size: 3, crc32: 7 };
		const day = 86_400_000;
		expect(await remoteDb.startPull(key, 0)).toEqual([]);
		await remoteDb.pulledFile(key, file);
		expect(await remoteDb.pulledBlobs(day)).toEqual(new Set([file.sha256]));
		// The same pull again, after a crash: it learns what the first run stored whole.
		expect(await remoteDb.startPull(key, 2 * day)).toEqual([file]);
		await remoteDb.endPull(key);
		expect(await remoteDb.pulledBlobs(2 * day)).toEqual(new Set());
		// Never retried: after a week the journal goes, and its blobs are orphans again.
		await remoteDb.startPull(key, 0);
		await remoteDb.pulledFile(key, file);
		expect(await remoteDb.pulledBlobs(7 * day)).toEqual(new Set());
		expect(await remoteDb.startPull(key, 7 * day)).toEqual([]);
		remoteDb.close();
	});
});
