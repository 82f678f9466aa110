// Issue 17: ONNX headers read with the streaming protobuf reader, compared to what onnx itself reads
// (tests/fixtures/models/onnx/make_fixtures.py writes the models and expected.json with python3-onnx).
import { readFileSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { RandomAccessSource } from '../../src/lib/core/byte-streams.ts';
import { isShelfError } from '../../src/lib/core/errors.ts';
import { readOnnx, type OnnxHeader } from '../../src/lib/core/inspect/onnx.ts';
import { ProtobufReader } from '../../src/lib/core/inspect/protobuf-reader.ts';

const FIXTURES = fileURLToPath(new URL('../fixtures/models/onnx/', import.meta.url));
const EXPECTED = JSON.parse(readFileSync(`${FIXTURES}expected.json`, 'utf8')) as {
	models: Record<string, Partial<OnnxHeader>>;
	hostile: Record<string, string>;
};
const GiB = 1024 ** 3;

/** A source over bytes, or over a function answering any range, that counts what it served. */
function countingSource(size: number, bytesAt: (offset: number, length: number) => Uint8Array) {
	const source = {
		size,
		served: 0,
		reads: 0,
		async read(offset: number, length: number): Promise<Uint8Array> {
			const bytes = bytesAt(offset, Math.max(0, Math.min(length, size - offset)));
			source.served += bytes.length;
			source.reads++;
			return bytes;
		}
	};
	return source satisfies RandomAccessSource;
}

/** A 2 GB graph (ModelProto field 7) filled with one short field repeated. */
function floodSource(pattern: number[]) {
	const prefix = concat([0x3a], varint(2e9));
	return countingSource(prefix.length + 2e9, (offset, length) => {
		const out = new Uint8Array(length);
		for (let i = 0; i < length; i++) {
			const at = offset + i;
			out[i] = at < prefix.length ? prefix[at]! : pattern[(at - prefix.length) % pattern.length]!;
		}
		return out;
	});
}

function bufferSource(bytes: Uint8Array) {
	return countingSource(bytes.length, (offset, length) => bytes.slice(offset, offset + length));
}

function fixture(name: string) {
	return bufferSource(new Uint8Array(readFileSync(FIXTURES + name)));
}

async function reasonOf(promise: Promise<unknown>): Promise<string | undefined> {
	try {
		await promise;
	} catch (error) {
		if (isShelfError(error, 'BAD_MODEL_FILE')) return error.details?.reason;
		throw error;
	}
	throw new Error('expected BAD_MODEL_FILE, but the file was read');
}

describe('readOnnx on models written by onnx', () => {
	for (const [name, expected] of Object.entries(EXPECTED.models)) {
		it(`reports what onnx.load reports for ${name}`, async () => {
			const header = await readOnnx(fixture(name), { path: name });
			const { initializers, ...rest } = expected;
			for (const [key, value] of Object.entries(rest)) expect(header[key as keyof OnnxHeader], key).toEqual(value);
			expect(header.initializers.map(({ byteRange: _, ...tensor }) => tensor)).toEqual(initializers);
			expect(header.format).toBe('onnx');
		});
	}

	it('gives the MLP its symbolic batch dim, its opset and producer', async () => {
		const header = await readOnnx(fixture('mlp.onnx'));
		expect(header.inputs).toEqual([{ name: 'X', type: 'tensor(FLOAT)', elemType: 'FLOAT', shape: ['N', 4] }]);
		expect(header.outputs[0]?.shape).toEqual(['N', 3]);
		expect(header.operators).toEqual({ Gemm: 2, Relu: 1 });
		expect(header.opsets).toEqual([{ domain: '', version: 13 }]);
		expect(header.parameters).toBe(4 * 8 + 8 + 8 * 3 + 3);
		expect(header.metadata).toEqual({ author: 'model-shelf', license: 'MIT' });
	});

	it("points each initializer's byteRange at its raw_data: the bytes are numpy's float32 weights", async () => {
		const bytes = new Uint8Array(readFileSync(`${FIXTURES}mlp.onnx`));
		const header = await readOnnx(bufferSource(bytes));
		const w1 = header.initializers.find((tensor) => tensor.name === 'W1')!;
		const [start, end] = w1.byteRange!;
		expect(end - start).toBe(4 * 8 * 4);
		const values = new Float32Array(bytes.slice(start, end).buffer);
		// make_fixtures.py: arange(32) * 0.01 + 0.1, as float32.
		const f32 = Math.fround;
		expect(Array.from(values)).toEqual(Array.from({ length: 32 }, (_, i) => f32(f32(i * f32(0.01)) + f32(0.1))));
	});

	it('does not count IR 3 initializers listed as graph inputs as inputs', async () => {
		const header = await readOnnx(fixture('mlp-ir3.onnx'));
		expect(header.irVersion).toBe(3);
		expect(header.inputs.map((input) => input.name)).toEqual(['X']);
		expect(header.initializers).toHaveLength(4);
	});

	it('lists external data references that fall inside the data file, with no byteRange in the model', async () => {
		const header = await readOnnx(fixture('mlp-external.onnx'));
		const dataSize = statSync(`${FIXTURES}mlp-external.onnx.data`).size;
		expect(header.externalData.map((ref) => ref.tensor)).toEqual(['W1', 'B1', 'W2', 'B2']);
		for (const ref of header.externalData) {
			expect(ref.location).toBe('mlp-external.onnx.data');
			expect(ref.offset! + ref.length!).toBeLessThanOrEqual(dataSize);
		}
		expect(header.initializers.every((tensor) => tensor.byteRange === undefined)).toBe(true);
		expect(header.parameters).toBe(67);
	});

	it('counts ops inside If branches and qualifies ops outside the default domain', async () => {
		const header = await readOnnx(fixture('control-flow.onnx'));
		expect(header.operators).toEqual({ If: 1, Add: 1, Neg: 1, Abs: 1, Shape: 1, 'com.example:Scale': 1 });
		expect(header.inputs[1]?.shape).toEqual(['batch', '?']);
		expect(header.outputs[1]?.shape).toBeNull();
	});
});

describe('readOnnx on hostile files', () => {
	for (const [name, reason] of Object.entries(EXPECTED.hostile)) {
		it(`fails ${name} with BAD_MODEL_FILE reason ${reason}`, { timeout: 2000 }, async () => {
			expect(await reasonOf(readOnnx(fixture(name), { path: name }))).toBe(reason);
		});
	}

	it('stops a graph claiming 10^9 (empty) initializers at the tensor limit, quickly', { timeout: 10_000 }, async () => {
		// Each `2a 00` is an initializer (GraphProto field 5) of length zero: 2 GB of them.
		const source = floodSource([0x2a, 0x00]);
		expect(await reasonOf(readOnnx(source))).toBe('too-many');
		expect(source.served).toBeLessThan(4 * 1024 * 1024);
	});

	it('stops 10^9 empty nodes at the node limit', { timeout: 10_000 }, async () => {
		expect(await reasonOf(readOnnx(floodSource([0x0a, 0x00]), { maxTensors: 100_000 }))).toBe('too-many');
	});

	it('stops 10^9 empty graph inputs long before they fill memory', { timeout: 10_000 }, async () => {
		expect(await reasonOf(readOnnx(floodSource([0x5a, 0x00])))).toBe('too-many');
	});

	it('stops a flood of unknown fields at the field limit, and at the byte budget when that comes first', { timeout: 10_000 }, async () => {
		// `18 00`: GraphProto field 3 (reserved), a varint 0, skipped without being kept.
		expect(await reasonOf(readOnnx(floodSource([0x18, 0x00]), { maxTensors: 10_000 }))).toBe('too-many');
		const source = floodSource([0x18, 0x00]);
		expect(await reasonOf(readOnnx(source, { maxHeaderBytes: 256 * 1024 }))).toBe('too-large');
		expect(source.served).toBeLessThanOrEqual(256 * 1024);
	});

	it('refuses a packed dims field claiming a billion dims', { timeout: 2000 }, async () => {
		const tensor = concat(tag(1, 2), varint(1e9), new Array(64).fill(0x81));
		const bytes = Uint8Array.from(field(7, field(5, tensor)));
		expect(['truncated', 'out-of-range']).toContain(await reasonOf(readOnnx(bufferSource(bytes))));
		const many = concat(tag(1, 2), varint(2000), new Array(2000).fill(0x01));
		expect(await reasonOf(readOnnx(bufferSource(Uint8Array.from(field(7, field(5, many))))))).toBe('too-many');
	});
});

describe('readOnnx skips weights', () => {
	it('reads a few KiB of a model whose initializer claims 3 GiB of raw_data', async () => {
		const rawLength = 3 * GiB;
		const node = concat(field(1, str('X')), field(1, str('W')), field(2, str('Y')), field(4, str('MatMul')));
		const tensorHead = concat(tag(1, 0), varint(rawLength / 4), tag(2, 0), [1], field(8, str('W')), tag(9, 2), varint(rawLength));
		const tensorLength = tensorHead.length + rawLength;
		const input = field(11, valueInfo('X', [['N'], [rawLength / 4]]));
		const output = field(12, valueInfo('Y', [['N']]));
		const graphHead = concat(field(1, node), tag(5, 2), varint(tensorLength), tensorHead);
		const graphTail = concat(input, output);
		const graphLength = graphHead.length + rawLength + graphTail.length;
		const head = Uint8Array.from(concat(tag(1, 0), [8], field(8, concat(tag(2, 0), [17])), tag(7, 2), varint(graphLength), graphHead));
		const tail = Uint8Array.from(graphTail);
		const tailAt = head.length + rawLength;
		const source = countingSource(tailAt + tail.length, (offset, length) => {
			const out = new Uint8Array(length); // the weights are zeros, and cost nothing
			for (let i = 0; i < length; i++) {
				const at = offset + i;
				if (at < head.length) out[i] = head[at]!;
				else if (at >= tailAt) out[i] = tail[at - tailAt]!;
			}
			return out;
		});
		const header = await readOnnx(source);
		expect(header.initializers).toEqual([{ name: 'W', dtype: 'FLOAT', shape: [rawLength / 4], elements: rawLength / 4, byteRange: [head.length, tailAt] }]);
		expect(header.parameters).toBe(rawLength / 4);
		expect(header.inputs).toEqual([{ name: 'X', type: 'tensor(FLOAT)', elemType: 'FLOAT', shape: ['N', rawLength / 4] }]);
		expect(header.outputs.map((output) => output.name)).toEqual(['Y']);
		expect(header.operators).toEqual({ MatMul: 1 });
		expect(source.served).toBeLessThan(16 * 1024);
		expect(header.bytesRead).toBe(source.served);
	});
});

describe('ProtobufReader', () => {
	it('decodes negative int64 varints and lengths past 4 GiB', async () => {
		const bytes = Uint8Array.from(concat(tag(1, 0), varint(-1), tag(2, 0), varint(5 * GiB)));
		const reader = new ProtobufReader(bufferSource(bytes), { format: 'onnx', maxDepth: 4, maxBytesRead: 1024, maxFields: 1000 });
		const root = reader.root();
		expect((await reader.next(root))?.value).toBe(-1);
		expect((await reader.next(root))?.value).toBe(5 * GiB);
		expect(await reader.next(root)).toBeNull();
	});
});

// ---------------------------------------------------------------------------

function varint(value: number): number[] {
	// Negative int64 values take ten bytes, as two's complement.
	let rest = value < 0 ? 2n ** 64n + BigInt(value) : BigInt(value);
	const out: number[] = [];
	do {
		const low = Number(rest & 0x7fn);
		rest >>= 7n;
		out.push(rest > 0n ? low | 0x80 : low);
	} while (rest > 0n);
	return out;
}

function tag(number: number, wireType: number): number[] {
	return varint(number * 8 + wireType);
}

function field(number: number, body: number[]): number[] {
	return concat(tag(number, 2), varint(body.length), body);
}

function str(text: string): number[] {
	return Array.from(new TextEncoder().encode(text));
}

function concat(...parts: number[][]): number[] {
	return parts.flat();
}

/** A ValueInfoProto of a FLOAT tensor: dims as [name] or [value]. */
function valueInfo(name: string, dims: Array<[string | number]>): number[] {
	const shape = dims.flatMap(([dim]) => field(1, typeof dim === 'string' ? field(2, str(dim)) : concat(tag(1, 0), varint(dim))));
	const tensorType = concat(tag(1, 0), [1], field(2, shape));
	return concat(field(1, str(name)), field(2, field(1, tensorType)));
}
