// Node + browser: pure TypeScript, no DOM.
//
// One model version as a CNCF ModelPack artifact (modelpack/model-spec docs/spec.md, docs/config.md), so tools
// that read ModelPack (Harbor's model view, modctl, Docker Model Runner, `oras pull`) see a model:
// - config: ModelPack's JSON — `descriptor` from model.yaml, `config` from the version's inspection facts,
//   `modelfs.diffIds` = the layers' digests (raw layers are their own uncompressed content);
// - layers: the version's model.yaml first, then one raw layer per file, each titled with its path, so a
//   title-based pull (`oras pull`) writes exactly a BentoML model folder. The model.yaml layer carries
//   `ai.bentoml.model.yaml: "true"` so a shelf pulling it back takes it as the version's model.yaml, byte for byte;
// - manifest annotations: the same as the shelf's own artifact (tag, version, labels), so aliases and
//   registry UIs work alike for both.
import type { VersionFacts } from '../inspect/facts.ts';
import type { ModelInfo } from '../manifest.ts';
import { MANIFEST_PATH } from '../paths.ts';
import type { StoredFile } from '../store-types.ts';
import { ANNOTATIONS, LAYER_TYPES, OCI_MANIFEST_TYPE, modelArtifactManifest, type OciDescriptor, type OciManifest } from './artifact.ts';
import {
	MODELPACK_ANNOTATIONS,
	MODELPACK_ARTIFACT_TYPE,
	MODELPACK_CONFIG_TYPE,
	type ModelPackConfig,
	type ModelPackDescriptor,
	type ModelPackRunConfig
} from './modelpack-types.ts';

/** Label keys whose value becomes `descriptor.licenses` (an SPDX expression, as BentoML users write it). */
const LICENSE_LABELS = ['license', 'licence', 'licenses'];

/** A blob as a descriptor needs it. */
export interface BlobRef {
	digest: string;
	size: number;
}

/**
 * The layer that carries the version's model.yaml (first in the manifest).
 * @param modelYaml the descriptor of the model.yaml bytes `serializeModelYaml` wrote
 */
export function modelYamlLayer(modelYaml: BlobRef): OciDescriptor {
	return {
		mediaType: LAYER_TYPES.weightConfig,
		digest: modelYaml.digest,
		size: modelYaml.size,
		annotations: { [ANNOTATIONS.title]: MANIFEST_PATH, [ANNOTATIONS.filepath]: MANIFEST_PATH, [ANNOTATIONS.modelYaml]: 'true' }
	};
}

/**
 * The layers of a version's ModelPack artifact: model.yaml, then each file as the shelf's own artifact lists it,
 * marked as classified by file name (ModelPack's `mediatype.untested`), since the kind is guessed from the name.
 * @param info the version's model.yaml
 * @param files its files, sorted by path
 * @param modelYaml the model.yaml bytes' descriptor
 */
export function modelPackLayers(info: ModelInfo, files: readonly StoredFile[], modelYaml: BlobRef): OciDescriptor[] {
	const fileLayers = modelArtifactManifest(info, files, modelYaml).layers.map((layer) => ({
		...layer,
		annotations: { ...layer.annotations, [MODELPACK_ANNOTATIONS.mediaTypeUntested]: 'true' }
	}));
	return [modelYamlLayer(modelYaml), ...fileLayers];
}

/**
 * The ModelPack config JSON of a version.
 * @param info the version's model.yaml
 * @param layers the artifact's layers (see {@link modelPackLayers}); their digests are the diffIds
 * @param facts the version's inspection facts, when known
 * @example
 * modelPackConfig(info, layers, facts).config; // { format: 'safetensors', precision: 'bfloat16', paramSize: '7.2B' }
 */
export function modelPackConfig(info: ModelInfo, layers: readonly OciDescriptor[], facts?: VersionFacts): ModelPackConfig {
	const descriptor: ModelPackDescriptor = { name: info.name, version: info.version, createdAt: info.creationTime };
	const licenses = LICENSE_LABELS.map((key) => info.labels[key]).filter((value): value is string => typeof value === 'string' && value.trim() !== '');
	if (licenses.length > 0) descriptor.licenses = [...new Set(licenses.map((value) => value.trim()))];
	return { descriptor, modelfs: { type: 'layers', diffIds: layers.map((layer) => layer.digest) }, config: facts ? modelPackRunConfig(facts) : {} };
}

/**
 * ModelPack's `config` (how to run the model) from inspection facts; a fact the shelf does not know is left out.
 * @param facts the version's facts
 */
