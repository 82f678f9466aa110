// Importing bundles: our zips, BentoML's zips and its tar exports (.bentomodel = tar.xz, .tar, .tar.gz).
// Zips are read through the central directory with random access; tars stream forward. Either way
// every file is hashed while it is written, and the version is committed in one transaction at the end.
import { badBundle, DEFAULT_BUNDLE_LIMITS, type BundleLimits } from '../../core/bundle/bundle-errors.ts';
import { readTar } from '../../core/bundle/tar-reader.ts';
import { readZipDirectory, readZipEntry, zipEntryData, type RandomAccessSource, type ZipEntry } from '../../core/bundle/zip-reader.ts';
import { ShelfError } from '../../core/errors.ts';
import { parseModelYaml, type ModelInfo } from '../../core/manifest.ts';
import { MANIFEST_PATH } from '../../core/paths.ts';
import type { IncomingFile, ModelStore, OperationControls, StoreResult } from '../store/model-store.ts';
import { decompressedChunks, detectArchive } from './decompress.ts';

/**
 * Imports one bundle file into the store.
 * @param store the model store
 * @param file the bundle as the user picked or dropped it (read by slices, never whole)
 * @param controls progress (bytes of the bundle) and cancellation
 * @param limits archive limits (entries, sizes)
 * @throws ShelfError `BAD_BUNDLE` (with `details.reason`), `INTEGRITY`, `TAG_EXISTS`, `STORAGE_FULL`, `ABORTED`
 */
export async function importBundle(store: ModelStore, file: File, controls: OperationControls = {}, limits: BundleLimits = DEFAULT_BUNDLE_LIMITS): Promise<StoreResult> {
	const head = new Uint8Array(await file.slice(0, 512).arrayBuffer());
	const kind = detectArchive(head);
	if (kind === null) {
		throw badBundle('not-an-archive', `"${file.name}" is not a model bundle: expected a .zip or a BentoML export (.bentomodel, .tar, .tar.gz, .tar.xz).`, { file: file.name });
	}
	try {
		return kind === 'zip' ? await _importZip(store, file, controls, limits) : await _importTar(store, file, kind, controls, limits);
	} catch (error) {
		throw _asBundleError(error, file.name);
	}
}

/**
 * Random access to a File (or any Blob) by slicing: only the bytes asked for are read.
 * @param blob the file
 */
export function blobSource(blob: Blob): RandomAccessSource {
	return {
		size: blob.size,
		read: async (offset, length) => new Uint8Array(await blob.slice(offset, offset + length).arrayBuffer())
	};
}

// ---------------------------------------------------------------------------

async function _importZip(store: ModelStore, file: File, controls: OperationControls, limits: BundleLimits): Promise<StoreResult> {
	const source = blobSource(file);
	const entries = await readZipDirectory(source, limits);
	const manifestEntry = entries.find((entry) => entry.path === MANIFEST_PATH && !entry.isDirectory);
	if (!manifestEntry) throw _missingManifest(file.name);
	if (manifestEntry.uncompressedSize > limits.maxManifestBytes) throw _manifestTooLarge(manifestEntry.uncompressedSize, limits);
	const info = _parseManifest(await _collect(readZipEntry(source, manifestEntry), limits.maxManifestBytes));
	const files: IncomingFile[] = [];
	for (const entry of entries) {
		if (entry.isDirectory || entry === manifestEntry) continue;
		files.push({ path: entry.path, data: await _entryBytes(file, source, entry), expected: _expected(entry) });
	}
	return store.storeVersion(info, files, controls);
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
				if (entry.size > limits.maxManifestBytes) throw _manifestTooLarge(entry.size, limits);
				info = _parseManifest(await _collect(entry.data, limits.maxManifestBytes));
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

/** A stored entry is handed over as a slice of the file (no copy); a deflated one as its inflated chunks. */
async function _entryBytes(file: File, source: RandomAccessSource, entry: ZipEntry): Promise<IncomingFile['data']> {
	if (entry.method !== 0) return readZipEntry(source, entry);
	if (entry.compressedSize !== entry.uncompressedSize) {
		throw badBundle('size-mismatch', `Entry "${entry.name}" is stored uncompressed but its two sizes differ.`, { entry: entry.name });
	}
	const { offset } = await zipEntryData(source, entry);
	if (offset + entry.compressedSize > file.size) throw badBundle('truncated', `Entry "${entry.name}" runs past the end of the file.`, { entry: entry.name });
	return file.slice(offset, offset + entry.compressedSize);
}

function _expected(entry: ZipEntry): IncomingFile['expected'] {
	return { size: entry.uncompressedSize, crc32: entry.crc32, ...(entry.sha256 ? { sha256: entry.sha256 } : {}) };
}

function _parseManifest(bytes: Uint8Array): ModelInfo {
	let text: string;
	try {
		text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
	} catch (error) {
		throw badBundle('invalid-manifest', 'model.yaml is not UTF-8 text.', {}, error);
	}
	try {
		return parseModelYaml(text);
	} catch (error) {
		const field = error instanceof ShelfError ? error.details?.field : undefined;
		const message = error instanceof ShelfError ? error.message : String(error);
		throw badBundle('invalid-manifest', `The bundle's model.yaml is invalid: ${message}`, { field }, error);
	}
}

async function _collect(chunks: AsyncIterable<Uint8Array>, limit: number): Promise<Uint8Array> {
	const parts: Uint8Array[] = [];
	let size = 0;
	for await (const chunk of chunks) {
		size += chunk.byteLength;
		if (size > limit) throw badBundle('too-large', `model.yaml is larger than ${limit} bytes.`, { limit });
		parts.push(chunk);
	}
	const bytes = new Uint8Array(size);
	let offset = 0;
	for (const part of parts) {
		bytes.set(part, offset);
		offset += part.byteLength;
	}
	return bytes;
}

function _missingManifest(fileName: string): ShelfError {
	return badBundle('missing-manifest', `"${fileName}" has no model.yaml at its root, so it is not a model bundle.`, { file: fileName });
}

function _manifestTooLarge(size: number, limits: BundleLimits): ShelfError {
	return badBundle('too-large', `model.yaml is ${size} bytes; at most ${limits.maxManifestBytes} are accepted.`, { size, limit: limits.maxManifestBytes });
}

/** The archive's own checks (CRC, sizes) mean a damaged bundle; only a SHA-256 mismatch is an integrity failure. */
function _asBundleError(error: unknown, fileName: string): unknown {
	if (!(error instanceof ShelfError) || error.code !== 'INTEGRITY') return error;
	const fields = (error.details?.fields as string[] | undefined) ?? [];
	const path = error.details?.path;
	if (fields.includes('size')) {
		return badBundle('size-mismatch', `"${String(path)}" in "${fileName}" has a different size than its header says: the bundle is damaged.`, { ...error.details, file: fileName }, error);
	}
	if (fields.includes('crc32')) {
		return badBundle('crc-mismatch', `"${String(path)}" in "${fileName}" fails its CRC-32 check: the bundle is damaged.`, { ...error.details, file: fileName }, error);
	}
	return new ShelfError('INTEGRITY', `"${String(path)}" in "${fileName}" does not match its SHA-256 checksum: the bundle was altered or damaged.`, { ...error.details, file: fileName }, { cause: error });
}
