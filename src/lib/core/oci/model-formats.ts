// Node + browser: pure TypeScript, no DOM.
//
// Which model format a registry manifest is, and where each layer's bytes go in the model folder. Formats:
// - shelf: our own artifact (artifact.ts), config = model.yaml;
// - modelpack: CNCF ModelPack (modelpack/model-spec docs/spec.md), raw or tar layers with `org.cncf.model.filepath`;
// - docker-model: Docker Model Runner (docker/model-spec spec.md): one file per layer, never compressed, no names;
// - kitops: KitOps ModelKit (kitops pkg/lib/constants/mediaType.go): one tar per Kitfile entry, gzip optional;
// - oras: anything else whose every layer is named by `org.opencontainers.image.title` (what `oras pull` writes).
// Recognition goes by `artifactType`, then the config media type; a layer's path by `org.cncf.model.filepath`,
// `org.cnai.model.filepath`, `org.opencontainers.image.title`, then the format's own rule (docker-model-paths).
import { ShelfError } from '../errors.ts';
import { MANIFEST_PATH, normalizeModelPath, normalizeModelPaths } from '../paths.ts';
import { MAX_CONFIG_BYTES, MAX_LAYERS, MODEL_ARTIFACT_TYPE, MODEL_CONFIG_TYPE, OCI_INDEX_TYPE, type OciDescriptor } from './artifact.ts';
import { dockerModelPath } from './docker-model-paths.ts';
import { MODELPACK_ANNOTATIONS, MODELPACK_ARTIFACT_TYPE, MODELPACK_CONFIG_TYPE, MODELPACK_LEGACY_ARTIFACT_TYPE, MODELPACK_LEGACY_CONFIG_TYPE, type LayerPacking } from './modelpack-types.ts';
import { isSha256Digest } from './remote.ts';

/** The formats the shelf pulls. */
export type ArtifactFormat = 'shelf' | 'modelpack' | 'docker-model' | 'kitops' | 'oras';

export const DOCKER_MODEL_CONFIG_TYPE = 'application/vnd.docker.ai.model.config.v0.1+json';
/** Model Runner's newer layer-per-file config (its layers carry file paths in annotations). */
export const DOCKER_MODEL_CONFIG_V02_TYPE = 'application/vnd.docker.ai.model.config.v0.2+json';
export const KITOPS_CONFIG_TYPE = 'application/vnd.kitops.modelkit.config.v1+json';
/** ORAS marks a layer that is a tar.gz of a pushed folder with this annotation ("true"). */
export const ORAS_UNPACK_ANNOTATION = 'io.deis.oras.content.unpack';
const TITLE = 'org.opencontainers.image.title';

/** One layer of a foreign artifact and what becomes of it. */
export interface ForeignLayer {
	index: number;
	descriptor: OciDescriptor;
	/** `raw`: the layer is one file, stored at `path`. Tars are unpacked and their entries name the files. */
	packing: LayerPacking;
	/** For a raw layer, its file's path in the model folder; for a tar, the folder its entries go under ('' = root). */
	path: string;
}

/** A manifest the shelf can pull, read and checked (the config blob is not fetched yet). */
export interface ForeignManifest {
	format: ArtifactFormat;
	/** What identified it: the artifactType, or else the config media type. */
	type: string;
	config: OciDescriptor;
	layers: ForeignLayer[];
	annotations: Record<string, string>;
	/** Sum of layer sizes (compressed, as downloaded). */
	size: number;
}

/** The model manifest an image index points at, and why that one. */
export interface IndexChoice {
	descriptor: OciDescriptor;
	reason: string;
}

/**
 * Parses a manifest as JSON, checking the OCI shape only.
 * @throws ShelfError `INVALID_MANIFEST`
 */
export function parseOciJson(text: string): Record<string, unknown> {
	let parsed: unknown;
	try {
		parsed = JSON.parse(text);
	} catch (error) {
		throw malformed('The registry sent a manifest that is not JSON.', {}, error);
	}
	if (!_isObject(parsed) || parsed.schemaVersion !== 2) throw malformed('The manifest is not an OCI manifest (schemaVersion 2).', {});
	return parsed;
}

/** True for an image index (or Docker manifest list). */
export function isIndex(manifest: Record<string, unknown>): boolean {
	return manifest.mediaType === OCI_INDEX_TYPE || manifest.mediaType === 'application/vnd.docker.distribution.manifest.list.v2+json' || Array.isArray(manifest.manifests);
}

/**
 * Picks the model manifest of an image index: the one entry whose `artifactType` is a model format, else the
 * one entry that names no platform (model tools add no platform; images always do).
 * @throws ShelfError `UNSUPPORTED` when no entry, or more than one, qualifies
 */
