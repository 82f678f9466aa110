// Worker: a version's file headers read from its blobs (issue 17), and the facts derived from them. Reading
// is bounded per file (the parsers' ReadLimits), so deriving facts costs milliseconds whatever the weights
// weigh. A file that cannot be read becomes a problem in the facts; it never fails the version.
import { ShelfError } from '../../core/errors.ts';
import { versionFacts, type FileProblem, type FileReading, type VersionFacts } from '../../core/inspect/facts.ts';
import { formatOf, inspectFile, type FileHeader } from '../../core/inspect/inspect-file.ts';
import { normalizeModelPath } from '../../core/paths.ts';
import type { BlobStore, StoredFile } from '../../core/store-types.ts';
import { throwIfAborted } from '../operations.ts';
import { FILES_IN_FLIGHT } from './bounded-tasks.ts';
import { blobSource } from './chunks.ts';

/** Bytes a format is told by (see `formatOf`). */
const HEAD_BYTES = 8;

/**
 * Reads one stored file's header; ONNX external-data references are marked present or not in the version.
 * @param blobs the blob store
 * @param file the stored file
 * @param files every file of its version
 * @throws ShelfError `BAD_MODEL_FILE` with the reason
 */
export async function readStoredHeader(blobs: BlobStore, file: StoredFile, files: readonly StoredFile[]): Promise<FileHeader> {
	return _header(await blobs.read(file.sha256), file, files);
}

/**
 * Reads the header of every model file of a version (files of no model format are passed over).
 * @param blobs the blob store
 * @param files the version's files
 * @param signal cancels between files
 */
export async function readVersionHeaders(blobs: BlobStore, files: readonly StoredFile[], signal?: AbortSignal): Promise<FileReading[]> {
	const readings: Array<FileReading | null> = new Array(files.length).fill(null);
	let next = 0;
	const worker = async () => {
		for (let index = next++; index < files.length; index = next++) {
			throwIfAborted(signal);
			readings[index] = await _reading(blobs, files[index]!, files);
		}
	};
	await Promise.all(Array.from({ length: Math.min(FILES_IN_FLIGHT, files.length) }, worker));
	return readings.filter((reading): reading is FileReading => reading !== null);
}

/**
 * Derives a version's facts from its stored files.
 * @param blobs the blob store
 * @param files the version's files
 * @param signal cancels between files
 */
export async function deriveFacts(blobs: BlobStore, files: readonly StoredFile[], signal?: AbortSignal): Promise<VersionFacts> {
	return factsOf(await readVersionHeaders(blobs, files, signal));
}

/**
 * A version's facts from its headers as {@link readVersionHeaders} read them.
 * @param readings its model files' headers
 */
export function factsOf(readings: readonly FileReading[]): VersionFacts {
	const facts = versionFacts(readings);
	facts.problems.push(...readings.flatMap(_missingExternalData));
	return facts;
}

// ---------------------------------------------------------------------------------------------------

async function _reading(blobs: BlobStore, file: StoredFile, files: readonly StoredFile[]): Promise<FileReading | null> {
	let format: ReturnType<typeof formatOf> = 'unknown';
	try {
		const blob = await blobs.read(file.sha256);
		format = formatOf(file.path, new Uint8Array(await blob.slice(0, HEAD_BYTES).arrayBuffer()));
		if (format === 'unknown') return null;
		return { path: file.path, sha256: file.sha256, header: await _header(blob, file, files) };
	} catch (error) {
		if (error instanceof ShelfError && error.code === 'ABORTED') throw error;
		const reason = error instanceof ShelfError ? String(error.details?.reason ?? error.code) : 'unreadable';
		const message = error instanceof Error ? error.message : String(error);
		return { path: file.path, sha256: file.sha256, problem: { path: file.path, format, reason, message } };
	}
}

/** A file's header from its bytes, read once for its format and its header. */
async function _header(blob: Blob, file: StoredFile, files: readonly StoredFile[]): Promise<FileHeader> {
	const header = await inspectFile(file.path, blobSource(blob));
	if (header.format === 'onnx') {
		const paths = new Set(files.map((candidate) => candidate.path));
		for (const reference of header.header.externalData) reference.present = paths.has(_besideFile(file.path, reference.location) ?? '');
	}
	return header;
}

/** Each ONNX external-data file the version does not hold, as a problem (the model cannot load without it). */
function _missingExternalData(reading: FileReading): FileProblem[] {
	if (!('header' in reading) || reading.header.format !== 'onnx') return [];
	const missing = [...new Set(reading.header.header.externalData.filter((reference) => !reference.present).map((reference) => reference.location))];
	return missing.map((location) => ({
		path: reading.path,
		format: 'onnx',
		reason: 'missing-external-data',
		message: `${reading.path} keeps tensor data in "${location}", which this version does not hold. Hint: add that file to the version; the model cannot load without it.`
	}));
}

/** A path written relative to a file's folder, as a version path; null when it leaves the version. */
function _besideFile(filePath: string, location: string): string | null {
	const folder = filePath.includes('/') ? filePath.slice(0, filePath.lastIndexOf('/') + 1) : '';
	try {
		return normalizeModelPath(`${folder}${location}`);
	} catch {
		return null;
	}
}
