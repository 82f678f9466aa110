// Node + browser: pure TypeScript, no DOM, no idb, no OPFS.
//
// Loads model.yaml text as PyYAML's `yaml.safe_load` does, which is how BentoML reads it (bentoml/BentoML
// src/bentoml/_internal/models/model.py, ModelInfo.from_yaml_file). PyYAML speaks YAML 1.1, so we parse with
// the `yaml` package's 1.1 schema narrowed to PyYAML's implicit resolvers (PyYAML yaml/resolver.py): `y`, `n`,
// `1e5` and `09` stay strings, and an unquoted timestamp stays its text. Two modes: plain JavaScript values
// (what ModelInfo holds), or typed, where an int is a bigint and a whole float a PyFloat, so nothing of
// Python's int/float distinction is lost (used to compare two files' content).

import { Scalar, isPair, isScalar, isSeq, parseDocument, visit } from 'yaml';
import type { CreateNodeOptions, DocumentOptions, ParseOptions, SchemaOptions, Tags, YAMLError } from 'yaml';
import { ShelfError } from './errors.ts';
import { DOCUMENT_FIELD, manifestError } from './manifest-schema.ts';
import { pyFloat } from './pyyaml-dump.ts';

/** Most alias expansions a model.yaml may use; BentoML never writes aliases, and this stops "billion laughs". */
export const MAX_YAML_ALIASES = 20;

/**
 * Loads a YAML document the way `yaml.safe_load` would, refusing what PyYAML refuses or BentoML cannot hold.
 * @param text the whole file
 * @param typed true for Python's types (ints as bigint, whole floats as PyFloat), false for plain numbers
 * @throws ShelfError `INVALID_MANIFEST` (`details.field` `'(document)'` or the offending key's dotted path)
 */
export function loadYaml(text: string, typed = false): unknown {
	const doc = parseDocument(text, typed ? _TYPED : _PLAIN);
	const problem = doc.errors[0] ?? doc.warnings[0];
	try {
		let keys: _KeyProblems;
		try {
			keys = _checkKeys(doc, text);
		} catch (error) {
			if (problem !== undefined) throw _yamlProblem(problem);
			throw error;
		}
		// The yaml package reported a duplicate key among its own errors, in document order: so do we.
		const firstError = doc.errors[0]?.pos[0];
		if (keys.duplicate !== undefined && (firstError === undefined || keys.duplicate.offset < firstError)) throw keys.duplicate.error;
		if (problem !== undefined) throw _yamlProblem(problem);
		if (keys.complex !== undefined) throw keys.complex;
		return doc.toJS({ maxAliasCount: MAX_YAML_ALIASES });
	} catch (error) {
		if (error instanceof ShelfError) throw error;
		// yaml throws a ReferenceError past maxAliasCount; anything else here is a stack overflow.
		if (!(error instanceof ReferenceError)) throw manifestError(DOCUMENT_FIELD, 'syntax', 'model.yaml is nested too deeply.', {}, error);
		const message = `model.yaml expands aliases too often (more than ${MAX_YAML_ALIASES}). Hint: write the values out.`;
		throw manifestError(DOCUMENT_FIELD, 'aliases', message, {}, error);
	}
}

// ---------------------------------------------------------------------------------------------------
// Internals

const _Y = 'tag:yaml.org,2002:';

/** PyYAML 6's implicit resolvers (yaml/resolver.py), where they differ from the `yaml` package's 1.1 schema. */
const _PY = {
	true: /^(?:yes|Yes|YES|true|True|TRUE|on|On|ON)$/,
	false: /^(?:no|No|NO|false|False|FALSE|off|Off|OFF)$/,
	int: /^[-+]?(?:0|[1-9][0-9_]*)$/,
	intTime: /^[-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+$/,
	float: /^(?:[-+]?[0-9][0-9_]*\.[0-9_]*(?:[eE][-+][0-9]+)?|\.[0-9][0-9_]*(?:[eE][-+][0-9]+)?)$/,
	timestamp:
		/^(?:[0-9]{4}-[0-9]{2}-[0-9]{2}|[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}(?:[Tt]|[ \t]+)[0-9]{1,2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]*)?(?:[ \t]*(?:Z|[-+][0-9]{1,2}(?::[0-9]{2})?))?)$/
};

/**
 * Narrows the 1.1 tags to PyYAML's: no !!omap, !!pairs or !!set (BentoML cannot write them), PyYAML's
 * patterns for booleans, ints and floats, and timestamps kept as text (a JavaScript Date would drop
 * microseconds). It only ever narrows what loads. Typed, a whole float becomes a PyFloat.
 */
