// readGguf (issue 17): GGUF files written per ggml docs/gguf.md by tests/fixtures/models/gguf/make_fixtures.py
// (every metadata value type, one tensor of every ggml type), a sparse "4 GiB" file whose header is all
// that is read, a vocabulary read in chunks, and every refusal by `code` and `details.reason`.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { RandomAccessSource } from '../../src/lib/core/byte-streams.ts';
import { isShelfError } from '../../src/lib/core/errors.ts';
import { GGUF_ARRAY_ITEMS_KEPT, readGguf, type GgufArray } from '../../src/lib/core/inspect/gguf.ts';
import { GGML_TYPES } from '../../src/lib/core/inspect/gguf-types.ts';

const fixtures = new URL('../fixtures/models/gguf/', import.meta.url);
const GiB = 1024 ** 3;
/** Refusals must come at once, never after a long loop: a hang fails the test instead of the suite. */
const QUICK = 2_000;

type Expected = {
	size: number;
	version: number;
	alignment: number;
	headerBytes: number;
	dataOffset: number;
	metadata: Record<string, unknown>;
	tensors: Array<{ name: string; dtype: string; shape: number[]; elements: number; byteRange: [number, number] }>;
};
const expected = JSON.parse(readFileSync(new URL('expected.json', fixtures), 'utf8')) as Record<string, Expected>;

describe('readGguf on files written to the spec', () => {
	it('reads a v3 llama file: every value type, nested arrays, a 1,000-token vocabulary kept as a preview', async () => {
		const want = expected['tiny-llama-v3.gguf']!;
		const header = await readGguf(fileSource('tiny-llama-v3.gguf'));
		expect(header).toMatchObject({ format: 'gguf', version: 3, alignment: 32, headerBytes: want.headerBytes, dataOffset: want.dataOffset });
		expect({ ...header.metadata }).toEqual(withBigints(want.metadata));
		expect(header.metadata['test.u64']).toBe(2n ** 60n + 1n);
		expect(header.tensors).toEqual(want.tensors);
		expect(header.architecture).toBe('llama');
		expect(header.contextLength).toBe(2048);
		expect(header.fileType).toBe('MOSTLY_Q4_K_M');
		expect(header.tokenizer).toEqual({ model: 'llama', tokens: 1000 });
	});

	it("computes every ggml type's byte size as the writer laid it out (one tensor of each type)", async () => {
		const header = await readGguf(fileSource('tiny-llama-v3.gguf'));
		const dtypes = new Set(header.tensors.map((tensor) => tensor.dtype));
		for (const type of GGML_TYPES.values()) expect(dtypes, type.name).toContain(type.name);
		const last = header.tensors.at(-1)!;
		expect(last.byteRange![1]).toBeLessThanOrEqual(expected['tiny-llama-v3.gguf']!.size);
	});

	it('reads a v2 file with general.alignment 64 and a u64 context length', async () => {
		const want = expected['tiny-v2-align64.gguf']!;
		const header = await readGguf(fileSource('tiny-v2-align64.gguf'));
		expect(header).toMatchObject({ version: 2, alignment: 64, dataOffset: want.dataOffset, architecture: 'gpt2', contextLength: 1024, fileType: 'MOSTLY_F16' });
		expect(header.dataOffset % 64).toBe(0);
		expect(header.tensors).toEqual(want.tensors);
		expect(header.tokenizer).toEqual({ model: 'gpt2', tokens: 3 });
	});
});

