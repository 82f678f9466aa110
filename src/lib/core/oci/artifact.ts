// Node + browser: pure TypeScript, no DOM.
//
// One model version as one OCI artifact (image-spec 1.1 image manifest with an `artifactType`):
// - config: the version's model.yaml, exactly as `serializeModelYaml` writes it, so a pull needs nothing else;
// - one layer per file, the file's bytes as they are (never tarred: the layer digest is the file's SHA-256,
//   the same name the shelf's blob store uses), `org.opencontainers.image.title` = relative path as ORAS
//   writes and reads it, plus CNCF ModelPack's `org.cncf.model.filepath` and raw layer media types by kind;
// - manifest annotations: creation time, name, version and labels, for registry UIs.
import { ShelfError, type ErrorDetails } from '../errors.ts';
import type { ModelInfo } from '../manifest.ts';
import { MANIFEST_PATH, normalizeModelPath, normalizeModelPaths } from '../paths.ts';
import type { StoredFile } from '../store-types.ts';
import { MODELPACK_CONFIG_TYPE } from './modelpack-types.ts';
import { digestOf, isSha256Digest } from './remote.ts';

export const OCI_MANIFEST_TYPE = 'application/vnd.oci.image.manifest.v1+json';
export const OCI_INDEX_TYPE = 'application/vnd.oci.image.index.v1+json';
/** The artifact type of a model version (BentoML's model store format; not registered with IANA). */
export const MODEL_ARTIFACT_TYPE = 'application/vnd.bentoml.model.v1';
/** The config blob: model.yaml. */
export const MODEL_CONFIG_TYPE = 'application/vnd.bentoml.model.config.v1+yaml';

/** CNCF ModelPack's media types for unarchived files, chosen by what the file is. */
export const LAYER_TYPES = {
	weight: 'application/vnd.cncf.model.weight.v1.raw',
	weightConfig: 'application/vnd.cncf.model.weight.config.v1.raw',
	doc: 'application/vnd.cncf.model.doc.v1.raw',
	code: 'application/vnd.cncf.model.code.v1.raw'
} as const;

export const ANNOTATIONS = {
	/** ORAS and the image spec: the file name a tool writes the layer to. */
	title: 'org.opencontainers.image.title',
	/** ModelPack: the layer's path inside the model folder. */
	filepath: 'org.cncf.model.filepath',
	created: 'org.opencontainers.image.created',
	version: 'org.opencontainers.image.version',
	/** The BentoML tag, `name:version`. */
	tag: 'ai.bentoml.model.tag',
	/** Prefix of one annotation per label: `ai.bentoml.model.label.<key>`. */
	labelPrefix: 'ai.bentoml.model.label.',
	/** On the layer of a ModelPack push that carries the version's model.yaml (value "true"). */
	modelYaml: 'ai.bentoml.model.yaml'
} as const;

/** Largest manifest the shelf reads (Distribution's own limit is 4 MiB). */
export const MAX_MANIFEST_BYTES = 4 * 1024 * 1024;
/** Largest config (model.yaml) the shelf reads; the same as a bundle's model.yaml. */
export const MAX_CONFIG_BYTES = 1024 * 1024;
/** Most layers a pulled manifest may list: the same as a bundle's entries. */
export const MAX_LAYERS = 100_000;

/** An OCI content descriptor. */
export interface OciDescriptor {
	mediaType: string;
	digest: string;
	size: number;
	annotations?: Record<string, string>;
	artifactType?: string;
}

/** An OCI image manifest (image-spec 1.1). */
export interface OciManifest {
	schemaVersion: 2;
	mediaType: typeof OCI_MANIFEST_TYPE;
	artifactType: string;
	config: OciDescriptor;
	layers: OciDescriptor[];
	annotations?: Record<string, string>;
}

/** One file of a pulled artifact, as the store needs it. */
export interface ArtifactFile {
	path: string;
	/** Lower-case hex, without `sha256:`. */
	sha256: string;
	size: number;
	mediaType: string;
}

/** What a pulled manifest says, checked. */
export interface ModelArtifact {
	config: OciDescriptor;
	files: ArtifactFile[];
	annotations: Record<string, string>;
	/** Sum of the files' sizes. */
	size: number;
}

/**
 * The media type of a layer, by what the file is (ModelPack's raw kinds); weights are the default.
 * @param path the file's path inside the model folder
 */