export function chooseFromIndex(index: Record<string, unknown>): IndexChoice {
	const entries = Array.isArray(index.manifests) ? index.manifests.map((entry, i) => descriptorOf(entry, `manifests[${i}]`)) : [];
	const raw = Array.isArray(index.manifests) ? (index.manifests as Record<string, unknown>[]) : [];
	const known = new Set([MODEL_ARTIFACT_TYPE, MODELPACK_ARTIFACT_TYPE, MODELPACK_LEGACY_ARTIFACT_TYPE]);
	const typed = entries.filter((entry) => entry.artifactType !== undefined && known.has(entry.artifactType));
	if (typed.length === 1) return { descriptor: typed[0]!, reason: `the entry whose artifactType is ${typed[0]!.artifactType}` };
	const platformless = entries.filter((_, i) => !_isObject(raw[i]!.platform) || (raw[i]!.platform as Record<string, unknown>).os === 'unknown');
	if (typed.length === 0 && platformless.length === 1) return { descriptor: platformless[0]!, reason: 'the only entry without a platform' };
	throw new ShelfError('UNSUPPORTED', `This tag points to an index of ${entries.length} manifests and none of them is clearly a model (e.g. a multi-platform image).`, {
		mediaType: typeof index.mediaType === 'string' ? index.mediaType : OCI_INDEX_TYPE
	});
}

/**
 * Names the format of an image manifest: `artifactType` first, then the config media type, then ORAS's titles.
 * @throws ShelfError `UNSUPPORTED` naming the type for anything else (an image, an unknown artifact)
 */
export function detectFormat(manifest: Record<string, unknown>): { format: ArtifactFormat; type: string } {
	const artifactType = typeof manifest.artifactType === 'string' ? manifest.artifactType : undefined;
	const configType = _isObject(manifest.config) && typeof manifest.config.mediaType === 'string' ? manifest.config.mediaType : undefined;
	for (const type of [artifactType, configType]) {
		if (type === MODEL_ARTIFACT_TYPE || type === MODEL_CONFIG_TYPE) return { format: 'shelf', type };
		if (type === MODELPACK_ARTIFACT_TYPE || type === MODELPACK_CONFIG_TYPE || type === MODELPACK_LEGACY_ARTIFACT_TYPE || type === MODELPACK_LEGACY_CONFIG_TYPE) return { format: 'modelpack', type };
		if (type === DOCKER_MODEL_CONFIG_TYPE || type === DOCKER_MODEL_CONFIG_V02_TYPE) return { format: 'docker-model', type };
		if (type === KITOPS_CONFIG_TYPE) return { format: 'kitops', type };
	}
	const layers = Array.isArray(manifest.layers) ? manifest.layers : [];
	const titled = layers.length > 0 && layers.every((layer) => _isObject(layer) && _isObject(layer.annotations) && typeof layer.annotations[TITLE] === 'string');
	// An image's layers carry no titles, so this does not take container images for models.
	if (titled) return { format: 'oras', type: artifactType ?? configType ?? 'application/vnd.oci.image.manifest.v1+json' };
	const kind = artifactType ?? configType ?? 'unknown';
	throw new ShelfError('UNSUPPORTED', `This artifact is not a model format the shelf reads (its type is "${kind}"). Hint: the shelf pulls ModelPack, Docker Model Runner, KitOps, ORAS file artifacts and its own.`, {
		...(artifactType ? { artifactType } : {}),
		...(configType ? { configMediaType: configType } : {})
	});
}

/**
 * Reads a foreign (non-shelf) model manifest: its layers, how each is packed and where its bytes go. Refuses,
 * before any byte is downloaded, a config larger than `MAX_CONFIG_BYTES` and two layers naming the same file.
 * @param manifest from {@link parseOciJson}
 * @throws ShelfError `UNSUPPORTED`, `INVALID_MANIFEST`, `INVALID_PATH`
 */