describe('readGguf reads the header only', () => {
	it('inspects a sparse 4 GiB file whose tensors sit at its end in milliseconds, served only its first bytes', async () => {
		const size = 4 * GiB;
		const tensorBytes = 4096 * 4096 * 4;
		const lastOffset = size - 4096 - tensorBytes;
		const head = gguf(3, [kv('general.architecture', STRING, str('llama')), kv('llama.context_length', U32, u32(4096))], [
			tensor('token_embd.weight', [4096, 4096], 0, 0),
			tensor('output.weight', [4096, 4096], 0, lastOffset)
		]);
		const source = memorySource(head, size);
		const started = performance.now();
		const header = await readGguf(source);
		expect(performance.now() - started).toBeLessThan(100);
		expect(header.tensors[1]!.byteRange).toEqual([header.dataOffset + lastOffset, header.dataOffset + lastOffset + tensorBytes]);
		expect(header.tensors[1]!.byteRange![1]).toBeGreaterThan(size - 4096);
		expect(header.contextLength).toBe(4096);
		expect(source.maxEnd).toBeLessThanOrEqual(64 * 1024);
		expect(source.served).toBeLessThanOrEqual(64 * 1024);
	}, QUICK);

	it('steps through a 300,000-token vocabulary over several chunked reads and reads the key after it', async () => {
		const vocabulary = strings(Array.from({ length: 300_000 }, (_, i) => `token_${i}`));
		const head = ggufHead(3, [kv('tokenizer.ggml.tokens', ARRAY, bytes(u32(STRING), u64(300_000), vocabulary)), kv('tokenizer.ggml.model', STRING, str('gpt2'))], []);
		const source = memorySource(head);
		const started = performance.now();
		const header = await readGguf(source);
		expect(performance.now() - started).toBeLessThan(500);
		expect(header.tokenizer).toEqual({ model: 'gpt2', tokens: 300_000 });
		expect(header.metadata['tokenizer.ggml.tokens']).toMatchObject({ length: 300_000, truncated: true, items: ['token_0', 'token_1', 'token_2', 'token_3', 'token_4', 'token_5', 'token_6', 'token_7'] });
		expect(source.reads).toBeGreaterThan(3);
		expect(header.headerBytes).toBe(head.length);
	}, QUICK);
});

describe('readGguf keeps what it returns small', () => {
	it('keeps at most GGUF_ARRAY_ITEMS_KEPT items of arrays of arrays, and still reads past them', async () => {
		const leaf = array(U8, [new Uint8Array([7])]);
		const middle = array(ARRAY, Array.from({ length: 256 }, () => leaf));
		const top = array(ARRAY, Array.from({ length: 256 }, () => middle));
		const header = await readGguf(memorySource(gguf(3, [kv('a.grid', ARRAY, top), kv('a.after', U32, u32(5))], [])));
		const count = (value: unknown): number => (typeof value === 'object' && value !== null && 'items' in value ? (value as GgufArray).items.reduce((sum: number, item) => sum + 1 + count(item), 0) : 0);
		expect(count(header.metadata['a.grid'])).toBe(GGUF_ARRAY_ITEMS_KEPT);
		expect(header.metadata['a.grid']).toMatchObject({ length: 256, truncated: false });
		expect(header.metadata['a.after']).toBe(5);
	}, QUICK);

	it('lets an empty tensor share its offset with the next one', async () => {
		const file = gguf(3, [], [tensor('empty', [0, 4], 0, 0), tensor('next', [8], 0, 0)], 32);
		const header = await readGguf(memorySource(file));
		expect(header.tensors.map((t) => t.byteRange)).toEqual([[header.dataOffset, header.dataOffset], [header.dataOffset, header.dataOffset + 32]]);
	});
});

