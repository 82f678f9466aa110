// Worker: what the shelf remembers about registries, in its own small IndexedDB database (apart from the
// catalogue, so that its schema never has to move with the catalogue's): the configured remote, upload
// sessions to resume, and which manifest digest each pushed or pulled version has on which registry.
import { openDB, type DBSchema, type IDBPDatabase } from 'idb';
import type { Credentials } from './registry-client.ts';

/** The remote as saved: address and namespace always; credentials only when the user ticked "remember". */
export interface SavedRemote {
	url: string;
	namespace: string;
	username?: string;
	password?: string;
}

/** An unfinished chunked upload: where to continue it. */
export interface UploadSession {
	/** `${registry}|${repository}|${digest}` */
	key: string;
	location: string;
	offset: number;
	updatedAt: number;
}

/** A version known to be on a registry under a manifest digest. */
export interface RemoteCopy {
	/** `${registry}|${tag}` */
	key: string;
	registry: string;
	repository: string;
	tag: string;
	digest: string;
	/** `pushed` or `pulled`, and when. */
	how: 'pushed' | 'pulled';
	at: number;
}

interface RemoteSchema extends DBSchema {
	settings: { key: string; value: SavedRemote };
	uploads: { key: string; value: UploadSession };
	copies: { key: string; value: RemoteCopy; indexes: { 'by-tag': string } };
	/** Which repository of a registry already has a blob, for cross-repository mounts: key `${registry}|${digest}`. */
	blobs: { key: string; value: { key: string; repository: string } };
}

let database: Promise<IDBPDatabase<RemoteSchema>> | undefined;

function _db(): Promise<IDBPDatabase<RemoteSchema>> {
	database ??= openDB<RemoteSchema>('model-shelf-remote', 1, {
		upgrade(db) {
			db.createObjectStore('settings');
			db.createObjectStore('uploads', { keyPath: 'key' });
			db.createObjectStore('copies', { keyPath: 'key' }).createIndex('by-tag', 'tag');
			db.createObjectStore('blobs', { keyPath: 'key' });
		}
	});
	return database;
}

/** Credentials typed this session without "remember": kept in the worker's memory only. */
let sessionCredentials: { url: string; credentials: Credentials } | undefined;

export const remoteDb = {
	async remote(): Promise<SavedRemote | undefined> {
		return (await _db()).get('settings', 'remote');
	},
	/**
	 * Saves the remote; credentials go to disk only with `remember`, otherwise to memory until the worker ends.
	 */
	async setRemote(remote: { url: string; namespace: string }, credentials: Credentials | undefined, remember: boolean): Promise<void> {
		const saved: SavedRemote = { url: remote.url, namespace: remote.namespace };
		if (credentials && remember) Object.assign(saved, credentials);
		sessionCredentials = credentials && !remember ? { url: remote.url, credentials } : undefined;
		await (await _db()).put('settings', saved, 'remote');
	},
	/** Credentials for the saved remote: remembered ones, or this session's. */
	async credentials(url: string): Promise<Credentials | undefined> {
		const saved = await remoteDb.remote();
		if (saved?.url === url && saved.username !== undefined && saved.password !== undefined) return { username: saved.username, password: saved.password };
		return sessionCredentials?.url === url ? sessionCredentials.credentials : undefined;
	},
	async upload(key: string): Promise<UploadSession | undefined> {
		return (await _db()).get('uploads', key);
	},
	async saveUpload(session: UploadSession): Promise<void> {
		await (await _db()).put('uploads', session);
	},
	async dropUpload(key: string): Promise<void> {
		await (await _db()).delete('uploads', key);
	},
	async recordCopy(copy: Omit<RemoteCopy, 'key'>): Promise<void> {
		await (await _db()).put('copies', { ...copy, key: `${copy.registry}|${copy.tag}` });
	},
	/** Where a local version is known to be on registries, with its manifest digest there. */
	async copiesOf(tag: string): Promise<RemoteCopy[]> {
		return (await _db()).getAllFromIndex('copies', 'by-tag', tag);
	},
	async recordBlobs(registry: string, repository: string, digests: string[]): Promise<void> {
		const tx = (await _db()).transaction('blobs', 'readwrite');
		await Promise.all([...digests.map((digest) => tx.store.put({ key: `${registry}|${digest}`, repository })), tx.done]);
	},
	/** A repository of the registry that had this blob when the shelf last looked, for a cross-repository mount. */
	async repositoryWithBlob(registry: string, digest: string): Promise<string | undefined> {
		return (await (await _db()).get('blobs', `${registry}|${digest}`))?.repository;
	}
};
