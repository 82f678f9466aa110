// Which blob store this browser gets (issue 24), decided once per worker: OPFS (large files as files, small
// ones in IndexedDB) where the Origin Private File System and its sync access handles work, else IndexedDB
// alone. WebKitGTK has no `navigator.storage.getDirectory`; private windows of several browsers have it but
// reject it (Firefox: SecurityError). Both stores pass the same BlobStore contract (tests/browser).
import type { BrowserFeature, StorageKind } from '../../core/browser-features.ts';
import { ShelfError } from '../../core/errors.ts';
import type { BlobStore } from '../../core/store-types.ts';
import { coordinationSupport } from '../store/coordination.ts';
import { openIdbBlobStore, type IdbBlobStore } from './idb-blob-store.ts';
import { openOpfsBlobStore } from './opfs-blob-store.ts';
import { createStorageQuota, type StorageQuota } from './storage-quota.ts';

/** An opened blob store, whichever kind, with its quota and `close()`. */
export interface BlobStorage extends BlobStore {
	readonly quota: StorageQuota;
	close(): void;
}

/** What this worker's browser offers for storage and coordination. */
export interface WorkerSupport {
	/** The blob store in use. */
	kind: StorageKind;
	/** The worker-side capabilities this browser lacks (`opfs` or `opfs-sync-access` when the kind is `indexeddb`). */
	missing: BrowserFeature[];
}

let detected: Promise<WorkerSupport> | undefined;

/**
 * Detects, once, which blob store this browser can hold and which worker-side capabilities it lacks.
 * @example
 * const { kind } = await workerSupport(); // 'opfs' in Chromium, 'indexeddb' in WebKitGTK
 */
export function workerSupport(): Promise<WorkerSupport> {
	return (detected ??= (async () => {
		const missing: BrowserFeature[] = [];
		const opfs = await _missingOpfs();
		if (opfs) missing.push(opfs);
		if (typeof indexedDB === 'undefined') missing.push('indexeddb');
		const { locks, channels } = coordinationSupport();
		if (!locks) missing.push('web-locks');
		if (!channels) missing.push('broadcast-channel');
		if (typeof navigator === 'undefined' || typeof navigator.storage?.estimate !== 'function') missing.push('storage-estimate');
		return { kind: opfs ? 'indexeddb' : 'opfs', missing };
	})());
}

/**
 * Opens the blob store this browser supports.
 * @param options the shelf's storage limit, if any
 * @throws ShelfError `UNSUPPORTED` (feature `indexeddb`) where there is no IndexedDB either
 */
export async function openBlobStorage(options: { quotaBytes?: number } = {}): Promise<BlobStorage> {
	const { kind, missing } = await workerSupport();
	if (missing.includes('indexeddb')) {
		throw new ShelfError('UNSUPPORTED', 'This browser gives the site no IndexedDB, so the shelf has nowhere to keep models. Hint: leave private browsing, or allow site data for this site.', { feature: 'indexeddb' });
	}
	if (kind === 'opfs') return openOpfsBlobStore({ quotaBytes: options.quotaBytes });
	// The same database the OPFS store keeps its small files in: a shelf that lost OPFS keeps those.
	let store: IdbBlobStore | undefined;
	const quota = createStorageQuota(options.quotaBytes ?? null, () => store?.bytes() ?? 0, () => store?.ready() ?? Promise.resolve());
	store = await openIdbBlobStore({ quota });
	return Object.assign(store, { quota });
}

// ---------------------------------------------------------------------------------------------------------

/** Which OPFS part is missing, or null when the OPFS store can run here. */
async function _missingOpfs(): Promise<BrowserFeature | null> {
	if (typeof navigator === 'undefined' || typeof navigator.storage?.getDirectory !== 'function') return 'opfs';
	try {
		await navigator.storage.getDirectory();
	} catch {
		return 'opfs'; // private windows: present but refused
	}
	// Writers and verified reads need sync access handles (Safari before 15.2 had OPFS without them).
	if (typeof FileSystemFileHandle === 'undefined' || typeof FileSystemFileHandle.prototype.createSyncAccessHandle !== 'function') return 'opfs-sync-access';
	return null;
}
