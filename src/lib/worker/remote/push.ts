// Worker: pushes one pinned version to an OCI registry. Every blob is checked with HEAD first (a second
// version uploads only what changed), mounted from another repository of the same registry when the shelf
// knows one that has it, else uploaded straight from OPFS: one PUT for small blobs, a PATCH session in
// chunks for large ones, resumable after a network error or a reload. The manifest goes last, so a
// half-pushed version is never visible under its tag.
import { ShelfError, isShelfError } from '../../core/errors.ts';
import { serializeModelYaml } from '../../core/manifest.ts';
import { OCI_MANIFEST_TYPE, modelArtifactManifest } from '../../core/oci/artifact.ts';
import { uploadedBytes } from '../../core/oci/http-headers.ts';
import { digestOf, remoteTagOf, repositoryOf } from '../../core/oci/remote.ts';
import type { VersionRecord } from '../../core/store-types.ts';
import { throwIfAborted } from '../operations.ts';
import { CHUNK_SIZE } from '../store/chunks.ts';
import type { ModelStore, OperationControls } from '../store/model-store.ts';
import type { RegistryClient } from './registry-client.ts';
import { fetchManifest, sha256Hex } from './registry-io.ts';
import { remoteDb } from './remote-db.ts';

/** Blobs up to this size go in one PUT; larger ones in PATCH chunks of {@link UPLOAD_CHUNK} (resumable). */
export const MONOLITHIC_MAX = CHUNK_SIZE;
/** Bytes per PATCH: a lost connection costs at most this much again. */
export const UPLOAD_CHUNK = CHUNK_SIZE;
/** Waits before retrying a chunk after a network error; then the push fails, resumable later. */
const RETRY_DELAYS_MS = [500, 1000, 2000, 4000];

/** The outcome of a push. */
export interface PushResult {
	status: 'pushed' | 'unchanged';
	registry: string;
	repository: string;
	tag: string;
	/** The manifest's digest: the registry's immutable name for this version. */
	digest: string;
	/** Bytes sent to the registry (resumed bytes not counted twice). */
	uploadedBytes: number;
	/** Bytes the registry already had (by HEAD or a cross-repository mount). */
	skippedBytes: number;
	files: { path: string; sha256: string; size: number; sent: 'uploaded' | 'present' | 'mounted' }[];
}

/**
 * Pushes a version to the client's registry as `<namespace>/<name>:<version>`.
 * @param tagText the version (`name` alone means latest)
 * @throws ShelfError `TAG_EXISTS` when the registry holds that tag with other content; the client's
 * `REMOTE_*` errors; `INTEGRITY` when the registry finds a stored file's bytes do not match its digest
 */
export async function pushVersion(store: ModelStore, client: RegistryClient, tagText: string, controls: OperationControls = {}): Promise<PushResult> {
	const record = await store.get(tagText);
	const repository = repositoryOf(client.remote, record.name);
	const tag = remoteTagOf(record.version);
	const registry = client.remote.url;
	const config = new TextEncoder().encode(serializeModelYaml(record.info));
	const configDigest = digestOf(await sha256Hex(config));
	const manifestBytes = new TextEncoder().encode(JSON.stringify(modelArtifactManifest(record.info, record.files, { digest: configDigest, size: config.byteLength })));
	const digest = digestOf(await sha256Hex(manifestBytes));
	const result: PushResult = { status: 'pushed', registry, repository, tag, digest, uploadedBytes: 0, skippedBytes: 0, files: [] };

	const existing = await _remoteManifestDigest(client, repository, tag, controls.signal);
	if (existing !== undefined && existing !== digest) {
		throw new ShelfError('TAG_EXISTS', `The registry already has ${repository}:${tag} with other content (${existing}). Tags are immutable on the shelf; nothing was pushed.`, {
			repository,
			tag,
			remoteDigest: existing,
			localDigest: digest
		});
	}

	const unique = _uniqueFiles(record);
	// The blobs in the order they are sent: model.yaml (the config) first, then each distinct file once.
	const steps = [{ path: 'model.yaml', size: config.byteLength }, ...unique.map((file) => ({ path: file.path, size: file.size }))];
	const total = steps.reduce((sum, step) => sum + step.size, 0);
	let done = 0;
	/** Progress of the blob at `index`: the running total, and that blob's own bytes for a per-file bar. */
	const advanceFor = (index: number) => {
		const step = steps[index]!;
		let stepDone = 0;
		return (bytes: number) => {
			done += bytes;
			stepDone += bytes;
			controls.report?.({ phase: 'pushing', loaded: done, total, item: step.path, file: { index: index + 1, count: steps.length, loaded: stepDone, total: step.size } });
		};
	};
	controls.report?.({ phase: 'pushing', loaded: 0, total });

	if (existing === digest) {
		result.status = 'unchanged';
		result.skippedBytes = total;
	} else {
		await _sendBlob(client, repository, configDigest, new Blob([config]), controls.signal, advanceFor(0), result);
		for (const [index, file] of unique.entries()) {
			throwIfAborted(controls.signal);
			const sent = await _sendBlob(client, repository, digestOf(file.sha256), await store.blobs.read(file.sha256), controls.signal, advanceFor(index + 1), result);
			for (const same of record.files.filter((candidate) => candidate.sha256 === file.sha256)) {
				result.files.push({ path: same.path, sha256: same.sha256, size: same.size, sent });
			}
		}
		throwIfAborted(controls.signal);
		controls.report?.({ phase: 'pushing', loaded: total, total, item: 'manifest' });
		const response = await client.request(`${repository}/manifests/${tag}`, {
			method: 'PUT',
			repository,
			access: 'push',
			headers: { 'Content-Type': OCI_MANIFEST_TYPE },
			body: manifestBytes,
			accept: [201],
			signal: controls.signal
		});
		const claimed = response.headers.get('Docker-Content-Digest');
		if (claimed && claimed !== digest) {
			throw new ShelfError('REMOTE_REJECTED', `The registry stored the manifest under ${claimed}, not ${digest}: it rewrote it.`, { repository, tag });
		}
	}
	await remoteDb.recordBlobs(registry, repository, [configDigest, ...record.files.map((file) => digestOf(file.sha256))]);
	await remoteDb.recordCopy({ registry, repository, tag: record.tag, digest, how: 'pushed', at: Date.now() });
	return result;
}

