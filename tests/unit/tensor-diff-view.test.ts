// How the Compare section words a tensor diff (issue 17): the summary line, the parameter change, shapes,
// a row's kind, and which rows are shown at once.
import { describe, expect, it } from 'vitest';
import { formatParameters } from '../../src/lib/core/inspect/facts.ts';
import { diffTensors, type TensorChange } from '../../src/lib/core/inspect/tensor-diff.ts';
import { describeKind, describeParameterChange, splitRows, summarizeCounts } from '../../src/routes/models/[name]/[version]/tensor-diff-view.ts';

const row = (name: string, kind: TensorChange['kind'], changes: TensorChange['changes'] = []): TensorChange => ({ name, kind, left: null, right: null, changes });

describe('tensor diff wording', () => {
	it('summarizes every kind with a count, in the order changed, added, removed, same bytes, same shape', () => {
		expect(summarizeCounts({ changed: 3, added: 2, removed: 1, 'same-bytes': 40, 'same-shape': 10 })).toBe('3 changed · 2 added · 1 removed · 40 same bytes · 10 same shape');
	});

	it('leaves kinds with none out of the summary, and groups thousands', () => {
		expect(summarizeCounts({ changed: 0, added: 1, removed: 0, 'same-bytes': 12_345, 'same-shape': 0 })).toBe('1 added · 12,345 same bytes');
	});

	it('writes the parameter change as left → right with a signed delta in the same units', () => {
		expect(describeParameterChange({ left: 7_000_000, right: 7_500_000 })).toBe(`${formatParameters(7_000_000)} → ${formatParameters(7_500_000)} (+${formatParameters(500_000)})`);
		expect(describeParameterChange({ left: 1_200, right: 200 })).toBe(`${formatParameters(1_200)} → ${formatParameters(200)} (−${formatParameters(1_000)})`);
		expect(describeParameterChange({ left: 42, right: 42 })).toBe('42 → 42 (no change)');
	});


	it('says what changed in a changed row, and the kind in words otherwise', () => {
		expect(describeKind(row('a', 'changed', ['dtype']))).toBe('dtype changed');
		expect(describeKind(row('a', 'changed', ['dtype', 'shape']))).toBe('dtype and shape changed');
		expect(describeKind(row('a', 'same-bytes'))).toBe('same bytes');
		expect(describeKind(row('a', 'same-shape'))).toBe('same shape');
		expect(describeKind(row('a', 'added'))).toBe('added');
	});

	it("splits a diff's rows into what differs and what does not, each in the diff's order", () => {
		const t = (name: string, dtype: string, path = 'm') => ({ name, dtype, shape: [1], elements: 1, path });
		const diff = diffTensors(
			{ tensors: [t('kept', 'F32', 'same'), t('retyped', 'F32'), t('gone', 'F32'), t('rewritten', 'F32')], digests: new Map([['same', 'x'], ['m', '1']]) },
			{ tensors: [t('kept', 'F32', 'same'), t('retyped', 'F16'), t('new', 'F32'), t('rewritten', 'F32')], digests: new Map([['same', 'x'], ['m', '2']]) }
		);
		const { differing, unchanged } = splitRows(diff.rows);
		expect(differing.map((r) => r.name)).toEqual(['retyped', 'new', 'gone']);
		expect(unchanged.map((r) => [r.name, r.kind])).toEqual([
			['rewritten', 'same-shape'],
			['kept', 'same-bytes']
		]);
	});
});
