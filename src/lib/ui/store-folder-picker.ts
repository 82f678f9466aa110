// Picking a BentoML store folder (issue 18), one way for every place that reads one ("Open BentoML store…") or
// writes into one ("Save to BentoML store…" on a version or a selection). Both need Chromium's File System
// Access API: a directory picker, and permission asked again (on a click) for a remembered folder when the
// browser wants it. Firefox and Safari have neither: reading falls back to a folder input; writing says so and
// points to Export.
import { shelf } from '../client/shelf.ts';
import type { RememberedFolder } from '../worker/contract.ts';

/** Chromium's directory picker; absent in Firefox and Safari. */
type DirectoryPicker = (options: { mode: 'read' | 'readwrite'; id?: string }) => Promise<FileSystemDirectoryHandle>;
/** What the page will do with a folder. */
type FolderMode = 'read' | 'readwrite';
/** Chromium's permission calls on a handle (not in TypeScript's DOM types). */
type PermissionHandle = FileSystemDirectoryHandle & {
	queryPermission?: (options: { mode: FolderMode }) => Promise<PermissionState>;
	requestPermission?: (options: { mode: FolderMode }) => Promise<PermissionState>;
};

/** The picker's id, shared with "Open BentoML store…", so both start in the folder last picked. */
const PICKER_ID = 'bentoml-store';

/** Why the control is disabled where folders cannot be written, and what to do instead. */
export const NO_FOLDER_WRITING = 'This browser cannot write into folders. Use Export bundle instead, then import the zip with bentoml models import.';

/** True where the browser can pick a folder and read or write it in place (Chromium's `showDirectoryPicker`). */
export function canPickFolders(): boolean {
	return typeof window !== 'undefined' && typeof (window as { showDirectoryPicker?: DirectoryPicker }).showDirectoryPicker === 'function';
}

/**
 * Lets the user pick a folder.
 * @param mode read it, or also write into it
 * @returns the folder, or null when the user closed the picker
 * @throws whatever else the picker throws (a folder the browser refuses, such as a system folder)
 * @example
 * const folder = await pickFolder('readwrite');
 * if (folder) await shelf().exportToFolder({ tags, folder }, controls);
 */
export async function pickFolder(mode: FolderMode): Promise<FileSystemDirectoryHandle | null> {
	try {
		return await (window as unknown as { showDirectoryPicker: DirectoryPicker }).showDirectoryPicker({ mode, id: PICKER_ID });
	} catch (error) {
		if (error instanceof DOMException && error.name === 'AbortError') return null;
		throw error;
	}
}

/** The remembered BentoML store folder, or null (none, or the worker could not read it: then there is no default). */
export async function rememberedStoreFolder(): Promise<RememberedFolder | null> {
	return shelf()
		.rememberedFolder()
		.catch(() => null);
}

/**
 * Makes sure the page may read (or write into) `folder`, asking the browser when it wants to ask (call it from a click).
 * @param folder a picked or remembered folder
 * @param mode what the page will do with it
 * @returns true when that is allowed now
 */
export async function allowFolder(folder: FileSystemDirectoryHandle, mode: FolderMode): Promise<boolean> {
	const handle = folder as PermissionHandle;
	if (!handle.queryPermission || !handle.requestPermission) return true; // no permission model: the handle is usable
	if ((await handle.queryPermission({ mode })) === 'granted') return true;
	return (await handle.requestPermission({ mode }).catch(() => 'denied')) === 'granted';
}
