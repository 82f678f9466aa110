// Worker: reads what a registry reference names — through an image index when it is one — and hands the
// manifest to the reader of its format (our own artifact here, foreign ones in pull-foreign.ts). A blob's bytes
// come from blob-download.ts.
import { ShelfError } from '../../core/errors.ts';
import { parseModelYaml } from '../../core/manifest.ts';
import { manifestVersion, readModelArtifact } from '../../core/oci/artifact.ts';
import { chooseFromIndex, detectFormat, isIndex, parseOciJson } from '../../core/oci/model-formats.ts';
import { repositoryOf, type RemoteReference } from '../../core/oci/remote.ts';
import { formatTag } from '../../core/tags.ts';
import { decodeManifest } from '../manifest-text.ts';
import { readForeign, type ForeignRead } from './pull-foreign.ts';
import type { RegistryClient } from './registry-client.ts';
import { fetchManifest, fetchSmallBlob } from './registry-io.ts';

/** A reference read: our own artifact, or a foreign one; `index` when the tag named an image index. */
export type AnyRead = ({ kind: 'shelf'; shelf: ShelfRead } | { kind: 'foreign'; foreign: ForeignRead }) & { index?: { digest: string; reason: string } };

/** Reads the manifest a reference names (through an index if it is one) and hands it to the reader of its format. */
export async function readAny(client: RegistryClient, reference: RemoteReference, signal?: AbortSignal): Promise<AnyRead> {
	const repository = repositoryOf(client.remote, reference.name);
	let fetched = await fetchManifest(client, repository, reference.tag ?? reference.digest, signal);
	let manifest = parseOciJson(fetched.text);
	let index: { digest: string; reason: string } | undefined;
	if (isIndex(manifest)) {
		const choice = chooseFromIndex(manifest);
		index = { digest: choice.descriptor.digest, reason: choice.reason };
		fetched = await fetchManifest(client, repository, choice.descriptor.digest, signal);
		manifest = parseOciJson(fetched.text);
		if (isIndex(manifest)) throw new ShelfError('UNSUPPORTED', 'This index points to another index; the shelf follows one level only.', { mediaType: String(manifest.mediaType) });
	}
	const extra = index ? { index } : {};
	if (detectFormat(manifest).format === 'shelf') return { kind: 'shelf', shelf: await _readVersion(client, reference, fetched, signal), ...extra };
	const location = `${new URL(client.remote.url).host}/${repository}`;
	const foreign = await readForeign(client, repository, manifest, { location, name: reference.name, digest: fetched.digest, ...(reference.tag !== undefined ? { tag: reference.tag } : {}) }, signal);
	return { kind: 'foreign', foreign, ...extra };
}

/** Our own artifact: manifest, model.yaml, and the alias a tag naming another version is. */
async function _readVersion(client: RegistryClient, reference: RemoteReference, fetched: { text: string; digest: string }, signal?: AbortSignal) {
	const repository = repositoryOf(client.remote, reference.name);
	const { text, digest } = fetched;
	const artifact = readModelArtifact(text);
	const configText = decodeManifest(await fetchSmallBlob(client, repository, artifact.config, signal));
	const info = parseModelYaml(configText);
	// The repository says which model this is, and the manifest which version: a model.yaml claiming another is
	// refused, not renamed. A tag naming another version than its own word is an alias tag (see push.ts).
	const annotated = manifestVersion(text);
	if (info.name !== reference.name || (annotated !== undefined && annotated !== info.version) || (annotated === undefined && reference.tag !== undefined && info.version !== reference.tag)) {
		throw new ShelfError(
			'INVALID_MANIFEST',
			`${repository}:${reference.tag ?? reference.digest} holds the model.yaml of "${formatTag(info)}", not of the version its manifest names. Nothing was pulled.`,
			{ field: 'name', repository, found: formatTag(info) }
		);
	}
	const alias = reference.tag !== undefined && reference.tag !== info.version ? reference.tag : undefined;
	return { repository, artifact, digest, info, configText, alias };
}

/** What `_readVersion` returns. */
export type ShelfRead = Awaited<ReturnType<typeof _readVersion>>;
