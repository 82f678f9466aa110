// Node + browser: pure TypeScript, no DOM, no idb, no OPFS.
//
// A version's facts (issue 17): what its files' headers say about the model as a whole — formats, parameters
// by dtype, architecture, context length, inputs/outputs, and what each pickle would import. Derived once
// from the headers (the worker reads them) and kept in the catalogue, so the list can show and filter by
// them without reading a file again.
import type { FileFormat, FileHeader } from './inspect-file.ts';
import type { TensorInfo } from './inspect-types.ts';
import type { PickleVerdict } from './pickle-scan.ts';

/** Bumped when the facts derived from the same headers change, so stored facts can be derived again. */
export const FACTS_VERSION = 1;

/** A model weight or container format that facts name (config and index files only add to others). */
export type ModelFormat = Exclude<FileFormat, 'unknown' | 'hf-config' | 'safetensors-index'>;

/** Every {@link ModelFormat}, in the order their tensors are preferred for counting parameters. */
export const MODEL_FORMATS: readonly ModelFormat[] = ['safetensors', 'gguf', 'pytorch', 'onnx', 'tfjs', 'keras', 'npz', 'npy', 'pickle'];

/** A graph input or output (ONNX): its element type and dims, symbolic dims kept as names. */
export interface ModelIo {
	name: string;
	/** `FLOAT`, `INT64`, … for a tensor; the whole type (`sequence(tensor(FLOAT))`) otherwise. */
	type: string;
	shape: Array<number | string> | null;
}

/** What one pickle would import when loaded. */
export interface PickleFacts {
	/** The file; for a PyTorch checkpoint, the checkpoint (its `data.pkl` is the pickle). */
	path: string;
	verdict: PickleVerdict;
	/** `module.name` of every global it imports, sorted. */
	globals: string[];
	/** The dangerous ones among them (`os.system`, `builtins.eval`, …). */
	dangerous: string[];
}

/** A file whose header could not be read: the `BAD_MODEL_FILE` reason, kept as a fact, never a failure of the version. */
export interface FileProblem {
	path: string;
	format: FileFormat;
	/** The reason code (`too-large`, `truncated`, `missing-external-data`, …). */
	reason: string;
	message: string;
}

/** What a version's model files say about it. */
export interface VersionFacts {
	/** {@link FACTS_VERSION} when derived. */
	factsVersion: number;
	/** Model formats present, in {@link MODEL_FORMATS} order. */
	formats: ModelFormat[];
	/** Total parameters (elements of every weight tensor), or null when no file declares tensors. */
	parameters: number | null;
	/** Parameters per dtype, in the format's own names (`F32`, `BF16`, `Q4_K`, `FLOAT`, `torch.float16`). */
	parametersByDtype: Record<string, number>;
	/** Tensors counted in {@link parameters}. */
	tensorCount: number;
	/** The file format the parameters were counted in (the first of {@link MODEL_FORMATS} with tensors). */
	weightsFormat: ModelFormat | null;
	/** Quantization as the file says (GGUF's file type, `MOSTLY_Q4_K_M`), or null. */
	quantization: string | null;
	/** `llama`, `BertForMaskedLM`, `Sequential`: GGUF's, then Hugging Face config's, then Keras's or TF.js's. */
	architecture: string | null;
	contextLength: number | null;
	/** Graph inputs and outputs (ONNX), at most {@link MAX_IO} each. */
	inputs: ModelIo[];
	outputs: ModelIo[];
	pickles: PickleFacts[];
	problems: FileProblem[];
}

/** One file's header as the worker read it (or why it could not). */
export type FileReading =
	| { path: string; sha256: string; header: FileHeader }
	| { path: string; sha256: string; problem: FileProblem };

/** One tensor of a version, with the file it is in. */
export interface VersionTensor extends TensorInfo {
	path: string;
}

/** Graph inputs/outputs kept in facts at most (a graph with thousands of outputs is shown by `inspect`). */
export const MAX_IO = 64;

/** Globals kept per pickle at most (the rest are still scanned and judged). */
export const MAX_GLOBALS = 256;

/**
 * Derives a version's facts from its files' headers.
 * @param readings every model file's header or problem (files of no model format left out)
 * @example
 * versionFacts([{ path: 'model.safetensors', sha256, header: { format: 'safetensors', header } }]);
 * // { formats: ['safetensors'], parameters: 7_241_732_096, parametersByDtype: { BF16: 7_241_732_096 }, … }
 */
