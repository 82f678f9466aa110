// Where an export is written: a file in the shelf's own OPFS folder `exports/` (handed to the page as a
// disk-backed File for download), a Blob where there is no OPFS, or a file the user chose with the save
// picker. This module is the one owner of `exports/`: it writes there, and removes what is old or half-written.
import type { ByteSink } from '../../core/byte-streams.ts';
import { isFinishedZip } from '../../core/bundle/zip-directory.ts';
import { ShelfError, toShelfError } from '../../core/errors.ts';
import { isQuotaExceeded, type StorageQuota } from '../blobs/storage-quota.ts';
import { blobSource } from '../store/chunks.ts';

const EXPORTS_DIR = 'exports';
/** Exports older than this are removed when the shelf opens; a download has long finished by then. */
const EXPORT_MAX_AGE_MS = 60 * 60 * 1000;

/**
 * A file in `exports/` this young is left alone even when it is not a finished zip: another tab may have
 * just created it and not yet taken its sync access handle (the lock that keeps fsck off it afterwards).
 */
export const EXPORT_GRACE_MS = 30_000;

/** A sink that can be finished (file complete) or discarded (nothing left behind). */
export interface ExportTarget extends ByteSink {
	/** Completes the file; resolves to it when it is the shelf's own (for download), else null. */
	finish(): Promise<File | null>;
	/** Drops what was written. */
	discard(): Promise<void>;
}

/** The exports folder as clean-up sees it (OPFS `exports/`; a fake in Node tests). */
export interface ExportsFolder {
	/** The folder's entries by name. */
	entries(): AsyncIterable<[string, { kind: 'file' | 'directory' }]>;
	/** The file `name`. */
	getFileHandle(name: string): Promise<{ getFile(): Promise<File> }>;
	/** Rejects (`NoModificationAllowedError` in Chromium) while a sync access handle holds the file. */
	removeEntry(name: string): Promise<void>;
}

/**
 * Opens `exports/<name>` in OPFS for writing with a sync access handle (fast, worker-only).
 * @param name the file name
 * @param quota the blob store's: the export is written into the same origin storage as the blobs, so its
 * bytes count against the same storage limit while it is written
 */
export async function opfsExportTarget(name: string, quota: StorageQuota): Promise<ExportTarget> {
	await quota.ready();
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
		// A finished export is the page's download now, a discarded one is gone: neither holds the budget.
		quota.release(position);
		position = 0;
	};
	return {
		async write(chunk) {
			quota.reserve(chunk.byteLength);
			let written = 0;
			try {
				written = access.write(chunk, { at: position });
				position += written;
				// Chromium writes what fits under the site's quota and returns the shorter count without
				// throwing (issue 22: an export that filled the origin finished as a truncated zip).
				if (written !== chunk.byteLength) throw new DOMException('Short write to the export file.', 'QuotaExceededError');
			} catch (error) {
				throw isQuotaExceeded(error) ? quota.full(0, error, 'export') : toShelfError(error);
			} finally {
				quota.release(chunk.byteLength - written);
			}
		},
		expectSize(bytes) {
			const room = quota.room();
			const size = room === null ? bytes : Math.min(bytes, position + room);
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

/** Bytes gathered in JS before they are folded into the export's Blob. */
const FOLD_BYTES = 8 * 1024 * 1024;

/**
 * Assembles the export as a Blob, for browsers without OPFS (issue 24): every 8 MiB written are folded into
 * it, so this thread holds at most that much; the browser's blob storage holds the rest (Chromium moves
 * large blobs to disk; other engines may keep them in memory). Nothing is written into the site's storage,
 * so nothing is left behind by a crash and the storage limit does not apply.
 * @param name the file name
 */
export function blobExportTarget(name: string): ExportTarget {
	let assembled = new Blob([]);
	let pending: Uint8Array<ArrayBuffer>[] = [];
	let pendingBytes = 0;
	const fold = () => {
		assembled = new Blob([assembled, ...pending]);
		pending = [];
		pendingBytes = 0;
	};
	return {
		async write(chunk) {
			pending.push(chunk.slice()); // the chunk is the caller's again once this resolves
			pendingBytes += chunk.byteLength;
			if (pendingBytes >= FOLD_BYTES) fold();
		},
		async finish() {
			fold();
			return new File([assembled], name, { type: 'application/zip' });
		},
		async discard() {
			assembled = new Blob([]);
			pending = [];
		}
	};
}

/**
 * Writes into a file the user picked (File System Access save picker), through a writable stream.
 * @param handle the picked file
 */
export async function pickedFileTarget(handle: FileSystemFileHandle): Promise<ExportTarget> {
	if (typeof (handle as Partial<FileSystemFileHandle>).createWritable !== 'function') {
		throw new ShelfError('UNSUPPORTED', 'This browser cannot write into a file you picked. Hint: use Export bundle, which downloads the file.', { feature: 'save-file-picker' });
	}
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

/** OPFS `exports/`, or null when it does not exist (nothing exported yet) or there is no OPFS (Node). */
export async function opfsExportsFolder(): Promise<ExportsFolder | null> {
	if (typeof navigator === 'undefined' || !navigator.storage?.getDirectory) return null;
	const root = await navigator.storage.getDirectory();
	return root.getDirectoryHandle(EXPORTS_DIR).catch(() => null);
}

/**
 * Removes exports written more than an hour ago (their downloads are long done).
 * @param now the current time (ms since epoch)
 * @param folder the exports folder (default: OPFS `exports/`)
 * @returns how many files were removed
 */
export async function clearOldExports(now = Date.now(), folder?: ExportsFolder | null): Promise<number> {
	const exports = folder === undefined ? await opfsExportsFolder() : folder;
	return exports ? _removeWhere(exports, async (file) => now - file.lastModified >= EXPORT_MAX_AGE_MS) : 0;
}

/**
 * Removes half-written exports (issue 8: an export interrupted by a closed tab leaves a partial zip).
 * Exports take no Web Lock, but one being written holds its file's sync access handle, and Chromium
 * refuses to remove a file so held: such a file is skipped, whichever tab writes it. A finished export (the
 * page may still be downloading it) ends with the zip end record and is left to {@link clearOldExports}.
 * @param folder the exports folder
 * @param now the current time (ms since epoch)
 * @returns how many files were removed
 */
export async function removeHalfWrittenExports(folder: ExportsFolder, now: number): Promise<number> {
	return _removeWhere(folder, async (file) => now - file.lastModified >= EXPORT_GRACE_MS && !(await isFinishedZip(blobSource(file))));
}

// ---------------------------------------------------------------------------------------------------------

/** Removes the files of `folder` that `doomed` picks; names first, as removing while iterating may skip some. */
async function _removeWhere(folder: ExportsFolder, doomed: (file: File) => Promise<boolean>): Promise<number> {
	const names: string[] = [];
	for await (const [name, handle] of folder.entries()) if (handle.kind === 'file') names.push(name);
	let removed = 0;
	for (const name of names) {
		try {
			if (!(await doomed(await (await folder.getFileHandle(name)).getFile()))) continue;
			await folder.removeEntry(name);
			removed++;
		} catch {
			// Being written (locked), or removed meanwhile by the tab that wrote it: not ours to count.
		}
	}
	return removed;
}
