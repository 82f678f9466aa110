// Worker: IndexedDB through idb (Chromium, Firefox, Safari; fake-indexeddb in Node tests).
//
// The remote's own small database, apart from the catalogue so that its schema never has to move with the
// catalogue's: one typed DBSchema and the ordered list of migrations that builds it, as in
// ../catalogue/schema.ts. Migrations are append-only: REMOTE_MIGRATIONS[v] upgrades version v to v + 1
// inside the one `versionchange` transaction, so a user's saved remote, upload sessions and copies survive.

import type { DBSchema, IDBPDatabase } from 'idb';
import { openMigratedDatabase, type Migration, type UpgradeTransaction } from '../migrated-database.ts';
import type { SignatureCheck } from '../contract.ts';

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
	/** For a pull: the signature as checked then (issue 20; absent on copies recorded before). */
	signature?: SignatureCheck;
}

/** A repository of a registry that had a blob when the shelf last pushed or pulled it. */
export interface KnownBlob {
	/** `${registry}|${digest}` */
	key: string;
	repository: string;
}

/** The remote database. */
/**
 * A pull under way or interrupted (issue 22): the files it has stored whole so far. fsck keeps those blobs,
 * which no version references yet, so pulling the same artifact again reuses them instead of downloading
 * them again; the entry goes when the pull commits, and is forgotten after {@link PULL_JOURNAL_DAYS}.
 */
export interface PullJournal {
	/** `registry|repository@manifest digest`. */
	key: string;
	startedAt: number;
	files: Array<{ sha256: string; size: number; crc32: number }>;
}

export interface RemoteSchema extends DBSchema {
	/** One entry, under the out-of-line key `remote`. */
	settings: { key: string; value: SavedRemote };
	uploads: { key: string; value: UploadSession };
	copies: { key: string; value: RemoteCopy; indexes: { 'by-tag': string } };
	/** Which repository of a registry already has a blob, for cross-repository mounts. */
	blobs: { key: string; value: KnownBlob };
	pulls: { key: string; value: PullJournal };
}

/** The `versionchange` transaction a migration runs in. */
export type RemoteUpgradeTransaction = UpgradeTransaction<RemoteSchema>;

/** One schema step. It runs inside the upgrade transaction, so it must be synchronous or only queue IDB requests. */
export type RemoteMigration = Migration<RemoteSchema>;

/**
 * Every schema step, oldest first: `REMOTE_MIGRATIONS[v]` upgrades version v to v + 1. Append; never edit a
 * shipped step, since browsers that already ran it will not run it again.
 */
export const REMOTE_MIGRATIONS: readonly RemoteMigration[] = [
	// 0 → 1: the layout the first release created with an inline `upgrade`, store for store.
	(db) => {
		db.createObjectStore('settings');
		db.createObjectStore('uploads', { keyPath: 'key' });
		db.createObjectStore('copies', { keyPath: 'key' }).createIndex('by-tag', 'tag');
		db.createObjectStore('blobs', { keyPath: 'key' });
	},
	// 1 → 2: the journal of interrupted pulls (issue 22).
	(db) => {
		db.createObjectStore('pulls', { keyPath: 'key' });
	}
];

/** The schema version this build writes: one per migration. */
export const REMOTE_DB_VERSION = REMOTE_MIGRATIONS.length;

/** The database's name since the first release. */
export const REMOTE_DB_NAME = 'model-shelf-remote';

/** Where and how to open the remote database. */
export interface OpenRemoteDatabaseOptions {
	/** Database name; default {@link REMOTE_DB_NAME}. */
	name?: string;
	/** IndexedDB factory; default `globalThis.indexedDB` (tests pass a fresh fake one). */
	factory?: IDBFactory;
	/** Schema steps; the database version is their count. Default {@link REMOTE_MIGRATIONS}. */
	migrations?: readonly RemoteMigration[];
}

/**
 * Opens (creating or upgrading) the remote database.
 * @param options name, factory and migrations
 * @throws ShelfError `UNSUPPORTED` without IndexedDB, or when the stored schema is newer than this build
 */
export function openRemoteDatabase({ name = REMOTE_DB_NAME, factory, migrations = REMOTE_MIGRATIONS }: OpenRemoteDatabaseOptions = {}): Promise<IDBPDatabase<RemoteSchema>> {
	return openMigratedDatabase({ name, factory, migrations, what: 'remote settings' });
}