export function versionFacts(readings: readonly FileReading[]): VersionFacts {
	const headers = readings.flatMap((reading) => ('header' in reading ? [{ path: reading.path, header: reading.header }] : []));
	const formats = new Set<ModelFormat>();
	for (const { header } of headers) {
		const format = _modelFormat(header);
		if (format) formats.add(format);
	}
	const weights = _weightTensors(headers);
	const parametersByDtype: Record<string, number> = {};
	for (const tensor of weights.tensors) parametersByDtype[tensor.dtype] = (parametersByDtype[tensor.dtype] ?? 0) + (tensor.elements ?? 0);
	const first = <T>(pick: (header: FileHeader) => T | null | undefined): T | null => {
		for (const { header } of headers) {
			const value = pick(header);
			if (value !== null && value !== undefined) return value;
		}
		return null;
	};
	const onnx = first((header) => (header.format === 'onnx' ? header.header : null));
	const io = (values: NonNullable<typeof onnx>['inputs']): ModelIo[] => values.slice(0, MAX_IO).map((value) => ({ name: value.name, type: value.elemType ?? value.type, shape: value.shape }));
	return {
		factsVersion: FACTS_VERSION,
		formats: MODEL_FORMATS.filter((format) => formats.has(format)),
		parameters: weights.format === null ? null : weights.tensors.reduce((sum, tensor) => sum + (tensor.elements ?? 0), 0),
		parametersByDtype,
		tensorCount: weights.tensors.length,
		weightsFormat: weights.format,
		quantization: first((header) => (header.format === 'gguf' ? header.header.fileType : null)),
		architecture:
			first((header) => (header.format === 'gguf' ? header.header.architecture : null)) ??
			first((header) => (header.format === 'hf-config' ? header.config.architecture : null)) ??
			first((header) => (header.format === 'keras' ? header.keras.className : header.format === 'tfjs' ? header.model.className : null)),
		contextLength: first((header) => (header.format === 'gguf' ? header.header.contextLength : null)) ?? first((header) => (header.format === 'hf-config' ? header.config.contextLength : null)),
		inputs: onnx ? io(onnx.inputs) : [],
		outputs: onnx ? io(onnx.outputs) : [],
		pickles: readings.flatMap((reading): PickleFacts[] => {
			if ('problem' in reading) {
				// Not scanned (too large, not a checkpoint after all): never reported safe.
				const unscanned = reading.problem.format === 'pickle' || reading.problem.format === 'pytorch';
				return unscanned ? [{ path: reading.path, verdict: 'unreadable', globals: [], dangerous: [] }] : [];
			}
			const { header } = reading;
			const scan = header.format === 'pickle' ? header.scan : header.format === 'pytorch' ? header.checkpoint.pickle : null;
			return scan ? [{ path: reading.path, verdict: scan.verdict, globals: scan.globals.slice(0, MAX_GLOBALS), dangerous: scan.dangerous }] : [];
		}),
		problems: readings.flatMap((reading) => ('problem' in reading ? [reading.problem] : []))
	};
}

/**
 * Every tensor of a version, file by file: the weights format's files first (see {@link MODEL_FORMATS}), so
 * a name held twice (`.safetensors` and `.bin`) is met first where parameters are counted.
 * @param readings the version's file headers
 */
export function versionTensors(readings: readonly FileReading[]): VersionTensor[] {
	const rank = (reading: FileReading) => ('header' in reading ? MODEL_FORMATS.indexOf(reading.header.format as ModelFormat) : -1);
	const ordered = [...readings].sort((a, b) => rank(a) - rank(b));
	return ordered.flatMap((reading) => ('header' in reading ? tensorsOf(reading.header).map((tensor) => ({ ...tensor, path: reading.path })) : []));
}

/**
 * The tensors a file's header declares (none for formats without a tensor table).
 * @param header one file's header
 */
export function tensorsOf(header: FileHeader): TensorInfo[] {
	switch (header.format) {
		case 'safetensors':
		case 'gguf':
			return header.header.tensors;
		case 'onnx':
			return header.header.initializers;
		case 'pytorch':
			return header.checkpoint.tensors;
		case 'tfjs':
			return header.model.tensors;
		case 'npy':
		case 'npz':
			return header.tensors;
		default:
			return [];
	}
}

/**
 * True when some pickle of the version would import something dangerous.
 * @param facts the version's facts (absent while not derived yet)
 */
export function hasDangerousPickle(facts: VersionFacts | undefined): boolean {
	return facts?.pickles.some((pickle) => pickle.verdict === 'dangerous') ?? false;
}

/**
 * A parameter count as people write it: `7.24 B`, `125 M`, `4.2 K`, `512`.
 * @param parameters the count
 */
export function formatParameters(parameters: number): string {
	const units: Array<[number, string]> = [
		[1e12, 'T'],
		[1e9, 'B'],
		[1e6, 'M'],
		[1e3, 'K']
	];
	for (const [index, [size, unit]] of units.entries()) {
		if (parameters < size) continue;
		const rounded = Number((parameters / size).toPrecision(3));
		// 999,999 rounds to 1000 K: say 1 M.
		const larger = units[index - 1];
		return rounded >= 1000 && larger ? `${Number((parameters / larger[0]).toPrecision(3))} ${larger[1]}` : `${rounded} ${unit}`;
	}
	return String(parameters);
}

// ---------------------------------------------------------------------------------------------------

function _modelFormat(header: FileHeader): ModelFormat | null {
	if (header.format === 'safetensors-index') return 'safetensors';
	if (header.format === 'hf-config' || header.format === 'unknown') return null;
	return header.format;
}

/** The tensors parameters are counted in: one format's only, so a version holding the same weights twice (`.bin` and `.safetensors`) is not counted twice. */
function _weightTensors(headers: ReadonlyArray<{ header: FileHeader }>): { format: ModelFormat | null; tensors: TensorInfo[] } {
	for (const format of MODEL_FORMATS) {
		const tensors = headers.filter(({ header }) => header.format === format).flatMap(({ header }) => tensorsOf(header));
		if (tensors.length > 0) return { format, tensors };
	}
	return { format: null, tensors: [] };
}
