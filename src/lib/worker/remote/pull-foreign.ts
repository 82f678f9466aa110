// Worker: pulls a foreign model artifact (ModelPack, Docker Model Runner, KitOps, plain ORAS) as an ordinary
// shelf version. Everything checkable before a download is checked first (config size, paths, duplicates,
// raw layers' diffIds); raw layers are stored as files verified against their digest by the store's writer;
// tar layers are unpacked as they arrive (pull-tar.ts). One draft, committed at the end: a failure stores nothing.
import { ShelfError, isShelfError } from '../../core/errors.ts';
import { parseModelYaml, serializeModelYaml, type ModelInfo } from '../../core/manifest.ts';
import type { VersionRecord } from '../../core/store-types.ts';
import type { ArtifactFile } from '../../core/oci/artifact.ts';
import { malformed, readForeignManifest, type ArtifactFormat, type ForeignManifest } from '../../core/oci/model-formats.ts';
import { configDiffIds, proposalInfo, proposeVersion, type DiffIds, type PullProposal } from '../../core/oci/model-proposal.ts';
import { MANIFEST_PATH } from '../../core/paths.ts';
import { formatTag } from '../../core/tags.ts';
import { tagInTrash } from '../catalogue/lifecycle-writes.ts';
import { decodeManifest } from '../manifest-text.ts';
import type { ModelStore, OperationControls } from '../store/model-store.ts';
import type { PullAs, PullResult } from './pull.ts';
import { downloadBlob } from './blob-download.ts';
import { unpackTarLayer, type PathSet } from './pull-tar.ts';
import type { RegistryClient } from './registry-client.ts';
import { fetchSmallBlob } from './registry-io.ts';
import type { RemoteDb } from './remote-db.ts';
import type { SignatureCheck } from '../contract.ts';

/** One layer as the Remote page shows it before a pull. */
export interface ForeignLayerView {
	mediaType: string;
	digest: string;
	size: number;
	packing: 'raw' | 'tar' | 'tar+gzip' | 'tar+zstd';
	/** The file a raw layer becomes; '' for a tar (its entries name the files). */
	path: string;
}

/** A foreign artifact read, checked and proposed as a version, before anything is downloaded. */
export interface ForeignRead {
	format: Exclude<ArtifactFormat, 'shelf'>;
	repository: string;
	digest: string;
	manifest: ForeignManifest;
	diffIds: DiffIds;
	proposal: PullProposal;
	/** The artifact's own model.yaml layer (the shelf's ModelPack push carries one): the version's info as pushed. */
	modelYaml?: ModelInfo;
}

/**
 * Reads what a foreign manifest needs before a pull: its config JSON and any model.yaml layer.
 * @param manifest the parsed manifest
 * @param source where it came from (location, the name asked for, tag, manifest digest)
 * @throws ShelfError `UNSUPPORTED`, `INVALID_MANIFEST`, `INVALID_PATH`, `INTEGRITY`, and the client's errors
 */
export async function readForeign(client: RegistryClient, repository: string, manifest: Record<string, unknown>, source: { location: string; name: string; tag?: string; digest: string }, signal?: AbortSignal): Promise<ForeignRead> {
	const read = readForeignManifest(manifest);
	if (read.format === 'shelf') throw new ShelfError('INTERNAL', 'A shelf artifact is read by pull.ts.');
	let config: unknown = {};
	if (read.config.size > 2) {
		const text = decodeManifest(await fetchSmallBlob(client, repository, read.config, signal));
		try {
			config = JSON.parse(text);
		} catch (error) {
			// ORAS configs may be anything; the formats with a JSON config must have one.
			if (read.format !== 'oras') throw malformed(`The ${read.format} config is not JSON.`, { where: 'config' }, error);
		}
	}
	const diffIds = configDiffIds(read.format, config, read.layers.length);
	read.layers.forEach((layer, i) => {
		// A raw layer's content digest is its digest: a config saying otherwise is refused before any download.
		if (layer.packing === 'raw' && diffIds?.[i] !== undefined && diffIds[i] !== layer.descriptor.digest) {
			throw new ShelfError('INTEGRITY', `The config's diffIds[${i}] (${diffIds[i]}) is not the digest of layer ${i} (${layer.descriptor.digest}). Nothing was stored.`, { digest: layer.descriptor.digest, expected: diffIds[i]!, actual: layer.descriptor.digest });
		}
	});
	const yamlLayer = read.layers.find((layer) => layer.packing === 'raw' && layer.path === MANIFEST_PATH);
	const modelYaml = yamlLayer ? parseModelYaml(decodeManifest(await fetchSmallBlob(client, repository, _small(yamlLayer.descriptor), signal))) : undefined;
	const proposal = proposeVersion(read, config, source);
	if (modelYaml) Object.assign(proposal, { name: modelYaml.name, version: modelYaml.version, labels: modelYaml.labels, creationTime: modelYaml.creationTime });
	return { format: read.format, repository, digest: source.digest, manifest: read, diffIds, proposal, ...(modelYaml ? { modelYaml } : {}) };
}

/** The version's model.yaml info: the artifact's own model.yaml when it has one, else the proposal, edited. */
export function foreignInfo(read: ForeignRead, as: PullAs = {}): ModelInfo {
	if (!read.modelYaml) return proposalInfo(read.proposal, as);
	const edited = Object.values(as).some((value) => value !== undefined);
	// Unedited, the model.yaml is kept byte for byte (its `source`); edited, it is written again from the new fields.
	return edited ? { ...proposalInfo({ ...read.proposal }, as), module: read.modelYaml.module, options: read.modelYaml.options, signatures: read.modelYaml.signatures, context: read.modelYaml.context, metadata: read.modelYaml.metadata, apiVersion: read.modelYaml.apiVersion, extra: read.modelYaml.extra, source: undefined } : read.modelYaml;
}

