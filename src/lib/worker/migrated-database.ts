// Worker: the one way the shelf opens an IndexedDB database whose schema is a list of migrations
// (the catalogue, the remote settings): version = number of steps, each step run once, in order.
import { wrap, type DBSchema, type IDBPDatabase, type IDBPTransaction, type StoreNames } from 'idb';
import { ShelfError } from '../core/errors.ts';

/** The upgrade transaction a migration step runs in. */
export type UpgradeTransaction<S extends DBSchema> = IDBPTransaction<S, StoreNames<S>[], 'versionchange'>;

/** One schema step: from version `index` to `index + 1`. */
export type Migration<S extends DBSchema> = (db: IDBPDatabase<S>, tx: UpgradeTransaction<S>) => void;

/** Which database, on which factory, with which steps. */
export interface MigratedDatabaseOptions<S extends DBSchema> {
	name: string;
	/** IndexedDB factory; default `globalThis.indexedDB` (tests pass a fresh fake one). */
	factory?: IDBFactory;
	/** Schema steps; the database version is their count (tests pass a longer list to rehearse an upgrade). */
	migrations: readonly Migration<S>[];
	/** What the database holds, for messages: "catalogue", "remote settings". */
	what: string;
}

/**
 * Opens (creating or upgrading) a database, like idb's `openDB` but on any factory. The connection closes
 * itself when another context upgrades the schema, so that upgrade is not blocked.
 * @param options name, factory, migrations and what it holds
 * @throws ShelfError `UNSUPPORTED` without IndexedDB, or when the stored schema is newer than this build
 */
export async function openMigratedDatabase<S extends DBSchema>({ name, factory = (globalThis as { indexedDB?: IDBFactory }).indexedDB, migrations, what }: MigratedDatabaseOptions<S>): Promise<IDBPDatabase<S>> {
	if (factory === undefined) throw new ShelfError('UNSUPPORTED', `IndexedDB is not available in this context. Hint: open the ${what} in a browser worker.`);
	const request = factory.open(name, migrations.length);
	request.addEventListener('upgradeneeded', (event) => {
		const db = wrap(request.result) as unknown as IDBPDatabase<S>;
		const tx = wrap(request.transaction as IDBTransaction) as unknown as UpgradeTransaction<S>;
		for (let version = event.oldVersion; version < (event.newVersion ?? migrations.length); version++) {
			const step = migrations[version];
			if (step === undefined) throw new ShelfError('INTERNAL', `No migration from ${what} schema version ${version}.`, { version });
			step(db, tx);
		}
	});
	try {
		const db = (await wrap(request)) as unknown as IDBPDatabase<S>;
		db.addEventListener('versionchange', () => db.close());
		return db;
	} catch (error) {
		if ((error as { name?: unknown } | null)?.name === 'VersionError') {
			throw new ShelfError(
				'UNSUPPORTED',
				`The ${what} "${name}" was written by a newer Model Shelf (schema newer than ${migrations.length}). Hint: reload the page to update.`,
				{ name, version: migrations.length },
				{ cause: error }
			);
		}
		throw error;
	}
}
