// readSafetensors and readSafetensorsIndex (issue 17): files written per the safetensors README by
// tests/fixtures/models/safetensors/make_fixtures.py (every common dtype, a scalar, an empty tensor, a sharded
// model with its index), a sparse "4 GiB" file whose header is all that is read, and every refusal by
// `code` and `details.reason`, as the Rust reader's checks (tensor.rs `validate`) define them.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { RandomAccessSource } from '../../src/lib/core/byte-streams.ts';
import { isShelfError } from '../../src/lib/core/errors.ts';
import { readSafetensors, readSafetensorsIndex } from '../../src/lib/core/inspect/safetensors.ts';

const fixtures = new URL('../fixtures/models/safetensors/', import.meta.url);
const GiB = 1024 ** 3;
const QUICK = 2_000;

type ExpectedFile = {
	size: number;
	headerLength: number;
	dataOffset: number;
	metadata: Record<string, string>;
	tensors: Array<{ name: string; dtype: string; shape: number[]; elements: number; byteRange: [number, number] }>;
};
const expected = JSON.parse(readFileSync(new URL('expected.json', fixtures), 'utf8')) as Record<string, unknown>;

describe('readSafetensors on files written to the spec', () => {
	for (const name of ['tiny.safetensors', 'no-metadata.safetensors', 'sharded/model-00001-of-00002.safetensors', 'sharded/model-00002-of-00002.safetensors']) {
		it(`reads ${name}: tensors in file order with absolute byte ranges, and __metadata__`, async () => {
			const want = expected[name] as ExpectedFile;
			const source = fileSource(name);
			const header = await readSafetensors(source);
			expect(source.size).toBe(want.size);
			expect(header).toMatchObject({ format: 'safetensors', headerLength: want.headerLength, dataOffset: want.dataOffset });
			expect({ ...header.metadata }).toEqual(want.metadata);
			expect(header.tensors).toEqual(want.tensors);
			expect(source.served).toBe(8 + want.headerLength);
		});
	}

	it('keeps dtype names as the file writes them, a scalar as shape [] and an empty tensor as a zero-length range', async () => {
		const header = await readSafetensors(fileSource('tiny.safetensors'));
		const byName = new Map(header.tensors.map((tensor) => [tensor.name, tensor]));
		expect(new Set(header.tensors.map((tensor) => tensor.dtype))).toEqual(new Set(['F32', 'F16', 'BF16', 'I64', 'BOOL', 'F64', 'F8_E4M3', 'F8_E5M2', 'I32', 'U8', 'I16', 'I8', 'U64']));
		expect(byName.get('logit_scale')).toMatchObject({ shape: [], elements: 1 });
		const unused = byName.get('unused')!;
		expect(unused).toMatchObject({ shape: [0, 4], elements: 0 });
		expect(unused.byteRange![0]).toBe(unused.byteRange![1]);
		expect(header.tensors.at(-1)!.byteRange![1]).toBe((expected['tiny.safetensors'] as ExpectedFile).size);
	});

	it('inspects a sparse 4 GiB file in milliseconds, served only its header', async () => {
		const rows = 32_768;
		const head = header({ 'model.embed.weight': { dtype: 'F32', shape: [rows, rows], data_offsets: [0, rows * rows * 4] } });
		const size = head.length + rows * rows * 4;
		expect(size).toBeGreaterThan(4 * GiB);
		const source = memorySource(head, size);
		const started = performance.now();
		const read = await readSafetensors(source);
		expect(performance.now() - started).toBeLessThan(100);
		expect(read.tensors[0]).toMatchObject({ elements: rows * rows, byteRange: [head.length, size] });
		expect(source.served).toBe(head.length);
	}, QUICK);

	it('reads a 10,000-tensor header', async () => {
		const tensors: Record<string, unknown> = {};
		for (let i = 0; i < 10_000; i++) tensors[`layers.${i}.weight`] = { dtype: 'BF16', shape: [4, 2], data_offsets: [i * 16, i * 16 + 16] };
		const head = header(tensors);
		const read = await readSafetensors(memorySource(head, head.length + 160_000));
		expect(read.tensors).toHaveLength(10_000);
		expect(read.tensors[9_999]).toMatchObject({ name: 'layers.9999.weight', byteRange: [head.length + 159_984, head.length + 160_000] });
	}, QUICK);
});

