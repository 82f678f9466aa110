// Importing bundles: our zips, BentoML's zips and its tar exports (.bentomodel = tar.xz, .tar, .tar.gz).
// Zips are read through the central directory with random access; tars stream forward. Either way
// every file is hashed while it is written, and the version is committed in one transaction at the end.
// A zip without model.yaml at its root but with `<name>/<version>/model.yaml` folders holds several
// versions (issue 16, import-folders.ts); tars stay single-version, as BentoML writes them.
import { badBundle, DEFAULT_BUNDLE_LIMITS, type BundleLimits } from '../../core/bundle/bundle-errors.ts';
import { readTar } from '../../core/bundle/tar-reader.ts';
import { splitVersionFolders } from '../../core/bundle/version-folders.ts';
import { readZipDirectory } from '../../core/bundle/zip-directory.ts';
import { ShelfError, toShelfError } from '../../core/errors.ts';
import type { ModelInfo } from '../../core/manifest.ts';
import { MANIFEST_PATH } from '../../core/paths.ts';
import type { ImportResult } from '../contract.ts';
import { blobSource } from '../store/chunks.ts';
import type { IncomingFile, ModelStore, OperationControls, StoreResult } from '../store/model-store.ts';
import { checkManifestSize, collectManifest, parseBundleManifest, readZipManifest } from './bundle-manifest.ts';
import { decompressedChunks, detectArchive } from './decompress.ts';
import { importVersionFolders, VersionFolderFailure } from './import-folders.ts';
import { ZipEntryFiles } from './zip-entries.ts';

/**
 * Imports one bundle file into the store: one version, or every version of a zip that holds several.
 * Several versions commit one by one: when one fails, those before it stay stored and the error's message
 * names them (importing the bundle again reports them `unchanged` and goes on).
 * @param store the model store
 * @param file the bundle as the user picked or dropped it (read by slices, never whole)
 * @param controls progress (bytes of the bundle) and cancellation
 * @param limits archive limits (entries, sizes)
 * @returns the (first) version's status and record, and `versions`: every version, in the bundle's order
 * @throws ShelfError `BAD_BUNDLE` (with `details.reason`), `INTEGRITY`, `TAG_EXISTS`, `STORAGE_FULL`, `ABORTED`
 * @example
 * const { versions } = await importBundle(store, file);
 * versions.map((version) => version.record.tag); // ['iris:v1', 'iris:v2']
 */
export async function importBundle(store: ModelStore, file: File, controls: OperationControls = {}, limits: BundleLimits = DEFAULT_BUNDLE_LIMITS): Promise<ImportResult> {
	const head = new Uint8Array(await file.slice(0, 512).arrayBuffer());
	const kind = detectArchive(head);
	if (kind === null) {
		throw badBundle('not-an-archive', `"${file.name}" is not a model bundle: expected a .zip or a BentoML export (.bentomodel, .tar, .tar.gz, .tar.xz).`, { file: file.name });
	}
	try {
		return kind === 'zip' ? await _importZip(store, file, controls, limits) : _one(await _importTar(store, file, kind, controls, limits));
	} catch (error) {
		if (!(error instanceof VersionFolderFailure)) throw _asBundleError(error, file.name);
		throw _notingStored(_asBundleError(error.error, file.name, `${error.folder}/`), error.folder, error.stored);
	}
}

// ---------------------------------------------------------------------------

async function _importZip(store: ModelStore, file: File, controls: OperationControls, limits: BundleLimits): Promise<ImportResult> {
	const source = blobSource(file);
	const entries = await readZipDirectory(source, limits);
	const entryFiles = new ZipEntryFiles(file, source, entries);
	const folders = splitVersionFolders(entries);
	if (folders) return importVersionFolders(store, source, entryFiles, folders, controls, limits);
	const manifestEntry = entries.find((entry) => entry.path === MANIFEST_PATH && !entry.isDirectory);
	if (!manifestEntry) throw _missingManifest(file.name);
	const info = await readZipManifest(source, manifestEntry, limits);
	const files: IncomingFile[] = [];
	for (const entry of entries) {
		if (entry.isDirectory || entry === manifestEntry) continue;
		files.push(await entryFiles.incoming(entry, entry.path));
	}
	return _one(await store.storeVersion(info, files, controls));
}

