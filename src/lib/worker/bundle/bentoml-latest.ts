// Worker: BentoML's `<name>/latest` file after a save, exactly as its store moves it (bentoml/BentoML
// src/bentoml/_internal/store.py: `Store.register`, then `get(name)` and `_recreate_latest`). Once a version
// folder is complete, BentoML writes the version's text (no newline) into `latest` when that file does not
// exist, or when the new version's creation_time is >= that of the version `get(name)` resolves to. `get`
// reads `latest` and strips it; when it names no folder (or cannot be read) it first rewrites `latest` as the
// newest version by creation time among the name's folders (ties: the smallest version, as Python's stable
// sort of the version-sorted list gives). Where BentoML would raise instead (a folder that does not load as a
// model, `latest` a folder) or writing `latest` fails, the version stays written and `latest` is left as it is,
// as after BentoML's error.
import { creationTimeKey, parseModelYaml } from '../../core/manifest.ts';
import { MANIFEST_PATH } from '../../core/paths.ts';
import { validateTagPart } from '../../core/tags.ts';

/** The file beside a name's version folders naming its newest. */
export const LATEST_FILE = 'latest';

/** What `latest` says after a save, and whether BentoML's rule could run to its end. */
export interface LatestAfterSave {
	/** `latest`'s text, stripped as BentoML reads it; null when it cannot be read. */
	latest: string | null;
	/** False where BentoML would have raised after writing the version (`latest` then left untouched). */
	resolved: boolean;
}

/**
 * Moves `<name>/latest` as BentoML's store does once `version`'s folder is complete.
 * @param nameDir the `<name>/` folder of the store
 * @param version the version just written (its folder is in `nameDir`)
 * @param createdKey its creation time as {@link creationTimeKey} gives it
 * @example
 * await updateLatestAfterSave(nameDir, 'v2', creationTimeKey(record.info)); // { latest: 'v2', resolved: true }
 */
export async function updateLatestAfterSave(nameDir: FileSystemDirectoryHandle, version: string, createdKey: string): Promise<LatestAfterSave> {
	try {
		if ((await entryKind(nameDir, LATEST_FILE)) === null) await _writeLatest(nameDir, version);
		else if (createdKey >= (await _resolveLatest(nameDir))) await _writeLatest(nameDir, version);
		return { latest: await readLatest(nameDir), resolved: true };
	} catch {
		// BentoML raises here, after the version is written: the version stays, `latest` as it is.
		return { latest: await readLatest(nameDir).catch(() => null), resolved: false };
	}
}

/**
 * `<name>/latest` as BentoML reads it (`read_text().strip()`), or null when there is no such file.
 * @param nameDir the `<name>/` folder of the store
 */
export async function readLatest(nameDir: FileSystemDirectoryHandle): Promise<string | null> {
	if ((await entryKind(nameDir, LATEST_FILE)) !== 'file') return null;
	return _pyStrip(await (await nameDir.getFileHandle(LATEST_FILE)).getFile().then((file) => file.text()));
}

/**
 * What `name` is in `dir`: a file, a folder, or nothing.
 * @param dir the folder
 * @param name one entry's name (no slash)
 */
export async function entryKind(dir: FileSystemDirectoryHandle, name: string): Promise<'file' | 'directory' | null> {
	try {
		await dir.getFileHandle(name);
		return 'file';
	} catch (error) {
		const reason = (error as { name?: string }).name;
		if (reason === 'TypeMismatchError') return 'directory';
		if (reason === 'NotFoundError') return null;
		throw error;
	}
}

// ---------------------------------------------------------------------------------------------------

/** BentoML would raise here (after writing the version): leave `latest` alone. */
class _Unresolvable extends Error {}

/** `Store.get(name)`: the creation key of the version `latest` names, recreating `latest` first when it names none. */
async function _resolveLatest(nameDir: FileSystemDirectoryHandle): Promise<string> {
	let named: string;
	try {
		const kind = await entryKind(nameDir, LATEST_FILE);
		if (kind !== 'file') return _recreateLatest(nameDir); // read_text() raises an OSError (a folder, or gone)
		const bytes = await (await (await nameDir.getFileHandle(LATEST_FILE)).getFile()).arrayBuffer();
		named = _pyStrip(_utf8(bytes));
	} catch (error) {
		if (error instanceof _Unresolvable) throw error;
		throw new _Unresolvable('latest cannot be read');
	}
	const target = await _walk(nameDir, named);
	if (target === null) return _recreateLatest(nameDir);
	if (target === 'file') throw new _Unresolvable(`latest names a file: ${named}`);
	return _createdKeyOf(target);
}

