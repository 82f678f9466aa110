// Worker: what the shelf remembers about registries (schema: ./remote-schema.ts): the configured remote,
// upload sessions to resume, which manifest digest each pushed or pulled version has on which registry,
// and which repository holds which blob. One adapter object per worker, passed to push and pull, so they
// run on fake-indexeddb in Node tests as well as on the browser's IndexedDB.
import type { IDBPDatabase } from 'idb';
import type { Credentials } from './registry-client.ts';
import { openRemoteDatabase, type OpenRemoteDatabaseOptions, type PullJournal, type RemoteCopy, type RemoteSchema, type SavedRemote, type UploadSession } from './remote-schema.ts';

/** How long the blobs of an interrupted pull are kept for a pull of the same artifact to reuse. */
export const PULL_JOURNAL_DAYS = 7;

export type { RemoteCopy, SavedRemote, UploadSession } from './remote-schema.ts';

/** Where to open the remote database. */
export type OpenRemoteDbOptions = Pick<OpenRemoteDatabaseOptions, 'name' | 'factory'>;

/**
 * Opens the remote database (creating or upgrading it) and returns its adapter. Credentials typed without
 * "remember" live in the adapter, so one adapter should serve the worker's whole life.
 * @param options `name` (default `'model-shelf-remote'`) and `factory` (default `globalThis.indexedDB`)
 * @throws ShelfError `UNSUPPORTED` without IndexedDB or when the stored schema is newer than this build
 * @example
 * const remoteDb = await openRemoteDb();
 * await remoteDb.setRemote({ url: 'https://registry.acme.dev', namespace: 'team' }, { username: 'ana', password: '…' }, false);
 * const credentials = await remoteDb.credentials('https://registry.acme.dev'); // this session only
 */
export async function openRemoteDb(options: OpenRemoteDbOptions = {}): Promise<RemoteDb> {
	return new RemoteDb(await openRemoteDatabase(options));
}

/** The remote database's operations. Every method is one transaction. */
export class RemoteDb {
	readonly #db: IDBPDatabase<RemoteSchema>;
	/** Credentials typed this session without "remember": kept in the worker's memory only. */
	#sessionCredentials: { url: string; credentials: Credentials } | undefined;

	/** @param db an open remote database (see `openRemoteDatabase`) */
	constructor(db: IDBPDatabase<RemoteSchema>) {
		this.#db = db;
	}

	/** Closes the connection; later calls fail. */
	close(): void {
		this.#db.close();
	}

	/** The saved remote, or undefined before one is set. */
	async remote(): Promise<SavedRemote | undefined> {
		return this.#db.get('settings', 'remote');
	}

	/**
	 * Saves the remote; credentials go to disk only with `remember`, otherwise to memory until the worker ends.
	 * @param remote the normalized address and namespace
	 * @param credentials the user's, or undefined for anonymous access
	 * @param remember whether credentials may be written to disk
	 */
	async setRemote(remote: { url: string; namespace: string }, credentials: Credentials | undefined, remember: boolean): Promise<void> {
		const saved: SavedRemote = { url: remote.url, namespace: remote.namespace };
		if (credentials && remember) Object.assign(saved, credentials);
		this.#sessionCredentials = credentials && !remember ? { url: remote.url, credentials } : undefined;
		await this.#db.put('settings', saved, 'remote');
	}

	/**
	 * Credentials for the saved remote: remembered ones, or this session's.
	 * @param url the registry's normalized address
	 */
	async credentials(url: string): Promise<Credentials | undefined> {
		const saved = await this.remote();
		if (saved?.url === url && saved.username !== undefined && saved.password !== undefined) return { username: saved.username, password: saved.password };
		return this.#sessionCredentials?.url === url ? this.#sessionCredentials.credentials : undefined;
	}

	/**
	 * The saved state of an unfinished chunked upload.
	 * @param key `${registry}|${repository}|${digest}`
	 */
	async upload(key: string): Promise<UploadSession | undefined> {
		return this.#db.get('uploads', key);
	}

