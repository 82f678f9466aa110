// Worker: IndexedDB through idb. Every model name on the shelf in one record of the `name-directory` store, kept
// by the same transactions that create a name (its first version) and drop one (its last version leaves), so
// free text is matched against the names with one point read (issue 21).
//
// Why one record and not the `names` store: Chromium 150 pays per record read, keys included. Reading 1,000 name
// summaries took ~40 ms (`getAll`) and their keys alone ~22 ms (`getAllKeys`); one record holding the 1,000 names
// took ~2 ms, and one holding 10,000 ~3 ms.

import type { IDBPObjectStore, StoreNames } from 'idb';
import type { CatalogueSchema } from './schema.ts';

/** The key of the one record. */
export const NAME_DIRECTORY_KEY = 'names';

/** The `name-directory` store in a transaction that includes it. */
export type NameDirectoryStore<Mode extends IDBTransactionMode> = IDBPObjectStore<CatalogueSchema, ArrayLike<StoreNames<CatalogueSchema>>, 'name-directory', Mode>;

/**
 * Every name with a version on the shelf, in code-unit order.
 * @param store the `name-directory` store of the caller's transaction
 */
export async function readNames(store: NameDirectoryStore<IDBTransactionMode>): Promise<string[]> {
	return (await store.get(NAME_DIRECTORY_KEY)) ?? [];
}

/**
 * Adds names that gained their first version and drops names whose last version left, in the caller's
 * readwrite transaction: one read and one write, however many names change.
 * @param store the `name-directory` store of the caller's transaction
 * @param change the names that appeared and the names that are gone
 */
export async function changeNames(store: NameDirectoryStore<'readwrite'>, { added = [], removed = [] }: { added?: readonly string[]; removed?: readonly string[] }): Promise<void> {
	if (added.length === 0 && removed.length === 0) return;
	const names = new Set(await readNames(store));
	for (const name of added) names.add(name);
	for (const name of removed) names.delete(name);
	await store.put(sortedNames(names), NAME_DIRECTORY_KEY);
}

/** Names in the directory's order: by code unit, as IndexedDB orders string keys. */
export function sortedNames(names: Iterable<string>): string[] {
	return [...names].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}
