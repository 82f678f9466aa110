// The Save form's fields, read and checked on the page before anything is sent to the worker.
import { parsePyJson } from '$lib/core/py-json.ts';
import type { PyValue } from '$lib/core/pyyaml-dump.ts';
import { validateTagPart } from '$lib/core/tags.ts';
import { describeError } from '$lib/ui/errors.ts';

/** A file picked for the new version, with its path inside the model folder. */
export interface PickedFile {
	path: string;
	file: File;
}

/** A field's value, or the reason it cannot be used. */
export type Checked<T> = { ok: true; value: T } | { ok: false; error: string };

/**
 * Checks a model name or version the way BentoML does (lower-cased, `a-z 0-9 - _ .`).
 * @param text what the user typed
 * @param part which half of the tag it is
 */
export function checkTagPart(text: string, part: 'name' | 'version'): Checked<string> {
	try {
		return { ok: true, value: validateTagPart(text.trim(), part) };
	} catch (error) {
		return { ok: false, error: describeError(error).message };
	}
}

/**
 * Reads labels written one `key=value` per line (blank lines ignored).
 * @param text the textarea's content
 * @example
 * parseLabels('stage=dev\nteam=risk'); // { ok: true, value: { stage: 'dev', team: 'risk' } }
 */
export function parseLabels(text: string): Checked<Record<string, string>> {
	const labels: Record<string, string> = {};
	for (const [index, raw] of text.split('\n').entries()) {
		const line = raw.trim();
		if (line === '') continue;
		const equals = line.indexOf('=');
		if (equals <= 0) return { ok: false, error: `Line ${index + 1} ("${line}") is not key=value.` };
		const key = line.slice(0, equals).trim();
		if (Object.hasOwn(labels, key)) return { ok: false, error: `Line ${index + 1}: the label "${key}" is given twice.` };
		labels[key] = line.slice(equals + 1).trim();
	}
	return { ok: true, value: labels };
}

/**
 * Reads metadata written as a JSON object (empty means none), with Python's types as `json.loads` gives them:
 * `1.0` stays a float in model.yaml, `1` is an int (issue 14).
 * @param text the textarea's content
 * @example
 * parseMetadata('{"C": 1.0, "epochs": 12}'); // { ok: true, value: { C: pyFloat(1), epochs: 12 } }
 */
export function parseMetadata(text: string): Checked<Record<string, PyValue>> {
	if (text.trim() === '') return { ok: true, value: {} };
	try {
		const value = parsePyJson(text, 'Metadata');
		if (typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Uint8Array) && !(value instanceof Number)) {
			return { ok: true, value };
		}
		return { ok: false, error: 'Metadata must be a JSON object, e.g. {"accuracy": 0.93}.' };
	} catch (error) {
		return { ok: false, error: describeError(error).message };
	}
}

/**
 * Gives picked files their paths: a folder's files lose the folder's own name (its content is the model).
 * @param files from a file input (with `webkitdirectory`, each has a `webkitRelativePath`)
 */
export function pickedFiles(files: Iterable<File>): PickedFile[] {
	return [...files].map((file) => {
		const relative = file.webkitRelativePath;
		return { path: relative ? relative.split('/').slice(1).join('/') : file.name, file };
	});
}

/**
 * Adds files to a selection; a later file with the same path replaces the earlier one.
 * @param current the files picked so far
 * @param added the new ones
 */
export function mergeFiles(current: readonly PickedFile[], added: readonly PickedFile[]): PickedFile[] {
	const byPath = new Map(current.map((picked) => [picked.path, picked]));
	for (const picked of added) byPath.set(picked.path, picked);
	return [...byPath.values()].sort((a, b) => a.path.localeCompare(b.path));
}
