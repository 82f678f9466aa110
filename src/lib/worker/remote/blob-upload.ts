// Worker: puts one blob into a registry's repository, the way a push sends each file. HEAD first (the
// registry may have it); a cross-repository mount when the shelf knows another repository of that registry
// holding it; else an upload straight from the Blob (never the whole file in memory): one PUT for small
// blobs, a PATCH session in chunks for large ones whose location and offset are saved after every chunk,
// so a network error is retried and a push after a failure or a reload continues where the registry stands.
import { ShelfError, isShelfError } from '../../core/errors.ts';
import { uploadedBytes } from '../../core/oci/http-headers.ts';
import { throwIfAborted } from '../operations.ts';
import { CHUNK_SIZE } from '../../core/byte-streams.ts';
import { retryDelay } from '../../core/oci/retry.ts';
import { pause } from './http-timing.ts';
import type { RegistryClient } from './registry-client.ts';
import type { RemoteDb } from './remote-db.ts';

/** Blobs up to this size go in one PUT; larger ones in PATCH chunks of {@link UPLOAD_CHUNK} (resumable). */
export const MONOLITHIC_MAX = CHUNK_SIZE;
/**
 * Bytes per PATCH: a lost connection costs at most this much again. Each PATCH is a round trip the registry
 * closes before the next starts: 8 MiB chunks made a 64 MiB push 0.59–0.71× of skopeo's time, 32 MiB 0.94×
 * (issue 21, quick bench at load 3–4). The body is a slice of the stored file, never held in memory.
 */
export const UPLOAD_CHUNK = 4 * CHUNK_SIZE;

/** Where a blob goes: the registry, the repository, the shelf's memory of registries, and the push's signal. */
export interface BlobTarget {
	client: RegistryClient;
	remoteDb: RemoteDb;
	repository: string;
	signal?: AbortSignal;
}

/** How a blob got to the registry, and its bytes counted as sent or as already there. */
export interface SentBlob {
	sent: 'uploaded' | 'present' | 'mounted';
	/** Bytes sent by this call (bytes a previous attempt sent are not counted again). */
	uploadedBytes: number;
	/** Bytes the registry had already (HEAD or mount). */
	skippedBytes: number;
}

/**
 * Makes sure the registry's repository has one blob; reports its bytes as done either way.
 * @param target registry, repository, remote database and abort signal
 * @param digest `sha256:<hex>` of `data`
 * @param data the bytes, read lazily
 * @param advance told of bytes done (negative when a lost session's bytes must be sent again)
 * @throws ShelfError `INTEGRITY` when the registry computes another digest for the bytes; `ABORTED`; the client's errors
 */
export async function sendBlob(target: BlobTarget, digest: string, data: Blob, advance: (bytes: number) => void): Promise<SentBlob> {
	const { client, repository, signal } = target;
	const head = await client.request(`${repository}/blobs/${digest}`, { method: 'HEAD', repository, access: 'push', accept: [200, 404], signal });
	if (head.status === 200) {
		advance(data.size);
		return { sent: 'present', uploadedBytes: 0, skippedBytes: data.size };
	}
	let location: string | undefined;
	const source = await target.remoteDb.repositoryWithBlob(client.remote.url, digest);
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
			advance(data.size);
			return { sent: 'mounted', uploadedBytes: 0, skippedBytes: data.size };
		}
		if (mount) location = _location(client, mount); // the registry opened an ordinary upload instead
	}
	if (data.size <= MONOLITHIC_MAX) {
		location ??= await _startUpload(target);
		await _finish(target, location, digest, data);
		advance(data.size);
		return { sent: 'uploaded', uploadedBytes: data.size, skippedBytes: 0 };
	}
	return { sent: 'uploaded', uploadedBytes: await _chunkedUpload(target, digest, data, location, advance), skippedBytes: 0 };
}

// ---------------------------------------------------------------------------

