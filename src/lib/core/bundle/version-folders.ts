// Node + browser: pure TypeScript, no DOM, no idb, no OPFS.
//
// A bundle of several versions in BentoML's store layout (issue 16): `<name>/<version>/model.yaml` and
// that version's files under `<name>/<version>/`, exactly what a single-version bundle holds at its root.
// This module only reads paths: it splits a bundle's entries into version folders and refuses every
// entry that belongs to none, before a single byte is stored.
import { MANIFEST_PATH } from '../paths.ts';
import { badBundle } from './bundle-errors.ts';

/** What the splitter needs of an archive entry (a `ZipEntry` has it). */
export interface FolderEntry {
	/** The normalized path (no `..`, no `.`, no empty segment: the directory reader refused those). */
	readonly path: string;
	readonly isDirectory: boolean;
	/** The name as the archive spells it, for errors. */
	readonly name: string;
}

/** One version's folder: its manifest entry and its files, with paths relative to the folder. */
export interface VersionFolder<E extends FolderEntry> {
	/** `<name>/<version>`, as the archive spells the folder. */
	folder: string;
	name: string;
	version: string;
	manifest: E;
	files: { entry: E; path: string }[];
}

/** The file BentoML's store keeps beside a name's version folders, naming its newest; the shelf recomputes it. */
const BENTOML_LATEST_FILE = 'latest';

/**
 * The folder a version takes in a bundle of several versions.
 * @param tag the version's name and version
 * @example
 * versionFolder({ name: 'iris', version: 'v1' }); // 'iris/v1'
 */
export function versionFolder(tag: { name: string; version: string }): string {
	return `${tag.name}/${tag.version}`;
}

/**
 * Splits a bundle's entries into version folders, when the bundle holds several versions.
 * Folder entries are ignored (as in a single-version bundle); so is `<name>/latest`, the pointer file
 * of BentoML's own store. Anything else outside a `<name>/<version>/` folder is refused.
 * @param entries the archive's entries in their order
 * @returns the folders in the order their first entry appears, or `null` when this is not a multi-version
 * bundle (a `model.yaml` at the root, or no `<name>/<version>/model.yaml` anywhere)
 * @throws ShelfError `BAD_BUNDLE`: reason `unsafe-path` for an entry outside every version folder,
 * `missing-manifest` for a version folder without its model.yaml (`details.entry` names the folder)
 * @example
 * splitVersionFolders(entries)?.map((folder) => folder.folder); // ['iris/v1', 'iris/v2', 'churn/a']
 */
export function splitVersionFolders<E extends FolderEntry>(entries: readonly E[]): VersionFolder<E>[] | null {
	const files = entries.filter((entry) => !entry.isDirectory);
	if (files.some((entry) => entry.path === MANIFEST_PATH)) return null;
	if (!files.some((entry) => _segments(entry.path).length === 3 && entry.path.endsWith(`/${MANIFEST_PATH}`))) return null;
	const folders = new Map<string, { name: string; version: string; manifest?: E; files: { entry: E; path: string }[] }>();
	const folderOf = (name: string, version: string) => {
		const key = `${name}/${version}`;
		let folder = folders.get(key);
		if (!folder) folders.set(key, (folder = { name, version, files: [] }));
		return folder;
	};
	for (const entry of entries) {
		const segments = _segments(entry.path);
		if (entry.isDirectory) {
			// An empty `<name>/<version>/` folder entry is a version with no model.yaml: refused below.
			if (segments.length === 2) folderOf(segments[0]!, segments[1]!);
			continue;
		}
		if (segments.length === 2 && segments[1] === BENTOML_LATEST_FILE) continue;
		if (segments.length < 3) {
			throw badBundle('unsafe-path', `"${entry.name}" lies outside every <name>/<version>/ folder: a bundle of several versions holds version folders only.`, {
				entry: entry.name
			});
		}
		const folder = folderOf(segments[0]!, segments[1]!);
		const path = segments.slice(2).join('/');
		if (path === MANIFEST_PATH) folder.manifest = entry;
		else folder.files.push({ entry, path });
	}
	return [...folders].map(([key, folder]) => {
		if (!folder.manifest) {
			throw badBundle('missing-manifest', `The folder "${key}/" has no model.yaml, so it is not a model version. Hint: each <name>/<version>/ folder needs its own model.yaml.`, {
				entry: `${key}/`
			});
		}
		return { folder: key, name: folder.name, version: folder.version, manifest: folder.manifest, files: folder.files };
	});
}

/**
 * Refuses a version folder whose model.yaml names another version (the folder would lie about its content).
 * @param folder the folder
 * @param info the name and version its model.yaml declares
 * @throws ShelfError `BAD_BUNDLE` reason `invalid-manifest`, `details.field` `name` or `version`
 */
export function checkFolderManifest(folder: Pick<VersionFolder<FolderEntry>, 'folder' | 'name' | 'version'>, info: { name: string; version: string }): void {
	const field = info.name !== folder.name ? 'name' : info.version !== folder.version ? 'version' : null;
	if (field === null) return;
	throw badBundle(
		'invalid-manifest',
		`The model.yaml in "${folder.folder}/" declares ${info.name}:${info.version}, but its folder says ${folder.name}:${folder.version}. Hint: a version's folder must be <name>/<version>/ of its own model.yaml.`,
		{ entry: `${folder.folder}/${MANIFEST_PATH}`, field }
	);
}

// ---------------------------------------------------------------------------

function _segments(path: string): string[] {
	return path.split('/');
}
