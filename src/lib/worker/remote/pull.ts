// Worker: pulls one version from an OCI registry into the store, and reads what a registry holds.
// Every byte is verified against its digest on the way in (the store's writer hashes while it writes);
// blobs the shelf already holds are not downloaded; the version is committed in one transaction at the end.
import { ShelfError, isShelfError } from '../../core/errors.ts';
import { parseModelYaml, serializeModelYaml, type ModelInfo } from '../../core/manifest.ts';
import { labelsOf, type ArtifactFile, type ModelArtifact } from '../../core/oci/artifact.ts';
import type { ArtifactFormat } from '../../core/oci/model-formats.ts';
import type { PullProposal } from '../../core/oci/model-proposal.ts';
import { nextPageLink } from '../../core/oci/http-headers.ts';
import { modelNameOf, parseRemoteReference, repositoryOf } from '../../core/oci/remote.ts';
import { formatTag, LATEST } from '../../core/tags.ts';
import { tagInTrash } from '../catalogue/lifecycle-writes.ts';
import { setAlias } from '../store/lifecycle.ts';
import { BYTES_IN_FLIGHT, runBounded } from '../store/bounded-tasks.ts';
import type { VersionRecord } from '../../core/store-types.ts';
import type { ModelStore, OperationControls } from '../store/model-store.ts';
import type { SignatureCheck } from '../contract.ts';
import { checkBeforePull, checkUnderPolicy } from './cosign-verify.ts';
import type { RegistryClient } from './registry-client.ts';
import type { RemoteDb } from './remote-db.ts';
import type { PullJournal } from './remote-schema.ts';
import { foreignFiles, foreignInfo, foreignLayers, pullForeign, type ForeignLayerView } from './pull-foreign.ts';
import { downloadBlob } from './blob-download.ts';
import { readAny } from './pull-read.ts';
import { keyStore, type KeyStore } from './signing-keys.ts';

/** A version on the registry as shown before pulling it. */
export interface RemoteVersion {
	repository: string;
	tag: string;
	/** The manifest digest: pull by it to get exactly these bytes later. */
	digest: string;
	info: ModelInfo;
	labels: Record<string, string>;
	files: ArtifactFile[];
	size: number;
	/** The registry tag asked for is an alias of this version (`churn:champion` → v4). */
	alias?: string;
	/** Which kind of artifact this is; anything but 'shelf' is pulled as `proposal` says (edited by `pull`'s `as`). */
	format: ArtifactFormat;
	/** For a foreign artifact: the version it will become (`info` is this, written as model.yaml). */
	proposal?: PullProposal;
	/** For a foreign artifact: every layer, how it is packed and where it goes. */
	layers?: ForeignLayerView[];
	/** The foreign artifact carries its own model.yaml (a shelf's ModelPack push): it pulls back exactly, no proposal to edit. */
	carriesModelYaml?: boolean;
	/** The tag pointed at an image index: which of its manifests was taken, and why. */
	index?: { digest: string; reason: string };
	/** The manifest's signature under the registry's trust policy (`unchecked` when it is off); shown, never refused here. */
	signature: SignatureCheck;
}

/** Edits to the version a foreign artifact becomes (see `inspectRemote`'s proposal); unset fields keep the proposal's. */
export interface PullAs {
	name?: string;
	version?: string;
	/** Replaces the proposed labels whole. */
	labels?: Record<string, string>;
	/** ISO-8601. */
	creationTime?: string;
}

/** The outcome of a pull. */
export interface PullResult {
	status: 'created' | 'unchanged';
	record: VersionRecord;
	digest: string;
	downloadedBytes: number;
	/** Bytes of files the shelf already held (not downloaded). */
	skippedBytes: number;
	/** The registry tag pulled was an alias of the version; set here too unless the pull said `alias: false`. */
	alias: string | null;
	/** The manifest's signature as checked under the registry's trust policy (kept with the copy). */
	signature: SignatureCheck;
}

