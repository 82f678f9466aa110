// Importing a zip of several versions (issue 16): BentoML's store layout, `<name>/<version>/model.yaml` and
// the version's files under `<name>/<version>/`, as `writeBundles` writes it. Every folder's model.yaml is
// read and checked against its folder before any byte is stored, so a malformed bundle stores nothing.
// Then each version is stored exactly as a single-version zip would be (same checks, same integrity) and
// commits on its own: a failure in the third leaves the first two on the shelf, and the error says so.
import type { BundleLimits } from '../../core/bundle/bundle-errors.ts';
import { checkFolderManifest, type VersionFolder } from '../../core/bundle/version-folders.ts';
import type { RandomAccessSource } from '../../core/byte-streams.ts';
import type { ZipEntry } from '../../core/bundle/zip-directory.ts';
import type { ModelInfo } from '../../core/manifest.ts';
import type { ImportResult, Progress } from '../contract.ts';
import { throwIfAborted } from '../operations.ts';
import type { IncomingFile, ModelStore, OperationControls, StoreResult } from '../store/model-store.ts';
import { readZipManifest } from './bundle-manifest.ts';
import type { ZipEntryFiles } from './zip-entries.ts';

/** A version of the bundle failed: which folder, the error, and the versions stored before it. */
export class VersionFolderFailure extends Error {
	/**
	 * @param error what storing the version threw
	 * @param folder its `<name>/<version>` folder
	 * @param stored the versions of the bundle already stored (they stay)
	 */
	constructor(
		readonly error: unknown,
		readonly folder: string,
		readonly stored: readonly StoreResult[]
	) {
		super(`Storing ${folder}/ failed.`, { cause: error });
	}
}

/**
 * Imports every version folder of a zip, in the bundle's order.
 * @param store the model store
 * @param source the zip, read at offsets
 * @param entryFiles hands the zip's entries over to storage
 * @param folders the version folders, from `splitVersionFolders`
 * @param controls one progress over the whole bundle (`item`: the entry's path in the bundle; `file`: the
 * version `index` of `count`), and cancellation
 * @param limits the bundle limits
 * @returns the first version's status and record, and every version's
 * @throws ShelfError `BAD_BUNDLE` before anything is stored; {@link VersionFolderFailure} once storing began
 */
export async function importVersionFolders(
	store: ModelStore,
	source: RandomAccessSource,
	entryFiles: ZipEntryFiles,
	folders: readonly VersionFolder<ZipEntry>[],
	controls: OperationControls,
	limits: BundleLimits
): Promise<ImportResult> {
	const infos: ModelInfo[] = [];
	for (const folder of folders) {
		throwIfAborted(controls.signal);
		const info = await readZipManifest(source, folder.manifest, limits);
		checkFolderManifest(folder, info);
		infos.push(info);
	}
	const sizes = folders.map((folder) => folder.files.reduce((sum, { entry }) => sum + entry.uncompressedSize, 0));
	const total = sizes.reduce((sum, size) => sum + size, 0);
	const versions: StoreResult[] = [];
	let before = 0;
	for (const [index, folder] of folders.entries()) {
		try {
			throwIfAborted(controls.signal);
			// Also when the version's files are empty: the page learns each version's start (and that there are several).
			controls.report?.({ phase: 'storing', loaded: before, total, item: `${folder.folder}/`, file: { index, count: folders.length, loaded: 0, total: sizes[index]! } });
			const files: IncomingFile[] = [];
			for (const { entry, path } of folder.files) files.push(await entryFiles.incoming(entry, path));
			const report = (progress: Progress) =>
				controls.report?.({
					phase: progress.phase,
					loaded: Math.min(before + progress.loaded, total),
					total,
					item: `${folder.folder}/${progress.item ?? ''}`,
					file: { index, count: folders.length, loaded: progress.loaded, total: progress.total }
				});
			versions.push(await store.storeVersion(infos[index]!, files, { report, ...(controls.signal ? { signal: controls.signal } : {}) }));
		} catch (error) {
			throw new VersionFolderFailure(error, folder.folder, [...versions]);
		}
		before += sizes[index]!;
	}
	return { ...versions[0]!, versions };
}