export function layerMediaType(path: string): string {
	const base = path.split('/').at(-1)!.toLowerCase();
	const extension = base.includes('.') ? base.slice(base.lastIndexOf('.') + 1) : '';
	if (/^(readme|license|licence|notice|copying|changelog|model_card|modelcard)(\.|$)/.test(base) || ['md', 'rst', 'pdf', 'html'].includes(extension)) {
		return LAYER_TYPES.doc;
	}
	if (['py', 'ipynb', 'js', 'ts', 'sh', 'r', 'jl', 'java', 'cc', 'cpp', 'c', 'h', 'go', 'rs'].includes(extension)) return LAYER_TYPES.code;
	if (['json', 'yaml', 'yml', 'toml', 'txt', 'cfg', 'ini', 'csv', 'tsv', 'model', 'vocab', 'tiktoken', 'jinja'].includes(extension)) {
		return LAYER_TYPES.weightConfig;
	}
	return LAYER_TYPES.weight;
}

/**
 * Builds the manifest of one version.
 * @param info the version's model.yaml
 * @param files its files, sorted by path
 * @param config the descriptor of the pushed model.yaml bytes
 */
export function modelArtifactManifest(info: ModelInfo, files: readonly StoredFile[], config: { digest: string; size: number }): OciManifest {
	const annotations: Record<string, string> = {
		[ANNOTATIONS.created]: info.creationTime,
		[ANNOTATIONS.title]: info.name,
		[ANNOTATIONS.version]: info.version,
		[ANNOTATIONS.tag]: `${info.name}:${info.version}`
	};
	for (const [key, value] of Object.entries(info.labels)) annotations[`${ANNOTATIONS.labelPrefix}${key}`] = value;
	return {
		schemaVersion: 2,
		mediaType: OCI_MANIFEST_TYPE,
		artifactType: MODEL_ARTIFACT_TYPE,
		config: { mediaType: MODEL_CONFIG_TYPE, digest: config.digest, size: config.size },
		layers: files.map((file) => ({
			mediaType: layerMediaType(file.path),
			digest: digestOf(file.sha256),
			size: file.size,
			annotations: { [ANNOTATIONS.title]: file.path, [ANNOTATIONS.filepath]: file.path }
		})),
		annotations
	};
}

/**
 * Reads a pulled manifest and checks everything the store will rely on: our artifact and config
 * types, sha256 digests, sizes, and file paths that stay inside the model folder and do not collide.
 * @param text the manifest's bytes as text
 * @throws ShelfError `UNSUPPORTED` for other kinds of artifacts (an image, an index, a foreign model
 * format), `INVALID_MANIFEST` for a malformed one, `INVALID_PATH` for a hostile file name
 */
export function readModelArtifact(text: string): ModelArtifact {
	let parsed: unknown;
	try {
		parsed = JSON.parse(text);
	} catch (error) {
		throw _malformed('The registry sent a manifest that is not JSON.', {}, error);
	}
	if (!_isObject(parsed) || parsed.schemaVersion !== 2) throw _malformed('The manifest is not an OCI manifest (schemaVersion 2).', {});
	if (parsed.mediaType === OCI_INDEX_TYPE || Array.isArray(parsed.manifests)) {
		throw new ShelfError('UNSUPPORTED', 'This tag points to an index of several manifests (e.g. a multi-platform image), not a model.', {
			mediaType: typeof parsed.mediaType === 'string' ? parsed.mediaType : undefined
		});
	}
	let config = _descriptor(parsed.config, 'config');
	let layers: unknown = parsed.layers;
	// A ModelPack push from a shelf carries model.yaml as a marked layer: that layer is the version's model.yaml.
	const carried = _modelYamlLayer(config, layers);
	if (carried) ({ config, layers } = carried);
	if (!carried && config.mediaType !== MODEL_CONFIG_TYPE) {
		const kind = typeof parsed.artifactType === 'string' ? parsed.artifactType : config.mediaType;
		throw new ShelfError('UNSUPPORTED', `This is not a BentoML model pushed by Model Shelf (its type is "${kind}").`, {
			artifactType: typeof parsed.artifactType === 'string' ? parsed.artifactType : undefined,
			configMediaType: config.mediaType
		});
	}
	if (config.size > MAX_CONFIG_BYTES) throw _malformed(`The model.yaml is ${config.size} bytes; the limit is ${MAX_CONFIG_BYTES}.`, { size: config.size });
	if (!Array.isArray(layers)) throw _malformed('The manifest has no "layers" list.', {});
	if (layers.length > MAX_LAYERS) throw _malformed(`The manifest lists ${layers.length} files; the limit is ${MAX_LAYERS}.`, {});
	const files = layers.map((layer: unknown, index: number) => {
		const descriptor = _descriptor(layer, `layers[${index}]`);
		const title = descriptor.annotations?.[ANNOTATIONS.title] ?? descriptor.annotations?.[ANNOTATIONS.filepath];
		if (typeof title !== 'string') throw _malformed(`Layer ${index} has no "${ANNOTATIONS.title}" annotation naming its file.`, { layer: index });
		const path = normalizeModelPath(title);
		if (path === MANIFEST_PATH) throw _malformed('A layer is named model.yaml; the model.yaml is the config.', { layer: index });
		return { path, sha256: descriptor.digest.slice('sha256:'.length), size: descriptor.size, mediaType: descriptor.mediaType };
	});
	normalizeModelPaths(files.map((file: ArtifactFile) => file.path)); // refuses duplicates and case collisions
	const annotations = _isObject(parsed.annotations) ? _stringRecord(parsed.annotations) : {};
	return { config, files, annotations, size: files.reduce((sum: number, file: ArtifactFile) => sum + file.size, 0) };
}