/** Most pages of a listing the shelf follows (1,000 entries each). */
const MAX_PAGES = 100;

/**
 * Reads a version's manifest and model.yaml without storing anything.
 * @param referenceText `name:version` or `name@sha256:…`
 */
export async function inspectRemote(client: RegistryClient, referenceText: string, signal?: AbortSignal, keys?: KeyStore): Promise<RemoteVersion> {
	const reference = parseRemoteReference(referenceText);
	const read = await readAny(client, reference, signal);
	const pulled = read.kind === 'foreign' ? read.foreign : read.shelf;
	const { verdict } = await checkUnderPolicy(client, keys ?? (await keyStore()), pulled.repository, pulled.digest, signal);
	const index = { ...(read.index ? { index: read.index } : {}), signature: verdict.check };
	if (read.kind === 'foreign') {
		const { foreign } = read;
		const info = foreignInfo(foreign);
		const alias = foreign.modelYaml && reference.tag !== undefined && reference.tag !== info.version ? { alias: reference.tag } : {};
		return { repository: foreign.repository, tag: foreign.modelYaml ? info.version : (reference.tag ?? info.version), digest: foreign.digest, info, labels: info.labels, files: foreignFiles(foreign), size: foreign.manifest.size, format: foreign.format, proposal: foreign.proposal, layers: foreignLayers(foreign), carriesModelYaml: foreign.modelYaml !== undefined, ...alias, ...index };
	}
	const { repository, artifact, digest, info, alias } = read.shelf;
	return { repository, tag: info.version, digest, info, labels: { ...labelsOf(artifact.annotations), ...info.labels }, files: artifact.files, size: artifact.size, format: 'shelf', ...(alias ? { alias } : {}), ...index };
}

/**
 * Pulls a version into the store.
 * @param store the shelf the version is stored in
 * @param client the registry
 * @param remoteDb records the copy and which repository holds the version's blobs
 * @param referenceText `name:version` or `name@sha256:…`
 * @throws ShelfError `INTEGRITY` when bytes do not match their digest (nothing is stored), `TAG_EXISTS`
 * when the shelf holds that tag with other content, `UNSUPPORTED` for artifacts that are not models, `UNTRUSTED`
 * when the registry's trust policy is `enforce` and the manifest is not signed by a trusted key (before any blob is read)
 */
