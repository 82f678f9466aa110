// The TensorFlow.js adapter (`import { shelfIOHandler } from 'model-shelf/tfjs'`): an IOHandler that loads a
// `model.json` and its weight shards from a shelf version, and saves a model as a new version. Types only from
// @tensorflow/tfjs-core (an optional peer dependency): nothing of TF.js is imported at run time.
import type { io } from '@tensorflow/tfjs-core';
import { ShelfError } from '../core/errors.ts';
import { isAliasReference, parseReference } from '../core/tags.ts';
import type { VersionRecord } from '../worker/contract.ts';
import type { Shelf } from './index.ts';

/** Which file of the version is the model: needed only when it holds more than one `model.json`. */
export interface ShelfIOOptions {
	path?: string;
}

/** Bytes per element of the dtypes whose size is fixed (strings are length-prefixed, so their size is not known ahead). */
const DTYPE_BYTES: Record<string, number> = { float32: 4, int32: 4, bool: 1, float16: 2, uint8: 1, uint16: 2, complex64: 8 };

/**
 * An IOHandler for `tf.loadLayersModel` / `tf.loadGraphModel` (load) and `model.save` (save) on a shelf version.
 * `load` returns the weights as one ArrayBuffer per shard (TF.js 4.x `WeightData`), each read from the shelf's
 * storage on its own: no buffer of the whole model is built here. `save` stores `model.json` plus one file per
 * shard as a new version of `name` (`name:version` to choose it; `name@alias` also points the alias at it).
 * @param shelf the shelf from `openShelf()`
 * @param reference `name`, `name:version` or `name@alias`
 * @param options `{ path }` of the model.json when the version holds several
 * @example
 * const model = await tf.loadLayersModel(shelfIOHandler(openShelf(), 'dense@prod'));
 * model.predict(tf.tensor2d([[1, 2, 3, 4]])).print();
 * await model.save(shelfIOHandler(openShelf(), 'dense:2'));
 */
export function shelfIOHandler(shelf: Shelf, reference: string, options: ShelfIOOptions = {}): io.IOHandler {
	return {
		load: async () => {
			const record = await shelf.resolve(reference);
			const path = options.path ?? _onlyModelJson(record);
			const json = _parseModelJson(await (await shelf.file(record.tag, path)).text(), record.tag, path);
			const folder = path.includes('/') ? path.slice(0, path.lastIndexOf('/') + 1) : '';
			const shards = json.weightsManifest.flatMap((group) => group.paths.map((shard) => _normalize(folder + shard)));
			const missing = shards.find((shard) => !record.files.some((file) => file.path === shard));
			if (missing !== undefined) {
				throw new ShelfError('NOT_FOUND', `${path} in ${record.tag} names the weight shard ${missing}, which the version does not hold: save every shard with the model.`, { tag: record.tag, path: missing });
			}
			const weightSpecs = json.weightsManifest.flatMap((group) => group.weights);
			const weightData = await Promise.all(shards.map(async (shard) => (await shelf.file(record.tag, shard)).arrayBuffer()));
			_checkWeightBytes(weightSpecs, weightData, record.tag, path);
			const { weightsManifest: _manifest, ...rest } = json;
			return { ...rest, weightSpecs, weightData };
		},
		save: async (artifacts) => {
			if (artifacts.modelTopology instanceof ArrayBuffer) {
				throw new ShelfError('UNSUPPORTED', 'The shelf saves TF.js models whose topology is JSON (Layers models), not a binary GraphDef: save the converter\'s model.json and shards with shelf.save.', { kind: 'binary-topology' });
			}
			const target = parseReference(reference);
			const buffers = artifacts.weightData === undefined ? [] : Array.isArray(artifacts.weightData) ? artifacts.weightData : [artifacts.weightData];
			const paths = buffers.map((_, index) => `group1-shard${index + 1}of${buffers.length}.bin`);
			const { weightData: _data, weightSpecs, getWeightStream: _stream, ...fields } = artifacts;
			const modelJson = { ...fields, weightsManifest: [{ paths, weights: weightSpecs ?? [] }] };
			const text = JSON.stringify(modelJson);
			const files = [{ path: 'model.json', data: new Blob([text], { type: 'application/json' }) }, ...buffers.map((buffer, index) => ({ path: paths[index]!, data: new Blob([buffer]) }))];
			const version = isAliasReference(target) ? undefined : (target.version ?? undefined);
			const { record } = await shelf.save({ name: target.name, ...(version && version !== 'latest' ? { version } : {}), files, labels: { framework: 'tfjs' } });
			if (isAliasReference(target)) await shelf.setAlias({ name: target.name, alias: target.alias, version: record.version, note: 'tfjs model.save' });
			return {
				modelArtifactsInfo: {
					dateSaved: new Date(record.savedAt),
					modelTopologyType: 'JSON',
					modelTopologyBytes: JSON.stringify(artifacts.modelTopology ?? null).length,
					weightSpecsBytes: JSON.stringify(weightSpecs ?? []).length,
					weightDataBytes: buffers.reduce((sum, buffer) => sum + buffer.byteLength, 0)
				}
			};
		}
	};
}

