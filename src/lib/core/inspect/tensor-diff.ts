// Node + browser: pure TypeScript, no DOM, no idb, no OPFS.
//
// Two versions compared tensor by tensor (issue 17): which tensors were added or removed, which changed
// dtype or shape, and which are provably the same bytes — where both sit in files with the same SHA-256,
// the headers are the same bytes too, so the tensor's bytes are. Reading weights is never needed.
import type { VersionTensor } from './facts.ts';

/** How one tensor differs between two versions. */
export type TensorChangeKind = 'added' | 'removed' | 'changed' | 'same-bytes' | 'same-shape';

/** One tensor on one side of a comparison. */
export interface TensorSide {
	dtype: string;
	shape: Array<number | string>;
	elements: number | null;
	path: string;
}

/** One row of a tensor diff. */
export interface TensorChange {
	name: string;
	kind: TensorChangeKind;
	left: TensorSide | null;
	right: TensorSide | null;
	/** For `changed`: what changed. */
	changes: Array<'dtype' | 'shape'>;
}

/** A tensor diff: every tensor of either side once, changes first, then by name. */
export interface TensorDiff {
	rows: TensorChange[];
	counts: Record<TensorChangeKind, number>;
	/** Parameters (elements) of each side's tensors. */
	parameters: { left: number; right: number };
}

/** One side of a comparison: its tensors and the digest of each of its files. */
export interface TensorDiffSide {
	tensors: readonly VersionTensor[];
	/** SHA-256 by file path. */
	digests: ReadonlyMap<string, string>;
}

const _ORDER: Record<TensorChangeKind, number> = { changed: 0, added: 1, removed: 2, 'same-shape': 3, 'same-bytes': 4 };

/**
 * Compares two versions' tensors by name. A name that appears in several files of one side (the same
 * weights as `.bin` and `.safetensors`) counts once, from its first file.
 * @param left the older (or "from") version
 * @param right the newer (or "to") version
 * @example
 * diffTensors(a, b).counts; // { changed: 1, added: 2, removed: 0, 'same-shape': 10, 'same-bytes': 40 }
 */
export function diffTensors(left: TensorDiffSide, right: TensorDiffSide): TensorDiff {
	const leftByName = _byName(left.tensors);
	const rightByName = _byName(right.tensors);
	const rows: TensorChange[] = [];
	for (const [name, tensor] of leftByName) {
		const other = rightByName.get(name);
		if (!other) {
			rows.push({ name, kind: 'removed', left: _side(tensor), right: null, changes: [] });
			continue;
		}
		const changes: TensorChange['changes'] = [];
		if (tensor.dtype !== other.dtype) changes.push('dtype');
		if (tensor.shape.join('×') !== other.shape.join('×')) changes.push('shape');
		const sameFile = left.digests.get(tensor.path) !== undefined && left.digests.get(tensor.path) === right.digests.get(other.path);
		const kind = changes.length > 0 ? 'changed' : sameFile ? 'same-bytes' : 'same-shape';
		rows.push({ name, kind, left: _side(tensor), right: _side(other), changes });
	}
	for (const [name, tensor] of rightByName) {
		if (!leftByName.has(name)) rows.push({ name, kind: 'added', left: null, right: _side(tensor), changes: [] });
	}
	rows.sort((a, b) => _ORDER[a.kind] - _ORDER[b.kind] || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
	const counts: Record<TensorChangeKind, number> = { changed: 0, added: 0, removed: 0, 'same-shape': 0, 'same-bytes': 0 };
	for (const row of rows) counts[row.kind] += 1;
	const parameters = (tensors: Map<string, VersionTensor>) => [...tensors.values()].reduce((sum, tensor) => sum + (tensor.elements ?? 0), 0);
	return { rows, counts, parameters: { left: parameters(leftByName), right: parameters(rightByName) } };
}

function _byName(tensors: readonly VersionTensor[]): Map<string, VersionTensor> {
	const byName = new Map<string, VersionTensor>();
	for (const tensor of tensors) if (!byName.has(tensor.name)) byName.set(tensor.name, tensor);
	return byName;
}

function _side(tensor: VersionTensor): TensorSide {
	return { dtype: tensor.dtype, shape: tensor.shape, elements: tensor.elements, path: tensor.path };
}
