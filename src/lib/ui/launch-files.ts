// Bundles the operating system hands to the installed app: files opened with it (the manifest's
// `file_handlers`, delivered through `window.launchQueue`) and files shared to it (the manifest's
// `share_target`, stored by the service worker's static/share-target-sw.js and picked up here).

/** The part of the File Handling API's `LaunchParams` read here (`targetURL` is not: every action is `/`). */
export interface LaunchParamsLike {
	readonly files?: readonly FileSystemHandle[];
}

/** The part of `window.launchQueue` used here; tests pass their own. */
export interface LaunchQueueLike {
	setConsumer(consumer: (params: LaunchParamsLike) => void | Promise<void>): void;
}

/**
 * Imports every file the app is launched with: registers a consumer on the launch queue that reads each
 * file handle and hands the files over in one batch (a launch with several files is one batch). Folders are
 * skipped. Launches that came before the consumer was set are delivered as soon as it is.
 * @param launchQueue `window.launchQueue` (undefined where the browser has no File Handling API)
 * @param onfiles called with the launched files, once per launch that carried any
 * @param onerror called when a handle could not be read (e.g. the file was removed meanwhile)
 * @returns true when a consumer was registered
 * @example
 * consumeLaunchedFiles(window.launchQueue, (files) => imports.add(files), (error) => toasts.show(describeError(error).message, 'error'));
 */
export function consumeLaunchedFiles(launchQueue: LaunchQueueLike | undefined, onfiles: (files: File[]) => void, onerror: (error: unknown) => void): boolean {
	if (!launchQueue) return false;
	launchQueue.setConsumer(async (params) => {
		const handles = (params.files ?? []).filter((handle): handle is FileSystemFileHandle => handle.kind === 'file');
		const files: File[] = [];
		for (const handle of handles) {
			try {
				files.push(await handle.getFile());
			} catch (error) {
				onerror(error);
			}
		}
		if (files.length > 0) onfiles(files);
	});
	return true;
}

/** The window's launch queue, where the browser has one (Chromium desktop, installed app). */
export function windowLaunchQueue(): LaunchQueueLike | undefined {
	return (globalThis as { launchQueue?: LaunchQueueLike }).launchQueue;
}

/**
 * The Cache Storage cache where static/share-target-sw.js leaves shared files. Its layout, shared with that
 * script: one entry per file, keyed `<origin>/share-target/<share id>/<index>`, the file's bytes as the body,
 * its type as `content-type`, its name (URI-encoded) in `x-shelf-file-name`, its `lastModified` in
 * `x-shelf-last-modified`. The service worker empties the cache before storing a share, so at most one share
 * waits there.
 */
export const SHARED_FILES_CACHE = 'model-shelf-shared-files';

/**
 * Takes the files of one share out of the cache, in the order they were shared, and deletes them there.
 * The files stay readable after the entries are deleted (a Cache Storage blob keeps its data alive).
 * @param shareId the id from the `?shared=` query the service worker redirected to
 * @returns the shared files; none for an unknown id, a malformed one, or no Cache Storage
 */
export async function takeSharedFiles(shareId: string): Promise<File[]> {
	if (!/^[\w-]{1,64}$/.test(shareId) || typeof caches === 'undefined') return [];
	const cache = await caches.open(SHARED_FILES_CACHE);
	const prefix = new URL(`/share-target/${shareId}/`, location.origin).href;
	const requests = (await cache.keys()).filter((request) => request.url.startsWith(prefix));
	requests.sort((a, b) => _indexOf(a, prefix) - _indexOf(b, prefix));
	const files: File[] = [];
	for (const request of requests) {
		const response = await cache.match(request);
		if (!response) continue;
		const name = decodeURIComponent(response.headers.get('x-shelf-file-name') ?? `shared-${files.length + 1}`);
		const lastModified = Number(response.headers.get('x-shelf-last-modified')) || Date.now();
		const blob = await response.blob();
		files.push(new File([blob], name, { type: blob.type, lastModified }));
		await cache.delete(request);
	}
	return files;
}

// ---------------------------------------------------------------------------------------------------------

function _indexOf(request: Request, prefix: string): number {
	return Number(request.url.slice(prefix.length));
}