function _onlyModelJson(record: VersionRecord): string {
	const found = record.files.map((file) => file.path).filter((path) => path === 'model.json' || path.endsWith('/model.json'));
	if (found.length === 1) return found[0]!;
	if (found.length === 0) throw new ShelfError('NOT_FOUND', `${record.tag} holds no model.json: pick a version saved from TF.js, or pass its file as { path }.`, { tag: record.tag, path: 'model.json' });
	throw new ShelfError('UNSUPPORTED', `${record.tag} holds ${found.length} model.json files (${found.join(', ')}): pass the one to load as { path }.`, { kind: 'several-model-json' });
}

function _parseModelJson(text: string, tag: string, path: string): io.ModelJSON {
	let json: unknown;
	try {
		json = JSON.parse(text);
	} catch (error) {
		throw new ShelfError('BAD_MODEL_FILE', `${path} in ${tag} is not JSON: ${(error as Error).message} (a TF.js model.json as the converter writes it is expected).`, { format: 'tfjs', reason: 'bad-json', path });
	}
	const manifest = (json as { weightsManifest?: unknown })?.weightsManifest;
	const valid = Array.isArray(manifest) && manifest.every((group) => Array.isArray(group?.paths) && group.paths.every((p: unknown) => typeof p === 'string') && Array.isArray(group?.weights));
	if (!valid || (json as { modelTopology?: unknown }).modelTopology == null) {
		throw new ShelfError('BAD_MODEL_FILE', `${path} in ${tag} is not a TF.js model.json: it needs modelTopology and a weightsManifest of { paths, weights } groups.`, { format: 'tfjs', reason: 'bad-manifest', path });
	}
	return json as io.ModelJSON;
}

/** TF.js would only notice missing bytes as a vague error deep in loading: say which file is short here. */
function _checkWeightBytes(specs: io.WeightsManifestEntry[], shards: ArrayBuffer[], tag: string, path: string): void {
	let needed = 0;
	for (const spec of specs) {
		const size = spec.quantization ? DTYPE_BYTES[spec.quantization.dtype] : DTYPE_BYTES[spec.dtype];
		if (size === undefined) return;
		needed += size * spec.shape.reduce((product, dim) => product * dim, 1);
	}
	const found = shards.reduce((sum, shard) => sum + shard.byteLength, 0);
	if (found < needed) {
		throw new ShelfError('BAD_MODEL_FILE', `The weight shards of ${path} in ${tag} hold ${found} bytes; its weightsManifest needs ${needed}: a shard is truncated or from another model.`, { format: 'tfjs', reason: 'truncated', path, found: String(found) });
	}
}

/** `./a/../b.bin` → `b.bin`: shard paths are relative URLs in TF.js, the shelf's paths are plain. */
function _normalize(path: string): string {
	const parts: string[] = [];
	for (const part of decodeURIComponent(path).split('/')) {
		if (part === '..') parts.pop();
		else if (part !== '.' && part !== '') parts.push(part);
	}
	return parts.join('/');
}
