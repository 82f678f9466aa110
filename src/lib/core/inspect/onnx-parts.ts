// Node + browser: pure TypeScript, no DOM, no idb, no OPFS.
//
// The small ONNX messages `onnx.ts` reads: tensors (initializers), value infos and their types, key/value
// entries. Field numbers are those of onnx/onnx `onnx/onnx.proto` (checked against its main branch, 2026).

import type { TensorInfo } from './inspect-types.ts';
import { WIRE_TYPE, type ProtobufReader, type ProtoField, type ProtoMessage } from './protobuf-reader.ts';

/** `TensorProto.DataType` names by number (onnx.proto: 0 UNDEFINED … 26 INT2). */
export const ONNX_DATA_TYPES: readonly string[] = [
	'UNDEFINED', 'FLOAT', 'UINT8', 'INT8', 'UINT16', 'INT16', 'INT32', 'INT64', 'STRING', 'BOOL', 'FLOAT16',
	'DOUBLE', 'UINT32', 'UINT64', 'COMPLEX64', 'COMPLEX128', 'BFLOAT16', 'FLOAT8E4M3FN', 'FLOAT8E4M3FNUZ',
	'FLOAT8E5M2', 'FLOAT8E5M2FNUZ', 'UINT4', 'INT4', 'FLOAT4E2M1', 'FLOAT8E8M0', 'UINT2', 'INT2'
];

/** A graph input or output as its `ValueInfoProto` declares it. */
export interface OnnxValueInfo {
	name: string;
	/** The whole type in ONNX's notation: `tensor(FLOAT)`, `sequence(tensor(INT64))`, `map(STRING,tensor(FLOAT))`. */
	type: string;
	/** The element type of a tensor or sparse tensor (`FLOAT`, `FLOAT16`, `INT64`), else null. */
	elemType: string | null;
	/** Dims of a tensor: `dim_value` numbers, `dim_param` names, `?` for a dim with neither; null when no shape is given. */
	shape: Array<number | string> | null;
}

/** A tensor whose bytes live in another file (`data_location = EXTERNAL`). */
export interface OnnxExternalData {
	tensor: string;
	/** The file, relative to the model's folder. */
	location: string;
	offset?: number;
	length?: number;
	/** Whether the version holds that file (set where the version is known: a stored file's inspection). */
	present?: boolean;
}

/** One initializer: its tensor facts, and where its data lives when that is another file. */
export interface OnnxTensor {
	info: TensorInfo;
	external: OnnxExternalData | null;
}

/** Dims per tensor or shape, at most: real models stay under 10; this only stops a hostile packed field early. */
export const MAX_RANK = 1024;

/**
 * The name of a `TensorProto.DataType` number.
 * @param code the number
 */
export function onnxDataTypeName(code: number): string {
	return ONNX_DATA_TYPES[code] ?? `DATA_TYPE_${code}`;
}

/**
 * Reads a `TensorProto`, skipping its data (`raw_data`, `float_data`, …) without reading it.
 * @param reader the reader
 * @param message the tensor's message
 */
export async function readOnnxTensor(reader: ProtobufReader, message: ProtoMessage): Promise<OnnxTensor> {
	const shape: number[] = [];
	let dtype = 0;
	let name = '';
	let external = false;
	let byteRange: [number, number] | undefined;
	let entries: Map<string, string> | undefined; // made only when there are some: most tensors have none
	for (let field; (field = await reader.next(message)); ) {
		if (field.number === 1) {
			for (const dim of await reader.varints(field, MAX_RANK - shape.length)) {
				if (dim < 0) reader.fail('bad-shape', `a tensor has a negative dimension ${dim}`, field.start, { found: String(dim) });
				shape.push(dim);
			}
		} else if (field.number === 2 && field.wireType === WIRE_TYPE.VARINT) dtype = field.value;
		else if (field.number === 8) name = await reader.string(field);
		else if (field.number === 9) byteRange = [field.start, field.end];
		else if (field.number === 13) (entries ??= new Map()).set(...(await readOnnxEntry(reader, reader.child(message, field))));
		else if (field.number === 14 && field.wireType === WIRE_TYPE.VARINT) external = field.value === 1;
	}
	const elements = shape.reduce((product, dim) => product * dim, 1);
	const info: TensorInfo = { name, dtype: onnxDataTypeName(dtype), shape, elements };
	if (byteRange && !external) info.byteRange = byteRange;
	if (!external) return { info, external: null };
	const reference: OnnxExternalData = { tensor: name, location: entries?.get('location') ?? '' };
	const offset = _integer(entries?.get('offset'));
	const length = _integer(entries?.get('length'));
	if (offset !== undefined) reference.offset = offset;
	if (length !== undefined) reference.length = length;
	return { info, external: reference };
}

/**
 * Reads a `ValueInfoProto` (a graph input or output).
 * @param reader the reader
 * @param message the value info's message
 */