describe('readSafetensorsIndex', () => {
	it("reads the sharded fixture's index: every tensor's shard, the shards once each, total_size", () => {
		const want = expected['sharded/model.safetensors.index.json'] as { totalSize: number; weightMap: Record<string, string>; shards: string[] };
		const index = readSafetensorsIndex(readFileSync(new URL('sharded/model.safetensors.index.json', fixtures), 'utf8'));
		expect({ ...index.weightMap }).toEqual(want.weightMap);
		expect(index.shards).toEqual(want.shards);
		expect(index.totalSize).toBe(want.totalSize);
	});

	it('sums to the tensors the shards themselves hold', async () => {
		const index = readSafetensorsIndex(readFileSync(new URL('sharded/model.safetensors.index.json', fixtures), 'utf8'));
		let bytes = 0;
		for (const shard of index.shards) {
			for (const tensor of (await readSafetensors(fileSource(`sharded/${shard}`))).tensors) {
				expect(index.weightMap[tensor.name]).toBe(shard);
				bytes += tensor.byteRange![1] - tensor.byteRange![0];
			}
		}
		expect(bytes).toBe(index.totalSize);
	});

	const refusals: Array<[string, string, string, { maxHeaderBytes?: number; maxTensors?: number }?]> = [
		['text that is not JSON', '{"weight_map": ', 'bad-json'],
		['no weight_map', '{"metadata": {}}', 'bad-index'],
		['a shard that is not a string', '{"weight_map": {"a": 1}}', 'bad-index'],
		['a shard outside the folder', '{"weight_map": {"a": "../secrets.safetensors"}}', 'bad-path'],
		['an absolute shard path', '{"weight_map": {"a": "/etc/passwd"}}', 'bad-path'],
		['metadata that is not an object', '{"metadata": [], "weight_map": {}}', 'bad-index'],
		['more tensors than maxTensors', '{"weight_map": {"a": "x", "b": "x"}}', 'too-many', { maxTensors: 1 }],
		['text past maxHeaderBytes', '{"weight_map": {}}', 'too-large', { maxHeaderBytes: 4 }]
	];
	for (const [name, text, reason, limits] of refusals) {
		it(`refuses ${name}: ${reason}`, () => {
			let error: unknown;
			try {
				readSafetensorsIndex(text, limits);
			} catch (caught) {
				error = caught;
			}
			expect(isShelfError(error, 'BAD_MODEL_FILE') && error.details).toMatchObject({ format: 'safetensors', reason });
		});
	}
});

