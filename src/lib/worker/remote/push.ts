// Worker: pushes one pinned version to an OCI registry. Every blob is checked with HEAD first (a second
// version uploads only what changed), mounted from another repository of the same registry when the shelf
// knows one that has it, else uploaded straight from OPFS: one PUT for small blobs, a PATCH session in
// chunks for large ones, resumable after a network error or a reload (./blob-upload.ts). The manifest goes
// last, so a half-pushed version is never visible under its tag. Two artifact formats: the shelf's own (config =
// model.yaml) and CNCF ModelPack (config = ModelPack JSON from the version's facts, model.yaml as a marked layer).
import { ShelfError } from '../../core/errors.ts';
import { serializeModelYaml } from '../../core/manifest.ts';
import { FACTS_VERSION } from '../../core/inspect/facts.ts';
import { OCI_MANIFEST_TYPE, manifestVersion, modelArtifactManifest, type OciManifest } from '../../core/oci/artifact.ts';
import { modelPackConfig, modelPackLayers, modelPackManifest } from '../../core/oci/modelpack-push.ts';
import { digestOf, remoteTagOf, repositoryOf } from '../../core/oci/remote.ts';
import type { VersionRecord } from '../../core/store-types.ts';
import { throwIfAborted } from '../operations.ts';
import { BYTES_IN_FLIGHT, FILES_IN_FLIGHT, runBounded } from '../store/bounded-tasks.ts';
import { noteUse } from '../store/lifecycle.ts';
import type { ModelStore, OperationControls } from '../store/model-store.ts';
import { deriveFacts } from '../store/version-facts.ts';
import { sendBlob, type BlobTarget, type SentBlob } from './blob-upload.ts';
import { pushSignature } from './cosign-push.ts';
import type { RegistryClient } from './registry-client.ts';
import { fetchManifest, sha256Hex } from './registry-io.ts';
import type { RemoteDb } from './remote-db.ts';
import { keyStore, type KeyStore } from './signing-keys.ts';

/** What a blob counts toward the bound on bytes at once: uploads stream from the stored Blob, so this only lets FILES_IN_FLIGHT large ones go together. */
const UPLOAD_BYTES_AT_ONCE = BYTES_IN_FLIGHT / FILES_IN_FLIGHT;

/** The artifact a push writes: the shelf's own, or CNCF ModelPack (read by other tools). */
export type PushFormat = 'shelf' | 'modelpack';

/** The outcome of a push. */
export interface PushResult {
	status: 'pushed' | 'unchanged';
	/** The format the registry's tag holds: the one asked for, or the other when it already held this version so. */
	format: PushFormat;
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
	/** Aliases published as registry tags pointing at this version's manifest (with `aliases`). */
	aliases: string[];
	/** With `sign`: cosign's signature tag (`sha256-<hex>.sig`), the Sigstore bundle referrer's manifest digest, and the key that signed. */
	signature?: { tag: string; referrer: string; keyName: string };
}

/**
 * Pushes a version to the client's registry as `<namespace>/<name>:<version>`.
 * @param store the shelf the version is read from
 * @param client the registry
 * @param remoteDb saved upload sessions and known blobs; records the copy and the blobs pushed
 * @param tagText the version (`name` alone means latest)
 * @throws ShelfError `TAG_EXISTS` when the registry holds that tag with other content; the client's
 * `REMOTE_*` errors; `INTEGRITY` when the registry finds a stored file's bytes do not match its digest; `NOT_FOUND` for
 * a `sign` key that is not on the shelf
 */
