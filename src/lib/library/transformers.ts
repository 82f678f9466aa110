// The transformers.js adapter (`import { shelfCache } from 'model-shelf/transformers'`): an `env.customCache`
// that answers Hugging Face file requests from pinned shelf versions. Import-free at run time: it only speaks the
// interface transformers.js 4.x calls (src/utils/cache.js `CacheInterface`, src/utils/hub.js `loadResourceFile`):
// `match(key)` → a Response or undefined (a miss; a throw is also treated as one by `tryCache`), awaited
// `put(key, response, progress?)` once a file arrived from the network, optional `delete(key)`.
import { isShelfError } from '../core/errors.ts';
import { isAliasReference, parseExactTag, parseReference } from '../core/tags.ts';
import type { StoreResult, VersionRecord } from '../worker/contract.ts';
import type { Shelf } from './index.ts';

/** Where transformers.js looks for a model's files: pass its `env` (these fields, read at each call) or the same values. */
export interface HubLocations {
	/** Default `https://huggingface.co/`. */
	remoteHost?: string;
	/** Default `{model}/resolve/{revision}/`. */
	remotePathTemplate?: string;
	/** Default `/models/` (the local-model form `{localModelPath}{model}/{file}`). */
	localModelPath?: string;
}

/** What `commit` did for one Hugging Face model id. */
export interface CommittedPin {
	model: string;
	/** The version now holding the files: the pinned one (new or already stored). */
	tag: string;
	/** `created`: saved now; `unchanged`: the same files were already stored under the tag; `kept`: the pin already named a version (another tab or an earlier commit), which wins: the staged files were dropped. */
	status: StoreResult['status'] | 'kept';
}

/** The cache object to set as transformers.js's `env.customCache` (with `env.useCustomCache = true`). */
export interface ShelfCache {
	/** The file a Hugging Face URL or local-model path names, from the pinned version (or staged); undefined for anything else. */
	match(request: string | URL | Request): Promise<Response | undefined>;
	/** Stages a file that arrived from the network for a pinned model whose version is not on the shelf yet; ignores the rest. */
	put(request: string | URL | Request, response: Response, progress?: (data: { progress: number; loaded: number; total: number }) => void): Promise<void>;
	/** Drops a staged file (true when there was one); stored versions are never deleted here: use the shelf's `delete`. */
	delete(request: string | URL | Request): Promise<boolean>;
	/** Saves each model's staged files as its pinned version, in one step: call it once the load (`from_pretrained`, `pipeline`) resolved. */
	commit(model?: string): Promise<CommittedPin[]>;
	/** Model ids with staged files, and their paths: what `commit` would save. */
	staged(): Record<string, string[]>;
}

/**
 * A transformers.js cache backed by the shelf: each Hugging Face model id is pinned to one shelf version
 * (`name:version`, or `name@alias`, read once per cache so one load never mixes versions). A pinned version is
 * served from disk (a `File`-backed Response, nothing buffered here). Until it exists, files transformers.js
 * downloads are staged (as Blobs, which Chromium keeps on disk when large) and become the version only at
 * `commit()`: tags are immutable, so a version is saved whole or not at all. Unpinned ids always miss and are
 * never stored: transformers.js downloads them each time.
 * @param shelf the shelf from `openShelf()`
 * @param pins Hugging Face model id → shelf reference, e.g. `{ 'Xenova/bert-tiny': 'bert-tiny@prod' }`
 * @param hub transformers.js's `env` (remoteHost, remotePathTemplate, localModelPath), read at each call
 * @example
 * env.useCustomCache = true;
 * env.customCache = shelfCache(openShelf(), { 'Xenova/bert-tiny': 'bert-tiny:1' }, env);
 * const model = await AutoModel.from_pretrained('Xenova/bert-tiny');
 * await env.customCache.commit(); // first load: the downloaded files become bert-tiny:1
 */
