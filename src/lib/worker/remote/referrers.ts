// Worker: OCI 1.1 referrers against a registry. Writing: the referrer manifest is put by digest; a registry
// with the referrers API answers with an `OCI-Subject` header and lists it itself, any other registry gets the
// client-kept index at tag `sha256-<hex>` updated (distribution-spec "Pushing Manifests with Subject").
// Reading: the API first; its 404 means "no API here", so the fallback tag is read instead.
import { isShelfError } from '../../core/errors.ts';
import { OCI_INDEX_TYPE, OCI_MANIFEST_TYPE } from '../../core/oci/artifact.ts';
import { readReferrersIndex, referrersTag, withReferrer, type ReferrerDescriptor } from '../../core/oci/referrers.ts';
import { digestOf } from '../../core/oci/remote.ts';
import type { RegistryClient } from './registry-client.ts';
import { fetchManifest, readLimited, sha256Hex } from './registry-io.ts';

/** Most bytes a referrers index may have: thousands of entries. */
const MAX_INDEX_BYTES = 4 * 1024 * 1024;

/**
 * Puts a manifest that has a `subject` and makes it discoverable as a referrer of that subject.
 * @param replaces fallback-index entries this one supersedes (dropped from the index; the manifests stay)
 * @returns the referrer manifest's digest, and whether the registry indexed it itself (`api`) or the tag was updated
 */
export async function putReferrer(
	client: RegistryClient,
	repository: string,
	subjectDigest: string,
	manifest: { artifactType: string; annotations?: Record<string, string> },
	replaces: (entry: ReferrerDescriptor) => boolean,
	signal?: AbortSignal
): Promise<{ digest: string; via: 'api' | 'tag' }> {
	const bytes = new TextEncoder().encode(JSON.stringify(manifest));
	const digest = digestOf(await sha256Hex(bytes));
	const response = await client.request(`${repository}/manifests/${digest}`, { method: 'PUT', repository, access: 'push', headers: { 'Content-Type': OCI_MANIFEST_TYPE }, body: bytes, accept: [201], signal });
	if (response.headers.get('OCI-Subject') === subjectDigest) return { digest, via: 'api' };
	const tag = referrersTag(subjectDigest);
	const current = await manifestIfAny(client, repository, tag, signal);
	const added: ReferrerDescriptor = { mediaType: OCI_MANIFEST_TYPE, digest, size: bytes.byteLength, artifactType: manifest.artifactType, ...(manifest.annotations ? { annotations: manifest.annotations } : {}) };
	const index = new TextEncoder().encode(JSON.stringify(withReferrer(current, added, replaces)));
	await client.request(`${repository}/manifests/${tag}`, { method: 'PUT', repository, access: 'push', headers: { 'Content-Type': OCI_INDEX_TYPE }, body: index, accept: [201], signal });
	return { digest, via: 'tag' };
}

/**
 * The referrers of `digest` of one artifact type: from the referrers API, or from the fallback tag where the
 * registry has no API. None is an empty list.
 */
export async function listReferrers(client: RegistryClient, repository: string, digest: string, artifactType: string, signal?: AbortSignal): Promise<ReferrerDescriptor[]> {
	const response = await _askApi(client, repository, digest, artifactType, signal);
	let text: string | undefined;
	if (response?.status === 200) {
		text = new TextDecoder().decode(await readLimited(response, MAX_INDEX_BYTES, 'referrers index'));
	} else {
		await response?.body?.cancel();
		text = await manifestIfAny(client, repository, referrersTag(digest), signal);
	}
	return text === undefined ? [] : (readReferrersIndex(text, artifactType) ?? []);
}

/** The manifest at a tag the shelf keeps beside a version (signatures, referrers), or undefined when there is none. */
export async function manifestIfAny(client: RegistryClient, repository: string, tag: string, signal?: AbortSignal): Promise<string | undefined> {
	try {
		return (await fetchManifest(client, repository, tag, signal)).text;
	} catch (error) {
		if (isShelfError(error, 'NOT_FOUND')) return undefined;
		throw error;
	}
}

/**
 * The referrers API's answer (200, or 404 for "no API"), or undefined when the browser could not read it: Distribution
 * 2.8 answers a route it does not know with a bare 404 that lacks the CORS headers its configuration adds to every
 * routed response, so in a page "no API" looks like a CORS failure. The fallback tag is read then; a registry that is
 * really unreachable fails there.
 */
async function _askApi(client: RegistryClient, repository: string, digest: string, artifactType: string, signal?: AbortSignal): Promise<Response | undefined> {
	try {
		return await client.request(`${repository}/referrers/${digest}?artifactType=${encodeURIComponent(artifactType)}`, { repository, headers: { Accept: OCI_INDEX_TYPE }, accept: [200, 404], signal });
	} catch (error) {
		if (isShelfError(error, 'REMOTE_CORS')) return undefined;
		throw error;
	}
}