export async function readOnnxValueInfo(reader: ProtobufReader, message: ProtoMessage): Promise<OnnxValueInfo> {
	const value: OnnxValueInfo = { name: '', type: 'unknown', elemType: null, shape: null };
	for (let field; (field = await reader.next(message)); ) {
		if (field.number === 1) value.name = await reader.string(field);
		else if (field.number === 2) Object.assign(value, await _readType(reader, reader.child(message, field)));
	}
	return value;
}

/**
 * Reads a `StringStringEntryProto` (metadata_props, external_data) as a [key, value] pair; values are kept
 * to 64 KiB. A pair, not an assignment, so a key such as `__proto__` stays data (`Object.fromEntries`).
 * @param reader the reader
 * @param message the entry's message
 */
export async function readOnnxEntry(reader: ProtobufReader, message: ProtoMessage): Promise<[string, string]> {
	let key = '';
	let value = '';
	for (let field; (field = await reader.next(message)); ) {
		if (field.number === 1) key = await reader.string(field);
		else if (field.number === 2) value = await reader.string(field, 64 * 1024, true);
	}
	return [key, value];
}

// ---------------------------------------------------------------------------

type _Type = Omit<OnnxValueInfo, 'name'>;

/** A `TypeProto`: its oneof holds a tensor, sparse tensor, sequence, map, optional or opaque type. */
async function _readType(reader: ProtobufReader, message: ProtoMessage): Promise<_Type> {
	let type: _Type = { type: 'unknown', elemType: null, shape: null };
	for (let field; (field = await reader.next(message)); ) {
		if (field.wireType !== WIRE_TYPE.LEN) continue;
		const inner = reader.child(message, field);
		if (field.number === 1 || field.number === 8) {
			const tensor = await _readTensorType(reader, inner);
			const kind = field.number === 1 ? 'tensor' : 'sparse_tensor';
			type = { type: `${kind}(${tensor.elemType})`, ...tensor };
		} else if (field.number === 4 || field.number === 9) {
			const kind = field.number === 4 ? 'sequence' : 'optional';
			type = { type: `${kind}(${await _readInnerType(reader, inner, 1)})`, elemType: null, shape: null };
		} else if (field.number === 5) {
			type = { type: `map(${await _readMapTypes(reader, inner)})`, elemType: null, shape: null };
		} else if (field.number === 7) {
			type = { type: 'opaque', elemType: null, shape: null };
		}
	}
	return type;
}

/** The `TypeProto` held in field `number` of a sequence/optional type, as text. */
async function _readInnerType(reader: ProtobufReader, message: ProtoMessage, number: number): Promise<string> {
	let text = 'unknown';
	for (let field; (field = await reader.next(message)); ) {
		if (field.number === number) text = (await _readType(reader, reader.child(message, field))).type;
	}
	return text;
}

async function _readMapTypes(reader: ProtobufReader, message: ProtoMessage): Promise<string> {
	let key = 'UNDEFINED';
	let value = 'unknown';
	for (let field; (field = await reader.next(message)); ) {
		if (field.number === 1 && field.wireType === WIRE_TYPE.VARINT) key = onnxDataTypeName(field.value);
		else if (field.number === 2) value = (await _readType(reader, reader.child(message, field))).type;
	}
	return `${key},${value}`;
}

/** A `TypeProto.Tensor` (or `.SparseTensor`): elem_type = 1, shape = 2. */
async function _readTensorType(reader: ProtobufReader, message: ProtoMessage): Promise<{ elemType: string; shape: Array<number | string> | null }> {
	let elemType = 'UNDEFINED';
	let shape: Array<number | string> | null = null;
	for (let field; (field = await reader.next(message)); ) {
		if (field.number === 1 && field.wireType === WIRE_TYPE.VARINT) elemType = onnxDataTypeName(field.value);
		else if (field.number === 2) shape = await _readShape(reader, reader.child(message, field));
	}
	return { elemType, shape };
}

/** A `TensorShapeProto`: repeated Dimension dim = 1, each a oneof dim_value = 1 / dim_param = 2. */
async function _readShape(reader: ProtobufReader, message: ProtoMessage): Promise<Array<number | string>> {
	const dims: Array<number | string> = [];
	for (let field; (field = await reader.next(message)); ) {
		if (field.number !== 1) continue;
		if (dims.length >= MAX_RANK) reader.fail('too-many', `a shape has more than ${MAX_RANK} dims`, field.start, { limit: MAX_RANK });
		const dimension = reader.child(message, field);
		let dim: number | string = '?';
		for (let part: ProtoField | null; (part = await reader.next(dimension)); ) {
			if (part.number === 1 && part.wireType === WIRE_TYPE.VARINT) dim = part.value;
			else if (part.number === 2) dim = await reader.string(part, 4096);
		}
		dims.push(dim);
	}
	return dims;
}

/** An external_data `offset`/`length` value: decimal text in the file. */
function _integer(text: string | undefined): number | undefined {
	if (text === undefined || !/^\d+$/.test(text)) return undefined;
	return Number(text);
}