/** The raw layers' files as `RemoteVersion.files` lists them (tar layers' files are known only once unpacked). */
export function foreignFiles(read: ForeignRead): ArtifactFile[] {
	return read.manifest.layers
		.filter((layer) => layer.packing === 'raw' && layer.path !== MANIFEST_PATH)
		.map((layer) => ({ path: layer.path, sha256: layer.descriptor.digest.slice(7), size: layer.descriptor.size, mediaType: layer.descriptor.mediaType }));
}

/** The layers as the Remote page shows them. */
export function foreignLayers(read: ForeignRead): ForeignLayerView[] {
	return read.manifest.layers.map((layer) => ({ mediaType: layer.descriptor.mediaType, digest: layer.descriptor.digest, size: layer.descriptor.size, packing: layer.packing, path: layer.path }));
}

/**
 * Stores a foreign artifact as a version.
 * @throws ShelfError `TAG_EXISTS` (another artifact already became that tag), `INTEGRITY`, `BAD_BUNDLE`, `INVALID_PATH`
 */
export async function pullForeign(
	store: ModelStore,
	client: RegistryClient,
	remoteDb: RemoteDb,
	read: ForeignRead,
	as: PullAs | undefined,
	controls: OperationControls,
	signature: SignatureCheck = { status: 'unchecked', at: Date.now() }
): Promise<PullResult> {
	const info = foreignInfo(read, as);
	const tag = formatTag(info);
	const existing = await store.catalogue.get(tag);
	if (!existing && (await store.catalogue.isTrashed(tag))) throw tagInTrash(tag);
	if (existing) {
		// Pulling the same manifest again is a no-op; another artifact under that tag is refused (tags are immutable).
		if (existing.info.metadata.source_digest !== read.digest && !_sameAsPushed(existing, read, as)) {
			throw new ShelfError('TAG_EXISTS', `"${tag}" is already on the shelf with other content; tags are immutable. Nothing was pulled. Hint: pull it as another version.`, { tag, digest: read.digest });
		}
		return { status: 'unchanged', record: existing, digest: read.digest, downloadedBytes: 0, skippedBytes: read.manifest.size, alias: null, signature };
	}
	const total = read.manifest.size;
	let loaded = 0;
	let downloadedBytes = 0;
	let skippedBytes = 0;
	const onBytes = (item: string) => (n: number) => {
		loaded += n;
		downloadedBytes += n;
		controls.report?.({ phase: 'pulling', loaded, total, item });
	};
	const paths: PathSet = new Map();
	for (const layer of read.manifest.layers) if (layer.packing === 'raw') paths.set(layer.path.toLowerCase(), layer.path);
	const result = await store.draft(async (draft) => {
		for (const layer of read.manifest.layers) {
			const { descriptor } = layer;
			const file = { path: layer.path, sha256: descriptor.digest.slice(7), size: descriptor.size, mediaType: descriptor.mediaType };
			if (layer.packing !== 'raw') {
				await unpackTarLayer(draft, layer, downloadBlob(client, read.repository, file, controls.signal), paths, read.diffIds?.[layer.index], onBytes(`layer ${layer.index}`));
				continue;
			}
			if (layer.path === MANIFEST_PATH) continue; // read already: it is the version's model.yaml
			const held = await store.catalogue.fileByDigest(file.sha256);
			if (held && held.size === file.size && (await store.blobs.has(file.sha256))) {
				draft.addStored({ path: file.path, sha256: held.sha256, size: held.size, crc32: held.crc32 });
				loaded += file.size;
				skippedBytes += file.size;
				continue;
			}
			await draft.addFile({ path: file.path, data: downloadBlob(client, read.repository, file, controls.signal), expected: { sha256: file.sha256, size: file.size } }, onBytes(file.path)).catch((error) => {
				if (!isShelfError(error, 'INTEGRITY') || error.details?.repository !== undefined) throw error;
				throw new ShelfError('INTEGRITY', `The registry sent bytes for "${file.path}" that do not match its digest ${descriptor.digest}. Nothing was stored.`, { ...error.details, path: file.path, repository: read.repository, digest: descriptor.digest }, { cause: error });
			});
		}
		return draft.commit(info);
	}, controls.signal);
	const raw = read.manifest.layers.filter((layer) => layer.packing === 'raw').map((layer) => layer.descriptor.digest);
	await remoteDb.recordBlobs(client.remote.url, read.repository, raw);
	await remoteDb.recordCopy({ registry: client.remote.url, repository: read.repository, tag, digest: read.digest, how: 'pulled', at: Date.now(), signature });
	return { status: result.status, record: result.record, digest: read.digest, downloadedBytes, skippedBytes, alias: null, signature };
}

// ---------------------------------------------------------------------------

/** A shelf's own ModelPack push of a version already here: the same model.yaml and the same files. */
function _sameAsPushed(existing: VersionRecord, read: ForeignRead, as: PullAs | undefined): boolean {
	if (!read.modelYaml || as || read.manifest.layers.some((layer) => layer.packing !== 'raw')) return false;
	const files = (list: { path: string; sha256: string }[]) => list.map((file) => `${file.path}\u0000${file.sha256}`).sort().join('\n');
	return serializeModelYaml(existing.info) === serializeModelYaml(read.modelYaml) && files(existing.files) === files(foreignFiles(read));
}

/** A model.yaml layer is read whole: the same limit as a config. */
function _small(descriptor: { mediaType: string; digest: string; size: number }) {
	if (descriptor.size > 1024 * 1024) throw malformed(`The artifact's model.yaml layer is ${descriptor.size} bytes; the limit is ${1024 * 1024}.`, { size: descriptor.size, where: 'model.yaml' });
	return descriptor;
}
