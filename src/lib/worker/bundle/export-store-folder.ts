// Worker: writing versions into a BentoML store folder (issue 18), as BentoML's `Store.register` does
// (bentoml/BentoML src/bentoml/_internal/store.py): `<name>/<version>/` is refused when it exists (the tag is
// never overwritten), written whole, removed when writing fails or is cancelled, and then `<name>/latest` moves
// by BentoML's rule (bentoml-latest.ts). Every file streams from the blob store's verified read into a
// `createWritable()` stream, so no file is held whole in memory and a damaged blob never finishes writing.
import { planStoreFolder, type FolderListingEntry } from '../../core/bundle/bentoml-store-layout.ts';
import { versionFolder } from '../../core/bundle/version-folders.ts';
import { ShelfError, toShelfError } from '../../core/errors.ts';
import { creationTimeKey, serializeModelYaml } from '../../core/manifest.ts';
import { MANIFEST_PATH } from '../../core/paths.ts';
import type { StoredFile, VersionRecord } from '../../core/store-types.ts';
import { isQuotaExceeded } from '../blobs/storage-quota.ts';
import type { ExportFolderRequest, ExportFolderResult } from '../contract.ts';
import { throwIfAborted } from '../operations.ts';
import { noteUse } from '../store/lifecycle.ts';
import type { ModelStore, OperationControls } from '../store/model-store.ts';
import { entryKind, updateLatestAfterSave } from './bentoml-latest.ts';
import { verifiedFileChunks } from './export.ts';

/** Levels of the picked folder read to tell BENTOML_HOME from a models folder (`models/<name>/model.yaml` is the deepest asked). */
const PLAN_DEPTH = 3;

/**
 * Writes versions into a BentoML store folder as BentoML's store does: `<name>/<version>/` with model.yaml
 * (the stored bytes) and every file, then `<name>/latest`. BENTOML_HOME is written into its `models/`.
 * A version whose folder exists is refused (`TAG_EXISTS`), one that fails (`INTEGRITY`, …) is refused with its
 * half-written folder removed, and the next goes on. When the target runs out of room (`STORAGE_FULL`) the
 * versions not yet tried are refused too: every one of them would fail the same way, each after writing bytes.
 * @param store the shelf
 * @param request the versions (any tag `get` takes; each written once) and the folder
 * @param controls one progress over all versions' bytes (`item`: `name/version/path`, `file`: the version's own); cancel between chunks
 * @throws ShelfError `ABORTED` (the version being written is removed; those finished stay), `UNSUPPORTED` when the
 * folder is one model's or one version's folder rather than a store
 * @example
 * const { written, refused, latest } = await exportStoreFolder(store, { tags: ['iris:v2'], folder }, controls);
 * // written: ['iris/v2'], latest: { iris: 'v2' }
 */
export async function exportStoreFolder(store: ModelStore, request: ExportFolderRequest, controls: OperationControls = {}): Promise<ExportFolderResult> {
	const root = await _storeRoot(request.folder);
	const result: ExportFolderResult = { written: [], refused: [], latest: {} };
	const records = await _resolve(store, request.tags, result);
	const progress = { loaded: 0, total: records.reduce((sum, record) => sum + record.size, 0) };
	for (const [index, record] of records.entries()) {
		throwIfAborted(controls.signal);
		const before = progress.loaded;
		try {
			const nameDir = await _writeVersion(root, store, record, { index, count: records.length, progress }, controls);
			result.written.push(versionFolder(record));
			noteUse(store, record.tag, 'exported');
			const { latest } = await updateLatestAfterSave(nameDir, record.version, creationTimeKey(record.info));
			if (latest !== null) result.latest[record.name] = latest;
		} catch (caught) {
			const error = isQuotaExceeded(caught) ? _full(record, caught) : toShelfError(caught);
			if (error.code === 'ABORTED') throw error;
			result.refused.push({ tag: record.tag, code: error.code, message: error.message });
			if (error.code === 'STORAGE_FULL') {
				for (const untried of records.slice(index + 1)) result.refused.push({ tag: untried.tag, code: 'STORAGE_FULL', message: _notTried(untried) });
				break;
			}
		}
		progress.loaded = before + record.size; // a refused version's bytes count as done, so the bar ends full
	}
	controls.report?.({ phase: 'exporting', loaded: progress.total, total: progress.total });
	return result;
}

// ---------------------------------------------------------------------------------------------------

interface _Step {
	index: number;
	count: number;
	progress: { loaded: number; total: number };
}

/** The store to write into: BENTOML_HOME's `models/`, else the picked folder (a models folder, or an empty one). */
async function _storeRoot(folder: FileSystemDirectoryHandle): Promise<FileSystemDirectoryHandle> {
	const plan = planStoreFolder(await _listing(folder, '', PLAN_DEPTH), folder.name);
	if (plan.kind === 'home') return folder.getDirectoryHandle(plan.storeRoot);
	if (plan.kind === 'model' || plan.kind === 'version') {
		const what = plan.kind === 'model' ? "one model's folder" : 'a single version folder';
		throw new ShelfError(
			'UNSUPPORTED',
			`"${folder.name}" is ${what} of a BentoML store, not the store itself, so versions written there would not be found. Hint: pick the models folder ($BENTOML_HOME/models, usually ~/bentoml/models) or BENTOML_HOME.`,
			{ kind: 'store-folder', where: plan.kind }
		);
	}
	return folder;
}