export function shelfCache(shelf: Shelf, pins: Record<string, string>, hub: HubLocations = {}): ShelfCache {
	const models = Object.keys(pins).sort((a, b) => b.length - a.length);
	for (const model of models) _checkPin(pins[model]!);
	const resolved = new Map<string, VersionRecord>();
	const staging = new Map<string, Map<string, Blob>>();

	/** The pinned version, once it exists; memoized so an alias moved mid-load does not mix versions. */
	async function pinned(model: string): Promise<VersionRecord | undefined> {
		const known = resolved.get(model);
		if (known) return known;
		try {
			const record = await shelf.resolve(pins[model]!);
			resolved.set(model, record);
			return record;
		} catch (error) {
			if (isShelfError(error, 'NOT_FOUND')) return undefined;
			throw error;
		}
	}

	function locate(request: string | URL | Request): { model: string; path: string } | undefined {
		const key = typeof request === 'string' ? request : request instanceof URL ? request.href : request.url;
		for (const model of models) {
			const path = _pathIn(key, model, hub);
			if (path !== undefined) return { model, path };
		}
		return undefined;
	}

	return {
		async match(request) {
			const at = locate(request);
			if (!at) return undefined;
			const record = await pinned(at.model);
			if (record) {
				if (!record.files.some((file) => file.path === at.path)) return undefined;
				return _response(await shelf.file(record.tag, at.path), at.path);
			}
			const blob = staging.get(at.model)?.get(at.path);
			return blob ? _response(blob, at.path) : undefined;
		},
		async put(request, response, progress) {
			const at = locate(request);
			// Only files of a pinned model whose version is still to be made: a stored version never changes.
			if (!at || !response.ok || (await pinned(at.model))) return;
			const blob = progress ? await _readWithProgress(response, progress) : await response.blob();
			let files = staging.get(at.model);
			if (!files) staging.set(at.model, (files = new Map()));
			files.set(at.path, blob);
		},
		async delete(request) {
			const at = locate(request);
			return at ? (staging.get(at.model)?.delete(at.path) ?? false) : false;
		},
		async commit(only) {
			const done: CommittedPin[] = [];
			for (const [model, files] of [...staging].filter(([model]) => only === undefined || model === only)) {
				const existing = await pinned(model);
				if (existing) {
					staging.delete(model);
					done.push({ model, tag: existing.tag, status: 'kept' });
					continue;
				}
				const reference = parseReference(pins[model]!);
				const incoming = [...files].map(([path, data]) => ({ path, data }));
				const metadata = { hf_model_id: model };
				const saved = isAliasReference(reference)
					? await shelf.save({ name: reference.name, files: incoming, metadata })
					: await shelf.save({ name: reference.name, version: reference.version!, files: incoming, metadata });
				if (isAliasReference(reference)) await shelf.setAlias({ name: reference.name, alias: reference.alias, version: saved.record.version, note: `transformers.js: ${model}` });
				// Staged files stay until saved: a failed save (storage full, TAG_EXISTS) can be retried.
				staging.delete(model);
				resolved.set(model, saved.record);
				done.push({ model, tag: saved.record.tag, status: saved.status });
			}
			return done;
		},
		staged: () => Object.fromEntries([...staging].map(([model, files]) => [model, [...files.keys()].sort()]))
	};
}

/** A pin names one version: `name:version` or `name@alias` (`name` alone would follow `latest`, which is no pin). */
function _checkPin(pin: string): void {
	if (!pin.includes('@')) parseExactTag(pin);
	else parseReference(pin);
}

/** The file path a request names for `model`, in the remote form or the local-model form (transformers.js `pathJoin`), or undefined. */
function _pathIn(key: string, model: string, hub: HubLocations): string | undefined {
	const host = (hub.remoteHost ?? 'https://huggingface.co/').replace(/\/$/, '');
	const template = (hub.remotePathTemplate ?? '{model}/resolve/{revision}/').replace(/^\/|\/$/g, '');
	// The revision is one URL segment and is not consulted: the pin, not the revision asked for, decides the bytes.
	const remote = _escape(`${host}/${template}/`).replace(_escape('{model}'), _escape(model)).replace(_escape('{revision}'), '[^/]+');
	const local = _escape(`${(hub.localModelPath ?? '/models/').replace(/\/$/, '')}/${model}/`);
	for (const pattern of [remote, local]) {
		const found = new RegExp(`^${pattern}(.+)$`).exec(key);
		if (found) return found[1];
	}
	return undefined;
}

function _escape(text: string): string {
	return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** A Response over a Blob or a disk-backed File: streamed when read, with the length and type transformers.js reads for its progress. */
function _response(body: Blob, path: string): Response {
	const type = path.endsWith('.json') ? 'application/json' : path.endsWith('.txt') ? 'text/plain' : 'application/octet-stream';
	return new Response(body, { status: 200, headers: { 'Content-Length': String(body.size), 'Content-Type': type } });
}

/** Reads a body into a Blob, reporting as transformers.js's `readResponse` does (progress in percent, bytes so far, total). */
async function _readWithProgress(response: Response, progress: (data: { progress: number; loaded: number; total: number }) => void): Promise<Blob> {
	if (!response.body) return await response.blob();
	const total = Number(response.headers.get('content-length') ?? 0);
	const parts: Blob[] = [];
	let pending: Uint8Array<ArrayBuffer>[] = [];
	let pendingBytes = 0;
	let loaded = 0;
	const reader = response.body.getReader();
	for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) {
		pending.push(chunk.value);
		pendingBytes += chunk.value.byteLength;
		loaded += chunk.value.byteLength;
		// Hand chunks to the browser's blob storage every 16 MiB, so a big file is not held in the JavaScript heap.
		if (pendingBytes >= 16 << 20) {
			parts.push(new Blob(pending));
			pending = [];
			pendingBytes = 0;
		}
		progress({ progress: total > 0 ? (loaded / total) * 100 : 0, loaded, total });
	}
	parts.push(new Blob(pending));
	return new Blob(parts);
}