/** @returns the bytes this call sent */
async function _chunkedUpload(target: BlobTarget, digest: string, data: Blob, opened: string | undefined, advance: (bytes: number) => void): Promise<number> {
	const { client, remoteDb, repository, signal } = target;
	const key = `${client.remote.url}|${repository}|${digest}`;
	const saved = opened ? undefined : await remoteDb.upload(key);
	const resumed = saved ? await _uploadStatus(target, saved.location) : 'gone';
	let session = resumed !== 'gone' && resumed.offset <= data.size ? resumed : { location: opened ?? (await _startUpload(target)), offset: 0 };
	await remoteDb.saveUpload({ key, ...session, updatedAt: Date.now() });
	advance(session.offset); // bytes a previous attempt already sent
	let sent = 0;
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
			sent += end - offset;
			advance(reached - offset);
			session = { location: _location(client, response), offset: reached };
			retries = 0;
			await remoteDb.saveUpload({ key, ...session, updatedAt: Date.now() });
		} catch (error) {
			// The first PATCH of a session cut mid-body looks like CORS to the client (the registry answers a probe, the
			// request got no answer): retried alike, and reported as CORS if it never goes through. After a cut PATCH
			// (which Chromium may send again by itself), Distribution answers the next one 404 BLOB_UPLOAD_INVALID:
			// the session is lost, which the status check below finds ('gone').
			if (!isShelfError(error, 'REMOTE_UNREACHABLE') && !isShelfError(error, 'REMOTE_CORS') && !isShelfError(error, 'NOT_FOUND')) throw error;
			// Waits under the client's policy before retrying a chunk; then the push fails, resumable later.
			const delay = retryDelay(client.policy, retries++);
			if (delay === undefined) {
				if (!isShelfError(error, 'REMOTE_UNREACHABLE')) throw error;
				throw new ShelfError(
					'REMOTE_UNREACHABLE',
					`${error.message} ${_mib(offset)} of ${_mib(data.size)} of this file are on the registry; push again to continue from there.`,
					{ ...error.details, resumable: true, offset },
					{ cause: error }
				);
			}
			await pause(delay, signal);
			throwIfAborted(signal);
			// Ask where the upload stands. Distribution appends whatever part of a cut-off PATCH arrived and
			// then no longer knows the last location ('gone'): that blob starts again in a new session.
			const status = await _uploadStatus(target, location).catch((problem) => {
				if (isShelfError(problem, 'REMOTE_UNREACHABLE')) return undefined; // still down: retry the same chunk
				throw problem;
			});
			if (status === 'gone') {
				advance(-offset);
				session = { location: await _startUpload(target), offset: 0 };
			} else if (status) {
				advance(status.offset - offset);
				session = status;
			}
		}
	}
	await _finish(target, session.location, digest);
	await remoteDb.dropUpload(key);
	return sent;
}

/**
 * The PUT that completes an upload. When the client sent it again (a stall or a 5xx after the registry had in
 * fact stored the blob), the session is gone and the registry answers 404: the blob being there is success.
 */
async function _finish({ client, repository, signal }: BlobTarget, location: string, digest: string, body?: Blob): Promise<void> {
	const headers = body ? { 'Content-Type': 'application/octet-stream' } : undefined;
	try {
		await client.request(_withDigest(location, digest), { method: 'PUT', repository, access: 'push', headers, body, accept: [201], signal });
	} catch (error) {
		if (isShelfError(error, 'NOT_FOUND')) {
			const head = await client.request(`${repository}/blobs/${digest}`, { method: 'HEAD', repository, access: 'push', accept: [200, 404], signal });
			if (head.status === 200) return;
		}
		throw _digestRejected(error, digest);
	}
}

/** Where an upload session stands: GET on its location answers 204 with `Range`; 'gone' when the registry dropped it. */
async function _uploadStatus({ client, repository, signal }: BlobTarget, location: string): Promise<{ location: string; offset: number } | 'gone'> {
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

async function _startUpload({ client, repository, signal }: BlobTarget): Promise<string> {
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
