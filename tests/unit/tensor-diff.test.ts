// diffTensors (issue 17): two versions compared tensor by tensor from their headers alone — added, removed,
// dtype or shape changed, same bytes (proven by equal file digests) or only the same shape; a name repeated
// across one side's files counted once, from its first file; rows ordered by kind then name; counts; parameters.
// Also the diff of two real safetensors files (written by make_fixtures.py) read through readSafetensors.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { RandomAccessSource } from '../../src/lib/core/byte-streams.ts';
import type { VersionTensor } from '../../src/lib/core/inspect/facts.ts';
import { readSafetensors } from '../../src/lib/core/inspect/safetensors.ts';
import { diffTensors, type TensorChange, type TensorDiffSide } from '../../src/lib/core/inspect/tensor-diff.ts';

const tensor = (name: string, dtype: string, shape: Array<number | string>, path = 'model.safetensors'): VersionTensor => ({
	name,
	dtype,
	shape,
	elements: shape.every((dim) => typeof dim === 'number') ? (shape as number[]).reduce((product, dim) => product * dim, 1) : null,
	path
});
const side = (tensors: VersionTensor[], digests: Record<string, string> = {}): TensorDiffSide => ({ tensors, digests: new Map(Object.entries(digests)) });
const byName = (rows: TensorChange[]) => new Map(rows.map((row) => [row.name, row]));

describe('diffTensors', () => {
	it('names tensors only on the right as added and only on the left as removed, with the missing side null', () => {
		const diff = diffTensors(side([tensor('old', 'F32', [4])]), side([tensor('new', 'F16', [2, 3])]));
		const rows = byName(diff.rows);
		expect(rows.get('old')).toEqual({ name: 'old', kind: 'removed', left: { dtype: 'F32', shape: [4], elements: 4, path: 'model.safetensors' }, right: null, changes: [] });
		expect(rows.get('new')).toEqual({ name: 'new', kind: 'added', left: null, right: { dtype: 'F16', shape: [2, 3], elements: 6, path: 'model.safetensors' }, changes: [] });
	});

	it('marks a changed dtype, a changed shape, and both, as changed with what changed', () => {
		const diff = diffTensors(
			side([tensor('cast', 'F32', [2, 2]), tensor('grown', 'F32', [2, 2]), tensor('both', 'F32', [2, 2]), tensor('flattened', 'F32', [2, 2])], { 'model.safetensors': 'aa' }),
			side([tensor('cast', 'BF16', [2, 2]), tensor('grown', 'F32', [2, 3]), tensor('both', 'F16', [4]), tensor('flattened', 'F32', [4])], { 'model.safetensors': 'bb' })
		);
		const rows = byName(diff.rows);
		expect(rows.get('cast')).toMatchObject({ kind: 'changed', changes: ['dtype'], left: { dtype: 'F32' }, right: { dtype: 'BF16' } });
		expect(rows.get('grown')).toMatchObject({ kind: 'changed', changes: ['shape'], left: { shape: [2, 2] }, right: { shape: [2, 3] } });
		expect(rows.get('both')).toMatchObject({ kind: 'changed', changes: ['dtype', 'shape'] });
		// Same element count, different dims: still a shape change.
		expect(rows.get('flattened')).toMatchObject({ kind: 'changed', changes: ['shape'] });
	});

	it('calls equal dtype and shape "same bytes" only when both files have the same digest, even under another path', () => {
		const diff = diffTensors(
			side([tensor('a', 'F32', [2], 'shared.safetensors'), tensor('b', 'F32', [2], 'model.safetensors'), tensor('c', 'F32', [2], 'old-name.safetensors')], {
				'shared.safetensors': 'same',
				'model.safetensors': 'left',
				'old-name.safetensors': 'moved'
			}),
			side([tensor('a', 'F32', [2], 'shared.safetensors'), tensor('b', 'F32', [2], 'model.safetensors'), tensor('c', 'F32', [2], 'new-name.safetensors')], {
				'shared.safetensors': 'same',
				'model.safetensors': 'right',
				'new-name.safetensors': 'moved'
			})
		);
		const rows = byName(diff.rows);
		expect(rows.get('a')).toMatchObject({ kind: 'same-bytes', changes: [] });
		expect(rows.get('b')).toMatchObject({ kind: 'same-shape', changes: [] });
		expect(rows.get('c')).toMatchObject({ kind: 'same-bytes', left: { path: 'old-name.safetensors' }, right: { path: 'new-name.safetensors' } });
	});

	it('never proves bytes equal without a digest on both sides', () => {
		const diff = diffTensors(side([tensor('w', 'F32', [2])]), side([tensor('w', 'F32', [2])]));
		expect(diff.rows).toEqual([expect.objectContaining({ name: 'w', kind: 'same-shape' })]);
	});

	it('counts a name found in several files of one side once, from its first file', () => {
		const left = side([tensor('w', 'F32', [2, 2], 'model.safetensors'), tensor('w', 'F16', [9], 'pytorch_model.bin')], { 'model.safetensors': 'x', 'pytorch_model.bin': 'y' });
		const right = side([tensor('w', 'F32', [2, 2], 'model.safetensors'), tensor('w', 'F32', [2, 2], 'pytorch_model.bin')], { 'model.safetensors': 'x', 'pytorch_model.bin': 'z' });
		const diff = diffTensors(left, right);
		expect(diff.rows).toEqual([{ name: 'w', kind: 'same-bytes', left: { dtype: 'F32', shape: [2, 2], elements: 4, path: 'model.safetensors' }, right: { dtype: 'F32', shape: [2, 2], elements: 4, path: 'model.safetensors' }, changes: [] }]);
		expect(diff.parameters).toEqual({ left: 4, right: 4 });
		expect(Object.values(diff.counts).reduce((sum, count) => sum + count, 0)).toBe(1);
	});

	it('orders rows changed, added, removed, same shape, same bytes, and by name within each kind', () => {
		const diff = diffTensors(
			side([tensor('z.same', 'F32', [1], 'a'), tensor('y.same', 'F32', [1], 'a'), tensor('x.shape', 'F32', [1], 'b'), tensor('w.gone', 'F32', [1], 'b'), tensor('v.cast', 'F32', [1], 'b'), tensor('b.cast', 'F32', [1], 'b')], {
				a: 'same',
				b: 'left'
			}),
			side([tensor('z.same', 'F32', [1], 'a'), tensor('y.same', 'F32', [1], 'a'), tensor('x.shape', 'F32', [1], 'b'), tensor('v.cast', 'I8', [1], 'b'), tensor('b.cast', 'I8', [1], 'b'), tensor('c.new', 'F32', [1], 'b'), tensor('a.new', 'F32', [1], 'b')], {
				a: 'same',
				b: 'right'
			})
		);
		expect(diff.rows.map((row) => [row.kind, row.name])).toEqual([
			['changed', 'b.cast'],
			['changed', 'v.cast'],
			['added', 'a.new'],
			['added', 'c.new'],
			['removed', 'w.gone'],
			['same-shape', 'x.shape'],
			['same-bytes', 'y.same'],
			['same-bytes', 'z.same']
		]);
		expect(diff.counts).toEqual({ changed: 2, added: 2, removed: 1, 'same-shape': 1, 'same-bytes': 2 });
	});

	it("sums each side's parameters from its own tensors, a symbolic shape counting none", () => {
		const diff = diffTensors(
			side([tensor('kept', 'F32', [10, 10]), tensor('gone', 'F32', [5]), tensor('dynamic', 'FLOAT', ['batch', 3])]),
			side([tensor('kept', 'F32', [10, 20]), tensor('new', 'F32', [7])])
		);
		expect(diff.parameters).toEqual({ left: 105, right: 207 });
	});

	it('compares two empty sides to no rows, zero counts and zero parameters', () => {
		expect(diffTensors(side([]), side([]))).toEqual({ rows: [], counts: { changed: 0, added: 0, removed: 0, 'same-shape': 0, 'same-bytes': 0 }, parameters: { left: 0, right: 0 } });
	});
});

