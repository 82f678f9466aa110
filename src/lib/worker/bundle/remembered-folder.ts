// Worker: the BentoML store folder the user chose to remember (issue 18). A directory handle is structured-
// cloneable, so IndexedDB keeps it across sessions; the browser may still ask again for permission, which
// only the page can request (it needs a click).
import type { DBSchema, IDBPDatabase } from 'idb';
import type { RememberedFolder } from '../contract.ts';
import { openMigratedDatabase } from '../migrated-database.ts';

interface FoldersSchema extends DBSchema {
	folders: { key: 'bentoml-store'; value: { key: 'bentoml-store'; handle: FileSystemDirectoryHandle } };
}

const DATABASE = 'model-shelf-folders';
let opened: Promise<IDBPDatabase<FoldersSchema>> | undefined;

function database(): Promise<IDBPDatabase<FoldersSchema>> {
	opened ??= openMigratedDatabase<FoldersSchema>({ name: DATABASE, migrations: [(db) => void db.createObjectStore('folders', { keyPath: 'key' })], what: 'remembered folders' });
	return opened;
}

/**
 * Remembers the BentoML store folder, or forgets it.
 * @param handle the folder, or null
 */
export async function rememberFolder(handle: FileSystemDirectoryHandle | null): Promise<void> {
	const db = await database();
	if (handle === null) await db.delete('folders', 'bentoml-store');
	else await db.put('folders', { key: 'bentoml-store', handle });
}

/** The remembered folder and whether it may be read and written now, or null. */
export async function rememberedFolder(): Promise<RememberedFolder | null> {
	const stored = await (await database()).get('folders', 'bentoml-store');
	if (!stored) return null;
	// queryPermission is Chromium's (File System Access); an OPFS handle or an engine without it is always usable.
	// Reading is what checking for new versions needs; writing into it asks for more on its own click.
	const query = (stored.handle as FileSystemDirectoryHandle & { queryPermission?: (options: { mode: 'read' }) => Promise<PermissionState> }).queryPermission;
	const permission = query ? await query.call(stored.handle, { mode: 'read' }) : 'granted';
	return { handle: stored.handle, name: stored.handle.name, permission };
}