describe('readGguf refuses hostile headers with BAD_MODEL_FILE', () => {
	const arch = kv('general.architecture', STRING, str('llama'));
	const cases: Array<[string, () => Uint8Array, string, { size?: number; maxHeaderBytes?: number; maxDepth?: number }?]> = [
		['a file that is not GGUF', () => bytes([...'GGML'].map((c) => c.charCodeAt(0)), u32(3), u64(0), u64(0)), 'bad-magic'],
		['version 1 (u32 lengths, dropped by ggml)', () => gguf(1, [], []), 'unsupported-version'],
		['version 4', () => gguf(4, [], []), 'unsupported-version'],
		['10^9 tensors', () => bytes(GGUF, u32(3), u64(1e9), u64(0)), 'too-many'],
		['2^64 - 1 tensors', () => bytes(GGUF, u32(3), u64(2n ** 64n - 1n), u64(0)), 'too-many'],
		['10^12 metadata keys in a small file', () => bytes(GGUF, u32(3), u64(0), u64(1e12)), 'too-many'],
		['a key whose length runs past the file', () => bytes(GGUF, u32(3), u64(0), u64(1), u64(1000), str('x').subarray(8)), 'truncated'],
		['a key claiming 2^63 bytes', () => bytes(GGUF, u32(3), u64(0), u64(1), u64(2n ** 63n), new Uint8Array(64)), 'too-large'],
		['an empty key', () => gguf(3, [kv('', U32, u32(1))], []), 'bad-key'],
		['a key that is not UTF-8', () => bytes(GGUF, u32(3), u64(0), u64(1), u64(2), [0xc3, 0x28], u32(U32), u32(1)), 'bad-utf8'],
		['a duplicate key', () => gguf(3, [arch, arch], []), 'duplicate'],
		['a value of unknown type 13', () => gguf(3, [kv('a.b', 13, u32(0))], []), 'bad-type'],
		['an array of unknown item type', () => gguf(3, [kv('a.b', ARRAY, bytes(u32(42), u64(1), u32(0)))], []), 'bad-type'],
		['a boolean that is 2', () => gguf(3, [kv('a.b', BOOL, [2])], []), 'bad-value'],
		['an array claiming 10^15 u32 items', () => gguf(3, [kv('a.b', ARRAY, bytes(u32(U32), u64(1e15)))], []), 'too-many'],
		['arrays nested 100 deep', () => gguf(3, [kv('a.b', ARRAY, nested(100))], []), 'too-deep'],
		['arrays nested past a maxDepth of 3', () => gguf(3, [kv('a.b', ARRAY, nested(4))], []), 'too-deep', { maxDepth: 3 }],
		['an alignment that is not a power of two', () => gguf(3, [kv('general.alignment', U32, u32(48))], []), 'bad-alignment'],
		['an alignment written as u64', () => gguf(3, [kv('general.alignment', U64, u64(32))], []), 'bad-alignment'],
		['a tensor with 5 dimensions', () => gguf(3, [], [tensor('t', [1, 1, 1, 1, 1], 0, 0)]), 'bad-shape'],
		['a tensor of removed type 4 (Q4_2)', () => gguf(3, [], [tensor('t', [32], 4, 0)]), 'bad-dtype'],
		['a tensor of type 99', () => gguf(3, [], [tensor('t', [32], 99, 0)]), 'bad-dtype'],
		['a Q4_0 row that is not whole blocks', () => gguf(3, [], [tensor('t', [33], 2, 0)], 64), 'bad-shape'],
		['dims whose product overflows', () => gguf(3, [], [tensor('t', [2 ** 40, 2 ** 40], 0, 0)]), 'too-large'],
		['a misaligned tensor offset', () => gguf(3, [], [tensor('t', [4], 0, 8)], 64), 'misaligned'],
		['a tensor past the file end', () => gguf(3, [], [tensor('t', [1024], 0, 0)], 64), 'out-of-range'],
		['a tensor past a claimed 4 GiB end', () => gguf(3, [], [tensor('t', [1024], 0, 4 * GiB)]), 'out-of-range', { size: 4 * GiB }],
		['overlapping tensors', () => gguf(3, [], [tensor('a', [16], 0, 0), tensor('b', [16], 0, 32)], 128), 'overlap'],
		['a duplicate tensor name', () => gguf(3, [], [tensor('a', [8], 0, 0), tensor('a', [8], 0, 32)], 64), 'duplicate'],
		['a header past maxHeaderBytes', () => readFileSync(new URL('tiny-llama-v3.gguf', fixtures)), 'too-large', { maxHeaderBytes: 12_000 }],
		['a file cut inside its vocabulary', () => readFileSync(new URL('tiny-llama-v3.gguf', fixtures)).subarray(0, 5000), 'truncated']
	];
	for (const [name, build, reason, options = {}] of cases) {
		it(`${name}: ${reason}`, async () => {
			const file = build();
			const error = await readGguf(memorySource(file, options.size ?? file.length), options).catch((caught: unknown) => caught);
			expect(isShelfError(error, 'BAD_MODEL_FILE') && error.details).toMatchObject({ format: 'gguf', reason });
		}, QUICK);
	}

	it('names a big-endian v3 file as such', async () => {
		const error = await readGguf(memorySource(bytes(GGUF, [0, 0, 0, 3], u64(0), u64(0)))).catch((caught: unknown) => caught);
		expect(isShelfError(error, 'BAD_MODEL_FILE') && error.details).toMatchObject({ reason: 'unsupported-version', found: 'big-endian v3' });
	});
});

// ---------------------------------------------------------------------------------------------
// A GGUF writer for crafted headers (the fixtures come from make_fixtures.py), and a counting source.

