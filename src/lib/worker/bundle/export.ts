// Exporting a pinned version as a zip bundle: model.yaml plus the model's files at their paths, as
// BentoML lays out a model folder, streamed from the blob store into a file. Every file is re-hashed
// on the way out, so a blob damaged on disk stops the export instead of shipping bad bytes. Several versions
// go into one zip the same way, each under its own `<name>/<version>/` folder (BentoML's store layout).
import { concatBytes, type ByteSink } from '../../core/byte-streams.ts';
import { deflateSmall, ZipWriter } from '../../core/bundle/zip-writer.ts';
import { ShelfError } from '../../core/errors.ts';
import { serializeModelYaml } from '../../core/manifest.ts';
import { MANIFEST_PATH } from '../../core/paths.ts';
import type { StoredFile, VersionRecord } from '../../core/store-types.ts';
import { versionFolder } from '../../core/bundle/version-folders.ts';
import { digestBytes } from '../../core/digest.ts';
import { throwIfAborted } from '../operations.ts';
import type { ModelStore, OperationControls } from '../store/model-store.ts';
import { fileBytesGone } from '../blobs/blob-shared.ts';

/** Per-entry zip overhead above the path, counted generously: local and central headers, SHA-256 and ZIP64 extras. */
const ENTRY_OVERHEAD = 200;

/** Files up to this size are read whole and deflated when that pays; larger ones (weights) are stored. */
const DEFLATE_AT_MOST = 4 * 1024 * 1024;

/**
 * Writes `record` as a zip bundle into `sink`.
 * @param store the model store (for the blobs)
 * @param record the version to export
 * @param sink where the zip bytes go, in order
 * @param controls progress and cancellation
 * @throws ShelfError `INTEGRITY` when a stored file no longer has its recorded digest, `ABORTED`
 */
export async function writeBundle(store: ModelStore, record: VersionRecord, sink: ByteSink, controls: OperationControls = {}): Promise<{ bytes: number }> {
	const zip = new ZipWriter(sink, { comment: `${record.tag} exported by Model Shelf` });
	sink.expectSize?.(_estimate(record, ''));
	const progress = { loaded: 0, total: record.size };
	await _writeVersion(zip, store, record, '', progress, controls, (file) => file.path);
	const { bytesWritten } = await zip.finish();
	return { bytes: bytesWritten };
}

/**
 * Writes several versions as one zip (issue 16), in BentoML's store layout: each version's model.yaml and
 * files under `<name>/<version>/`, byte for byte what {@link writeBundle} puts at the root of its own zip
 * (same model.yaml text, same SHA-256 extra field, same stored or deflated choice). `importBundle` gives
 * them all back. A tag listed twice is written once.
 * @param store the model store (for the blobs)
 * @param records the versions, in the order they go into the zip
 * @param sink where the zip bytes go, in order
 * @param controls one progress over all versions' bytes (`item`: the tag being written); cancel between chunks
 * @throws ShelfError `INTEGRITY` when a stored file no longer has its recorded digest, `ABORTED`
 * @example
 * const records = await Promise.all(tags.map((tag) => store.get(tag)));
 * const { bytes } = await writeBundles(store, records, target, controls);
 */
export async function writeBundles(store: ModelStore, records: readonly VersionRecord[], sink: ByteSink, controls: OperationControls = {}): Promise<{ bytes: number }> {
	const unique = [...new Map(records.map((record) => [record.tag, record])).values()];
	const zip = new ZipWriter(sink, { comment: `${unique.length} versions exported by Model Shelf` });
	sink.expectSize?.(unique.reduce((sum, record) => sum + _estimate(record, `${versionFolder(record)}/`), 0));
	const progress = { loaded: 0, total: unique.reduce((sum, record) => sum + record.size, 0) };
	for (const record of unique) {
		throwIfAborted(controls.signal);
		await _writeVersion(zip, store, record, `${versionFolder(record)}/`, progress, controls, () => record.tag);
	}
	const { bytesWritten } = await zip.finish();
	return { bytes: bytesWritten };
}

