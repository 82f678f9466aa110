// Worker: a stored file's header (issue 17), read from its blob in place — the weights are never read.
import { ShelfError } from '../../core/errors.ts';
import { inspectFile, type FileHeader } from '../../core/inspect/inspect-file.ts';
import { blobSource } from './chunks.ts';
import type { ModelStore } from './model-store.ts';

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
	return inspectFile(path, blobSource(await store.blobs.read(file.sha256)));
}
