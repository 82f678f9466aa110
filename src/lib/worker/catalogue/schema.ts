// Worker: IndexedDB through idb (Chromium, Firefox, Safari; fake-indexeddb in Node tests).
//
// The catalogue's database: one typed DBSchema, the ordered list of migrations that builds it, and the
// mapping between a VersionRecord and what is stored (the record plus fields that only exist to be indexed).
// Migrations are append-only: MIGRATIONS[v] upgrades a database from version v to v + 1, so a browser that
// skipped releases replays every step it missed, in order, inside the one `versionchange` transaction.

import { unwrap, type DBSchema, type IDBPDatabase } from 'idb';
import { ledgerLine } from '../../core/lifecycle/ledger.ts';
import { metricEntries } from '../../core/lifecycle/metric-filter.ts';
import { countStoredLabels, type StoredLabelCount } from './label-counts.ts';
import { NAME_DIRECTORY_KEY, sortedNames } from './name-directory.ts';
import { openMigratedDatabase, type Migration as SchemaMigration, type UpgradeTransaction as MigrationTransaction } from '../migrated-database.ts';
import type { AliasEvent, Alias, LastUse, NameSummary, TrashedVersion, VersionRecord } from '../../core/store-types.ts';

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
	/** `[key, value, createdKey]` per numeric metadata value: the versions in order of a metric. */
	metricEntries: Array<[string, number, string]>;
}

/** A version in the trash as the `trash` store holds it: its digests beside it, so its blobs stay referenced. */
export interface StoredTrash extends TrashedVersion {
	tag: string;
	digests: string[];
}

/** One model's ledger lines (core/lifecycle/ledger.ts), shelf and trash, in no particular order. */
export interface StoredLedger {
	name: string;
	lines: string[];
}

/** A setting of the catalogue (how long the trash keeps versions). */
export interface StoredSetting {
	key: 'trashDays';
	value: number;
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
			'by-metric': [string, number, string];
			'by-facts': number;
		};
	};
	names: {
		key: string;
		value: NameSummary;
	};
	/** One record, {@link NAME_DIRECTORY_KEY}: every name in `names`, sorted (name-directory.ts). */
	'name-directory': {
		key: string;
		value: string[];
	};
	trash: {
		key: string;
		value: StoredTrash;
		indexes: { 'by-digest': string; 'by-trashed': number; 'by-facts': number };
	};
	aliases: {
		key: [string, string];
		value: Alias;
	};
	'alias-history': {
		key: number;
		value: AliasEvent;
		indexes: { 'by-name': string };
	};
	ledger: {
		key: string;
		value: StoredLedger;
	};
	'last-used': {
		key: string;
		value: LastUse;
	};
	settings: {
		key: string;
		value: StoredSetting;
	};
	'label-counts': {
		key: [StoredLabelCount['kind'], string];
		value: StoredLabelCount;
	};
}

/** Every store a lifecycle write (add, trash, restore, purge, aliases) may touch, in one transaction. */
export const LIFECYCLE_STORES = ['versions', 'names', 'name-directory', 'trash', 'aliases', 'alias-history', 'ledger', 'label-counts'] as const;

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
	},
	// 1 → 2 (issue 16): metric order, the trash, aliases and their history, the ledger, last use, settings.
	(db, tx) => {
		tx.objectStore('versions').createIndex('by-metric', 'metricEntries', { multiEntry: true });
		const trash = db.createObjectStore('trash', { keyPath: 'tag' });
		trash.createIndex('by-digest', 'digests', { multiEntry: true });
		trash.createIndex('by-trashed', 'trashedAt');
		db.createObjectStore('aliases', { keyPath: ['name', 'alias'] });
		db.createObjectStore('alias-history', { keyPath: 'seq', autoIncrement: true }).createIndex('by-name', 'name');
		db.createObjectStore('ledger', { keyPath: 'name' });
		db.createObjectStore('last-used', { keyPath: 'tag' });
		db.createObjectStore('settings', { keyPath: 'key' });
		// Existing versions gain their metric entries and ledger lines. Raw requests: a migration may only queue IDB work.
		const versions = unwrap(tx.objectStore('versions'));
		const ledger = unwrap(tx.objectStore('ledger'));
		const records: VersionRecord[] = [];
		const holders = new Map<string, number>();
		const walk = versions.openCursor();
		walk.onsuccess = () => {
			const cursor = walk.result;
			if (cursor === null) {
				const shared = new Set([...holders].filter(([, count]) => count > 1).map(([sha]) => sha));
				const lines = new Map<string, string[]>();
				for (const record of records) {
					const list = lines.get(record.name) ?? [];
					list.push(ledgerLine(record, false, shared));
					lines.set(record.name, list);
				}
				for (const [name, list] of lines) ledger.put({ name, lines: list } satisfies StoredLedger);
				return;
			}
			const stored = cursor.value as StoredVersion;
			cursor.update({ ...stored, metricEntries: metricEntries(stored.info.metadata, stored.createdKey) } satisfies StoredVersion);
			records.push(fromStored(stored));
			for (const sha of stored.digests) holders.set(sha, (holders.get(sha) ?? 0) + 1);
			cursor.continue();
		};
	},
	// 2 → 3 (issue 17): versions with derived facts, counted by facts version. A version stored before has none
	// and is not in the index; the worker derives them in the background (store/facts-backfill.ts).
	(_db, tx) => {
		tx.objectStore('versions').createIndex('by-facts', 'facts.factsVersion');
		tx.objectStore('trash').createIndex('by-facts', 'record.facts.factsVersion');
	},
	// 3 → 4 (issue 21): how many shelf versions carry each label pair and key, so planning a selector reads a
	// few counts instead of counting index ranges; counted once here from the versions already stored.
	(db, tx) => {
		db.createObjectStore('label-counts', { keyPath: ['kind', 'text'] });
		countStoredLabels(unwrap(tx.objectStore('versions')), unwrap(tx.objectStore('label-counts')));
	},
	// 4 → 5 (issue 21): every name in one record, so free text reads one record instead of every summary; built
	// here from the names already stored.
	(db, tx) => {
		const directory = unwrap(db.createObjectStore('name-directory'));
		const keys = unwrap(tx.objectStore('names')).getAllKeys();
		keys.onsuccess = () => directory.put(sortedNames(keys.result as string[]), NAME_DIRECTORY_KEY);
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
		keyCreated: keys.map(composite),
		metricEntries: metricEntries(record.info.metadata, record.createdKey)
	};
}

/**
 * Strips the index fields, so callers get exactly a {@link VersionRecord}.
 * @param stored the value read from the `versions` store
 */
export function fromStored(stored: StoredVersion): VersionRecord {
	const { labelPairs: _pairs, labelKeys: _keys, digests: _digests, labelCreated: _labelCreated, keyCreated: _keyCreated, metricEntries: _metrics, ...record } = stored;
	return record;
}