export function readForeignManifest(manifest: Record<string, unknown>): ForeignManifest {
	const { format, type } = detectFormat(manifest);
	const config = descriptorOf(manifest.config, 'config');
	// The descriptor's size is known before the download: a hostile 100 MB "config" is never fetched.
	if (config.size > MAX_CONFIG_BYTES) throw malformed(`The artifact's config is ${config.size} bytes; the limit is ${MAX_CONFIG_BYTES}.`, { size: config.size, limit: MAX_CONFIG_BYTES, where: 'config' });
	if (!Array.isArray(manifest.layers) || manifest.layers.length === 0) throw malformed('The manifest lists no layers.', {});
	if (manifest.layers.length > MAX_LAYERS) throw malformed(`The manifest lists ${manifest.layers.length} layers; the limit is ${MAX_LAYERS}.`, { limit: MAX_LAYERS });
	const descriptors = manifest.layers.map((layer, i) => descriptorOf(layer, `layers[${i}]`));
	const layers = descriptors.map((descriptor, index): ForeignLayer => {
		const packing = layerPacking(format, descriptor);
		const named = descriptor.annotations?.[MODELPACK_ANNOTATIONS.filepath] ?? descriptor.annotations?.[MODELPACK_ANNOTATIONS.legacyFilepath] ?? descriptor.annotations?.[TITLE];
		// A tar's entries carry their own paths (ModelPack and KitOps tar the file under its path; ORAS tars a folder with its name).
		if (packing !== 'raw') return { index, descriptor, packing, path: '' };
		const path = named ?? (format === 'docker-model' ? dockerModelPath(descriptors, index) : undefined);
		if (path === undefined) throw malformed(`Layer ${index} (${descriptor.mediaType}) names no file: it has no "${MODELPACK_ANNOTATIONS.filepath}" or "${TITLE}" annotation.`, { layer: index });
		// A model.yaml layer (the shelf's ModelPack push, `oras push` of a BentoML folder) is read as the version's info.
		return { index, descriptor, packing, path: normalizeModelPath(path) };
	});
	const files = layers.filter((layer) => layer.packing === 'raw' && layer.path !== MANIFEST_PATH);
	normalizeModelPaths(files.map((layer) => layer.path)); // two layers naming one file: INVALID_PATH 'duplicate'
	if (layers.filter((layer) => layer.path === MANIFEST_PATH).length > 1) throw malformed('Two layers are named model.yaml.', {});
	const annotations = _isObject(manifest.annotations) ? _stringRecord(manifest.annotations) : {};
	return { format, type, config, layers, annotations, size: descriptors.reduce((sum, layer) => sum + layer.size, 0) };
}

/**
 * How a layer's bytes are packed, from its media type's ending (`.tar`, `.tar+gzip`, `.tar+zstd`; anything else
 * is one file). ORAS files are raw whatever their media type says (`oras push` labels files `…layer.v1.tar`);
 * only its folder layers, annotated `io.deis.oras.content.unpack`, are gzipped tars.
 */
export function layerPacking(format: ArtifactFormat, descriptor: OciDescriptor): LayerPacking {
	const type = descriptor.mediaType;
	if (format === 'oras' || format === 'shelf') return format === 'oras' && descriptor.annotations?.[ORAS_UNPACK_ANNOTATION] === 'true' ? 'tar+gzip' : 'raw';
	// Model Runner's files are raw; its config and folder layers (`…vllm.config.tar`, `…dir.tar`) are tars.
	if (format === 'docker-model') return type.endsWith('.tar') ? 'tar' : 'raw';
	if (/[.+]tar\+gzip$|\.tar\.gz$/.test(type)) return 'tar+gzip';
	if (/[.+]tar\+zstd$/.test(type)) return 'tar+zstd';
	if (/[.+]tar$/.test(type)) return 'tar';
	return 'raw';
}

/**
 * Checks one descriptor: media type, a sha256 digest, a whole size.
 * @throws ShelfError `INVALID_MANIFEST`, or `UNSUPPORTED` for another digest algorithm
 */
export function descriptorOf(value: unknown, where: string): OciDescriptor {
	if (!_isObject(value)) throw malformed(`The manifest's ${where} is not a descriptor.`, { where });
	const { mediaType, digest, size } = value;
	if (typeof mediaType !== 'string') throw malformed(`The manifest's ${where} has no media type.`, { where });
	if (!isSha256Digest(digest)) throw new ShelfError('UNSUPPORTED', `The manifest's ${where} uses digest "${String(digest)}"; the shelf stores sha256 only.`, { where, digest: String(digest) });
	if (typeof size !== 'number' || !Number.isSafeInteger(size) || size < 0) throw malformed(`The manifest's ${where} has an invalid size.`, { where });
	const descriptor: OciDescriptor = { mediaType, digest, size };
	if (_isObject(value.annotations)) descriptor.annotations = _stringRecord(value.annotations);
	if (typeof value.artifactType === 'string') descriptor.artifactType = value.artifactType;
	return descriptor;
}

/** An `INVALID_MANIFEST` error about the OCI manifest. */
export function malformed(message: string, details: { layer?: number; limit?: number; size?: number; where?: string }, cause?: unknown): ShelfError {
	return new ShelfError('INVALID_MANIFEST', message, { field: '(oci manifest)', ...details }, cause ? { cause } : undefined);
}

// ---------------------------------------------------------------------------

function _stringRecord(value: Record<string, unknown>): Record<string, string> {
	return Object.fromEntries(Object.entries(value).filter((entry): entry is [string, string] => typeof entry[1] === 'string'));
}

function _isObject(value: unknown): value is Record<string, unknown> {
	return typeof value === 'object' && value !== null && !Array.isArray(value);
}
