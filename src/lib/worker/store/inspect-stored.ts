// Worker: a stored file's header (issue 17), read from its blob in place — the weights are never read — and
// a version's tensors, and two versions compared tensor by tensor.
import { ShelfError } from '../../core/errors.ts';
import { versionTensors } from '../../core/inspect/facts.ts';
import type { FileHeader } from '../../core/inspect/inspect-file.ts';
import { diffTensors, type TensorDiff } from '../../core/inspect/tensor-diff.ts';
import type { VersionRecord } from '../../core/store-types.ts';
import type { VersionTensors } from '../contract.ts';
import type { ModelStore } from './model-store.ts';
import { factsOf, readStoredHeader, readVersionHeaders } from './version-facts.ts';

/**
 * Reads one file of a version as its model format says.
 * @param store the shelf
 * @param tag the version (`name:version`, `name`, `name@alias`)
 * @param path the file's path in the version
 * @throws ShelfError `NOT_FOUND`, `BAD_MODEL_FILE` with the reason
 */
export async function inspectStoredFile(store: ModelStore, tag: string, path: string): Promise<FileHeader> {
	const record = await store.get(tag);
	const file = record.files.find((candidate) => candidate.path === path);
	if (!file) throw new ShelfError('NOT_FOUND', `Version "${record.tag}" has no file "${path}".`, { tag: record.tag, path });
	return readStoredHeader(store.blobs, file, record.files);
}

/**
 * Every tensor of a version, and its facts (derived now when the version has none yet).
 * @param store the shelf
 * @param tag the version
 */
export async function storedTensors(store: ModelStore, tag: string): Promise<VersionTensors> {
	const record = await store.get(tag);
	const readings = await readVersionHeaders(store.blobs, record.files);
	return { tag: record.tag, tensors: versionTensors(readings), facts: record.facts ?? factsOf(readings) };
}

/**
 * Two versions compared tensor by tensor.
 * @param store the shelf
 * @param left the "from" version
 * @param right the "to" version
 */
export async function compareStoredTensors(store: ModelStore, left: string, right: string): Promise<TensorDiff> {
	const [from, to] = await Promise.all([store.get(left), store.get(right)]);
	const side = async (record: VersionRecord) => ({
		tensors: versionTensors(await readVersionHeaders(store.blobs, record.files)),
		digests: new Map(record.files.map((file) => [file.path, file.sha256]))
	});
	return diffTensors(await side(from), await side(to));
}
