// Node + browser: pure TypeScript, no DOM, no idb, no OPFS.
//
// BentoML's local model store on disk (issue 18), as bentoml/_internal/store.py lays it out:
// `$BENTOML_HOME/models/<name>/<version>/` holds `model.yaml` and the model's files (sub-folders too), and
// `<name>/latest` is a text file naming the newest version. BENTOML_HOME also holds `bentos/` (bentos carry
// their own copies of models), `envs/` and `tmp/`; only `models/` is the model store. This module reads a
// folder's listing only (paths), so the worker can walk a picked folder once and know what to import.
import { MANIFEST_PATH } from '../paths.ts';

/** One entry of a picked folder, its path relative to the folder picked. */
export interface FolderListingEntry {
	path: string;
	kind: 'file' | 'directory';
}

/** What the picked folder is, in BentoML's layout. */
export type StoreFolderKind = 'home' | 'models' | 'model' | 'version' | 'other';

/** One version folder: where it is and its files, paths relative to it. */
export interface StoreVersionFolder {
	/** The folder's path relative to the picked folder ('' when the picked folder is the version). */
	folder: string;
	/** The name and version its place says (`<name>/<version>/`); checked against its model.yaml later. */
	name: string;
	version: string;
	/** The model.yaml's path relative to the picked folder. */
	manifest: string;
	/** Every other file, relative to the version folder (`saved_model.pkl`, `variables/data-0`). */
	files: string[];
}

/** A `<name>/latest` file: BentoML's pointer to the newest version. */
export interface StoreLatestFile {
	name: string;
	/** Its path relative to the picked folder. */
	path: string;
}

/** Something in the folder that is not a version, and why it was passed over (never an error). */
export interface SkippedEntry {
	path: string;
	reason: 'hidden' | 'bentoml-internal' | 'not-a-version' | 'stray-file';
}

/** A picked folder read as BentoML's model store. */
export interface StoreFolderPlan {
	kind: StoreFolderKind;
	/** The model store's path within the picked folder (`models` for BENTOML_HOME, '' otherwise). */
	storeRoot: string;
	versions: StoreVersionFolder[];
	latest: StoreLatestFile[];
	skipped: SkippedEntry[];
}

/** BENTOML_HOME's folders besides `models/`: bentos hold their own model copies, the rest is not models. */
const HOME_FOLDERS_PASSED_OVER = ['bentos', 'envs', 'tmp'];
const LATEST_FILE = 'latest';

/**
 * Reads a folder's listing as BentoML's model store: BENTOML_HOME (`models/` inside), the models folder,
 * one model's folder, or a single version folder.
 * @param entries every file and folder under the picked folder (any order)
 * @param rootName the picked folder's own name (a model's name, when one model's folder is picked)
 * @example
 * planStoreFolder([{ path: 'iris/v1/model.yaml', kind: 'file' }, { path: 'iris/latest', kind: 'file' }, …]);
 * // { kind: 'models', versions: [{ folder: 'iris/v1', name: 'iris', version: 'v1', … }], latest: [{ name: 'iris', path: 'iris/latest' }], … }
 */
export function planStoreFolder(entries: readonly FolderListingEntry[], rootName = ''): StoreFolderPlan {
	const files = new Set(entries.filter((entry) => entry.kind === 'file').map((entry) => entry.path));
	const hasManifest = (folder: string) => files.has(folder === '' ? MANIFEST_PATH : `${folder}/${MANIFEST_PATH}`);
	const byParent = new Map<string, FolderListingEntry[]>();
	for (const entry of entries) {
		const parent = _parent(entry.path);
		const siblings = byParent.get(parent);
		if (siblings) siblings.push(entry);
		else byParent.set(parent, [entry]);
	}
	const children = (folder: string) => (byParent.get(folder) ?? []).slice().sort((a, b) => (a.path < b.path ? -1 : 1));
	const skipped: SkippedEntry[] = [];
	if (hasManifest('')) return { kind: 'version', storeRoot: '', versions: [_version('', '', '', entries)], latest: [], skipped };

	const top = children('');
	const modelsFolder = top.find((entry) => entry.kind === 'directory' && entry.path === 'models');
	// BENTOML_HOME holds models/<name>/<version>/; a model *named* "models" would hold models/<version>/model.yaml.
	const isHome = modelsFolder !== undefined && !children('models').some((entry) => entry.kind === 'directory' && hasManifest(entry.path));
	const isModel = !isHome && top.some((entry) => entry.kind === 'directory' && hasManifest(entry.path));
	const storeRoot = isHome ? 'models' : '';
	if (isHome) {
		for (const entry of top) {
			if (entry.path === 'models') continue;
			skipped.push({ path: entry.path, reason: _isHidden(entry.path) ? 'hidden' : HOME_FOLDERS_PASSED_OVER.includes(entry.path) ? 'bentoml-internal' : entry.kind === 'file' ? 'stray-file' : 'not-a-version' });
		}
	}
	const modelFolders = isModel ? [{ path: '', name: rootName }] : children(storeRoot).filter((entry) => _keep(entry, skipped)).map((entry) => ({ path: entry.path, name: _name(entry.path) }));
	const versions: StoreVersionFolder[] = [];
	const latest: StoreLatestFile[] = [];
	for (const model of modelFolders) {
		const [versionsBefore, skippedBefore] = [versions.length, skipped.length];
		for (const entry of children(model.path)) {
			if (entry.kind === 'file' && _name(entry.path) === LATEST_FILE) latest.push({ name: model.name, path: entry.path });
			else if (!_keep(entry, skipped)) continue;
			else if (!hasManifest(entry.path)) skipped.push({ path: entry.path, reason: 'not-a-version' });
			else versions.push(_version(entry.path, model.name, _name(entry.path), entries));
		}
		// A folder with no version inside is listed once, as itself, not file by file.
		if (versions.length === versionsBefore && model.path !== '' && !latest.some((file) => file.name === model.name)) {
			skipped.splice(skippedBefore, skipped.length - skippedBefore, { path: model.path, reason: 'not-a-version' });
		}
	}
	const kind: StoreFolderKind = isHome ? 'home' : isModel ? 'model' : versions.length > 0 ? 'models' : 'other';
	return { kind, storeRoot, versions, latest, skipped };
}

// ---------------------------------------------------------------------------------------------------

/** Folders are walked; hidden entries and stray files are passed over (and listed). */
function _keep(entry: FolderListingEntry, skipped: SkippedEntry[]): boolean {
	if (_isHidden(entry.path)) {
		skipped.push({ path: entry.path, reason: 'hidden' });
		return false;
	}
	if (entry.kind === 'file') {
		skipped.push({ path: entry.path, reason: 'stray-file' });
		return false;
	}
	return true;
}

function _version(folder: string, name: string, version: string, entries: readonly FolderListingEntry[]): StoreVersionFolder {
	const prefix = folder === '' ? '' : `${folder}/`;
	const files = entries
		.filter((entry) => entry.kind === 'file' && entry.path.startsWith(prefix) && entry.path !== `${prefix}${MANIFEST_PATH}`)
		.map((entry) => entry.path.slice(prefix.length))
		.sort();
	return { folder, name, version, manifest: `${prefix}${MANIFEST_PATH}`, files };
}

function _parent(path: string): string {
	const slash = path.lastIndexOf('/');
	return slash === -1 ? '' : path.slice(0, slash);
}

function _name(path: string): string {
	return path.slice(path.lastIndexOf('/') + 1);
}

function _isHidden(path: string): boolean {
	return _name(path).startsWith('.');
}
