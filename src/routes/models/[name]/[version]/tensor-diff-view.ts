// How the Compare section words a tensor diff (issue 17): the summary line, the parameter change, a tensor's
// dtype and shape, and which rows are shown at first. Pure functions; the component only renders them.
import { formatParameters } from '$lib/core/inspect/facts.ts';
import type { TensorChange, TensorChangeKind, TensorDiff, TensorSide } from '$lib/core/inspect/tensor-diff.ts';

/** Rows rendered before "Show more": a 10,000-tensor diff stays a light page. */
export const ROW_LIMIT = 500;

/** Kinds in the order the summary names them, with the words it uses. */
export const KIND_WORDS: ReadonlyArray<readonly [TensorChangeKind, string]> = [
	['changed', 'changed'],
	['added', 'added'],
	['removed', 'removed'],
	['same-bytes', 'same bytes'],
	['same-shape', 'same shape']
];

/** What "same bytes" and "same shape" prove, for the note and the tooltips. */
export const KIND_NOTES: Partial<Record<TensorChangeKind, string>> = {
	'same-bytes': 'Proven identical: the file holding it has the same SHA-256 in both versions.',
	'same-shape': 'Same dtype and shape, but in a file whose bytes differ: the values may have changed.'
};

/**
 * The summary line: each kind with its count, kinds with none left out.
 * @param counts the diff's counts
 * @example
 * summarizeCounts(diff.counts); // '3 changed · 2 added · 1 removed · 40 same bytes · 10 same shape'
 */
export function summarizeCounts(counts: Record<TensorChangeKind, number>): string {
	return KIND_WORDS.filter(([kind]) => counts[kind] > 0)
		.map(([kind, words]) => `${counts[kind].toLocaleString('en')} ${words}`)
		.join(' · ');
}

/**
 * The parameter change from left to right, with the signed difference.
 * @param parameters the diff's parameters of each side
 * @example
 * describeParameterChange({ left: 1_000, right: 1_500 }); // '1 K → 1.5 K (+500)'
 */
export function describeParameterChange({ left, right }: TensorDiff['parameters']): string {
	const delta = right - left;
	const change = delta === 0 ? 'no change' : `${delta > 0 ? '+' : '−'}${formatParameters(Math.abs(delta))}`;
	return `${formatParameters(left)} → ${formatParameters(right)} (${change})`;
}

/**
 * Splits a diff's rows: what differs (changed, added, removed), shown at once, and what does not
 * (same bytes, same shape), shown on request. Each keeps the diff's order.
 * @param rows the diff's rows
 */
export function splitRows(rows: readonly TensorChange[]): { differing: TensorChange[]; unchanged: TensorChange[] } {
	const differing: TensorChange[] = [];
	const unchanged: TensorChange[] = [];
	for (const row of rows) (row.kind === 'same-bytes' || row.kind === 'same-shape' ? unchanged : differing).push(row);
	return { differing, unchanged };
}

/**
 * The words for a row's kind: for a changed tensor, what changed (`dtype and shape changed`).
 * @param row one row of the diff
 */
export function describeKind(row: TensorChange): string {
	if (row.kind === 'changed') return `${row.changes.join(' and ')} changed`;
	return KIND_WORDS.find(([kind]) => kind === row.kind)![1];
}
