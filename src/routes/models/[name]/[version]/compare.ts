// What differs between two versions: labels, metadata (by dotted path) and files (by path and digest).
import type { YamlValue } from '$lib/core/manifest-schema.ts';
import type { StoredFile, VersionRecord } from '$lib/core/store-types.ts';

/** One key or path that differs; `before` is the other version's, `after` this version's. */
export interface Change<T> {
	key: string;
	kind: 'added' | 'removed' | 'changed';
	before?: T;
	after?: T;
}

/** Every difference between two versions; unchanged entries are left out. */
export interface VersionDiff {
	labels: Change<string>[];
	metadata: Change<string>[];
	files: Change<StoredFile>[];
	/** Files identical in both (same path and SHA-256). */
	sameFiles: number;
}

/**
 * Compares `other` (before) with `current` (after).
 * @param current the version being viewed
 * @param other the version it is compared with
 * @example
 * diffVersions(v2, v1).files; // [{ key: 'weights.bin', kind: 'changed', before, after }]
 */
export function diffVersions(current: VersionRecord, other: VersionRecord): VersionDiff {
	const files = _diff(_byPath(other.files), _byPath(current.files), (a, b) => a.sha256 === b.sha256);
	return {
		labels: _diff(new Map(Object.entries(other.info.labels)), new Map(Object.entries(current.info.labels)), (a, b) => a === b),
		metadata: _diff(_flatten(other.info.metadata), _flatten(current.info.metadata), (a, b) => a === b),
		files,
		sameFiles: current.files.length - files.filter((change) => change.kind !== 'removed').length
	};
}

// ---------------------------------------------------------------------------------------------------
// Internals

function _byPath(files: StoredFile[]): Map<string, StoredFile> {
	return new Map(files.map((file) => [file.path, file]));
}

function _diff<T>(before: Map<string, T>, after: Map<string, T>, same: (a: T, b: T) => boolean): Change<T>[] {
	const changes: Change<T>[] = [];
	for (const [key, value] of after) {
		const old = before.get(key);
		if (!before.has(key)) changes.push({ key, kind: 'added', after: value });
		else if (!same(old as T, value)) changes.push({ key, kind: 'changed', before: old as T, after: value });
	}
	for (const [key, value] of before) if (!after.has(key)) changes.push({ key, kind: 'removed', before: value });
	return changes.sort((a, b) => a.key.localeCompare(b.key));
}

/** Metadata as dotted paths to display text: `eval.f1` → `0.91`; lists and bytes compare as a whole. */
function _flatten(value: Record<string, YamlValue>, prefix = '', into = new Map<string, string>()): Map<string, string> {
	for (const [key, item] of Object.entries(value)) {
		const path = prefix === '' ? key : `${prefix}.${key}`;
		if (item !== null && typeof item === 'object' && !Array.isArray(item) && !(item instanceof Uint8Array)) {
			if (Object.keys(item).length === 0) into.set(path, '{}');
			else _flatten(item, path, into);
		} else into.set(path, _text(item));
	}
	return into;
}

function _text(value: YamlValue): string {
	if (value instanceof Uint8Array) return `<${value.byteLength} bytes>`;
	// JSON text, so that the string "0.9" and the number 0.9 differ.
	return JSON.stringify(value, (_, v: unknown) => (v instanceof Uint8Array ? `<${v.byteLength} bytes>` : v));
}
