// Worker: a picked folder as a listing of paths and a way to open its files (issue 18), whether it came as
// a directory handle (File System Access API, an OPFS folder) or as the files of an `<input webkitdirectory>`.
// A handle is walked only as deep as BentoML's store layout needs: BENTOML_HOME's other folders (bentos/,
// envs/, tmp/ — bentos hold their own model copies), hidden folders and folders that cannot hold a version
// are listed but not entered, so picking a big folder by mistake does not read the whole disk. Inside a
// version folder (one holding model.yaml) everything is walked: a hidden file there is part of the model.
import { badBundle, type BundleLimits } from '../../core/bundle/bundle-errors.ts';
import type { FolderListingEntry } from '../../core/bundle/bentoml-store-layout.ts';
import { ShelfError } from '../../core/errors.ts';
import { MANIFEST_PATH } from '../../core/paths.ts';
import type { StoreFolderSource } from '../contract.ts';
import { throwIfAborted } from '../operations.ts';

/** A picked folder: its name, every entry walked, and its files as disk-backed Files. */
export interface WalkedFolder {
	/** The picked folder's own name (a model's name when one model's folder was picked). */
	name: string;
	entries: FolderListingEntry[];
	/**
	 * One file, by its path relative to the picked folder; not read, only opened.
	 * @throws ShelfError `NOT_FOUND` when it is gone or cannot be opened
	 */
	file(path: string): Promise<File>;
}

/**
 * Lists a picked folder, from its handle or from a folder input's files.
 * @param source the folder
 * @param limits `maxEntries`: most entries listed before the folder is refused
 * @param signal cancels between folders
 * @throws ShelfError `BAD_BUNDLE` reason `too-many-entries`, `ABORTED`
 */
export function walkFolder(source: StoreFolderSource, limits: Pick<BundleLimits, 'maxEntries'>, signal?: AbortSignal): Promise<WalkedFolder> {
	return 'handle' in source ? _walkHandle(source.handle, limits.maxEntries, signal) : Promise.resolve(_walkFiles(source.name, source.files, limits.maxEntries));
}

/**
 * Joins a version folder's path and a path inside it.
 * @param folder the folder relative to the picked one ('' for the picked folder itself)
 * @param path the path inside it
 */
export function pathIn(folder: string, path: string): string {
	return folder === '' ? path : `${folder}/${path}`;
}

// ---------------------------------------------------------------------------------------------------

/** Deepest folder whose content a store layout can need outside a version: home/models/<name>/<version>. */
const _DEEPEST_LISTED = 3;
const _HOME_MODELS = 'models';

async function _walkHandle(root: FileSystemDirectoryHandle, maxEntries: number, signal?: AbortSignal): Promise<WalkedFolder> {
	const entries: FolderListingEntry[] = [];
	const files = new Map<string, FileSystemFileHandle>();
	const add = (entry: FolderListingEntry) => {
		if (entries.length >= maxEntries) throw _tooManyEntries(maxEntries);
		entries.push(entry);
	};
	/** Lists one folder; answers its sub-folders, and whether it is a version folder (holds model.yaml). */
	const list = async (dir: FileSystemDirectoryHandle, path: string) => {
		throwIfAborted(signal);
		const folders: Array<{ handle: FileSystemDirectoryHandle; path: string }> = [];
		let isVersion = false;
		for await (const [name, handle] of dir.entries()) {
			const childPath = pathIn(path, name);
			if (handle.kind === 'file') {
				add({ path: childPath, kind: 'file' });
				files.set(childPath, handle as FileSystemFileHandle);
				if (name === MANIFEST_PATH) isVersion = true;
			} else {
				add({ path: childPath, kind: 'directory' });
				folders.push({ handle: handle as FileSystemDirectoryHandle, path: childPath });
			}
		}
		return { folders, isVersion };
	};
	const walk = async (dir: FileSystemDirectoryHandle, path: string, depth: number, inVersion: boolean): Promise<void> => {
		const { folders, isVersion } = await list(dir, path);
		const whole = inVersion || isVersion;
		for (const folder of folders) {
			if (whole || (depth < _DEEPEST_LISTED && !_isHidden(folder.path))) await walk(folder.handle, folder.path, depth + 1, whole);
		}
	};

	const top = await list(root, '');
	const models = top.folders.find((folder) => folder.path === _HOME_MODELS);
	if (top.isVersion || !models) {
		for (const folder of top.folders) if (top.isVersion || !_isHidden(folder.path)) await walk(folder.handle, folder.path, 1, top.isVersion);
	} else {
		await walk(models.handle, models.path, 1, false);
		// BENTOML_HOME: only models/ is the store. Unless models/ turned out to be a model (its sub-folders are
		// versions), as in a models folder holding a model named "models": then the rest are models too.
		const isHome = !entries.some((entry) => entry.kind === 'file' && entry.path.split('/').length === 3 && entry.path.startsWith(`${_HOME_MODELS}/`) && entry.path.endsWith(`/${MANIFEST_PATH}`));
		if (!isHome) for (const folder of top.folders) if (folder !== models && !_isHidden(folder.path)) await walk(folder.handle, folder.path, 1, false);
	}
	return {
		name: root.name,
		entries,
		file: async (path) => {
			const handle = files.get(path);
			if (!handle) throw _unreadable(path);
			try {
				return await handle.getFile();
			} catch (error) {
				throw _unreadable(path, error);
			}
		}
	};
}

function _walkFiles(name: string, picked: ReadonlyArray<{ path: string; file: File }>, maxEntries: number): WalkedFolder {
	const files = new Map<string, File>();
	const folders = new Set<string>();
	for (const { path, file } of picked) {
		const segments = path.split('/').filter((segment) => segment !== '');
		if (segments.length === 0) continue;
		for (let depth = 1; depth < segments.length; depth++) folders.add(segments.slice(0, depth).join('/'));
		files.set(segments.join('/'), file);
		if (files.size + folders.size > maxEntries) throw _tooManyEntries(maxEntries);
	}
	const entries: FolderListingEntry[] = [...[...folders].map((path) => ({ path, kind: 'directory' as const })), ...[...files.keys()].map((path) => ({ path, kind: 'file' as const }))];
	return {
		name,
		entries,
		file: async (path) => {
			const file = files.get(path);
			if (!file) throw _unreadable(path);
			return file;
		}
	};
}

function _isHidden(path: string): boolean {
	return path.slice(path.lastIndexOf('/') + 1).startsWith('.');
}

function _tooManyEntries(limit: number): ShelfError {
	return badBundle('too-many-entries', `The folder holds more than ${limit} files and folders. Hint: pick BentoML's models folder (~/bentoml/models) rather than a folder above it.`, { limit });
}

function _unreadable(path: string, cause?: unknown): ShelfError {
	const why = cause instanceof Error ? ` (${cause.name}: ${cause.message})` : '';
	return new ShelfError('NOT_FOUND', `"${path}" could not be opened${why}: it may have been moved or deleted since the folder was picked. Hint: open the folder again.`, { path }, cause === undefined ? undefined : { cause });
}