export async function pullVersion(
	store: ModelStore,
	client: RegistryClient,
	remoteDb: RemoteDb,
	referenceText: string,
	controls: OperationControls = {},
	options: { alias?: boolean; as?: PullAs; keys?: KeyStore } = {}
): Promise<PullResult> {
	const reference = parseRemoteReference(referenceText);
	const read = await readAny(client, reference, controls.signal);
	const pulled = read.kind === 'foreign' ? read.foreign : read.shelf;
	const signature = await checkBeforePull(client, options.keys ?? (await keyStore()), pulled.repository, pulled.digest, controls.signal);
	if (read.kind === 'foreign') {
		// A shelf's ModelPack push carries its model.yaml: a registry tag naming another version is an alias, as for our own artifact.
		const { modelYaml, repository } = read.foreign;
		const aliasTag = modelYaml && !options.as && reference.tag !== undefined && reference.tag !== modelYaml.version ? reference.tag : undefined;
		const alias = modelYaml ? await _aliasToSet(store, modelYaml, aliasTag, options, repository) : null;
		const result = await pullForeign(store, client, remoteDb, read.foreign, options.as, controls, signature);
		if (alias && modelYaml) await _followAlias(store, modelYaml, alias, repository);
		return { ...result, alias };
	}
	const { repository, artifact, digest, info, configText, alias: aliasTag } = read.shelf;
	const alias = await _aliasToSet(store, info, aliasTag, options, repository);
	const tag = formatTag(info);
	const existing = await store.catalogue.get(tag);
	if (!existing && (await store.catalogue.isTrashed(tag))) throw tagInTrash(tag); // before any byte is downloaded
	if (existing) {
		if (!_sameVersion(existing, configText, artifact)) {
			throw new ShelfError('TAG_EXISTS', `"${tag}" is already on the shelf with different content; tags are immutable. Nothing was pulled.`, { tag, digest });
		}
		// Issue 22: a version whose files were evicted is pulled again below, downloading only what is missing.
		const whole = (await Promise.all(existing.files.map((file) => store.blobs.has(file.sha256)))).every(Boolean);
		if (whole) {
			await remoteDb.recordCopy({ registry: client.remote.url, repository, tag, digest, how: 'pulled', at: Date.now(), signature });
			if (alias) await _followAlias(store, info, alias, repository);
			return { status: 'unchanged', record: existing, digest, downloadedBytes: 0, skippedBytes: artifact.size, alias, signature };
		}
	}

	let loaded = 0;
	let downloadedBytes = 0;
	let skippedBytes = 0;
	const report = (item: string) => controls.report?.({ phase: 'pulling', loaded, total: artifact.size, item });
	// Files an interrupted run of this same pull stored whole: fsck kept their blobs for this (issue 22).
	const journal = `${client.remote.url}|${repository}@${digest}`;
	const earlier = await remoteDb.startPull(journal, Date.now());
	const result = await store.draft(async (draft) => {
		// A few files at once (bounded as a save is): their downloads and writes overlap; a large file alone
		// also fetches its parts in parallel (blob-download.ts).
		const tasks = artifact.files.map((file) => ({
			bytes: Math.min(file.size, BYTES_IN_FLIGHT),
			run: async () => {
				const held = await _heldFile(store, file, earlier);
				if (held) {
					draft.addStored({ path: file.path, sha256: held.sha256, size: held.size, crc32: held.crc32 });
					loaded += file.size;
					skippedBytes += file.size;
					report(file.path);
					return;
				}
				await draft
					.addFile({ path: file.path, data: downloadBlob(client, repository, file, controls.signal), expected: { sha256: file.sha256, size: file.size } }, (bytes) => {
						loaded += bytes;
						downloadedBytes += bytes;
						report(file.path);
					})
					.then(({ sha256, size, crc32 }) => remoteDb.pulledFile(journal, { sha256, size, crc32 }))
					.catch((error) => {
						// The store's own mismatch says nothing of the registry; _download's (too many bytes) names it already.
						if (!isShelfError(error, 'INTEGRITY') || error.details?.repository !== undefined) throw error;
						throw new ShelfError(
							'INTEGRITY',
							`The registry sent bytes for "${file.path}" that do not match its digest sha256:${file.sha256}. Nothing was stored.`,
							{ ...error.details, path: file.path, repository, digest: `sha256:${file.sha256}` },
							{ cause: error }
						);
					});
			}
		}));
		await runBounded(tasks);
		return draft.commit(info);
	}, controls.signal);
	await remoteDb.endPull(journal);
	await remoteDb.recordBlobs(client.remote.url, repository, artifact.files.map((file) => `sha256:${file.sha256}`));
	await remoteDb.recordCopy({ registry: client.remote.url, repository, tag, digest, how: 'pulled', at: Date.now(), signature });
	if (alias) await _followAlias(store, info, alias, repository);
	return { status: result.status, record: result.record, digest, downloadedBytes, skippedBytes, alias, signature };
}

/** The alias a registry tag sets here (`latest` stays the shelf's automatic pointer), refused when a version has that word. */
async function _aliasToSet(store: ModelStore, info: ModelInfo, aliasTag: string | undefined, options: { alias?: boolean }, repository: string): Promise<string | null> {
	const alias = aliasTag !== undefined && aliasTag !== LATEST && options.alias !== false ? aliasTag : null;
	if (alias && (await store.catalogue.get(`${info.name}:${alias}`))) {
		throw new ShelfError('ALIAS_CONFLICT', `${info.name}:${alias} is a version on this shelf, so the registry's alias "${alias}" cannot be set here. Nothing was pulled. Hint: pull ${info.name}:${info.version} instead.`, {
			name: info.name,
			alias,
			reason: 'is-version',
			repository
		});
	}
	return alias;
}