/**
 * The version a manifest's annotations name (`org.opencontainers.image.version`), or undefined for a manifest
 * that does not parse or names none. Tells a version's own registry tag from an alias tag pointing at it.
 * @param text the manifest as the registry sent it
 */
export function manifestVersion(text: string): string | undefined {
	try {
		const version = (JSON.parse(text) as { annotations?: Record<string, unknown> }).annotations?.[ANNOTATIONS.version];
		return typeof version === 'string' ? version : undefined;
	} catch {
		return undefined;
	}
}

/**
 * The labels a manifest's annotations carry (for showing a remote tag before it is pulled).
 * @param annotations manifest annotations
 */
export function labelsOf(annotations: Record<string, string>): Record<string, string> {
	const labels: Record<string, string> = {};
	for (const [key, value] of Object.entries(annotations)) {
		if (key.startsWith(ANNOTATIONS.labelPrefix)) labels[key.slice(ANNOTATIONS.labelPrefix.length)] = value;
	}
	return labels;
}

// ---------------------------------------------------------------------------

/**
 * The model.yaml layer of a ModelPack manifest a shelf pushed, and the other layers (the files); undefined for
 * any other manifest. More than one marked layer is refused: which would be the model.yaml?
 */
function _modelYamlLayer(config: OciDescriptor, layers: unknown): { config: OciDescriptor; layers: unknown[] } | undefined {
	if (config.mediaType !== MODELPACK_CONFIG_TYPE || !Array.isArray(layers)) return undefined;
	const marked = layers.flatMap((layer, index) => (_isObject(layer) && _isObject(layer.annotations) && layer.annotations[ANNOTATIONS.modelYaml] === 'true' ? [index] : []));
	if (marked.length === 0) return undefined;
	if (marked.length > 1) throw _malformed(`The manifest marks ${marked.length} layers as the model.yaml.`, { layer: marked[1] });
	return { config: _descriptor(layers[marked[0]!], `layers[${marked[0]}]`), layers: layers.filter((_, index) => index !== marked[0]) };
}

function _descriptor(value: unknown, where: string): OciDescriptor {
	if (!_isObject(value)) throw _malformed(`The manifest's ${where} is not a descriptor.`, { where });
	const { mediaType, digest, size } = value;
	if (typeof mediaType !== 'string') throw _malformed(`The manifest's ${where} has no media type.`, { where });
	if (typeof digest !== 'string') throw _malformed(`The manifest's ${where} has no digest.`, { where });
	if (!isSha256Digest(digest)) {
		throw new ShelfError('UNSUPPORTED', `The manifest's ${where} uses digest "${digest}"; the shelf stores sha256 only.`, { where, digest });
	}
	if (typeof size !== 'number' || !Number.isSafeInteger(size) || size < 0) throw _malformed(`The manifest's ${where} has an invalid size.`, { where });
	const descriptor: OciDescriptor = { mediaType, digest, size };
	if (_isObject(value.annotations)) descriptor.annotations = _stringRecord(value.annotations);
	return descriptor;
}

function _stringRecord(value: Record<string, unknown>): Record<string, string> {
	return Object.fromEntries(Object.entries(value).filter((entry): entry is [string, string] => typeof entry[1] === 'string'));
}

function _isObject(value: unknown): value is Record<string, unknown> {
	return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function _malformed(message: string, details: Omit<ErrorDetails<'INVALID_MANIFEST'>, 'field'>, cause?: unknown): ShelfError {
	return new ShelfError('INVALID_MANIFEST', message, { field: '(oci manifest)', ...details }, cause ? { cause } : undefined);
}
