// Worker: importing a BentoML store folder (issue 18) — BENTOML_HOME, its models folder, one model's folder or
// one version folder — every version as if it were a bundle: its model.yaml bytes kept, every file hashed while
// stored, deduplicated. Versions commit one by one and a version that cannot be stored is refused on its own
// (the next goes on); only a cancel or a full disk stops the whole import. BentoML's `latest` files are read
// and compared with the creation times, but the shelf's own `latest` stays the newest by creation time.
import { DEFAULT_BUNDLE_LIMITS, type BundleLimits } from '../../core/bundle/bundle-errors.ts';
import { planStoreFolder, type StoreFolderKind, type StoreFolderPlan, type StoreVersionFolder } from '../../core/bundle/bentoml-store-layout.ts';
import { isShelfError, ShelfError, toShelfError } from '../../core/errors.ts';
import { parseModelYaml, type ModelInfo } from '../../core/manifest.ts';
import { DOCUMENT_FIELD } from '../../core/manifest-schema.ts';
import { compareByCreationTime } from '../../core/manifest-time.ts';
import type { FolderRefusal, FolderVersionOutcome, ImportFolderRequest, ImportFolderResult, LatestDisagreement, Progress } from '../contract.ts';
import { decodeManifest } from '../manifest-text.ts';
import { throwIfAborted } from '../operations.ts';
import type { IncomingFile, ModelStore, OperationControls, StoreResult } from '../store/model-store.ts';
import { pathIn, walkFolder, type WalkedFolder } from './folder-walk.ts';

/**
 * Imports every version of a BentoML store folder.
 * @param store the shelf
 * @param request the folder, and `onlyNew`: versions whose tag the shelf holds (or keeps in its trash) are not read
 * @param controls one progress for the whole folder (`item`: `<folder>/<file>`; `file`: the version `index` of
 * `count`, in bytes), and cancellation (between files and chunks)
 * @param limits `maxEntries` for the walk, `maxManifestBytes` for each model.yaml
 * @returns per-version outcomes, refusals with their reasons, what was passed over, and `latest` files that
 * disagree with the creation times
 * @throws ShelfError `ABORTED` (versions stored before stay), `STORAGE_FULL` (the message names the versions
 * stored before), `BAD_BUNDLE` `too-many-entries` for a folder far too big to be a store
 * @example
 * const result = await importStoreFolder(store, { folder: { handle } });
 * result.versions.map((version) => `${version.tag} ${version.status}`); // ['iris:v1 created', …]
 */