export async function pushVersion(
	store: ModelStore,
	client: RegistryClient,
	remoteDb: RemoteDb,
	tagText: string,
	controls: OperationControls = {},
	options: { aliases?: boolean; format?: PushFormat; sign?: { keyId: string }; keys?: KeyStore } = {}
): Promise<PushResult> {
	const record = await store.get(tagText);
	// The key is looked up first: a deleted key fails before any byte is sent.
	const signer = options.sign ? await (options.keys ?? (await keyStore())).signer(options.sign.keyId) : undefined;
	const repository = repositoryOf(client.remote, record.name);
	const tag = remoteTagOf(record.version);
	const registry = client.remote.url;
	let artifact = await _artifact(store, record, options.format ?? 'shelf', controls.signal);
	const existing = await _remoteManifestDigest(client, repository, tag, controls.signal);
	if (existing !== undefined && existing !== artifact.digest) {
		// The same version pushed earlier in the other format is this version: the tag stays as it is.
		const other = await _artifact(store, record, artifact.format === 'shelf' ? 'modelpack' : 'shelf', controls.signal);
		if (other.digest === existing) artifact = other;
	}
	const { manifestBytes, digest } = artifact;
	const result: PushResult = { status: 'pushed', format: artifact.format, registry, repository, tag, digest, uploadedBytes: 0, skippedBytes: 0, files: [], aliases: [] };
	if (existing !== undefined && existing !== digest) {
		throw new ShelfError('TAG_EXISTS', `The registry already has ${repository}:${tag} with other content (${existing}). Tags are immutable on the shelf; nothing was pushed.`, {
			repository,
			tag,
			remoteDigest: existing,
			localDigest: digest
		});
	}

	const unique = _uniqueFiles(record);
	// The blobs in the order they are sent: the config and model.yaml first, then each distinct file once.
	const steps = [...artifact.small.map((blob) => ({ path: blob.path, size: blob.bytes.byteLength })), ...unique.map((file) => ({ path: file.path, size: file.size }))];
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
		const target: BlobTarget = { client, remoteDb, repository, signal: controls.signal };
		const count = (sent: SentBlob) => {
			result.uploadedBytes += sent.uploadedBytes;
			result.skippedBytes += sent.skippedBytes;
			return sent.sent;
		};
		// A few blobs at once (bounded as a save is): each blob's round trips overlap the others' bytes.
		const sent: SentBlob['sent'][] = [];
		const blobs = [
			...artifact.small.map((blob) => ({ size: blob.bytes.byteLength, send: (advance: (bytes: number) => void) => sendBlob(target, blob.digest, new Blob([blob.bytes]), advance) })),
			...unique.map((file) => ({ size: file.size, send: async (advance: (bytes: number) => void) => sendBlob(target, digestOf(file.sha256), await store.blobs.read(file.sha256), advance) }))
		];
		await runBounded(
			blobs.map((blob, index) => ({
				bytes: Math.min(blob.size, UPLOAD_BYTES_AT_ONCE),
				run: async () => {
					throwIfAborted(controls.signal);
					sent[index] = count(await blob.send(advanceFor(index)));
				}
			}))
		);
		for (const [index, file] of unique.entries()) {
			const how = sent[artifact.small.length + index]!;
			for (const same of record.files.filter((candidate) => candidate.sha256 === file.sha256)) result.files.push({ path: same.path, sha256: same.sha256, size: same.size, sent: how });
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
	await remoteDb.recordBlobs(registry, repository, [...artifact.small.map((blob) => blob.digest), ...record.files.map((file) => digestOf(file.sha256))]);
	await remoteDb.recordCopy({ registry, repository, tag: record.tag, digest, how: 'pushed', at: Date.now() });
	if (options.aliases) {
		const aliases = (await store.catalogue.aliases(record.name)).filter((alias) => alias.version === record.version).map((alias) => alias.alias);
		for (const alias of aliases) {
			await _moveAliasTag(client, repository, alias, { digest, bytes: manifestBytes }, controls.signal);
			result.aliases.push(alias);
		}
	}
	if (signer) {
		const subject = { mediaType: OCI_MANIFEST_TYPE, digest, size: manifestBytes.byteLength };
		result.signature = { ...(await pushSignature(client, remoteDb, repository, subject, signer, controls.signal)), keyName: signer.key.name };
	}
	noteUse(store, record.tag, 'pushed');
	return result;
}

/**
 * Points the registry tag `alias` at a version's manifest. A registry tag is a version's own when its manifest's
 * version annotation names the tag itself; an alias tag carries the manifest of the version it points at, whose
 * version is never the alias's word (the shelf refuses that pairing). So an alias never overwrites a version tag.
 * @throws ShelfError `ALIAS_CONFLICT` (reason `remote-version`) when the tag is a version on the registry
 */
async function _moveAliasTag(client: RegistryClient, repository: string, alias: string, manifest: { digest: string; bytes: Uint8Array<ArrayBuffer> }, signal?: AbortSignal) {
	const current = await _remoteManifestDigest(client, repository, alias, signal);
	if (current === manifest.digest) return;
	if (current !== undefined) {
		const { text } = await fetchManifest(client, repository, alias, signal);
		if (manifestVersion(text) === alias) {
			const name = repository.slice(repository.lastIndexOf('/') + 1);
			throw new ShelfError('ALIAS_CONFLICT', `${repository}:${alias} on the registry is a version, not an alias; it was left as it is. Hint: choose another alias.`, {
				name,
				alias,
				reason: 'remote-version',
				repository
			});
		}
	}
	await client.request(`${repository}/manifests/${alias}`, {
		method: 'PUT',
		repository,
		access: 'push',
		headers: { 'Content-Type': OCI_MANIFEST_TYPE },
		body: manifest.bytes,
		accept: [201],
		signal
	});
}

// ---------------------------------------------------------------------------

/** A version's artifact in one format: the manifest's bytes and digest, and the blobs built in memory (config, model.yaml). */
interface Artifact {
	format: PushFormat;
	manifestBytes: Uint8Array<ArrayBuffer>;
	digest: string;
	small: { path: string; digest: string; bytes: Uint8Array<ArrayBuffer> }[];
}

async function _artifact(store: ModelStore, record: VersionRecord, format: PushFormat, signal?: AbortSignal): Promise<Artifact> {
	const blob = async (path: string, text: string) => {
		const bytes = new TextEncoder().encode(text);
		return { path, bytes, digest: digestOf(await sha256Hex(bytes)), size: bytes.byteLength };
	};
	const modelYaml = await blob('model.yaml', serializeModelYaml(record.info));
	let manifest: OciManifest;
	let small = [modelYaml];
	if (format === 'shelf') {
		manifest = modelArtifactManifest(record.info, record.files, modelYaml);
	} else {
		// Facts stored before the current reader are read again: ModelPack's config should say what the files are.
		const facts = record.facts?.factsVersion === FACTS_VERSION ? record.facts : await deriveFacts(store.blobs, record.files, signal);
		const layers = modelPackLayers(record.info, record.files, modelYaml);
		const config = await blob('ModelPack config', JSON.stringify(modelPackConfig(record.info, layers, facts)));
		manifest = modelPackManifest(record.info, layers, config);
		small = [config, modelYaml];
	}
	const manifestBytes = new TextEncoder().encode(JSON.stringify(manifest));
	return { format, manifestBytes, digest: digestOf(await sha256Hex(manifestBytes)), small };
}

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
