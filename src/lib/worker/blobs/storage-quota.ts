// Node + browser: the shelf's storage limit, applied in this one place. Stored blobs, blob writes in
// progress and exports written into the shelf's own OPFS folder all count against it together.
import { ShelfError } from '../../core/errors.ts';

/** One store's byte budget: what is stored, what writes in progress hold, and the limit (if any). */
export interface StorageQuota {
	/** Most bytes the store may hold, or null for only the browser's own quota. */
	readonly limit: number | null;
	/** Resolves once the stored total is known (the OPFS store scans `blobs/` first when a limit is set). */
	ready(): Promise<void>;
	/**
	 * Accounts for `size` more bytes of a write in progress.
	 * @param size bytes about to be written
	 * @throws ShelfError `STORAGE_FULL` when they do not fit; nothing is accounted then
	 */
	reserve(size: number): void;
	/**
	 * Gives back bytes of a write that ended (stored, dropped or handed over).
	 * @param size bytes reserved earlier
	 */
	release(size: number): void;
	/** Bytes still free under the limit, or null when there is no limit. */
	room(): number | null;
	/**
	 * The `STORAGE_FULL` error for the browser's `QuotaExceededError` during a write.
	 * @param size bytes of the failed write not reserved yet (0 when it was reserved first)
	 * @param cause the browser's error
	 * @param writing what was being written (default: a stored file's bytes)
	 */
	full(size: number, cause: unknown, writing?: StorageWrite): ShelfError;
}

/** What a write that ran out of room was writing (`STORAGE_FULL` details `writing`). */
export type StorageWrite = 'blob' | 'export' | 'catalogue';

/**
 * Creates the budget of one store.
 * @param limit most bytes, or null for no limit of our own
 * @param stored the bytes stored blobs hold now
 * @param ready resolves once `stored` is right (default: at once)
 */
export function createStorageQuota(limit: number | null, stored: () => number, ready: () => Promise<void> = () => Promise.resolve()): StorageQuota {
	let reserved = 0;
	return {
		limit,
		ready,
		reserve(size) {
			const needed = stored() + reserved + size;
			if (limit !== null && needed > limit) throw _storageFull(limit, needed);
			reserved += size;
		},
		release(size) {
			reserved -= size;
		},
		room: () => (limit === null ? null : Math.max(0, limit - stored() - reserved)),
		full: (size, cause, writing = 'blob') => browserFull(writing, stored() + reserved + size, cause)
	};
}

/**
 * True when `error` is the browser's out-of-quota failure (a `DOMException` named `QuotaExceededError`).
 * Checked by name because DOMException is not an Error subclass in every realm.
 * @param error what was caught
 */
export function isQuotaExceeded(error: unknown): boolean {
	return typeof error === 'object' && error !== null && (error as { name?: unknown }).name === 'QuotaExceededError';
}

/**
 * The `STORAGE_FULL` error of the browser's own quota for the site (issue 22): not the shelf's limit, so the
 * hint is about the site's share of the disk.
 * @param writing what was being written
 * @param needed bytes the store would hold with this write (stored blobs + writes in progress + the write)
 * @param cause the browser's `QuotaExceededError`
 */
export function browserFull(writing: StorageWrite, needed: number, cause: unknown): ShelfError {
	const what = writing === 'blob' ? 'the file being stored' : writing === 'export' ? 'the export being written' : 'the catalogue';
	return new ShelfError(
		'STORAGE_FULL',
		`The browser's storage for this site is full: ${what} did not fit (the shelf would hold ${needed} bytes). Nothing of it was kept. ` +
			'Hint: delete versions you no longer need and empty the trash (Storage page), or free disk space: the browser gives each site a share of the free disk.',
		{ quotaBytes: null, needed, writing },
		{ cause }
	);
}

// ---------------------------------------------------------------------------------------------------------

/**
 * The `STORAGE_FULL` error of a write that does not fit.
 * @param quotaBytes the shelf's own limit
 * @param needed bytes the store would hold with this write (stored blobs + writes in progress + the write)
 */
function _storageFull(quotaBytes: number, needed: number): ShelfError {
	return new ShelfError('STORAGE_FULL', `Not enough storage for these bytes (${needed} needed, limit ${quotaBytes}): delete models or free disk space.`, { quotaBytes, needed });
}