const [U8, U32, BOOL, STRING, ARRAY, U64] = [0, 4, 7, 8, 9, 10];
const GGUF = [0x47, 0x47, 0x55, 0x46];

function bytes(...parts: Array<Uint8Array | number[]>): Uint8Array {
	return join(parts);
}
/** Joins without spreading into arguments, which overflows the stack for 300,000 parts. */
function join(parts: Array<Uint8Array | number[]>): Uint8Array {
	const out = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0));
	let at = 0;
	for (const part of parts) out.set(part, (at += part.length) - part.length);
	return out;
}
function u32(value: number): Uint8Array {
	const out = new Uint8Array(4);
	new DataView(out.buffer).setUint32(0, value, true);
	return out;
}
function u64(value: number | bigint): Uint8Array {
	const out = new Uint8Array(8);
	new DataView(out.buffer).setBigUint64(0, BigInt(value), true);
	return out;
}
function str(text: string): Uint8Array {
	const encoded = new TextEncoder().encode(text);
	return bytes(u64(encoded.length), encoded);
}
function kv(key: string, type: number, value: Uint8Array | number[]): Uint8Array {
	return bytes(str(key), u32(type), value);
}
function array(itemType: number, items: Uint8Array[]): Uint8Array {
	return bytes(u32(itemType), u64(items.length), join(items));
}
/** Length-prefixed ASCII strings back to back, written in one buffer (300,000 small arrays are slow). */
function strings(texts: string[]): Uint8Array {
	const out = new Uint8Array(texts.reduce((sum, text) => sum + 8 + text.length, 0));
	const view = new DataView(out.buffer);
	let at = 0;
	for (const text of texts) {
		view.setBigUint64(at, BigInt(text.length), true);
		for (let i = 0; i < text.length; i++) out[at + 8 + i] = text.charCodeAt(i);
		at += 8 + text.length;
	}
	return out;
}
/** `depth` arrays, each holding the next, the innermost empty. */
function nested(depth: number): Uint8Array {
	let value = array(U32, []);
	for (let i = 1; i < depth; i++) value = array(ARRAY, [value]);
	return value;
}
function tensor(name: string, dims: number[], type: number, offset: number): Uint8Array {
	return bytes(str(name), u32(dims.length), ...dims.map((dim) => u64(dim)), u32(type), u64(offset));
}
/** The header and tensor table, unpadded. */
function ggufHead(version: number, kvs: Uint8Array[], tensors: Uint8Array[]): Uint8Array {
	return bytes(GGUF, u32(version), u64(tensors.length), u64(kvs.length), ...kvs, ...tensors);
}
/** A whole file: header, key/values, tensor infos, then `dataBytes` of zeros after the aligned data start. */
function gguf(version: number, kvs: Uint8Array[], tensors: Uint8Array[], dataBytes = 0): Uint8Array {
	const head = ggufHead(version, kvs, tensors);
	return bytes(head, new Uint8Array((32 - (head.length % 32)) % 32), new Uint8Array(dataBytes));
}

/** Answers `file`'s bytes and zeros past them up to `size`; counts what it served. */
function memorySource(file: Uint8Array, size = file.length): RandomAccessSource & { served: number; reads: number; maxEnd: number } {
	return {
		size,
		served: 0,
		reads: 0,
		maxEnd: 0,
		async read(offset: number, length: number) {
			const end = Math.min(offset + length, size);
			const out = new Uint8Array(Math.max(0, end - offset));
			if (offset < file.length) out.set(file.subarray(offset, Math.min(end, file.length)));
			this.served += out.length;
			this.reads++;
			this.maxEnd = Math.max(this.maxEnd, end);
			return out;
		}
	};
}

function fileSource(name: string): RandomAccessSource {
	return memorySource(new Uint8Array(readFileSync(new URL(name, fixtures))));
}

/** expected.json writes 64-bit values past 2^53 as {"bigint": "…"}; the reader answers bigints. */
function withBigints(value: unknown): unknown {
	if (Array.isArray(value)) return value.map(withBigints);
	if (typeof value !== 'object' || value === null) return value;
	if ('bigint' in value) return BigInt((value as { bigint: string }).bigint);
	return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, withBigints(item)]));
}
