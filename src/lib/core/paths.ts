// Node + browser: pure TypeScript, no DOM, no idb, no OPFS.
//
// Paths of the files inside a model directory. They come from users' folders and from bundles
// written by anyone, so every path is checked before it reaches storage or a zip writer.

import { ShelfError } from './errors.ts';

/** The manifest's name at the root of a model directory; never one of the model's own files. */
export const MANIFEST_PATH = 'model.yaml';

/** Longest path we accept, in UTF-16 code units (common file systems allow 4096 bytes). */
export const MAX_PATH_LENGTH = 1024;

/** Longest single path segment (most file systems allow 255 bytes). */
export const MAX_SEGMENT_LENGTH = 255;

/** Why a path was refused; found in `details.reason` of an `INVALID_PATH` error. */
export type PathProblem =
	| 'empty'
	| 'too-long'
	| 'absolute'
	| 'backslash'
	| 'drive-letter'
	| 'parent-segment'
	| 'empty-segment'
	| 'control-character'
	| 'reserved'
	| 'duplicate';

/**
 * Checks a model file path and returns its normal form: POSIX separators, Unicode NFC,
 * no `.` segments (BentoML's tar exports prefix every entry with `./`), no trailing slash.
 *
 * @param path the path as found in a bundle or a picked folder
 * @throws ShelfError `INVALID_PATH` with `details: { path, reason }`
 * @example
 * normalizeModelPath('./extra/thresholds.json'); // 'extra/thresholds.json'
 * normalizeModelPath('../etc/passwd'); // throws INVALID_PATH, reason 'parent-segment'
 */
export function normalizeModelPath(path: string): string {
	if (path.length === 0) _refuse(path, 'empty', 'is empty');
	if (path.length > MAX_PATH_LENGTH) _refuse(path, 'too-long', `is longer than ${MAX_PATH_LENGTH} characters`);
	if (/[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/.test(path)) {
		_refuse(path, 'control-character', 'contains a control or text-direction character');
	}
	if (path.includes('\\')) _refuse(path, 'backslash', 'contains a backslash; use "/" between folders');
	if (/^[a-zA-Z]:/.test(path)) _refuse(path, 'drive-letter', 'starts with a drive letter');
	if (path.startsWith('/')) _refuse(path, 'absolute', 'is absolute; paths must be relative to the model folder');
	const segments = path.normalize('NFC').split('/');
	// One trailing slash marks a directory entry; the caller decides whether it wants those.
	if (segments.length > 1 && segments.at(-1) === '') segments.pop();
	const kept: string[] = [];
	for (const segment of segments) {
		if (segment === '.') continue;
		if (segment === '..') _refuse(path, 'parent-segment', 'climbs out of the model folder with ".."');
		if (segment === '') _refuse(path, 'empty-segment', 'has an empty folder name ("//")');
		if (segment.length > MAX_SEGMENT_LENGTH) {
			_refuse(path, 'too-long', `has a name longer than ${MAX_SEGMENT_LENGTH} characters`);
		}
		kept.push(segment);
	}
	if (kept.length === 0) _refuse(path, 'empty', 'names no file');
	return kept.join('/');
}

/**
 * Normalizes a model's file paths and refuses the manifest's own name and paths that collide:
 * equal after normalization, equal ignoring case (they would overwrite each other on macOS and
 * Windows), or a file that is also a folder of another path.
 *
 * @param paths file paths in the order given
 * @returns the normalized paths, in the same order
 * @throws ShelfError `INVALID_PATH` (`reason: 'duplicate'` or `'reserved'` among others)
 * @example
 * normalizeModelPaths(['a.bin', './b/c.json']); // ['a.bin', 'b/c.json']
 */
export function normalizeModelPaths(paths: readonly string[]): string[] {
	const normalized = paths.map(normalizeModelPath);
	const seen = new Map<string, string>();
	for (const [index, path] of normalized.entries()) {
		if (path === MANIFEST_PATH) _refuse(paths[index]!, 'reserved', `is reserved for the manifest`);
		const key = path.toLowerCase();
		const earlier = seen.get(key);
		if (earlier !== undefined) {
			_refuse(paths[index]!, 'duplicate', `names the same file as "${earlier}"`, { other: earlier });
		}
		seen.set(key, path);
	}
	for (const path of normalized) {
		const segments = path.toLowerCase().split('/');
		for (let depth = 1; depth < segments.length; depth++) {
			const folder = segments.slice(0, depth).join('/');
			const clash = seen.get(folder);
			if (clash !== undefined) _refuse(path, 'duplicate', `is inside "${clash}", which is a file`, { other: clash });
		}
	}
	return normalized;
}

// ---------------------------------------------------------------------------

function _refuse(path: string, reason: PathProblem, what: string, extra: { other?: string } = {}): never {
	const shown = path.length > 120 ? `${path.slice(0, 117)}…` : path;
	throw new ShelfError('INVALID_PATH', `File path ${JSON.stringify(shown)} ${what}.`, { path, reason, ...extra });
}
