// Web Share Target for the generated Workbox service worker (vite.config.ts `workbox.importScripts`).
// The manifest's share_target POSTs shared files (multipart/form-data, field "bundles") to /share-target.
// A static site has no server to take a POST, so the service worker answers it: it keeps the files in Cache
// Storage and redirects (303) to /?shared=<id>, where the page (src/lib/ui/launch-files.ts, takeSharedFiles)
// reads them into the import queue and deletes them. Cache layout: see SHARED_FILES_CACHE there.
// Workbox's own routes match GET only, so this listener is the only one that answers the POST.
const SHARE_ACTION_PATH = '/share-target';
const SHARE_FIELD = 'bundles';
const SHARED_FILES_CACHE = 'model-shelf-shared-files';

self.addEventListener('fetch', (event) => {
	const url = new URL(event.request.url);
	if (event.request.method !== 'POST' || url.origin !== self.location.origin || url.pathname !== SHARE_ACTION_PATH) return;
	event.respondWith(keepSharedFiles(event.request));
});

/**
 * Stores the shared files and answers with the redirect to the page that imports them.
 * @param {Request} request the share's POST
 * @returns {Promise<Response>}
 */
async function keepSharedFiles(request) {
	const id = self.crypto.randomUUID();
	try {
		const form = await request.formData();
		const files = form.getAll(SHARE_FIELD).filter((value) => typeof value !== 'string');
		// One share waits at a time: whatever an earlier share left (its page never opened) goes first.
		await caches.delete(SHARED_FILES_CACHE);
		const cache = await caches.open(SHARED_FILES_CACHE);
		for (const [index, file] of files.entries()) {
			const headers = {
				'content-type': file.type || 'application/octet-stream',
				'x-shelf-file-name': encodeURIComponent(file.name),
				'x-shelf-last-modified': String(file.lastModified)
			};
			await cache.put(new URL(`${SHARE_ACTION_PATH}/${id}/${index}`, self.location.origin).href, new Response(file, { headers }));
		}
		return Response.redirect(new URL(`/?shared=${id}`, self.location.origin).href, 303);
	} catch (error) {
		// The page shows the failure (the share id finds nothing); the console keeps the reason.
		console.error('Model Shelf could not keep the shared files', error);
		return Response.redirect(new URL(`/?shared=${id}&share-failed=1`, self.location.origin).href, 303);
	}
}