/** `Store._recreate_latest`: `latest` becomes the newest of the name's folders by creation time; answers its key. */
async function _recreateLatest(nameDir: FileSystemDirectoryHandle): Promise<string> {
	const folders: FileSystemDirectoryHandle[] = [];
	for await (const entry of nameDir.values()) if (entry.kind === 'directory') folders.push(entry as FileSystemDirectoryHandle);
	// `Tag(name, folder)` validates and lower-cases each folder's name: another name makes BentoML raise (or, upper
	// case, read a folder that a case-sensitive disk does not have).
	for (const folder of folders) if (!_isVersionWord(folder.name)) throw new _Unresolvable(`not a version: ${folder.name}`);
	folders.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
	let newest: { version: string; key: string } | null = null;
	for (const folder of folders) {
		const key = await _createdKeyOf(folder);
		// Strictly newer only: among equal times the first in version order stays (a stable reverse sort).
		if (newest === null || key > newest.key) newest = { version: folder.name, key };
	}
	if (newest === null) throw new _Unresolvable('no version folder');
	await _writeLatest(nameDir, newest.version);
	return newest.key;
}

/** `Model.from_path(folder).creation_time`: its model.yaml must load. */
async function _createdKeyOf(folder: FileSystemDirectoryHandle): Promise<string> {
	try {
		const file = await (await folder.getFileHandle(MANIFEST_PATH)).getFile();
		return creationTimeKey(parseModelYaml(_utf8(await file.arrayBuffer())));
	} catch {
		throw new _Unresolvable(`${folder.name}/${MANIFEST_PATH} does not load`);
	}
}

/** `open("w").write(version)`: the whole file replaced, no newline. */
async function _writeLatest(nameDir: FileSystemDirectoryHandle, version: string): Promise<void> {
	let handle: FileSystemFileHandle;
	try {
		handle = await nameDir.getFileHandle(LATEST_FILE, { create: true });
	} catch {
		throw new _Unresolvable('latest is a folder'); // IsADirectoryError
	}
	const writable = await handle.createWritable();
	try {
		await writable.write(version);
		await writable.close();
	} catch (error) {
		await writable.abort().catch(() => undefined);
		throw error;
	}
}

/**
 * `nameDir / text` as pathlib joins it (empty and `.` parts dropped): the folder it names, `'file'`, or null
 * when nothing is there. `..` or an absolute path leave the model's folder, where a folder handle cannot follow.
 */
async function _walk(nameDir: FileSystemDirectoryHandle, text: string): Promise<FileSystemDirectoryHandle | 'file' | null> {
	if (text.startsWith('/')) throw new _Unresolvable('latest names an absolute path');
	let here: FileSystemDirectoryHandle | 'file' = nameDir;
	for (const part of text.split('/').filter((part) => part !== '' && part !== '.')) {
		if (part === '..') throw new _Unresolvable('latest leaves the model folder');
		if (here === 'file') return null;
		const kind = await entryKind(here, part);
		if (kind === null) return null;
		here = kind === 'file' ? 'file' : await here.getDirectoryHandle(part);
	}
	return here;
}

function _isVersionWord(word: string): boolean {
	try {
		return validateTagPart(word, 'version') === word;
	} catch {
		return false;
	}
}

/** Python reads text as UTF-8 and raises on bad bytes (not an OSError). */
function _utf8(bytes: ArrayBuffer): string {
	return new TextDecoder('utf-8', { fatal: true }).decode(bytes).replace(/\r\n?/g, '\n');
}

/** `str.strip()`: Python's whitespace, which is not JavaScript's `trim()` set (no U+FEFF; U+001C–U+001F and U+0085 are). */
function _pyStrip(text: string): string {
	return text.replace(_PY_EDGE_SPACE, '');
}

const _PY_SPACE = '\\t-\\r\\x1c-\\x20\\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000';
const _PY_EDGE_SPACE = new RegExp(`^[${_PY_SPACE}]+|[${_PY_SPACE}]+$`, 'g');
