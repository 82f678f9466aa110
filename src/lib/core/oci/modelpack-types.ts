// Node + browser: pure TypeScript, no DOM.
//
// CNCF ModelPack's names (modelpack/model-spec specs-go/v1/{mediatype,annotations,config}.go), shared by the
// pull side (model-formats.ts) and the push side (modelpack-push.ts). Before the project moved to the CNCF
// (commit 859889f "switch to vnd.cncf.*") the same things were named `vnd.cnai.*` / `org.cnai.*`; tools such
// as early modctl releases still write those, so the pull side reads both.

/** The manifest's `artifactType`. */
export const MODELPACK_ARTIFACT_TYPE = 'application/vnd.cncf.model.manifest.v1+json';
/** The config blob: `{ descriptor, modelfs, config }` JSON. */
export const MODELPACK_CONFIG_TYPE = 'application/vnd.cncf.model.config.v1+json';
/** The pre-CNCF names of the same two. */
export const MODELPACK_LEGACY_ARTIFACT_TYPE = 'application/vnd.cnai.model.manifest.v1+json';
export const MODELPACK_LEGACY_CONFIG_TYPE = 'application/vnd.cnai.model.config.v1+json';

/** Layer kinds; each has `.raw`, `.tar`, `.tar+gzip` and `.tar+zstd` forms. */
export const MODELPACK_LAYER_KINDS = ['weight', 'weight.config', 'doc', 'code', 'dataset'] as const;
export type ModelPackLayerKind = (typeof MODELPACK_LAYER_KINDS)[number];
/** How a layer's bytes are packed, from the end of its media type. */
export type LayerPacking = 'raw' | 'tar' | 'tar+gzip' | 'tar+zstd';

/**
 * The media type of one ModelPack layer.
 * @param kind what the file is
 * @param packing raw file bytes, or a tar (compressed or not)
 * @example
 * modelPackLayerType('weight', 'raw'); // 'application/vnd.cncf.model.weight.v1.raw'
 */
export function modelPackLayerType(kind: ModelPackLayerKind, packing: LayerPacking = 'raw'): string {
	return `application/vnd.cncf.model.${kind}.v1.${packing}`;
}

/** ModelPack's layer and manifest annotations. */
export const MODELPACK_ANNOTATIONS = {
	/** The layer's path inside the model folder. */
	filepath: 'org.cncf.model.filepath',
	/** The same, before the CNCF rename. */
	legacyFilepath: 'org.cnai.model.filepath',
	/** JSON of the file's tar-like metadata (name, mode, uid, gid, size, mtime, typeflag). */
	fileMetadata: 'org.cncf.model.file.metadata+json',
	/** "true" when the layer's media type was guessed, not tested. */
	mediaTypeUntested: 'org.cncf.model.file.mediatype.untested'
} as const;

/** ModelPack config `descriptor` (all optional). */
export interface ModelPackDescriptor {
	createdAt?: string;
	authors?: string[];
	family?: string;
	name?: string;
	docURL?: string;
	sourceURL?: string;
	datasetsURL?: string[];
	version?: string;
	revision?: string;
	vendor?: string;
	licenses?: string[];
	title?: string;
	description?: string;
}

/** ModelPack config `config`: how to run the model (all optional). */
export interface ModelPackRunConfig {
	architecture?: string;
	format?: string;
	paramSize?: string;
	precision?: string;
	quantization?: string;
	capabilities?: Record<string, unknown>;
}

/** The ModelPack config blob (`application/vnd.cncf.model.config.v1+json`). */
export interface ModelPackConfig {
	descriptor: ModelPackDescriptor;
	/** `type` is always "layers"; `diffIds` are the SHA-256 of each layer's uncompressed content, in layer order. */
	modelfs: { type: 'layers'; diffIds: string[] };
	config: ModelPackRunConfig;
}
