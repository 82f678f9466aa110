// Worker: IndexedDB through idb (Chromium, Firefox, Safari; fake-indexeddb in Node tests).
//
// The catalogue's database: one typed DBSchema, the ordered list of migrations that builds it, and the
// mapping between a VersionRecord and what is stored (the record plus fields that only exist to be indexed).
// Migrations are append-only: MIGRATIONS[v] upgrades a database from version v to v + 1, so a browser that
// skipped releases replays every step it missed, in order, inside the one `versionchange` transaction.

import type { DBSchema, IDBPDatabase } from 'idb';
import { openMigratedDatabase, type Migration as SchemaMigration, type UpgradeTransaction as MigrationTransaction } from '../migrated-database.ts';
import type { NameSummary, VersionRecord } from '../../core/store-types.ts';

/** Fields derived from a {@link VersionRecord} at `add`, stored beside it only so that indexes can find it. */
export interface IndexFields {
	/** `key=value` for every label. */
	labelPairs: string[];
	/** Every label key. */
	labelKeys: string[];
	/** Unique SHA-256 digests of the version's files: the blob reference count is `by-digest`'s count. */
	digests: string[];
	/** `key=value\u0000createdKey` per label: the versions carrying a pair, in creation order. */
	labelCreated: string[];
	/** `key\u0000createdKey` per label key: the versions having a key, in creation order. */
	keyCreated: string[];
}

/** A version as the `versions` store holds it. */
export type StoredVersion = VersionRecord & IndexFields;

/** The catalogue database. Index keys are what each index sorts by. */
export interface CatalogueSchema extends DBSchema {
	versions: {
		key: string;
		value: StoredVersion;
		indexes: {
			'by-created': string;
			'by-name-created': [string, string];
			'by-label': string;
			'by-label-key': string;
			'by-label-created': string;
			'by-key-created': string;
			'by-digest': string;
		};
	};
	names: {
		key: string;
		value: NameSummary;
	};
}

/** The `versionchange` transaction a migration runs in. */
export type UpgradeTransaction = MigrationTransaction<CatalogueSchema>;

/** One schema step. It runs inside the upgrade transaction, so it must be synchronous or only queue IDB requests. */
export type Migration = SchemaMigration<CatalogueSchema>;

/** Separates a label pair or key from the createdKey in the composite index keys (never part of either). */
export const KEY_SEPARATOR = '\u0000';

/**
 * Every schema step, oldest first: `MIGRATIONS[v]` upgrades version v to v + 1. Append; never edit a
 * shipped step, since browsers that already ran it will not run it again.
 */
export const MIGRATIONS: readonly Migration[] = [
	// 0 → 1: versions with their indexes, and one summary per model name.
	(db) => {
		const versions = db.createObjectStore('versions', { keyPath: 'tag' });
		versions.createIndex('by-created', 'createdKey', { unique: true });
		versions.createIndex('by-name-created', ['name', 'createdKey']);
		versions.createIndex('by-label', 'labelPairs', { multiEntry: true });
		versions.createIndex('by-label-key', 'labelKeys', { multiEntry: true });
		versions.createIndex('by-label-created', 'labelCreated', { multiEntry: true });
		versions.createIndex('by-key-created', 'keyCreated', { multiEntry: true });
		versions.createIndex('by-digest', 'digests', { multiEntry: true });
		db.createObjectStore('names', { keyPath: 'name' });
	}
];

/** The schema version this build writes: one per migration. */
export const DB_VERSION = MIGRATIONS.length;

/** Default database name. */
export const DEFAULT_DB_NAME = 'model-shelf';

/** Where and how to open the catalogue database. */
export interface OpenDatabaseOptions {
	/** Database name; default {@link DEFAULT_DB_NAME}. */
	name?: string;
	/** IndexedDB factory; default `globalThis.indexedDB` (tests pass a fresh fake one). */
	factory?: IDBFactory;
	/** Schema steps; the database version is their count. Default {@link MIGRATIONS}. */
	migrations?: readonly Migration[];
}

/**
 * Opens (creating or upgrading) the catalogue database.
 * @param options name, factory and migrations
 * @throws ShelfError `UNSUPPORTED` without IndexedDB, or when the stored schema is newer than this build
 */
export function openCatalogueDatabase({ name = DEFAULT_DB_NAME, factory, migrations = MIGRATIONS }: OpenDatabaseOptions = {}): Promise<IDBPDatabase<CatalogueSchema>> {
	return openMigratedDatabase({ name, factory, migrations, what: 'catalogue' });
}

/**
 * Adds the index fields to a record for storage.
 * @param record the version as callers see it
 */
export function toStored(record: VersionRecord): StoredVersion {
	const labels = Object.entries(record.info.labels ?? {});
	const pairs = labels.map(([key, value]) => `${key}=${value}`);
	const keys = labels.map(([key]) => key);
	// A separator inside a label would let its entry stray into another pair's range (`k=a` + U+0000 + …),
	// so it is replaced there. Selectors cannot name such a label, so no query loses it.
	const composite = (text: string): string => `${text.replaceAll(KEY_SEPARATOR, '\u0001')}${KEY_SEPARATOR}${record.createdKey}`;
	return {
		...record,
		labelPairs: pairs,
		labelKeys: keys,
		digests: [...new Set(record.files.map((file) => file.sha256))].sort(),
		labelCreated: pairs.map(composite),
		keyCreated: keys.map(composite)
	};
}

/**
 * Strips the index fields, so callers get exactly a {@link VersionRecord}.
 * @param stored the value read from the `versions` store
 */
export function fromStored(stored: StoredVersion): VersionRecord {
	const { labelPairs: _pairs, labelKeys: _keys, digests: _digests, labelCreated: _labelCreated, keyCreated: _keyCreated, ...record } = stored;
	return record;
}