describe('diffTensors on real safetensors headers', () => {
	type ExpectedFile = { tensors: Array<{ name: string; dtype: string; shape: number[]; elements: number }> };
	const fixtures = new URL('../fixtures/models/safetensors/', import.meta.url);
	const expected = JSON.parse(readFileSync(new URL('expected.json', fixtures), 'utf8')) as Record<string, ExpectedFile>;

	async function readSide(path: string): Promise<TensorDiffSide> {
		const bytes = new Uint8Array(readFileSync(new URL(path, fixtures)));
		const source: RandomAccessSource = { size: bytes.length, read: async (offset, length) => bytes.slice(offset, Math.min(offset + length, bytes.length)) };
		const header = await readSafetensors(source);
		return { tensors: header.tensors.map((info) => ({ ...info, path })), digests: new Map([[path, path]]) };
	}

	it('tiny.safetensors → no-metadata.safetensors: every tensor by name as its header declares it, per expected.json', async () => {
		const [from, to] = [expected['tiny.safetensors']!, expected['no-metadata.safetensors']!];
		const diff = diffTensors(await readSide('tiny.safetensors'), await readSide('no-metadata.safetensors'));

		const fromNames = new Map(from.tensors.map((t) => [t.name, t]));
		const toNames = new Map(to.tensors.map((t) => [t.name, t]));
		const removed = from.tensors.filter((t) => !toNames.has(t.name));
		const added = to.tensors.filter((t) => !fromNames.has(t.name));
		expect(removed.length + added.length).toBeGreaterThan(0);
		const sides = (t: ExpectedFile['tensors'][number], path: string) => ({ dtype: t.dtype, shape: t.shape, elements: t.elements, path });
		expect(diff.rows.filter((row) => row.kind === 'removed')).toEqual(
			[...removed].sort((a, b) => (a.name < b.name ? -1 : 1)).map((t) => ({ name: t.name, kind: 'removed', left: sides(t, 'tiny.safetensors'), right: null, changes: [] }))
		);
		expect(diff.rows.filter((row) => row.kind === 'added')).toEqual(
			[...added].sort((a, b) => (a.name < b.name ? -1 : 1)).map((t) => ({ name: t.name, kind: 'added', left: null, right: sides(t, 'no-metadata.safetensors'), changes: [] }))
		);
		// Names in both files (none in these two, but the diff must say so): changed, or the same shape in different files.
		for (const [name, t] of fromNames) {
			const other = toNames.get(name);
			if (!other) continue;
			const changed = t.dtype !== other.dtype || t.shape.join() !== other.shape.join();
			expect(diff.rows.find((row) => row.name === name)?.kind).toBe(changed ? 'changed' : 'same-shape');
		}
		expect(diff.rows).toHaveLength(new Set([...fromNames.keys(), ...toNames.keys()]).size);
		expect(diff.counts.added).toBe(added.length);
		expect(diff.counts.removed).toBe(removed.length);
		const elements = (file: ExpectedFile) => file.tensors.reduce((sum, t) => sum + t.elements, 0);
		expect(diff.parameters).toEqual({ left: elements(from), right: elements(to) });
	});
});
