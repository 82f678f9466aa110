// Exporting a pinned version as a zip bundle: model.yaml plus the model's files at their paths, as
// BentoML lays out a model folder, streamed from the blob store into a file. Every file is re-hashed
// on the way out, so a blob damaged on disk stops the export instead of shipping bad bytes.
import { deflateSmall, ZipWriter } from '../../core/bundle/zip-writer.ts';
import { ShelfError } from '../../core/errors.ts';
import { serializeModelYaml } from '../../core/manifest.ts';
import { MANIFEST_PATH } from '../../core/paths.ts';
import type { StoredFile, VersionRecord } from '../../core/store-types.ts';
import { createDigest } from '../blobs/digest.ts';
import { throwIfAborted } from '../operations.ts';
import { readChunks } from '../store/chunks.ts';
import type { ModelStore, OperationControls } from '../store/model-store.ts';

/** Where the zip's bytes go: an OPFS file, a file the user picked, or memory in tests. */
export interface ByteSink {
	write(chunk: Uint8Array): Promise<void>;
}

/** Files up to this size are read whole and deflated when that pays; larger ones (weights) are stored. */
const DEFLATE_AT_MOST = 4 * 1024 * 1024;

/**
 * The download name BentoML users expect: `<name>-<version>.zip`.
 * @param record the version
 */
export function bundleFileName(record: Pick<VersionRecord, 'name' | 'version'>): string {
	return `${record.name}-${record.version}.zip`;
}

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
	const modified = new Date(Date.parse(record.info.creationTime) || Date.now());
	const manifest = new TextEncoder().encode(serializeModelYaml(record.info));
	await _addSmall(zip, MANIFEST_PATH, manifest, modified);
	const total = record.size;
	let loaded = 0;
	for (const file of record.files) {
		throwIfAborted(controls.signal);
		const blob = await store.blobs.read(file.sha256);
		if (file.size <= DEFLATE_AT_MOST) {
			const bytes = new Uint8Array(await blob.arrayBuffer());
			_checkDigest(record, file, await _sha256(bytes));
			await _addSmall(zip, file.path, bytes, modified, file);
		} else {
			await zip.addEntry({ path: file.path, size: file.size, crc32: file.crc32, sha256: file.sha256, modified, data: _verifiedChunks(record, file, blob, controls) });
		}
		loaded += file.size;
		controls.report?.({ phase: 'exporting', loaded, total, item: file.path });
	}
	const { bytesWritten } = await zip.finish();
	return { bytes: bytesWritten };
}

// ---------------------------------------------------------------------------

async function _addSmall(zip: ZipWriter, path: string, bytes: Uint8Array, modified: Date, known?: StoredFile) {
	const { crc32, sha256 } = known ?? (await _digest(bytes));
	const deflated = deflateSmall(bytes);
	await zip.addEntry(
		deflated
			? { path, size: bytes.byteLength, crc32, sha256, modified, method: 'deflate', data: deflated, compressedSize: deflated.byteLength }
			: { path, size: bytes.byteLength, crc32, sha256, modified, data: bytes }
	);
}

/** Streams a blob's chunks while hashing them; the last chunk is held back until the digest is checked. */
async function* _verifiedChunks(record: VersionRecord, file: StoredFile, blob: Blob, controls: OperationControls): AsyncGenerator<Uint8Array> {
	const digest = await createDigest();
	let held: Uint8Array | null = null;
	for await (const chunk of readChunks(blob)) {
		throwIfAborted(controls.signal);
		digest.update(chunk);
		if (held) yield held;
		held = chunk;
	}
	_checkDigest(record, file, digest.digest().sha256);
	if (held) yield held;
}

function _checkDigest(record: VersionRecord, file: StoredFile, actual: string) {
	if (actual === file.sha256) return;
	throw new ShelfError(
		'INTEGRITY',
		`"${file.path}" of ${record.tag} is damaged on disk (its SHA-256 changed), so the export was stopped. Hint: run "Check integrity" on the Storage page.`,
		{ tag: record.tag, path: file.path, expected: file.sha256, actual }
	);
}

async function _digest(bytes: Uint8Array) {
	const digest = await createDigest();
	digest.update(bytes);
	return digest.digest();
}

async function _sha256(bytes: Uint8Array): Promise<string> {
	return (await _digest(bytes)).sha256;
}
