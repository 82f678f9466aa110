// What this browser lacks, in one sentence each (issue 24). The page detects its own APIs here, once; the
// worker detects storage and coordination (`usage().storage`). Each missing feature has a fallback the UI
// already offers (a download, a folder input) or a sentence saying what cannot be done.
import type { BrowserFeature, StorageKind } from '../core/browser-features.ts';

let detected: BrowserFeature[] | undefined;

/**
 * The page-side capabilities this browser lacks, detected on the first call (in the browser only).
 * @example
 * if (missingPageFeatures().includes('save-file-picker')) show('Export bundle downloads the file.');
 */
export function missingPageFeatures(): BrowserFeature[] {
	if (detected) return detected;
	if (typeof window === 'undefined') return [];
	const page = window as unknown as Record<string, unknown>;
	const missing: BrowserFeature[] = [];
	if (typeof page.showSaveFilePicker !== 'function') missing.push('save-file-picker');
	if (typeof page.showDirectoryPicker !== 'function') missing.push('directory-picker');
	if (!('launchQueue' in page)) missing.push('file-handlers');
	if (typeof navigator.storage?.persist !== 'function') missing.push('persistent-storage');
	return (detected = missing);
}

/** What each missing capability means here, and the way around it. */
export const MISSING_FEATURE_SENTENCES: Record<BrowserFeature, string> = {
	opfs: 'This browser gives the site no file system (OPFS), so every file is kept in IndexedDB: saving and exporting are slower, and an export is assembled in the browser before it downloads.',
	'opfs-sync-access': 'This browser cannot write the site\'s files quickly from a worker, so every file is kept in IndexedDB: saving and exporting are slower.',
	indexeddb: 'This browser gives the site no IndexedDB, so the shelf cannot keep anything: leave private browsing or allow site data.',
	'web-locks': 'This browser cannot lock the shelf across tabs: make changes from one tab at a time.',
	'broadcast-channel': 'This browser cannot tell other open tabs about changes: reload them to see new versions.',
	'storage-estimate': 'This browser does not say how much room the site has, so the quota below reads 0.',
	'persistent-storage': 'This browser cannot be asked to keep the site\'s storage: keep versions you cannot lose on a registry too.',
	'save-file-picker': 'This browser cannot ask where to save an export: Export bundle downloads it instead.',
	'directory-picker': 'This browser cannot open folders in place: Open BentoML store… reads a folder you choose once, and Save to BentoML store… is replaced by Export bundle.',
	'file-handlers': 'This browser cannot open bundles from your file manager (Open with → Model Shelf): import them on the Models page.'
};

/** Where the shelf keeps files' bytes, in one plain sentence. */
export function storageSentence(kind: StorageKind): string {
	return kind === 'opfs'
		? 'Files are kept in this browser\'s file system for the site (OPFS); files of 64 KiB or less, and the catalogue, in IndexedDB.'
		: 'Files are kept in IndexedDB, because this browser gives the site no file system (OPFS): the same checks, slower to save and export.';
}
