// Node + browser: pure TypeScript, no DOM, no idb, no OPFS.
//
// The browser capabilities the shelf uses that some engines lack (issue 24). Each is detected once, on the side
// that uses it (the page for pickers, file handlers and persistence; the worker for storage and coordination),
// and named by these words in `UNSUPPORTED` errors (`details.feature`) and in `usage().storage.missing`.

/** Every optional browser capability, by a stable word. */
export const BROWSER_FEATURES = [
	/** The Origin Private File System (`navigator.storage.getDirectory`): the large files' store. */
	'opfs',
	/** OPFS sync access handles (`createSyncAccessHandle`, dedicated workers only). */
	'opfs-sync-access',
	/** IndexedDB: the catalogue, and the whole store where OPFS is missing. */
	'indexeddb',
	/** Web Locks (`navigator.locks`): one writer at a time across tabs. */
	'web-locks',
	/** `BroadcastChannel`: other tabs hear of changes. */
	'broadcast-channel',
	/** `navigator.storage.estimate()`: the site's usage and quota. */
	'storage-estimate',
	/** `navigator.storage.persist()`: asking the browser not to evict the site. */
	'persistent-storage',
	/** `showSaveFilePicker`: choosing where an export is written. */
	'save-file-picker',
	/** `showDirectoryPicker`: reading and writing a folder in place. */
	'directory-picker',
	/** File handlers (`window.launchQueue`): "Open with → Model Shelf". */
	'file-handlers'
] as const;

/** One of {@link BROWSER_FEATURES}. */
export type BrowserFeature = (typeof BROWSER_FEATURES)[number];

/** Where the shelf keeps files' bytes: OPFS (with small files in IndexedDB), or IndexedDB alone where OPFS is missing. */
export type StorageKind = 'opfs' | 'indexeddb';
