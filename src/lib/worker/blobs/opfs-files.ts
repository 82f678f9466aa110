// The OPFS side of the OPFS blob store: probing, scanning and moving files (opfs-blob-store.ts).
import { CHUNK_SIZE } from '../../core/byte-streams.ts';
import { toShelfError } from '../../core/errors.ts';
import { isNotFound, isSha256 } from './blob-shared.ts';

// `FileSystemHandle.move()` is missing from TypeScript's lib; Chromium has it for OPFS files since 110.
export type MovableFileHandle = FileSystemFileHandle & { move?(directory: FileSystemDirectoryHandle, name: string): Promise<void> };

/** The file `name` in `dir`, or null when absent. */
export async function fileIn(dir: FileSystemDirectoryHandle, name: string): Promise<File | null> {
	try {
		return await (await dir.getFileHandle(name)).getFile();
	} catch (error) {
		if (isNotFound(error)) return null;
		throw toShelfError(error);
	}
}

/** Total size of the blobs in `dir` (names that are not digests are ignored); their names go into `names`. */
export async function scanBlobs(dir: FileSystemDirectoryHandle, names: Set<string>): Promise<number> {
	let total = 0;
	names.clear();
	for await (const [name, entry] of dir.entries()) {
		if (entry.kind !== 'file' || !isSha256(name)) continue;
		total += (await (entry as FileSystemFileHandle).getFile()).size;
		names.add(name);
	}
	return total;
}

/**
 * Moves a closed file to `dir/name`. Uses `move()` (a rename, no copy) where the browser has it, else
 * copies through sync access handles and then calls `removeSource`.
 */
export async function moveFile(
	file: MovableFileHandle,
	removeSource: () => Promise<void>,
	dir: FileSystemDirectoryHandle,
	name: string
): Promise<void> {
	if (typeof file.move === 'function') return file.move(dir, name);
	const target = await dir.getFileHandle(name, { create: true });
	try {
		const from = await file.createSyncAccessHandle();
		try {
			const to = await target.createSyncAccessHandle();
			try {
				const buffer = new Uint8Array(CHUNK_SIZE);
				const size = from.getSize();
				for (let at = 0; at < size; ) {
					const read = from.read(buffer, { at });
					if (read === 0) break;
					to.write(buffer.subarray(0, read), { at });
					at += read;
				}
				to.truncate(size); // the target may exist already (stored by another tab), and be longer
				to.flush();
			} finally {
				to.close();
			}
		} finally {
			from.close();
		}
	} catch (error) {
		await dir.removeEntry(name).catch(() => {});
		throw error;
	}
	await removeSource();
}
