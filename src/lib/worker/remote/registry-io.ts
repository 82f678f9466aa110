// Worker: reading manifests and small blobs from a registry, each verified against its digest.
import { ShelfError } from '../../core/errors.ts';
import { MAX_MANIFEST_BYTES, OCI_INDEX_TYPE, OCI_MANIFEST_TYPE, type OciDescriptor } from '../../core/oci/artifact.ts';
import { digestOf } from '../../core/oci/remote.ts';
import { collectBytes } from '../store/chunks.ts';
import type { RegistryClient } from './registry-client.ts';
import { digestBytes } from '../../core/digest.ts';

/** What `Accept` says when asking for a manifest: OCI first, Docker's for registries that convert. */
const MANIFEST_ACCEPT = [OCI_MANIFEST_TYPE, OCI_INDEX_TYPE, 'application/vnd.docker.distribution.manifest.v2+json'].join(', ');

/** Lower-case hex SHA-256 of small bytes (manifests, configs), by the shelf's one hasher. */
export async function sha256Hex(bytes: Uint8Array): Promise<string> {
	return (await digestBytes(bytes)).sha256;
}

/**
 * Fetches a manifest by tag or digest and returns its bytes as text with their digest. By digest, the
 * bytes must hash to it; by tag, the digest is computed here (a registry's `Docker-Content-Digest` is
 * only a claim).
 * @throws ShelfError `NOT_FOUND`, `INTEGRITY`, `INVALID_MANIFEST` for an oversized answer, and the client's errors
 */
export async function fetchManifest(
	client: RegistryClient,
	repository: string,
	reference: string,
	signal?: AbortSignal
): Promise<{ text: string; digest: string }> {
	const response = await client.request(`${repository}/manifests/${reference}`, { repository, headers: { Accept: MANIFEST_ACCEPT }, accept: [200], signal });
	const bytes = await readLimited(response, MAX_MANIFEST_BYTES, 'manifest');
	const digest = digestOf(await sha256Hex(bytes));
	if (reference.startsWith('sha256:') && digest !== reference) {
		throw new ShelfError('INTEGRITY', `The registry sent a manifest whose digest is ${digest}, not the ${reference} asked for. Nothing was stored.`, {
			repository,
			expected: reference,
			actual: digest
		});
	}
	return { text: new TextDecoder().decode(bytes), digest };
}

/**
 * Fetches a small blob (the model.yaml config) whole, checking size and digest.
 * @throws ShelfError `INTEGRITY` when the bytes do not match the descriptor
 */
export async function fetchSmallBlob(client: RegistryClient, repository: string, descriptor: OciDescriptor, signal?: AbortSignal): Promise<Uint8Array<ArrayBuffer>> {
	const response = await client.request(`${repository}/blobs/${descriptor.digest}`, { repository, accept: [200], signal });
	const bytes = await readLimited(response, descriptor.size, 'config');
	const digest = digestOf(await sha256Hex(bytes));
	if (bytes.byteLength !== descriptor.size || digest !== descriptor.digest) {
		throw new ShelfError('INTEGRITY', `The registry sent bytes for ${descriptor.digest} that do not match it (got ${digest}, ${bytes.byteLength} bytes). Nothing was stored.`, {
			repository,
			expected: descriptor.digest,
			actual: digest
		});
	}
	return bytes;
}

/**
 * Reads a response body, refusing more than `limit` bytes (a hostile registry must not fill memory).
 * @throws ShelfError `INVALID_MANIFEST` past the limit
 */
export async function readLimited(response: Response, limit: number, what: string): Promise<Uint8Array<ArrayBuffer>> {
	const declared = Number(response.headers.get('Content-Length') ?? NaN);
	if (declared > limit) throw _tooLarge(what, limit);
	return response.body ? collectBytes(response.body, limit, () => _tooLarge(what, limit)) : new Uint8Array(0);
}

function _tooLarge(what: string, limit: number): ShelfError {
	return new ShelfError('INVALID_MANIFEST', `The registry's ${what} is larger than the ${limit} bytes the shelf accepts.`, { field: '(oci manifest)', limit });
}
