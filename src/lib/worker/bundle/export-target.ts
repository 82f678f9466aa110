// Where an export is written: a file in the shelf's own OPFS folder (handed to the page as a
// disk-backed File for download), or a file the user chose with the save picker.
import { toShelfError } from '../../core/errors.ts';
import { isQuotaExceeded, storageFull } from '../blobs/blob-shared.ts';
import type { ByteSink } from './export.ts';

const EXPORTS_DIR = 'exports';
/** Exports older than this are removed when the shelf opens; a download has long finished by then. */
const EXPORT_MAX_AGE_MS = 60 * 60 * 1000;

/** A sink that can be finished (file complete) or discarded (nothing left behind). */
export interface ExportTarget extends ByteSink {
	finish(): Promise<File | null>;
	discard(): Promise<void>;
}

/**
 * Opens `exports/<name>` in OPFS for writing with a sync access handle (fast, worker-only).
 * @param name the file name
 * @param spaceLeft bytes the shelf's storage limit leaves for the export (absent: only the browser's quota).
 * The export is written into the same origin storage as the blobs, so it must honour the same limit.
 */
export async function opfsExportTarget(name: string, spaceLeft?: number): Promise<ExportTarget> {
	const dir = await (await navigator.storage.getDirectory()).getDirectoryHandle(EXPORTS_DIR, { create: true });
	const handle = await dir.getFileHandle(name, { create: true });
	const access = await handle.createSyncAccessHandle();
	access.truncate(0);
	let position = 0;
	let allocated = 0; // file size set ahead by expectSize()
	let open = true;
	const close = () => {
		if (open) access.close();
		open = false;
	};
	return {
		async write(chunk) {
			if (spaceLeft !== undefined && position + chunk.byteLength > spaceLeft) throw storageFull(spaceLeft, position + chunk.byteLength);
			try {
				position += access.write(chunk, { at: position });
			} catch (error) {
				throw isQuotaExceeded(error) ? storageFull(null, chunk.byteLength, error) : toShelfError(error);
			}
		},
		expectSize(bytes) {
			const size = spaceLeft === undefined ? bytes : Math.min(bytes, spaceLeft);
			if (size <= position) return;
			try {
				access.truncate(size);
				allocated = size;
			} catch (error) {
				// No room to size the file ahead: the writes themselves will say whether the bytes fit.
				if (!isQuotaExceeded(error)) throw toShelfError(error);
			}
		},
		async finish() {
			if (allocated > position) access.truncate(position); // an estimate above the real size
			access.flush();
			close();
			return handle.getFile();
		},
		async discard() {
			close();
			await dir.removeEntry(name).catch(() => undefined);
		}
	};
}

/**
 * Writes into a file the user picked (File System Access save picker), through a writable stream.
 * @param handle the picked file
 */
export async function pickedFileTarget(handle: FileSystemFileHandle): Promise<ExportTarget> {
	const writable = await handle.createWritable();
	return {
		write: (chunk) => writable.write(chunk as Uint8Array<ArrayBuffer>),
		async finish() {
			await writable.close();
			return null;
		},
		discard: () => writable.abort().catch(() => undefined)
	};
}

/** Removes exports written more than an hour ago (their downloads are long done). */
export async function clearOldExports(now = Date.now()): Promise<number> {
	const root = await navigator.storage.getDirectory();
	let dir: FileSystemDirectoryHandle;
	try {
		dir = await root.getDirectoryHandle(EXPORTS_DIR);
	} catch {
		return 0;
	}
	let removed = 0;
	for await (const [name, handle] of dir.entries()) {
		if (handle.kind !== 'file') continue;
		const file = await (handle as FileSystemFileHandle).getFile();
		if (now - file.lastModified < EXPORT_MAX_AGE_MS) continue;
		await dir.removeEntry(name);
		removed++;
	}
	return removed;
}