// ---------------------------------------------------------------------------

function _uniqueFiles(record: VersionRecord) {
	const seen = new Set<string>();
	return record.files.filter((file) => !seen.has(file.sha256) && seen.add(file.sha256));
}

/** The digest the registry's tag points to now, or undefined when the tag is free. */
async function _remoteManifestDigest(client: RegistryClient, repository: string, tag: string, signal?: AbortSignal): Promise<string | undefined> {
	const response = await client.request(`${repository}/manifests/${tag}`, {
		method: 'HEAD',
		repository,
		access: 'push',
		headers: { Accept: OCI_MANIFEST_TYPE },
		accept: [200, 404],
		signal
	});
	if (response.status === 404) return undefined;
	// Without the header (not exposed by CORS, or an older registry) the manifest's own bytes tell.
	return response.headers.get('Docker-Content-Digest') ?? (await fetchManifest(client, repository, tag, signal)).digest;
}

/** Makes sure the registry's repository has one blob; reports its bytes as done either way. */
async function _sendBlob(
	client: RegistryClient,
	repository: string,
	digest: string,
	data: Blob,
	signal: AbortSignal | undefined,
	advance: (bytes: number) => void,
	result: PushResult
): Promise<'uploaded' | 'present' | 'mounted'> {
	const head = await client.request(`${repository}/blobs/${digest}`, { method: 'HEAD', repository, access: 'push', accept: [200, 404], signal });
	if (head.status === 200) {
		result.skippedBytes += data.size;
		advance(data.size);
		return 'present';
	}
	let location: string | undefined;
	const source = await remoteDb.repositoryWithBlob(client.remote.url, digest);
	if (source && source !== repository) {
		// A mount is an optimisation: when the account may not read the other repository, upload instead.
		const mount = await client
			.request(`${repository}/blobs/uploads/?mount=${encodeURIComponent(digest)}&from=${encodeURIComponent(source)}`, {
				method: 'POST',
				repository,
				access: 'push',
				accept: [201, 202],
				signal
			})
			.catch((error) => {
				if (isShelfError(error, 'REMOTE_AUTH') || isShelfError(error, 'NOT_FOUND')) return undefined;
				throw error;
			});
		if (mount?.status === 201) {
			result.skippedBytes += data.size;
			advance(data.size);
			return 'mounted';
		}
		if (mount) location = _location(client, mount); // the registry opened an ordinary upload instead
	}
	if (data.size <= MONOLITHIC_MAX) {
		location ??= await _startUpload(client, repository, signal);
		await client.request(_withDigest(location, digest), {
			method: 'PUT',
			repository,
			access: 'push',
			headers: { 'Content-Type': 'application/octet-stream' },
			body: data,
			accept: [201],
			signal
		}).catch((error) => Promise.reject(_digestRejected(error, digest)));
		result.uploadedBytes += data.size;
		advance(data.size);
		return 'uploaded';
	}
	await _chunkedUpload(client, repository, digest, data, location, signal, advance, result);
	return 'uploaded';
}

