// Node + browser: pure TypeScript, no DOM, no idb, no OPFS.
//
// The model formats whose header is JSON: Hugging Face's `config.json` (architecture, sizes, context length),
// TensorFlow.js's `model.json` (its weights manifest is a tensor table), and Keras 3's `.keras` zip
// (`config.json` and `metadata.json` beside the weights). Read as bounded JSON; weights are never read.

import { concatBytes, type RandomAccessSource } from '../byte-streams.ts';
import { readZipDirectory } from '../bundle/zip-directory.ts';
import { decodeUtf8 } from '../bundle/zip-format.ts';
import { readZipEntry } from '../bundle/zip-reader.ts';
import { ShelfError } from '../errors.ts';
import { DEFAULT_READ_LIMITS, type ReadLimits, type TensorInfo } from './inspect-types.ts';

/** What a Hugging Face `config.json` says about the model. */
export interface HfConfigFacts {
	architecture: string | null;
	modelType: string | null;
	hiddenSize: number | null;
	layers: number | null;
	attentionHeads: number | null;
	vocabSize: number | null;
	contextLength: number | null;
	/** `torch_dtype` as written (`bfloat16`, `float16`, …). */
	dtype: string | null;
}

/** The files that make up a Hugging Face tokenizer, by their usual names. */
const _TOKENIZER_FILES: ReadonlySet<string> = new Set(['tokenizer.json', 'tokenizer_config.json', 'special_tokens_map.json', 'vocab.txt', 'vocab.json', 'merges.txt', 'tokenizer.model', 'spiece.model', 'added_tokens.json']);

/**
 * The tokenizer files among a version's paths (in any folder), in path order.
 * @param paths the version's file paths
 * @example
 * tokenizerFiles(['config.json', 'tokenizer.json', 'model.safetensors']); // ['tokenizer.json']
 */
export function tokenizerFiles(paths: readonly string[]): string[] {
	return paths.filter((path) => _TOKENIZER_FILES.has(path.slice(path.lastIndexOf('/') + 1))).sort();
}

/**
 * The facts of a Hugging Face `config.json` (multimodal configs: those of its `text_config`).
 * @param text the file's text
 * @param path its path, for errors
 * @throws ShelfError `BAD_MODEL_FILE` (format `hf-config`) for JSON that is not an object
 */
export function readHfConfig(text: string, path = 'config.json'): HfConfigFacts {
	const config = _object(_json(text, 'hf-config', path), 'hf-config', path);
	const text_config = typeof config.text_config === 'object' && config.text_config !== null ? (config.text_config as Record<string, unknown>) : {};
	const pick = (...keys: string[]): unknown => {
		for (const source of [config, text_config]) for (const key of keys) if (source[key] !== undefined) return source[key];
		return undefined;
	};
	const count = (...keys: string[]) => {
		const value = pick(...keys);
		return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0 ? value : null;
	};
	const architectures = config.architectures;
	return {
		architecture: Array.isArray(architectures) && typeof architectures[0] === 'string' ? architectures[0] : null,
		modelType: typeof config.model_type === 'string' ? config.model_type : null,
		hiddenSize: count('hidden_size', 'n_embd', 'd_model'),
		layers: count('num_hidden_layers', 'n_layer', 'num_layers'),
		attentionHeads: count('num_attention_heads', 'n_head', 'num_heads'),
		vocabSize: count('vocab_size'),
		contextLength: count('max_position_embeddings', 'n_positions', 'max_sequence_length', 'seq_length', 'n_ctx'),
		dtype: typeof pick('torch_dtype', 'dtype') === 'string' ? (pick('torch_dtype', 'dtype') as string) : null
	};
}

/** A TensorFlow.js `model.json`: its format, producer and weights manifest as tensors, with the shard files it names. */
export interface TfjsModel {
	format: string | null;
	generatedBy: string | null;
	convertedBy: string | null;
	/** The Keras class of the topology (`Sequential`, `Functional`), or null for a graph model. */
	className: string | null;
	tensors: TensorInfo[];
	/** Weight shard files, relative to model.json, in manifest order. */
	shards: string[];
}

/**
 * Reads a TensorFlow.js `model.json`.
 * @param text the file's text
 * @param path its path, for errors
 * @param limits tensors at most
 * @throws ShelfError `BAD_MODEL_FILE` (format `tfjs`) for a manifest that is not what TF.js writes
 */
