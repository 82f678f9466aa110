// Picking a BentoML store folder to write into (issue 18, "Write back"), one way for every place that offers
// "Save to BentoML store…" (a version's page, a selection on the Models list). Writing needs Chromium's File
// System Access API: a directory picker in read-write mode, and permission asked again (on a click) for a
// remembered folder when the browser wants it. Firefox and Safari have neither: there, say so and point to Export.
import { shelf } from '../client/shelf.ts';
import type { RememberedFolder } from '../worker/contract.ts';

/** Chromium's directory picker; absent in Firefox and Safari. */
type DirectoryPicker = (options: { mode: 'read' | 'readwrite'; id?: string }) => Promise<FileSystemDirectoryHandle>;
/** Chromium's permission calls on a handle (not in TypeScript's DOM types). */
type PermissionHandle = FileSystemDirectoryHandle & {
	queryPermission?: (options: { mode: 'readwrite' }) => Promise<PermissionState>;
	requestPermission?: (options: { mode: 'readwrite' }) => Promise<PermissionState>;
};

/** The picker's id, shared with "Open BentoML store…", so both start in the folder last picked. */
const PICKER_ID = 'bentoml-store';

/** Why the control is disabled where folders cannot be written, and what to do instead. */
export const NO_FOLDER_WRITING = 'This browser cannot write into folders. Use Export bundle instead, then import the zip with bentoml models import.';

/** True where the browser can write into a folder the user picks (Chromium's `showDirectoryPicker`). */
export function canWriteFolders(): boolean {
	return typeof window !== 'undefined' && typeof (window as { showDirectoryPicker?: DirectoryPicker }).showDirectoryPicker === 'function';
}

/**
 * Lets the user pick a folder to write into.
 * @returns the folder, or null when the user closed the picker
 * @throws whatever else the picker throws (a folder the browser refuses, such as a system folder)
 * @example
 * const folder = await pickWritableFolder();
 * if (folder) await shelf().exportToFolder({ tags, folder }, controls);
 */
export async function pickWritableFolder(): Promise<FileSystemDirectoryHandle | null> {
	try {
		return await (window as unknown as { showDirectoryPicker: DirectoryPicker }).showDirectoryPicker({ mode: 'readwrite', id: PICKER_ID });
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
 * Makes sure the page may write into `folder`, asking the browser when it wants to ask (call it from a click).
 * @param folder a picked or remembered folder
 * @returns true when writing is allowed now
 */
export async function allowWriting(folder: FileSystemDirectoryHandle): Promise<boolean> {
	const handle = folder as PermissionHandle;
	if (!handle.queryPermission || !handle.requestPermission) return true; // no permission model: the handle is usable
	if ((await handle.queryPermission({ mode: 'readwrite' })) === 'granted') return true;
	return (await handle.requestPermission({ mode: 'readwrite' }).catch(() => 'denied')) === 'granted';
}