/** Points the local alias where the registry's does (a no-op when it already does). */
async function _followAlias(store: ModelStore, info: ModelInfo, alias: string, repository: string) {
	const current = (await store.catalogue.aliases(info.name)).find((candidate) => candidate.alias === alias);
	if (current?.version !== info.version) await setAlias(store, { name: info.name, alias, version: info.version, note: `pulled from ${repository}` });
}

/**
 * Model names on the registry under the namespace, from `/v2/_catalog` (which many registries refuse).
 * @returns the names, or null with the registry's reason when it does not list repositories
 */
export async function listRemoteModels(client: RegistryClient, signal?: AbortSignal): Promise<{ names: string[] | null; reason?: string }> {
	try {
		const repositories = await _paged(client, 'repositories', client.url('_catalog?n=1000'), undefined, signal);
		const names = repositories.map((repository) => modelNameOf(client.remote, repository)).filter((name): name is string => name !== undefined);
		return { names: [...new Set(names)].sort() };
	} catch (error) {
		if (isShelfError(error) && ['NOT_FOUND', 'REMOTE_AUTH', 'REMOTE_REJECTED'].includes(error.code)) {
			return { names: null, reason: 'This registry does not list its repositories. Type a model name to see its versions.' };
		}
		throw error;
	}
}

/** The tags of one model's repository, following pagination; [] when the repository does not exist. */
export async function listRemoteTags(client: RegistryClient, name: string, signal?: AbortSignal): Promise<string[]> {
	const repository = repositoryOf(client.remote, name);
	try {
		return (await _paged(client, 'tags', client.url(`${repository}/tags/list?n=1000`), repository, signal)).sort();
	} catch (error) {
		if (isShelfError(error, 'NOT_FOUND')) return [];
		throw error;
	}
}

// ---------------------------------------------------------------------------

/** The shelf's record of a blob it holds already, when sizes agree. */
/** A file the store holds whole: referenced by a version, or stored by an interrupted run of this pull. */
async function _heldFile(store: ModelStore, file: ArtifactFile, earlier: PullJournal['files']) {
	const held = (await store.catalogue.fileByDigest(file.sha256)) ?? earlier.find((stored) => stored.sha256 === file.sha256);
	return held && held.size === file.size && (await store.blobs.has(file.sha256)) ? held : undefined;
}

/** The same model.yaml and the same files as the stored version. */
function _sameVersion(existing: VersionRecord, configText: string, artifact: ModelArtifact): boolean {
	const files = (list: { path: string; sha256: string }[]) =>
		list
			.map((file) => `${file.path}\u0000${file.sha256}`)
			.sort()
			.join('\n');
	return serializeModelYaml(existing.info) === serializeModelYaml(parseModelYaml(configText)) && files(existing.files) === files(artifact.files);
}

/** Follows `Link: <…>; rel="next"` pages of `/v2/_catalog` or `tags/list`, collecting one array field. */
async function _paged(client: RegistryClient, field: 'repositories' | 'tags', first: string, repository: string | undefined, signal?: AbortSignal): Promise<string[]> {
	const items: string[] = [];
	let url: string | undefined = first;
	for (let page = 0; url && page < MAX_PAGES; page++) {
		const response = await client.request(url, { repository, accept: [200], signal });
		const body = (await response.json().catch(() => ({}))) as Record<string, unknown>;
		const values = body[field];
		if (Array.isArray(values)) items.push(...values.filter((value): value is string => typeof value === 'string'));
		const next = nextPageLink(response.headers.get('Link'));
		url = next === undefined ? undefined : new URL(next, url).href;
		// A next link must stay on the registry: credentials go only where the user sent them.
		if (url && new URL(url).origin !== new URL(client.remote.url).origin) url = undefined;
	}
	return items;
}