// ---------------------------------------------------------------------------

/** One version's model.yaml and files, each path under `prefix`; `progress` counts bytes over the whole zip. */
async function _writeVersion(
	zip: ZipWriter,
	store: ModelStore,
	record: VersionRecord,
	prefix: string,
	progress: { loaded: number; total: number },
	controls: OperationControls,
	itemOf: (file: StoredFile) => string
): Promise<void> {
	const modified = new Date(Date.parse(record.info.creationTime) || Date.now());
	const manifest = new TextEncoder().encode(serializeModelYaml(record.info));
	await _addSmall(zip, prefix + MANIFEST_PATH, manifest, modified);
	for (const file of record.files) {
		throwIfAborted(controls.signal);
		const data = verifiedFileChunks(store, record, file, controls);
		const path = prefix + file.path;
		if (file.size <= DEFLATE_AT_MOST) await _addSmall(zip, path, await _whole(data), modified, file);
		else await zip.addEntry({ path, size: file.size, crc32: file.crc32, sha256: file.sha256, modified, data });
		progress.loaded += file.size;
		controls.report?.({ phase: 'exporting', loaded: progress.loaded, total: progress.total, item: itemOf(file) });
	}
}

/** A generous estimate of the zip bytes one version takes (its files, model.yaml, headers). */
function _estimate(record: VersionRecord, prefix: string): number {
	const manifestBytes = new TextEncoder().encode(serializeModelYaml(record.info)).byteLength;
	const paths = record.files.reduce((sum, file) => sum + 2 * (prefix.length + file.path.length) * 3, 0); // UTF-8, in both headers
	return record.size + manifestBytes + paths + ENTRY_OVERHEAD * (record.files.length + 2);
}

async function _addSmall(zip: ZipWriter, path: string, bytes: Uint8Array, modified: Date, known?: StoredFile) {
	const { crc32, sha256 } = known ?? (await digestBytes(bytes));
	const deflated = deflateSmall(bytes);
	await zip.addEntry(
		deflated
			? { path, size: bytes.byteLength, crc32, sha256, modified, method: 'deflate', data: deflated, compressedSize: deflated.byteLength }
			: { path, size: bytes.byteLength, crc32, sha256, modified, data: bytes }
	);
}

/**
 * A stored file's bytes, re-hashed on the way (the store's verified read), stopping between chunks when the
 * operation is cancelled; a damaged blob's `INTEGRITY` names the version and the file.
 * @param store the shelf
 * @param record the version
 * @param file one of its files
 * @param controls cancellation
 * @param stopped what became of the operation, for the message ("so the export was stopped")
 */
export async function* verifiedFileChunks(store: ModelStore, record: VersionRecord, file: StoredFile, controls: OperationControls, stopped = 'so the export was stopped'): AsyncGenerator<Uint8Array> {
	try {
		for await (const chunk of store.blobs.readVerified(file.sha256)) {
			throwIfAborted(controls.signal);
			yield chunk;
		}
	} catch (error) {
		// Issue 22: a blob evicted under a kept catalogue names the file, like a damaged one.
		if (error instanceof ShelfError && error.code === 'NOT_FOUND') throw fileBytesGone(record.tag, file.path, file.sha256, error);
		if (!(error instanceof ShelfError) || error.code !== 'INTEGRITY') throw error;
		const actual = error.details?.actual;
		throw new ShelfError('INTEGRITY', `"${file.path}" of ${record.tag} is damaged on disk (its SHA-256 changed), ${stopped}. Hint: run "Check integrity" on the Storage page.`, {
			tag: record.tag,
			path: file.path,
			expected: file.sha256,
			actual: typeof actual === 'string' ? actual : ''
		});
	}
}



/** Every chunk, copied (a verified read reuses its buffers), as one array. */
async function _whole(chunks: AsyncIterable<Uint8Array>): Promise<Uint8Array> {
	const parts: Uint8Array[] = [];
	for await (const chunk of chunks) parts.push(chunk.slice());
	return concatBytes(parts);
}