async function _chunkedUpload(
	client: RegistryClient,
	repository: string,
	digest: string,
	data: Blob,
	opened: string | undefined,
	signal: AbortSignal | undefined,
	advance: (bytes: number) => void,
	result: PushResult
): Promise<void> {
	const key = `${client.remote.url}|${repository}|${digest}`;
	const saved = opened ? undefined : await remoteDb.upload(key);
	const resumed = saved ? await _uploadStatus(client, repository, saved.location, signal) : 'gone';
	let session = resumed !== 'gone' && resumed.offset <= data.size ? resumed : { location: opened ?? (await _startUpload(client, repository, signal)), offset: 0 };
	await remoteDb.saveUpload({ key, ...session, updatedAt: Date.now() });
	advance(session.offset); // bytes a previous attempt already sent
	let retries = 0;
	while (session.offset < data.size) {
		throwIfAborted(signal);
		const { location, offset } = session;
		const end = Math.min(data.size, offset + UPLOAD_CHUNK);
		try {
			const response = await client.request(location, {
				method: 'PATCH',
				repository,
				access: 'push',
				headers: { 'Content-Type': 'application/octet-stream', 'Content-Range': `${offset}-${end - 1}` },
				body: data.slice(offset, end),
				accept: [202, 416],
				signal
			});
			// 416: the registry holds a different number of bytes than we thought; ask it, as after a network error.
			if (response.status === 416) throw new ShelfError('REMOTE_UNREACHABLE', 'The registry and the shelf disagree on the upload offset.', { repository });
			const reached = uploadedBytes(response.headers.get('Range')) ?? end;
			result.uploadedBytes += end - offset;
			advance(reached - offset);
			session = { location: _location(client, response), offset: reached };
			retries = 0;
			await remoteDb.saveUpload({ key, ...session, updatedAt: Date.now() });
		} catch (error) {
			if (!isShelfError(error, 'REMOTE_UNREACHABLE')) throw error;
			if (retries >= RETRY_DELAYS_MS.length) {
				throw new ShelfError(
					'REMOTE_UNREACHABLE',
					`${error.message} ${_mib(offset)} of ${_mib(data.size)} of this file are on the registry; push again to continue from there.`,
					{ ...error.details, resumable: true, offset },
					{ cause: error }
				);
			}
			await _sleep(RETRY_DELAYS_MS[retries++]!, signal);
			// Ask where the upload stands. Distribution appends whatever part of a cut-off PATCH arrived and
			// then no longer knows the last location ('gone'): that blob starts again in a new session.
			const status = await _uploadStatus(client, repository, location, signal).catch((problem) => {
				if (isShelfError(problem, 'REMOTE_UNREACHABLE')) return undefined; // still down: retry the same chunk
				throw problem;
			});
			if (status === 'gone') {
				advance(-offset);
				session = { location: await _startUpload(client, repository, signal), offset: 0 };
			} else if (status) {
				advance(status.offset - offset);
				session = status;
			}
		}
	}
	await client.request(_withDigest(session.location, digest), { method: 'PUT', repository, access: 'push', accept: [201], signal }).catch((error) =>
		Promise.reject(_digestRejected(error, digest))
	);
	await remoteDb.dropUpload(key);
}

/** Where an upload session stands: GET on its location answers 204 with `Range`; 'gone' when the registry dropped it. */
async function _uploadStatus(client: RegistryClient, repository: string, location: string, signal?: AbortSignal): Promise<{ location: string; offset: number } | 'gone'> {
	try {
		const response = await client.request(location, { repository, access: 'push', accept: [204], signal });
		const range = response.headers.get('Range');
		// Distribution says `0-0` for both 0 and 1 byte: ambiguous, and cheap to start again.
		if (range === null || /^(?:bytes=)?0-0$/.test(range.trim())) return 'gone';
		return { location: _location(client, response, location), offset: uploadedBytes(range) ?? 0 };
	} catch (error) {
		if (isShelfError(error, 'NOT_FOUND') || isShelfError(error, 'REMOTE_REJECTED')) return 'gone';
		throw error;
	}
}

async function _startUpload(client: RegistryClient, repository: string, signal?: AbortSignal): Promise<string> {
	return _location(client, await client.request(`${repository}/blobs/uploads/`, { method: 'POST', repository, access: 'push', accept: [202], signal }));
}

function _location(client: RegistryClient, response: Response, fallback?: string): string {
	const location = response.headers.get('Location') ?? fallback;
	if (!location) throw new ShelfError('REMOTE_REJECTED', 'The registry opened an upload without saying where (no Location header; is it exposed by CORS?).', {});
	return new URL(location, `${client.remote.url}/`).href;
}

function _withDigest(location: string, digest: string): string {
	const url = new URL(location);
	url.searchParams.set('digest', digest);
	return url.href;
}

/** A registry that recomputed a different digest got different bytes from what the shelf stores under that name. */
function _digestRejected(error: unknown, digest: string): unknown {
	if (isShelfError(error, 'REMOTE_REJECTED') && error.details?.reason === 'digest-mismatch') {
		return new ShelfError('INTEGRITY', `The registry computed another digest than ${digest} for the bytes sent: the stored file may be damaged. Hint: run Verify on the Storage page.`, { digest }, { cause: error });
	}
	return error;
}

function _mib(bytes: number): string {
	return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}

function _sleep(ms: number, signal?: AbortSignal): Promise<void> {
	return new Promise((resolve) => {
		const timer = setTimeout(resolve, ms);
		signal?.addEventListener('abort', () => (clearTimeout(timer), resolve()), { once: true });
	});
}
