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
	 */
	full(size: number, cause: unknown): ShelfError;
}

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
		full: (size, cause) => _storageFull(limit, stored() + reserved + size, cause)
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

// ---------------------------------------------------------------------------------------------------------

/**
 * The `STORAGE_FULL` error of a write that does not fit.
 * @param quotaBytes the limit, or null when the browser's own quota was hit
 * @param needed bytes the store would hold with this write (stored blobs + writes in progress + the write)
 * @param cause the browser's `QuotaExceededError`, if that is what failed
 */
function _storageFull(quotaBytes: number | null, needed: number, cause?: unknown): ShelfError {
	return new ShelfError(
		'STORAGE_FULL',
		`Not enough storage for these bytes (${needed} needed, quota ${quotaBytes ?? 'set by the browser'}): delete models or free disk space.`,
		{ quotaBytes, needed },
		cause === undefined ? undefined : { cause }
	);
}
