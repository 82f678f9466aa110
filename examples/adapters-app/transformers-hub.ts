// What transformers.js 4.x does with `env.customCache` to load one file of a model in a browser, call for call:
// src/utils/hub.js `loadResourceFile` and `storeCachedResource`, src/utils/cache.js `tryCache` (huggingface/
// transformers.js at commit 5ed4c5c0d3c57d7aec34d2d65f51624786bc6e2e, packages/transformers). In a browser
// `allowLocalModels` is false, so a miss goes straight to `{remoteHost}{model}/resolve/{revision}/{file}`.
// The real @huggingface/transformers is not used here: it depends on onnxruntime-node (1.30.0: 113 MB to download,
// 301 MB installed, and a postinstall that may fetch more) and sharp, far too much for the repository's test install.
import type { ShelfCache } from 'model-shelf/transformers';

/** transformers.js's `pathJoin` (src/utils/hub/utils.js): inner slashes trimmed, parts joined with one. */
function pathJoin(...parts: string[]): string {
	return parts
		.map((part, index) => {
			if (index) part = part.replace(/^\//, '');
			if (index !== parts.length - 1) part = part.replace(/\/$/, '');
			return part;
		})
		.join('/');
}

/** `tryCache`: the first name that matches; an error from `match` counts as a miss. */
async function tryCache(cache: ShelfCache, ...names: string[]): Promise<Response | undefined> {
	for (const name of names) {
		try {
			const result = await cache.match(name);
			if (result) return result;
		} catch {
			continue;
		}
	}
	return undefined;
}

/** Where one file was found, its bytes, and the Content-Length transformers.js would size its progress bar by. */
export interface LoadedFile {
	file: string;
	bytes: Uint8Array;
	fromCache: boolean;
	contentLength: string | null;
}

/** `loadResourceFile(model, file, fatal = true, { revision }, return_path = false, cache)` as it runs in a browser. */
export async function loadResourceFile(
	cache: ShelfCache,
	env: { remoteHost: string; remotePathTemplate: string; localModelPath: string },
	model: string,
	file: string,
	revision = 'main'
): Promise<LoadedFile> {
	const localPath = pathJoin(env.localModelPath, pathJoin(model, file));
	const remoteURL = pathJoin(env.remoteHost, env.remotePathTemplate.replaceAll('{model}', model).replaceAll('{revision}', encodeURIComponent(revision)), file);
	let response = await tryCache(cache, localPath, remoteURL);
	const fromCache = response !== undefined;
	if (!response) {
		response = await fetch(remoteURL);
		if (response.status !== 200) throw new Error(`Could not locate file: "${remoteURL}" (HTTP ${response.status}).`);
	}
	const contentLength = response.headers.get('content-length');
	// With a progress callback, transformers.js reads the body as a stream sized by Content-Length; the bytes are the same.
	const bytes = new Uint8Array(await response.arrayBuffer());
	if (!fromCache) {
		// storeCachedResource: match again, then put a Response of the bytes read, Content-Length set; a failed put only warns.
		if ((await cache.match(remoteURL)) === undefined) {
			const headers = new Headers(response.headers);
			headers.set('content-length', bytes.byteLength.toString());
			await cache.put(remoteURL, new Response(bytes, { headers })).catch((error) => console.warn(`Unable to add response to browser cache: ${error}.`));
		}
	}
	return { file, bytes, fromCache, contentLength };
}