export async function importStoreFolder(store: ModelStore, request: ImportFolderRequest, controls: OperationControls = {}, limits: BundleLimits = DEFAULT_BUNDLE_LIMITS): Promise<ImportFolderResult> {
	const signal = controls.signal;
	const folder = await walkFolder(request.folder, limits, signal);
	const plan = planStoreFolder(folder.entries, folder.name);
	const outcomes = new Map<StoreVersionFolder, FolderVersionOutcome>();
	const refused: FolderRefusal[] = [];
	const dated: Array<{ folder: StoreVersionFolder; info: ModelInfo }> = [];
	const toStore: Array<{ folder: StoreVersionFolder; info: ModelInfo; files: IncomingFile[]; size: number }> = [];
	const shelved = request.onlyNew ? new ShelvedTags(store) : null;

	for (const version of plan.versions) {
		throwIfAborted(signal);
		try {
			const known = shelved && plan.kind !== 'version' ? await shelved.find(`${version.name}:${version.version}`) : undefined;
			if (known) {
				outcomes.set(version, { folder: version.folder, tag: `${version.name}:${version.version}`, status: 'present' });
				if (known.info) dated.push({ folder: version, info: known.info });
				continue;
			}
			const info = await _readManifest(folder, version, limits);
			_checkPlace(plan.kind, version, info);
			dated.push({ folder: version, info });
			const tag = `${info.name}:${info.version}`;
			if (shelved && plan.kind === 'version' && (await shelved.find(tag))) {
				outcomes.set(version, { folder: version.folder, tag, status: 'present' });
				continue;
			}
			const files = await Promise.all(version.files.map(async (path) => ({ path, data: await folder.file(pathIn(version.folder, path)) })));
			toStore.push({ folder: version, info, files, size: files.reduce((sum, file) => sum + file.data.size, 0) });
		} catch (error) {
			refused.push(_refusal(version.folder, _rethrowStopping(error)));
		}
	}

	const total = toStore.reduce((sum, version) => sum + version.size, 0);
	const stored: StoreResult[] = [];
	let before = 0;
	for (const [index, version] of toStore.entries()) {
		const place = version.folder.folder === '' ? '' : `${version.folder.folder}/`;
		const file = (loaded: number) => ({ index, count: toStore.length, loaded, total: version.size });
		try {
			throwIfAborted(signal);
			// Also for a version without files: the page learns each version's start.
			controls.report?.({ phase: 'storing', loaded: before, total, item: place, file: file(0) });
			const report = (progress: Progress) => controls.report?.({ phase: progress.phase, loaded: Math.min(before + progress.loaded, total), total, item: `${place}${progress.item ?? ''}`, file: file(progress.loaded) });
			const result = await store.storeVersion(version.info, version.files, { report, ...(signal ? { signal } : {}) });
			stored.push(result);
			outcomes.set(version.folder, { folder: version.folder.folder, tag: result.record.tag, status: result.status });
		} catch (error) {
			const shown = _rethrowStopping(error, stored);
			refused.push(_refusal(version.folder.folder, shown));
		}
		before += version.size;
	}

	const order = new Map(plan.versions.map((version, index) => [version.folder, index]));
	return {
		kind: plan.kind,
		versions: plan.versions.flatMap((version) => outcomes.get(version) ?? []),
		refused: refused.sort((a, b) => order.get(a.folder)! - order.get(b.folder)!),
		skipped: plan.skipped,
		latest: await _latestDisagreements(folder, plan, dated)
	};
}

// ---------------------------------------------------------------------------------------------------

/** Tags the shelf holds, on its shelf or in its trash (whose tags stay reserved), for `onlyNew`. */
class ShelvedTags {
	#trash: Promise<Map<string, ModelInfo>> | undefined;
	constructor(private readonly store: ModelStore) {}