describe('readSafetensors refuses hostile headers with BAD_MODEL_FILE', () => {
	const f32 = (begin: number, end: number, shape = [(end - begin) / 4]) => ({ dtype: 'F32', shape, data_offsets: [begin, end] });
	const cases: Array<[string, () => { head: Uint8Array; size?: number }, string, { maxHeaderBytes?: number; maxTensors?: number; maxDepth?: number }?]> = [
		['a file shorter than 8 bytes', () => ({ head: new Uint8Array(5) }), 'truncated'],
		['a header length past the file', () => ({ head: bytes(u64(1000), text('{}')) }), 'truncated'],
		['a header length of 2^63', () => ({ head: bytes(u64(2n ** 63n), text('{}')) }), 'truncated'],
		['a header longer than maxHeaderBytes', () => ({ head: header({ a: f32(0, 4) }), size: 1 * GiB }), 'too-large', { maxHeaderBytes: 16 }],
		['a header not starting with {', () => ({ head: framed(' {}') }), 'bad-json'],
		['a header that is not JSON', () => ({ head: framed('{"a": ') }), 'bad-json'],
		['a header that is a JSON array', () => ({ head: framed('[1]') }), 'bad-json'],
		['a header that is not UTF-8', () => ({ head: bytes(u64(4), [0x7b, 0x22, 0xff, 0x7d]) }), 'bad-utf8'],
		['JSON nested 100 deep', () => ({ head: framed(`{"a": ${'['.repeat(100)}${']'.repeat(100)}}`) }), 'too-deep'],
		['a tensor that is not an object', () => ({ head: header({ a: 3 }) }), 'bad-tensor'],
		['an unknown dtype', () => ({ head: header({ a: { dtype: 'F128', shape: [1], data_offsets: [0, 16] } }), size: 16 }), 'bad-dtype'],
		['a negative dim', () => ({ head: header({ a: f32(0, 4, [-1]) }), size: 4 }), 'bad-shape'],
		['a fractional dim', () => ({ head: header({ a: f32(0, 4, [1.5]) }), size: 4 }), 'bad-shape'],
		['offsets end before they begin', () => ({ head: header({ a: f32(8, 4, [1]) }), size: 8 }), 'bad-offsets'],
		['offsets past 2^53', () => ({ head: header({ a: f32(0, 2 ** 60, [1]) }), size: 8 }), 'bad-offsets'],
		['a shape whose bytes overflow', () => ({ head: header({ a: f32(0, 4, [2 ** 40, 2 ** 40]) }), size: 4 }), 'too-large'],
		['a shape and offsets that disagree', () => ({ head: header({ a: f32(0, 8, [3]) }), size: 8 }), 'size-mismatch'],
		['F4 elements that fill half a byte', () => ({ head: header({ a: { dtype: 'F4', shape: [3], data_offsets: [0, 2] } }), size: 2 }), 'size-mismatch'],
		['a tensor past the data', () => ({ head: header({ a: f32(0, 4 * GiB) }), size: 64 }), 'out-of-range'],
		['a tensor past a claimed 4 GiB end', () => ({ head: header({ a: f32(0, 8 * GiB) }), size: 4 * GiB }), 'out-of-range'],
		['overlapping tensors', () => ({ head: header({ a: f32(0, 8), b: f32(4, 12) }), size: 12 }), 'overlap'],
		['two tensors on the same bytes', () => ({ head: header({ a: f32(0, 8), b: f32(0, 8) }), size: 8 }), 'overlap'],
		['a hole between tensors (a polyglot file)', () => ({ head: header({ a: f32(0, 8), b: f32(16, 24) }), size: 24 }), 'gap'],
		['data after the last tensor', () => ({ head: header({ a: f32(0, 8) }), size: 16 }), 'trailing-bytes'],
		['__metadata__ with a number', () => ({ head: header({ __metadata__: { epoch: 3 } }) }), 'bad-metadata'],
		['__metadata__ that is a list', () => ({ head: header({ __metadata__: ['a'] }) }), 'bad-metadata'],
		['more tensors than maxTensors', () => ({ head: header({ a: f32(0, 4), b: f32(4, 8) }), size: 8 }), 'too-many', { maxTensors: 1 }]
	];
	for (const [name, build, reason, limits = {}] of cases) {
		it(`${name}: ${reason}`, async () => {
			const { head, size } = build();
			const error = await readSafetensors(memorySource(head, size === undefined ? head.length : head.length + size), limits).catch((caught: unknown) => caught);
			expect(isShelfError(error, 'BAD_MODEL_FILE') && error.details).toMatchObject({ format: 'safetensors', reason });
		}, QUICK);
	}

	it('refuses a 10^6-deep header in one pass, before JSON.parse', async () => {
		const deep = `{"a": ${'['.repeat(1_000_000)}${']'.repeat(1_000_000)}}`;
		const error = await readSafetensors(memorySource(framed(deep))).catch((caught: unknown) => caught);
		expect(isShelfError(error, 'BAD_MODEL_FILE') && error.details).toMatchObject({ reason: 'too-deep', limit: 64 });
	}, QUICK);
});

// ---------------------------------------------------------------------------------------------

function bytes(...parts: Array<Uint8Array | number[]>): Uint8Array {
	const out = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0));
	let at = 0;
	for (const part of parts) out.set(part, (at += part.length) - part.length);
	return out;
}
function u64(value: number | bigint): Uint8Array {
	const out = new Uint8Array(8);
	new DataView(out.buffer).setBigUint64(0, BigInt(value), true);
	return out;
}
function text(value: string): Uint8Array {
	return new TextEncoder().encode(value);
}
/** The length prefix and the given header text, as written. */
function framed(json: string): Uint8Array {
	const encoded = text(json);
	return bytes(u64(encoded.length), encoded);
}
/** A header for `json`, padded with spaces to 8 bytes as the Rust writer pads it. */
function header(json: unknown): Uint8Array {
	const encoded = JSON.stringify(json);
	return framed(encoded + ' '.repeat((8 - (encoded.length % 8)) % 8));
}

/** Answers `file`'s bytes and zeros past them up to `size`; counts what it served. */
function memorySource(file: Uint8Array, size = file.length): RandomAccessSource & { served: number } {
	return {
		size,
		served: 0,
		async read(offset: number, length: number) {
			const end = Math.min(offset + length, size);
			const out = new Uint8Array(Math.max(0, end - offset));
			if (offset < file.length) out.set(file.subarray(offset, Math.min(end, file.length)));
			this.served += out.length;
			return out;
		}
	};
}

function fileSource(name: string): RandomAccessSource & { served: number } {
	return memorySource(new Uint8Array(readFileSync(new URL(name, fixtures))));
}
