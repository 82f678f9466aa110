// Node + browser: pure TypeScript, no DOM, no idb, no OPFS.
//
// An ONNX model's header (issue 17): opsets, producer, graph inputs/outputs, operator histogram,
// initializers and external-data references, read with the streaming protobuf reader so the weights
// (`raw_data`, external files) are skipped, never read: a 3 GiB model costs its graph structure only.
// Field numbers are those of onnx/onnx `onnx/onnx.proto`.

import type { RandomAccessSource } from '../byte-streams.ts';
import { DEFAULT_READ_LIMITS, type ReadLimits, type TensorInfo } from './inspect-types.ts';
import { readOnnxEntry, readOnnxTensor, readOnnxValueInfo, type OnnxExternalData, type OnnxValueInfo } from './onnx-parts.ts';
import { ProtobufReader, WIRE_TYPE, type ProtoMessage } from './protobuf-reader.ts';

export type { OnnxExternalData, OnnxValueInfo } from './onnx-parts.ts';
export { ONNX_DATA_TYPES, onnxDataTypeName } from './onnx-parts.ts';

/** What an ONNX file's structure says, without its weights. */
export interface OnnxHeader {
	format: 'onnx';
	/** `ModelProto.ir_version`, or null when absent. */
	irVersion: number | null;
	/** `opset_import`: the default domain is `''` (`ai.onnx`). */
	opsets: Array<{ domain: string; version: number }>;
	producer: { name: string; version: string };
	/** `ModelProto.domain` and `model_version`, as the exporter set them ('' and null when absent). */
	domain: string;
	modelVersion: number | null;
	/** The model's doc_string, cut to {@link MAX_DOC_STRING} bytes (`docStringTruncated` says when). */
	docString: string;
	docStringTruncated: boolean;
	metadata: Record<string, string>;
	graphName: string;
	/**
	 * The graph's real inputs: an input that an initializer also names (how IR < 4 exporters listed
	 * weights, as overridable defaults) is a weight, so it is left out here and counted in `initializers`.
	 */
	inputs: OnnxValueInfo[];
	outputs: OnnxValueInfo[];
	/** Nodes per operator, nested `If`/`Loop`/`Scan` bodies included; `domain:op` outside the default domain. */
	operators: Record<string, number>;
	nodeCount: number;
	/** The main graph's initializers (weights); a subgraph's own initializers are not listed. */
	initializers: TensorInfo[];
	/** Sum of the initializers' elements. */
	parameters: number;
	/** Sparse initializers, counted but not listed. */
	sparseInitializers: number;
	/** Tensors whose data is in another file: the caller checks the files are in the version. */
	externalData: OnnxExternalData[];
	/** Bytes read from the file to learn all this. */
	bytesRead: number;
}

/**
 * Fields walked per tensor allowed (`maxTensors` × this): a big real graph has ~10 fields per node and
 * ~5 per initializer, and a flood of empty fields then stops within a couple of seconds.
 */
export const FIELDS_PER_TENSOR = 4;

/** Graph inputs + outputs, opsets and metadata entries, at most each: real models have a handful. */
export const MAX_LIST_ENTRIES = 65_536;

/** A doc_string longer than this is cut: it is shown, not parsed, and some exporters put whole READMEs in it. */
export const MAX_DOC_STRING = 4096;

/**
 * Reads an ONNX model's structure; weights are skipped by seeking past them.
 * Fails with `BAD_MODEL_FILE` (format `onnx`) and a reason: `truncated`, `out-of-range`, `bad-varint`,
 * `bad-wire-type`, `bad-field`, `too-deep`, `too-many`, `too-large`, `bad-shape`, `no-graph`.
 *
 * @param source the `.onnx` file
 * @param options the file's path (for error details) and read limits
 * @example
 * const header = await readOnnx(blobSource(file));
 * console.log(header.parameters, header.inputs[0]?.shape); // 1234, ['N', 4]
 */
export async function readOnnx(source: RandomAccessSource, options: { path?: string } & ReadLimits = {}): Promise<OnnxHeader> {
	const limits = { ...DEFAULT_READ_LIMITS, ...options };
	const reader = new ProtobufReader(source, {
		format: 'onnx',
		maxDepth: limits.maxDepth,
		maxBytesRead: limits.maxHeaderBytes,
		maxFields: limits.maxTensors * FIELDS_PER_TENSOR,
		...(options.path === undefined ? {} : { path: options.path })
	});
	const walk = new _Walk(reader, limits.maxTensors);
	const model = reader.root();
	let sawGraph = false;
	for (let field; (field = await reader.next(model)); ) {
		const { header } = walk;
		if (field.number === 1 && field.wireType === WIRE_TYPE.VARINT) header.irVersion = field.value;
		else if (field.number === 2) header.producer.name = await reader.string(field);
		else if (field.number === 3) header.producer.version = await reader.string(field);
		else if (field.number === 4) header.domain = await reader.string(field);
		else if (field.number === 5 && field.wireType === WIRE_TYPE.VARINT) header.modelVersion = field.value;
		else if (field.number === 6) {
			header.docString = await reader.string(field, MAX_DOC_STRING, true);
			header.docStringTruncated = field.end - field.start > MAX_DOC_STRING;
		} else if (field.number === 7) {
			sawGraph = true;
			await walk.graph(reader.child(model, field), true);
		} else if (field.number === 8) {
			walk.count(header.opsets.length, MAX_LIST_ENTRIES, 'opset imports', field.start);
			header.opsets.push(await _readOpset(reader, reader.child(model, field)));
		} else if (field.number === 14) {
			walk.count(walk.metadata.length, MAX_LIST_ENTRIES, 'metadata entries', field.start);
			walk.metadata.push(await readOnnxEntry(reader, reader.child(model, field)));
		}
	}
	if (!sawGraph) reader.fail('no-graph', 'the model has no graph (ModelProto field 7)', 0);
	return walk.finish();
}