	/** The tag's model.yaml when the shelf or its trash holds it, else undefined. */
	async find(tag: string): Promise<{ info: ModelInfo | undefined } | undefined> {
		const record = await this.store.catalogue.get(tag);
		if (record) return { info: record.info };
		if (!(await this.store.catalogue.isTrashed(tag))) return undefined;
		this.#trash ??= this.store.catalogue.trash().then((items) => new Map(items.map((item) => [item.record.tag, item.record.info])));
		return { info: (await this.#trash).get(tag) };
	}
}

/** Reads and parses a version folder's model.yaml, its bytes kept; refused before reading when too large. */
async function _readManifest(folder: WalkedFolder, version: StoreVersionFolder, limits: BundleLimits): Promise<ModelInfo> {
	const file = await folder.file(version.manifest);
	const limit = limits.maxManifestBytes;
	if (file.size > limit) {
		throw new ShelfError('INVALID_MANIFEST', `"${version.manifest}" is ${file.size} bytes; at most ${limit} are read as a model.yaml.`, { field: DOCUMENT_FIELD, size: file.size, limit, where: version.manifest });
	}
	let bytes: Uint8Array;
	try {
		bytes = new Uint8Array(await file.arrayBuffer());
	} catch (error) {
		throw new ShelfError('NOT_FOUND', `"${version.manifest}" could not be read: it may have changed since the folder was picked. Hint: open the folder again.`, { path: version.manifest }, { cause: error });
	}
	try {
		return parseModelYaml(decodeManifest(bytes));
	} catch (error) {
		if (!isShelfError(error, 'INVALID_MANIFEST')) throw error;
		throw new ShelfError('INVALID_MANIFEST', `"${version.manifest}" is invalid: ${error.message}`, { field: DOCUMENT_FIELD, ...error.details, where: version.manifest }, { cause: error });
	}
}

/** Refuses a model.yaml that names another model or version than its folder (BentoML's `<name>/<version>/`). */
function _checkPlace(kind: StoreFolderKind, version: StoreVersionFolder, info: ModelInfo): void {
	if (kind === 'version') return; // a single version folder picked: its model.yaml is all there is to go by
	const field = version.name !== '' && info.name !== version.name ? 'name' : info.version !== version.version ? 'version' : null;
	if (field === null) return;
	const place = `${version.name || '?'}:${version.version}`;
	throw new ShelfError(
		'INVALID_MANIFEST',
		`The model.yaml in "${version.folder}/" declares ${info.name}:${info.version}, but its folder says ${place}. Hint: BentoML keeps each version in <name>/<version>/ of its own model.yaml; was the folder renamed?`,
		{ field, where: version.manifest, expected: field === 'name' ? version.name : version.version, actual: field === 'name' ? info.name : info.version }
	);
}

/**
 * A cancel or a full disk stops the whole import: rethrown (a full disk's message naming what was stored
 * before). Anything else is one version's failure, as a ShelfError.
 */
function _rethrowStopping(error: unknown, stored: readonly StoreResult[] = []): ShelfError {
	// The browser's own read failures (NotReadableError, NotFoundError) are DOMExceptions: a file that went.
	const shelfError = typeof DOMException !== 'undefined' && error instanceof DOMException ? _unreadableFile(error) : toShelfError(error);
	if (shelfError.code === 'ABORTED') throw shelfError;
	if (!isShelfError(shelfError, 'STORAGE_FULL')) return shelfError;
	if (stored.length === 0) throw shelfError;
	const tags = stored.map((version) => version.record.tag);
	const shown = tags.length > _TAGS_NAMED ? `${tags.slice(0, _TAGS_NAMED).join(', ')} and ${tags.length - _TAGS_NAMED} more` : tags.join(', ');
	throw new ShelfError('STORAGE_FULL', `${shelfError.message} The ${tags.length === 1 ? 'version' : `${tags.length} versions`} stored before stay: ${shown}. Opening the folder again skips them.`, shelfError.details, { cause: shelfError });
}

/** A file the browser would not read (moved, deleted or changed since the folder was picked). */
function _unreadableFile(error: DOMException): ShelfError {
	return new ShelfError('NOT_FOUND', `A file of this version could not be read (${error.name}: ${error.message}): it may have been moved or changed since the folder was picked. Hint: open the folder again.`, {}, { cause: error });
}

function _refusal(folder: string, error: ShelfError): FolderRefusal {
	return { folder, code: error.code, message: error.message, details: error.details ?? {} };
}

/**
 * BentoML's `latest` files that name another version than the newest by creation time among the folder's
 * versions of that name (whose model.yaml could be read). BentoML reads the file with `read_text().strip()`.
 */
async function _latestDisagreements(folder: WalkedFolder, plan: StoreFolderPlan, dated: ReadonlyArray<{ folder: StoreVersionFolder; info: ModelInfo }>): Promise<LatestDisagreement[]> {
	const disagreements: LatestDisagreement[] = [];
	for (const latest of plan.latest) {
		const versions = dated.filter((entry) => entry.folder.name === latest.name).map((entry) => entry.info);
		const newest = versions.sort(compareByCreationTime).at(-1);
		if (!newest) continue;
		let named: string;
		try {
			named = (await (await folder.file(latest.path)).slice(0, _LATEST_BYTES).text()).trim();
		} catch {
			continue; // BentoML itself recreates a latest file it cannot read
		}
		if (named === newest.version) continue;
		const exists = plan.versions.some((version) => version.name === latest.name && version.version === named);
		disagreements.push({ name: latest.name, bentoml: exists ? named : null, newest: newest.version });
	}
	return disagreements;
}

/** Tags an error names at most; a store may hold thousands. */
const _TAGS_NAMED = 5;
/** A latest file holds one version (BentoML versions are at most a few dozen characters). */
const _LATEST_BYTES = 1024;