function _pyYamlTags(typed: boolean) {
	return (tags: Tags): Tags =>
		tags.flatMap((tag): Tags => {
			if (typeof tag === 'string') return [tag];
			const kind = tag.tag.slice(_Y.length);
			if (kind === 'omap' || kind === 'pairs' || kind === 'set' || tag.format === 'EXP') return [];
			if (tag.collection !== undefined) return [tag]; // map and seq
			if (kind === 'timestamp') {
				return [{ tag: tag.tag, default: true, test: _PY.timestamp, identify: () => false, resolve: (text: string) => text }];
			}
			// PyYAML resolves a plain `<<` anywhere, not only as a key, and cannot load it as a value: so match it
			// everywhere (a value then fails the schema check as a symbol).
			if (kind === 'merge') return [{ ...tag, default: true, identify: (v) => typeof v === 'symbol' }, _PY_VALUE_TAG];
			if (kind === 'bool') return [{ ...tag, test: tag.test?.test('true') ? _PY.true : _PY.false }];
			if (kind !== 'int' && kind !== 'float') return [tag];
			const plain = tag.format === undefined && !tag.test?.test('.nan');
			const test = plain ? _PY[kind] : kind === 'int' && tag.format === 'TIME' ? _PY.intTime : tag.test;
			if (kind === 'int' || !typed || tag.resolve === undefined) return [{ ...tag, test }];
			const resolve = tag.resolve;
			return [
				{
					...tag,
					test,
					resolve: (...args: Parameters<typeof resolve>) => {
						const resolved = resolve(...args);
						const value = resolved instanceof Scalar ? resolved.value : resolved;
						return typeof value === 'number' && Number.isInteger(value) ? pyFloat(value) : resolved;
					}
				}
			];
		});
}

/** PyYAML resolves a plain `=` to !!value, which safe_load cannot construct: refuse it too. */
const _PY_VALUE_TAG = {
	tag: `${_Y}value`,
	default: true,
	test: /^=$/,
	identify: () => false,
	resolve: (text: string, onError: (message: string) => void) => {
		onError('a plain "=" is the YAML 1.1 value key, which PyYAML cannot load; quote it');
		return text;
	}
} as const;

const _OPTIONS = {
	version: '1.1',
	schema: 'yaml-1.1',
	resolveKnownTags: false,
	// Duplicate keys are refused by _checkKeys: the yaml package's own check compares each key with every earlier
	// key of its mapping, and a 400 KB model.yaml of 40,000 keys took half a minute (issue 22, found by fuzzing).
	uniqueKeys: false,
	merge: false, // `<<` still merges: _pyYamlTags keeps the 1.1 schema's merge tag, and true would add the stock one again
	logLevel: 'error', // not 'silent': that also drops the error for a second document (PyYAML refuses one too)
	aliasDuplicateObjects: false
} as const satisfies ParseOptions & DocumentOptions & SchemaOptions & CreateNodeOptions;

const _PLAIN = { ..._OPTIONS, customTags: _pyYamlTags(false), intAsBigInt: false } as const;
const _TYPED = { ..._OPTIONS, customTags: _pyYamlTags(true), intAsBigInt: true } as const;

type _Doc = ReturnType<typeof parseDocument>;

function _yamlProblem(problem: YAMLError): ShelfError {
	const at = problem.linePos?.[0];
	const where = at === undefined ? {} : { line: at.line, column: at.col };
	const summary = (problem.message.split('\n')[0] ?? '').replace(/ at line \d+, column \d+:?$/, '');
	const reason = problem.code === 'TAG_RESOLVE_FAILED' ? 'unknown-tag' : 'syntax';
	const message = `model.yaml is not valid BentoML YAML${at ? ` (line ${at.line}, column ${at.col})` : ''}: ${summary}.`;
	return manifestError(DOCUMENT_FIELD, reason, message, { ...where, yamlCode: problem.code }, problem);
}

/** Dotted path of the nodes in a `visit` path, e.g. `signatures.predict.batch_dim.0`. */
function _fieldOf(nodes: readonly unknown[]): string {
	const parts = nodes.flatMap((node, i) => {
		if (isPair(node)) return isScalar(node.key) ? [String(node.key.value)] : [];
		return isSeq(node) ? [String(node.items.indexOf(nodes[i + 1] as never))] : [];
	});
	return parts.length === 0 ? DOCUMENT_FIELD : parts.join('.');
}

interface _KeyProblems {
	duplicate?: { offset: number; error: ShelfError };
	complex?: ShelfError;
}

/**
 * Finds what PyYAML cannot load as a key (a list or a mapping: unhashable) and, as the yaml package's `uniqueKeys`
 * did, a key given twice in one mapping (by value; the first one in the text is named), in linear time.
 */
function _checkKeys(doc: _Doc, text: string): _KeyProblems {
	let duplicate: { offset: number; pair: unknown; path: readonly unknown[] } | undefined;
	let complex: string | undefined;
	visit(doc, {
		Map(_, map, path) {
			const seen = new Set<unknown>();
			for (const pair of map.items) {
				if (!isScalar(pair.key)) continue; // a complex key, below
				const value = pair.key.value;
				// NaN is never equal to itself, so the yaml package's `===` never found `.nan` twice.
				if (typeof value === 'number' && Number.isNaN(value)) continue;
				const offset = pair.key.range?.[0] ?? 0;
				if (seen.has(value) && (duplicate === undefined || offset < duplicate.offset)) duplicate = { offset, pair, path: [...path, map] };
				seen.add(value);
			}
		},
		Pair(_, pair, path) {
			if (!isScalar(pair.key)) complex ??= _fieldOf(path);
		}
	});
	const found: _KeyProblems = {};
	if (duplicate !== undefined) {
		const field = _fieldOf([...duplicate.path, duplicate.pair]);
		const before = text.slice(0, duplicate.offset);
		const where = { line: before.split('\n').length, column: duplicate.offset - before.lastIndexOf('\n') };
		found.duplicate = { offset: duplicate.offset, error: manifestError(field, 'duplicate-key', `model.yaml: "${field}" is given twice. Hint: keep one.`, where) };
	}
	if (complex !== undefined) found.complex = manifestError(complex, 'complex-key', `model.yaml: "${complex}" has a key that is a list, a mapping or missing. Hint: use text keys.`);
	return found;
}