// ---------------------------------------------------------------------------

/** The state of one walk through a model: the header so far, and what is settled only at the end. */
class _Walk {
	readonly header: OnnxHeader = {
		format: 'onnx',
		irVersion: null,
		opsets: [],
		producer: { name: '', version: '' },
		domain: '',
		modelVersion: null,
		docString: '',
		docStringTruncated: false,
		metadata: {},
		graphName: '',
		inputs: [],
		outputs: [],
		operators: {},
		nodeCount: 0,
		initializers: [],
		parameters: 0,
		sparseInitializers: 0,
		externalData: [],
		bytesRead: 0
	};
	readonly metadata: Array<[string, string]> = [];
	readonly #reader: ProtobufReader;
	readonly #maxTensors: number;
	// A Map, not the header's object, so an op named `__proto__` or `constructor` counts like any other.
	readonly #operators = new Map<string, number>();

	constructor(reader: ProtobufReader, maxTensors: number) {
		this.#reader = reader;
		this.#maxTensors = maxTensors;
	}

	/** Walks a `GraphProto`: all of the main graph; only the nodes of a subgraph (for the histogram). */
	async graph(message: ProtoMessage, main: boolean): Promise<void> {
		const reader = this.#reader;
		const { header } = this;
		for (let field; (field = await reader.next(message)); ) {
			if (field.number === 1) await this.#node(reader.child(message, field));
			else if (!main) continue;
			else if (field.number === 2) header.graphName = await reader.string(field);
			else if (field.number === 5) {
				this.count(header.initializers.length, this.#maxTensors, 'initializers', field.start);
				const tensor = await readOnnxTensor(reader, reader.child(message, field));
				header.initializers.push(tensor.info);
				if (tensor.external) header.externalData.push(tensor.external);
			} else if (field.number === 15) header.sparseInitializers++;
			else if (field.number === 11 || field.number === 12) {
				const list = field.number === 11 ? header.inputs : header.outputs;
				this.count(header.inputs.length + header.outputs.length, MAX_LIST_ENTRIES, 'graph inputs and outputs', field.start);
				list.push(await readOnnxValueInfo(reader, reader.child(message, field)));
			}
		}
	}

	/**
	 * Fails with `too-many` when a list already holds `limit` entries: what is kept is bounded by count,
	 * not only by bytes, as a two-byte empty entry still costs an object.
	 */
	count(length: number, limit: number, what: string, offset: number): void {
		if (length >= limit) this.#reader.fail('too-many', `the model has more than ${limit} ${what}`, offset, { limit });
	}

	/** Settles what needs the whole graph: inputs that are weights, parameters, the histogram. */
	finish(): OnnxHeader {
		const { header } = this;
		const weights = new Set(header.initializers.map((tensor) => tensor.name));
		header.inputs = header.inputs.filter((input) => !weights.has(input.name));
		header.parameters = header.initializers.reduce((sum, tensor) => sum + (tensor.elements ?? 0), 0);
		header.operators = Object.fromEntries(this.#operators);
		header.metadata = Object.fromEntries(this.metadata);
		header.bytesRead = this.#reader.bytesRead;
		return header;
	}

	/** A `NodeProto`: op_type = 4, domain = 7, attribute = 5 (whose graphs are walked for their nodes). */
	async #node(message: ProtoMessage): Promise<void> {
		const reader = this.#reader;
		let opType = '';
		let domain = '';
		for (let field; (field = await reader.next(message)); ) {
			if (field.number === 4) opType = await reader.string(field, 4096);
			else if (field.number === 7) domain = await reader.string(field, 4096);
			else if (field.number === 5) await this.#attribute(reader.child(message, field));
		}
		this.count(this.header.nodeCount, this.#maxTensors, 'nodes', message.start);
		this.header.nodeCount++;
		const key = domain === '' || domain === 'ai.onnx' ? opType : `${domain}:${opType}`;
		this.#operators.set(key, (this.#operators.get(key) ?? 0) + 1);
	}

	/** An `AttributeProto`: only its graphs matter here, g = 6 and graphs = 11; its tensors are skipped. */
	async #attribute(message: ProtoMessage): Promise<void> {
		const reader = this.#reader;
		for (let field; (field = await reader.next(message)); ) {
			if (field.number === 6 || field.number === 11) await this.graph(reader.child(message, field), false);
		}
	}
}

/** An `OperatorSetIdProto`: domain = 1, version = 2. */
async function _readOpset(reader: ProtobufReader, message: ProtoMessage): Promise<{ domain: string; version: number }> {
	const opset = { domain: '', version: 0 };
	for (let field; (field = await reader.next(message)); ) {
		if (field.number === 1) opset.domain = await reader.string(field, 4096);
		else if (field.number === 2 && field.wireType === WIRE_TYPE.VARINT) opset.version = field.value;
	}
	return opset;
}