async function _importTar(store: ModelStore, file: File, kind: Exclude<ReturnType<typeof detectArchive>, 'zip' | null>, controls: OperationControls, limits: BundleLimits): Promise<StoreResult> {
	let consumed = 0;
	const counted = file.stream().pipeThrough(
		new TransformStream<Uint8Array, Uint8Array>({
			transform(chunk, controller) {
				consumed += chunk.byteLength;
				controller.enqueue(chunk);
			}
		})
	);
	const report = () => controls.report?.({ phase: 'importing', loaded: consumed, total: file.size, item: file.name });
	return store.draft(async (draft) => {
		let info: ModelInfo | undefined;
		for await (const entry of readTar(decompressedChunks(counted, kind), limits)) {
			if (entry.type === 'directory') continue;
			if (entry.path === MANIFEST_PATH) {
				checkManifestSize(entry.size, limits);
				info = parseBundleManifest(await collectManifest(entry.data, limits));
				continue;
			}
			await draft.addFile({ path: entry.path, data: entry.data, expected: { size: entry.size } }, report);
		}
		if (!info) throw _missingManifest(file.name);
		const result = await draft.commit(info);
		report();
		return result;
	}, controls.signal);
}

/** A single-version bundle's result: the version, and itself as the one of `versions`. */
function _one(result: StoreResult): ImportResult {
	return { ...result, versions: [result] };
}

function _missingManifest(fileName: string): ShelfError {
	return badBundle('missing-manifest', `"${fileName}" has no model.yaml at its root, so it is not a model bundle.`, { file: fileName });
}

/** The archive's own checks (CRC, sizes) mean a damaged bundle; only a SHA-256 mismatch is an integrity failure. */
function _asBundleError(error: unknown, fileName: string, folder = ''): unknown {
	if (!(error instanceof ShelfError) || error.code !== 'INTEGRITY') return error;
	const fields = error.details?.fields ?? [];
	const path = `${folder}${String(error.details?.path)}`;
	if (fields.includes('size')) {
		return badBundle('size-mismatch', `"${path}" in "${fileName}" has a different size than its header says: the bundle is damaged.`, { ...error.details, file: fileName }, error);
	}
	if (fields.includes('crc32')) {
		return badBundle('crc-mismatch', `"${path}" in "${fileName}" fails its CRC-32 check: the bundle is damaged.`, { ...error.details, file: fileName }, error);
	}
	return new ShelfError('INTEGRITY', `"${path}" in "${fileName}" does not match its SHA-256 checksum: the bundle was altered or damaged.`, { ...error.details, file: fileName }, { cause: error });
}

/**
 * Adds to a failure in a bundle of several versions which version failed and which are stored already (they
 * stay); a failure in the first version is left as it is: nothing was stored.
 */
function _notingStored(error: unknown, folder: string, stored: readonly StoreResult[]): unknown {
	if (stored.length === 0) return error;
	const shelfError = toShelfError(error);
	const tags = stored.map((version) => version.record.tag);
	const shown = tags.length > _TAGS_NAMED ? `${tags.slice(0, _TAGS_NAMED).join(', ')} and ${tags.length - _TAGS_NAMED} more` : tags.join(', ');
	const what = shelfError.code === 'ABORTED' ? `The import was cancelled in "${folder}/"; that version was not stored.` : shelfError.message;
	const before = tags.length === 1 ? 'The version' : `The ${tags.length} versions`;
	const message = `${what} ${before} before "${folder}/" stay stored: ${shown}. Importing the bundle again skips them.`;
	return new ShelfError(shelfError.code, message, shelfError.details, { cause: shelfError });
}

/** Tags an error names at most; a bundle may hold thousands. */
const _TAGS_NAMED = 5;
