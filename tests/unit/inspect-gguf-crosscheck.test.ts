// Issue 17: our GGUF fixtures are written byte by byte from ggml's docs/gguf.md (no writer in Debian), so they
// are cross-checked with an independent reader: Hugging Face's `@huggingface/gguf` (the Hub's own parser) must
// read every fixture and agree with readGguf on the version, metadata, tensor table and parameter count.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { gguf, GGMLQuantizationType } from '@huggingface/gguf';
import { describe, expect, it } from 'vitest';
import { memorySource } from './zip-craft.ts';
import { readGguf, type GgufValue } from '../../src/lib/core/inspect/gguf.ts';

const fixtures = new URL('../fixtures/models/gguf/', import.meta.url);
const FILES = ['tiny-llama-v3.gguf', 'tiny-v2-align64.gguf'];

describe('GGUF fixtures read by @huggingface/gguf agree with readGguf', () => {
	for (const file of FILES) {
		it(file, async () => {
			const theirs = await gguf(fileURLToPath(new URL(file, fixtures)), { allowLocalFile: true, computeParametersCount: true });
			const ours = await readGguf(memorySource(new Uint8Array(readFileSync(new URL(file, fixtures)))));
			expect(ours.version).toBe(Number(theirs.metadata.version));
			expect(ours.dataOffset).toBe(Number(theirs.tensorDataOffset));
			// Theirs adds the header's own fields (version, tensor_count, kv_count) to the key/values.
			const theirKeys = Object.keys(theirs.metadata).filter((key) => !['version', 'tensor_count', 'kv_count'].includes(key));
			expect(Object.keys(ours.metadata).sort()).toEqual(theirKeys.sort());
			for (const key of theirKeys) expect(_comparable(ours.metadata[key]!), key).toEqual(_comparable(theirs.metadata[key as keyof typeof theirs.metadata] as unknown));
			expect(ours.tensors.map((tensor) => [tensor.name, tensor.dtype, tensor.shape, tensor.byteRange![0] - ours.dataOffset])).toEqual(
				theirs.tensorInfos.map((info) => [info.name, GGMLQuantizationType[info.dtype], info.shape.map(Number), Number(info.offset)])
			);
			expect(ours.tensors.reduce((sum, tensor) => sum + (tensor.elements ?? 0), 0)).toBe(theirs.parameterCount);
		});
	}
});

/** Values as both readers can state them: numbers (ours keeps 64-bit ones as bigints past 2^53), and arrays by their first items (ours keeps a preview of long ones). */
function _comparable(value: GgufValue | unknown): unknown {
	if (typeof value === 'bigint') return value.toString();
	if (typeof value === 'number' && Number.isInteger(value)) return String(value);
	if (typeof value === 'number') return Math.fround(value) === value ? value : Number(value.toPrecision(7));
	if (Array.isArray(value)) return { length: value.length, first: value.slice(0, 8).map(_comparable) };
	if (typeof value === 'object' && value !== null && 'items' in value) {
		const array = value as { length: number; items: unknown[] };
		return { length: array.length, first: array.items.slice(0, 8).map(_comparable) };
	}
	return value;
}