/** Every entry of `dir` down to `depth` levels, paths relative to the picked folder. */
async function _listing(dir: FileSystemDirectoryHandle, prefix: string, depth: number): Promise<FolderListingEntry[]> {
	const entries: FolderListingEntry[] = [];
	for await (const handle of dir.values()) {
		const path = prefix + handle.name;
		entries.push({ path, kind: handle.kind });
		if (handle.kind === 'directory' && depth > 1) entries.push(...(await _listing(handle as FileSystemDirectoryHandle, `${path}/`, depth - 1)));
	}
	return entries;
}

/** The versions asked for, each once; a tag the shelf does not hold is refused (`NOT_FOUND`), the rest go on. */
async function _resolve(store: ModelStore, tags: readonly string[], result: ExportFolderResult): Promise<VersionRecord[]> {
	const records = new Map<string, VersionRecord>();
	for (const tag of tags) {
		try {
			const record = await store.get(tag);
			if (!records.has(record.tag)) records.set(record.tag, record);
		} catch (caught) {
			const error = toShelfError(caught);
			result.refused.push({ tag, code: error.code, message: error.message });
		}
	}
	return [...records.values()];
}

/**
 * Writes `<name>/<version>/`; on any failure removes it (and `<name>/` when this call created it and it is
 * empty again) before rethrowing. model.yaml goes last: a folder left by a closed tab (no clean-up runs then)
 * has no model.yaml, so neither BentoML nor the shelf's folder import takes it for a version.
 */
async function _writeVersion(root: FileSystemDirectoryHandle, store: ModelStore, record: VersionRecord, step: _Step, controls: OperationControls): Promise<FileSystemDirectoryHandle> {
	const createdName = (await entryKind(root, record.name)) === null;
	const nameDir = await root.getDirectoryHandle(record.name, { create: true });
	if ((await entryKind(nameDir, record.version)) !== null) {
		throw new ShelfError(
			'TAG_EXISTS',
			`${record.tag} already exists in the store "${root.name}" (BentoML never overwrites a tag), so it was left as it is. Hint: delete it there first (bentoml models delete ${record.tag}) to write it again.`,
			{ tag: record.tag }
		);
	}
	const versionDir = await nameDir.getDirectoryHandle(record.version, { create: true });
	try {
		const versionProgress = { loaded: 0, total: record.size };
		const report = (path: string) =>
			controls.report?.({ phase: 'exporting', ...step.progress, item: `${versionFolder(record)}/${path}`, file: { index: step.index, count: step.count, ...versionProgress } });
		report(''); // also for a version without files: the page learns which one is being written
		for (const file of record.files) {
			throwIfAborted(controls.signal);
			const written = (bytes: number) => {
				versionProgress.loaded += bytes;
				step.progress.loaded += bytes;
				report(file.path);
			};
			await _writeFile(versionDir, file.path, verifiedFileChunks(store, record, file, controls, 'so it was not written and its folder was removed'), written);
		}
		throwIfAborted(controls.signal);
		await _writeFile(versionDir, MANIFEST_PATH, [new TextEncoder().encode(serializeModelYaml(record.info))], () => undefined);
	} catch (error) {
		await nameDir.removeEntry(record.version, { recursive: true }).catch(() => undefined);
		if (createdName) await _removeIfEmpty(root, record.name);
		throw error;
	}
	return nameDir;
}

/** Streams `chunks` into `path` (sub-folders created); the file appears only once complete (`close`), never half. */
async function _writeFile(dir: FileSystemDirectoryHandle, path: string, chunks: AsyncIterable<Uint8Array> | Iterable<Uint8Array>, onWritten: (bytes: number) => void): Promise<void> {
	const parts = path.split('/');
	let folder = dir;
	for (const part of parts.slice(0, -1)) folder = await folder.getDirectoryHandle(part, { create: true });
	const writable = await (await folder.getFileHandle(parts.at(-1)!, { create: true })).createWritable();
	try {
		for await (const chunk of chunks) {
			// Awaited before the next chunk: a verified read reuses its buffer for the next one.
			await writable.write(chunk as Uint8Array<ArrayBuffer>);
			onWritten(chunk.byteLength);
		}
		await writable.close();
	} catch (error) {
		await writable.abort().catch(() => undefined);
		throw error;
	}
}


async function _removeIfEmpty(root: FileSystemDirectoryHandle, name: string): Promise<void> {
	try {
		const dir = await root.getDirectoryHandle(name);
		if (!(await dir.keys().next()).done) return; // not empty: another writer's, or written meanwhile
		await root.removeEntry(name);
	} catch {
		// Gone already, or not ours to remove.
	}
}

function _full(record: VersionRecord, cause: unknown): ShelfError {
	return new ShelfError('STORAGE_FULL', `The folder's disk is full, so ${record.tag} was not written (its folder was removed). Hint: free some space there and save again.`, { tag: record.tag }, { cause });
}

function _notTried(record: VersionRecord): string {
	return `${record.tag} was not tried: the folder's disk was already full. Hint: free some space there and save again.`;
}