	/**
	 * Saves where a chunked upload stands, after every chunk.
	 * @param session its key, location and offset
	 */
	async saveUpload(session: UploadSession): Promise<void> {
		await this.#db.put('uploads', session);
	}

	/**
	 * Forgets a finished upload.
	 * @param key as for {@link RemoteDb.upload}
	 */
	async dropUpload(key: string): Promise<void> {
		await this.#db.delete('uploads', key);
	}

	/**
	 * Records that a local version is on a registry under a manifest digest.
	 * @param copy where, under which digest, and how it got there
	 */
	async recordCopy(copy: Omit<RemoteCopy, 'key'>): Promise<void> {
		await this.#db.put('copies', { ...copy, key: `${copy.registry}|${copy.tag}` });
	}

	/**
	 * Where a local version is known to be on registries, with its manifest digest there.
	 * @param tag the local `name:version`
	 */
	async copiesOf(tag: string): Promise<RemoteCopy[]> {
		return this.#db.getAllFromIndex('copies', 'by-tag', tag);
	}

	/**
	 * Records that a repository of a registry has these blobs.
	 * @param registry the registry's address
	 * @param repository the repository that has them
	 * @param digests `sha256:<hex>` each
	 */
	async recordBlobs(registry: string, repository: string, digests: string[]): Promise<void> {
		const tx = this.#db.transaction('blobs', 'readwrite');
		await Promise.all([...digests.map((digest) => tx.store.put({ key: `${registry}|${digest}`, repository })), tx.done]);
	}

	/**
	 * A repository of the registry that had this blob when the shelf last looked, for a cross-repository mount.
	 * @param registry the registry's address
	 * @param digest `sha256:<hex>`
	 */
	async repositoryWithBlob(registry: string, digest: string): Promise<string | undefined> {
		return (await this.#db.get('blobs', `${registry}|${digest}`))?.repository;
	}

	/**
	 * Opens (or reopens, keeping what an interrupted run stored) the journal of a pull.
	 * @param key `registry|repository@digest`
	 * @returns the files an earlier, interrupted run of the same pull stored whole
	 */
	async startPull(key: string, now: number): Promise<PullJournal['files']> {
		const tx = this.#db.transaction('pulls', 'readwrite');
		const earlier = await tx.store.get(key);
		const files = earlier && now - earlier.startedAt < PULL_JOURNAL_DAYS * 86_400_000 ? earlier.files : [];
		await Promise.all([tx.store.put({ key, startedAt: now, files }), tx.done]);
		return files;
	}

	/** Notes one file the pull has stored whole (its blob is in the store, not yet referenced by a version). */
	async pulledFile(key: string, file: PullJournal['files'][number]): Promise<void> {
		const tx = this.#db.transaction('pulls', 'readwrite');
		const journal = await tx.store.get(key);
		if (journal) await tx.store.put({ ...journal, files: [...journal.files.filter((known) => known.sha256 !== file.sha256), file] });
		await tx.done;
	}

	/** Forgets a pull's journal once its version is committed (its blobs are referenced now). */
	async endPull(key: string): Promise<void> {
		await this.#db.delete('pulls', key);
	}

	/**
	 * The blobs interrupted pulls stored whole, for fsck to keep; journals older than {@link PULL_JOURNAL_DAYS}
	 * are forgotten, so their blobs become orphans it removes.
	 */
	async pulledBlobs(now: number): Promise<Set<string>> {
		const tx = this.#db.transaction('pulls', 'readwrite');
		const kept = new Set<string>();
		for (const journal of await tx.store.getAll()) {
			if (now - journal.startedAt >= PULL_JOURNAL_DAYS * 86_400_000) await tx.store.delete(journal.key);
			else for (const file of journal.files) kept.add(file.sha256);
		}
		await tx.done;
		return kept;
	}
}