export function modelPackRunConfig(facts: VersionFacts): ModelPackRunConfig {
	const config: ModelPackRunConfig = {};
	const format = facts.weightsFormat ?? facts.formats[0];
	if (format) config.format = format === 'pytorch' ? 'pt' : format; // config.md names PyTorch "pt"
	if (facts.architecture) config.architecture = facts.architecture;
	if (facts.parameters !== null && facts.parameters > 0) {
		const size = paramSizeOf(facts.parameters);
		if (size) config.paramSize = size;
	}
	const dominant = Object.entries(facts.parametersByDtype).sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))[0];
	if (dominant && dominant[1] > 0) config.precision = precisionOf(dominant[0]);
	// GGUF's file type names read `MOSTLY_Q4_K_M`; the ecosystem (Docker Model Runner, Hugging Face) writes `Q4_K_M`.
	if (facts.quantization) config.quantization = facts.quantization.replace(/^MOSTLY_/, '');
	return config;
}

/**
 * A parameter count as ModelPack writes it: a count with at most one decimal and one scale letter (`7.2B`, `125M`).
 * @param parameters the count
 * @returns undefined below 50 parameters, which the notation cannot say (`0.1K` is its smallest)
 */
export function paramSizeOf(parameters: number): string | undefined {
	const scales: Array<[number, string]> = [
		[1e15, 'Q'],
		[1e12, 'T'],
		[1e9, 'B'],
		[1e6, 'M'],
		[1e3, 'K']
	];
	for (const [index, [size, letter]] of scales.entries()) {
		const count = Math.round((parameters / size) * 10) / 10;
		if (count < 1 && index < scales.length - 1) continue;
		if (count === 0) return undefined;
		// 999,960 rounds to 1000.0K: say 1M.
		const larger = scales[index - 1];
		if (count >= 1000 && larger) return `${Math.round((parameters / larger[0]) * 10) / 10}${larger[1]}`;
		return `${count}${letter}`;
	}
	return undefined;
}

/**
 * A dtype in a format's own spelling (`BF16`, `FLOAT`, `torch.float16`, `<f4`) as ModelPack's precision
 * (`bfloat16`, `float32`, `float16`); a type ModelPack has no word for (GGUF's `Q4_K`) is kept as written.
 * @param dtype the dtype name
 */
export function precisionOf(dtype: string): string {
	const word = dtype.toLowerCase().replace(/^torch\./, '');
	// NumPy's `descr` always carries its byte order (`<f4`, `|u1`): without it `u8` is safetensors' uint8, not uint64.
	const numpy = /^[<>|=]([fiubc])(\d+)$/.exec(word);
	if (numpy) {
		const [, kind, bytes] = numpy;
		const bits = Number(bytes) * 8;
		const name = { f: `float${bits}`, i: `int${bits}`, u: `uint${bits}`, b: 'bool', c: `complex${bits}` }[kind!];
		if (name) return name;
	}
	return PRECISIONS[word] ?? dtype;
}

/**
 * The manifest of a version's ModelPack artifact.
 * @param info the version's model.yaml
 * @param layers its layers (see {@link modelPackLayers})
 * @param config the descriptor of the config JSON bytes
 */
export function modelPackManifest(info: ModelInfo, layers: readonly OciDescriptor[], config: BlobRef): OciManifest {
	// The same manifest annotations as the shelf's own artifact: the version annotation keeps alias tags apart.
	const { annotations } = modelArtifactManifest(info, [], config);
	return {
		schemaVersion: 2,
		mediaType: OCI_MANIFEST_TYPE,
		artifactType: MODELPACK_ARTIFACT_TYPE,
		config: { mediaType: MODELPACK_CONFIG_TYPE, digest: config.digest, size: config.size },
		layers: [...layers],
		annotations
	};
}

// ---------------------------------------------------------------------------

/** Lower-cased dtype spellings (safetensors, GGUF, ONNX, PyTorch, tfjs) → ModelPack's precision words. */
const PRECISIONS: Record<string, string> = {
	f64: 'float64',
	double: 'float64',
	float64: 'float64',
	f32: 'float32',
	float: 'float32',
	float32: 'float32',
	f16: 'float16',
	half: 'float16',
	float16: 'float16',
	bf16: 'bfloat16',
	bfloat16: 'bfloat16',
	f8_e4m3: 'float8_e4m3',
	float8e4m3fn: 'float8_e4m3',
	float8_e4m3fn: 'float8_e4m3',
	f8_e5m2: 'float8_e5m2',
	float8e5m2: 'float8_e5m2',
	float8_e5m2: 'float8_e5m2',
	c64: 'complex64',
	complex64: 'complex64',
	complex128: 'complex128',
	i8: 'int8',
	int8: 'int8',
	i16: 'int16',
	int16: 'int16',
	i32: 'int32',
	int32: 'int32',
	int: 'int32',
	i64: 'int64',
	int64: 'int64',
	long: 'int64',
	u8: 'uint8',
	uint8: 'uint8',
	u16: 'uint16',
	uint16: 'uint16',
	u32: 'uint32',
	uint32: 'uint32',
	u64: 'uint64',
	uint64: 'uint64',
	bool: 'bool'
};