export function readTfjsModel(text: string, path = 'model.json', limits: ReadLimits = {}): TfjsModel {
	const model = _object(_json(text, 'tfjs', path), 'tfjs', path);
	const manifest = Array.isArray(model.weightsManifest) ? model.weightsManifest : [];
	const tensors: TensorInfo[] = [];
	const shards: string[] = [];
	const maxTensors = limits.maxTensors ?? DEFAULT_READ_LIMITS.maxTensors;
	for (const group of manifest) {
		const { paths, weights } = _object(group, 'tfjs', path) as { paths?: unknown; weights?: unknown };
		if (!Array.isArray(paths) || !Array.isArray(weights) || !paths.every((item) => typeof item === 'string')) throw _bad('tfjs', 'bad-manifest', `${path} has a weights group without paths and weights`, path);
		shards.push(...(paths as string[]));
		for (const weight of weights) {
			const { name, shape, dtype } = _object(weight, 'tfjs', path) as { name?: unknown; shape?: unknown; dtype?: unknown };
			if (typeof name !== 'string' || typeof dtype !== 'string' || !Array.isArray(shape) || !shape.every((dim) => Number.isSafeInteger(dim) && (dim as number) >= 0)) {
				throw _bad('tfjs', 'bad-manifest', `${path} has a weight without a name, dtype and shape`, path);
			}
			if (tensors.length === maxTensors) throw _bad('tfjs', 'too-many', `${path} lists more than ${maxTensors} weights`, path);
			tensors.push({ name, dtype, shape: shape as number[], elements: (shape as number[]).reduce((product, dim) => product * dim, 1) });
		}
	}
	const topology = typeof model.modelTopology === 'object' && model.modelTopology !== null ? (model.modelTopology as Record<string, unknown>) : {};
	const modelConfig = typeof topology.model_config === 'object' && topology.model_config !== null ? (topology.model_config as Record<string, unknown>) : {};
	return {
		format: typeof model.format === 'string' ? model.format : null,
		generatedBy: typeof model.generatedBy === 'string' ? model.generatedBy : null,
		convertedBy: typeof model.convertedBy === 'string' ? model.convertedBy : null,
		className: typeof modelConfig.class_name === 'string' ? modelConfig.class_name : null,
		tensors,
		shards
	};
}

/** What a Keras 3 `.keras` archive says of itself. */
export interface KerasFacts {
	kerasVersion: string | null;
	className: string | null;
	name: string | null;
	/** Layers in the top-level config, when it lists them. */
	layers: number | null;
	/** The archive's weights file (`model.weights.h5`), when present. */
	weightsFile: string | null;
}

/**
 * Reads a Keras 3 `.keras` archive's `metadata.json` and `config.json` (never its weights).
 * @param source the archive
 * @param path its path, for errors
 * @throws ShelfError `BAD_BUNDLE` for a damaged zip, `BAD_MODEL_FILE` (format `keras`) without config.json
 */
export async function readKeras(source: RandomAccessSource, path = 'model.keras'): Promise<KerasFacts> {
	const entries = await readZipDirectory(source);
	const text = async (name: string) => {
		const entry = entries.find((candidate) => candidate.name === name);
		if (!entry) return null;
		if (entry.uncompressedSize > _MAX_JSON_BYTES) throw _bad('keras', 'too-large', `${path}: ${name} is ${entry.uncompressedSize} bytes, over the ${_MAX_JSON_BYTES} read`, path);
		const parts: Uint8Array[] = [];
		for await (const chunk of readZipEntry(source, entry)) parts.push(chunk.slice());
		const decoded = decodeUtf8(concatBytes(parts));
		if (decoded === null) throw _bad('keras', 'bad-json', `${path}: ${name} is not UTF-8`, path);
		return decoded;
	};
	const configText = await text('config.json');
	if (configText === null) throw _bad('keras', 'missing-config', `${path} has no config.json, so it is not a Keras 3 archive`, path);
	const config = _object(_json(configText, 'keras', path), 'keras', path);
	const metadataText = await text('metadata.json');
	const metadata = metadataText === null ? {} : _object(_json(metadataText, 'keras', path), 'keras', path);
	const inner = typeof config.config === 'object' && config.config !== null ? (config.config as Record<string, unknown>) : {};
	return {
		kerasVersion: typeof metadata.keras_version === 'string' ? metadata.keras_version : null,
		className: typeof config.class_name === 'string' ? config.class_name : null,
		name: typeof inner.name === 'string' ? inner.name : null,
		layers: Array.isArray(inner.layers) ? inner.layers.length : null,
		weightsFile: entries.find((entry) => entry.name.endsWith('.weights.h5'))?.name ?? null
	};
}

// ---------------------------------------------------------------------------------------------------

/** Largest JSON header read whole (a config or manifest; weights are elsewhere). */
const _MAX_JSON_BYTES = 16 * 1024 * 1024;

function _json(text: string, format: string, path: string): unknown {
	if (text.length > _MAX_JSON_BYTES) throw _bad(format, 'too-large', `${path} is over ${_MAX_JSON_BYTES} bytes of JSON`, path);
	try {
		return JSON.parse(text);
	} catch (error) {
		// Very deep nesting overflows the parser's stack: the same answer, with its own reason.
		const reason = error instanceof RangeError ? 'too-deep' : 'bad-json';
		throw _bad(format, reason, `${path} is not valid JSON (${reason === 'too-deep' ? 'nested too deeply' : (error as Error).message})`, path);
	}
}

function _object(value: unknown, format: string, path: string): Record<string, unknown> {
	if (typeof value !== 'object' || value === null || Array.isArray(value)) throw _bad(format, 'bad-json', `${path} is JSON but not an object`, path);
	return value as Record<string, unknown>;
}

function _bad(format: string, reason: string, message: string, path: string): ShelfError {
	return new ShelfError('BAD_MODEL_FILE', `${message}. Hint: the file may be damaged or of another format.`, { format, reason, path });
}
