// Node + browser: pure TypeScript, no DOM, no idb, no OPFS.
//
// Reads and writes BentoML's model.yaml. BentoML writes it with PyYAML, `yaml.safe_dump(info.to_dict(),
// sort_keys=False)`, and reads it with `yaml.safe_load` (bentoml/BentoML
// src/bentoml/_internal/models/model.py, ModelInfo.dump and from_yaml_file). PyYAML speaks YAML 1.1, so we
// parse with the `yaml` package's 1.1 schema narrowed to PyYAML's implicit resolvers (PyYAML
// yaml/resolver.py): `y`, `n`, `1e5` and `09` stay strings, and an unquoted timestamp stays its text.
// The data checks live in manifest-schema.ts, creation_time in manifest-time.ts.

import { Document, isPair, isScalar, isSeq, parseDocument, visit } from 'yaml';
import type { CreateNodeOptions, DocumentOptions, ParseOptions, SchemaOptions, Tags, ToStringOptions, YAMLError } from 'yaml';
import { ShelfError } from './errors.ts';
import { formatCreationTime } from './manifest-time.ts';
import {
	DOCUMENT_FIELD,
	manifestError,
	toManifestData,
	toModelInfo,
	type ModelContext,
	type ModelInfo,
	type ModelSignature,
	type YamlValue
} from './manifest-schema.ts';

export type { ManifestProblem, ModelContext, ModelInfo, ModelSignature, YamlValue } from './manifest-schema.ts';
export { DOCUMENT_FIELD, MAX_VALUE_DEPTH } from './manifest-schema.ts';
export type { CreationInstant } from './manifest-time.ts';
export { compareByCreationTime, creationTimeKey, creationTimeMs, formatCreationTime, parseCreationTime } from './manifest-time.ts';

/** Most alias expansions a model.yaml may use; BentoML never writes aliases, and this stops "billion laughs". */
export const MAX_YAML_ALIASES = 20;

/** What {@link newModelInfo} needs: a name and version; everything else has BentoML's default. */
export interface NewModelInfo {
	name: string;
	/** A concrete version, e.g. from `newVersion()` in tags.ts. */
	version: string;
	module?: string;
	labels?: Record<string, string>;
	options?: Record<string, YamlValue>;
	metadata?: Record<string, YamlValue>;
	context?: Partial<ModelContext>;
	signatures?: Record<string, Partial<ModelSignature>>;
	apiVersion?: string;
	/** An ISO-8601 string with offset, or a Date (default: now), written as BentoML would. */
	creationTime?: string | Date;
	extra?: Record<string, YamlValue>;
}

/**
 * Reads a model.yaml as BentoML's `ModelInfo.from_yaml_file` does, more strictly where BentoML would
 * silently coerce: label values must be strings, keys must be unique, `batchable` must be a boolean.
 * Unknown keys (top level, `context`, each signature) are kept in `extra`.
 *
 * @param text the whole file, UTF-8 decoded
 * @throws ShelfError `INVALID_MANIFEST` with `details: { field, reason, ... }`; `field` is a dotted path
 * such as `'labels.team'`, or `'(document)'` for bad YAML; an invalid name or version has the
 * `INVALID_TAG` error as `cause`
 * @example
 * const info = parseModelYaml(text);
 * `${info.name}:${info.version}`; // 'fraud_detector:6st47ifytwe2p45h'
 * info.labels.stage; // 'production'
 */
export function parseModelYaml(text: string): ModelInfo {
	const doc = parseDocument(text, _YAML);
	const problem = doc.errors[0] ?? doc.warnings[0];
	if (problem !== undefined) throw _yamlProblem(doc, problem);
	let data: unknown;
	try {
		_checkKeys(doc);
		data = doc.toJS({ maxAliasCount: MAX_YAML_ALIASES });
	} catch (error) {
		if (error instanceof ShelfError) throw error;
		// yaml throws a ReferenceError past maxAliasCount; anything else here is a stack overflow.
		if (!(error instanceof ReferenceError)) throw manifestError(DOCUMENT_FIELD, 'syntax', 'model.yaml is nested too deeply.', {}, error);
		const message = `model.yaml expands aliases too often (more than ${MAX_YAML_ALIASES}). Hint: write the values out.`;
		throw manifestError(DOCUMENT_FIELD, 'aliases', message, {}, error);
	}
	return toModelInfo(data);
}

/**
 * Writes a model.yaml as BentoML's `ModelInfo.dump` does (PyYAML `safe_dump`, `sort_keys=False`): block
 * style, keys in BentoML's order, unknown keys after the known ones, `creation_time` as given. A file
 * BentoML wrote comes back byte for byte as long as it is ASCII and holds no float with a zero fraction
 * (JavaScript cannot tell `1.0` from `1`, so that value is written `1`). Other known losses: a metadata
 * date or datetime (unquoted in the file) comes back quoted, i.e. a str to Python, and integers past 2^53
 * lose precision when read (TODO: read those as BigInt).
 *
 * @param info the model info; it is checked first, like a file that is read
 * @throws ShelfError `INVALID_MANIFEST` when `info` would not read back
 * @example
 * serializeModelYaml(parseModelYaml(text)) === text; // true for files BentoML wrote
 */
export function serializeModelYaml(info: ModelInfo): string {
	const data = toManifestData(toModelInfo(toManifestData(info)));
	return new Document(data, _YAML).toString(_WRITE);
}

/**
 * Makes the info of a new model with BentoML's defaults (`bentoml.models.create`): module `''`,
 * api_version `'v1'`, empty labels, options, metadata and signatures, context with framework_name `''`
 * and no framework versions, and creation_time now in UTC. `bentomlVersion` and `pythonVersion` stay
 * absent unless given: BentoML fills in its own, and we are neither.
 *
 * @param init name, version and whatever else is known
 * @throws ShelfError `INVALID_MANIFEST`, the same checks as {@link parseModelYaml}
 * @example
 * newModelInfo({ name: 'iris', version: 'v1', labels: { stage: 'dev' } }).apiVersion; // 'v1'
 */
export function newModelInfo(init: NewModelInfo): ModelInfo {
	const { context = {}, signatures = {}, creationTime = new Date() } = init;
	const info: ModelInfo = {
		name: init.name,
		version: init.version,
		module: init.module ?? '',
		labels: init.labels ?? {},
		options: init.options ?? {},
		metadata: init.metadata ?? {},
		context: {
			...context,
			frameworkName: context.frameworkName ?? '',
			frameworkVersions: context.frameworkVersions ?? {},
			extra: context.extra ?? {}
		},
		signatures: Object.fromEntries(Object.entries(signatures).map(([method, s]) => [method, _signature(s)])),
		apiVersion: init.apiVersion ?? 'v1',
		creationTime: typeof creationTime === 'string' ? creationTime : formatCreationTime(creationTime),
		extra: init.extra ?? {}
	};
	return toModelInfo(toManifestData(info)); // the same checks as a file, and a copy of the caller's objects
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
 * patterns for booleans, ints and floats, numbers written so PyYAML reads them back as numbers, and
 * timestamps kept as text (a JavaScript Date would drop microseconds). It only ever narrows what loads.
 */
function _pyYamlTags(tags: Tags): Tags {
	return tags.flatMap((tag): Tags => {
		if (typeof tag === 'string') return [tag];
		const kind = tag.tag.slice(_Y.length);
		if (kind === 'omap' || kind === 'pairs' || kind === 'set' || tag.format === 'EXP') return [];
		if (tag.collection !== undefined) return [tag]; // map and seq
		if (kind === 'timestamp') {
			return [{ tag: tag.tag, default: true, test: _PY.timestamp, identify: () => false, resolve: (text: string) => text }];
		}
		// PyYAML resolves a plain `<<` anywhere, not only as a key, and cannot load it as a value: so match it
		// everywhere, and never claim the string '<<' when writing (it must be quoted, not made a merge key).
		if (kind === 'merge') return [{ ...tag, default: true, identify: (v) => typeof v === 'symbol' }, _PY_VALUE_TAG];
		if (kind === 'bool') return [{ ...tag, test: tag.test?.test('true') ? _PY.true : _PY.false }];
		if (kind !== 'int' && kind !== 'float') return [tag];
		const plain = tag.format === undefined && !tag.test?.test('.nan');
		const test = plain ? _PY[kind] : kind === 'int' && tag.format === 'TIME' ? _PY.intTime : tag.test;
		return [{ ...tag, test, stringify: ({ value }) => _pyNumber(Number(value)) }];
	});
}

/** A number as PyYAML writes it: ints plainly, floats as Python's repr with ".0" added where needed. */
function _pyNumber(value: number): string {
	if (Number.isNaN(value)) return '.nan';
	if (!Number.isFinite(value)) return value > 0 ? '.inf' : '-.inf';
	if (Number.isSafeInteger(value)) return String(value);
	const [mantissa = '', exponent = '0'] = value.toExponential().split('e');
	const exp = Number(exponent);
	if (exp >= -4 && exp < 16) return String(value).includes('.') ? String(value) : `${String(value)}.0`;
	// Python's repr goes scientific outside 1e-4..1e16 with at least two exponent digits, e.g. 1.0e-07.
	return `${mantissa.includes('.') ? mantissa : `${mantissa}.0`}e${exp < 0 ? '-' : '+'}${String(Math.abs(exp)).padStart(2, '0')}`;
}

/** PyYAML resolves a plain `=` to !!value, which safe_load cannot construct: refuse it too, and quote '='. */
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

const _YAML = {
	version: '1.1',
	schema: 'yaml-1.1',
	customTags: _pyYamlTags,
	resolveKnownTags: false,
	uniqueKeys: true,
	merge: false, // `<<` still merges: _pyYamlTags keeps the 1.1 schema's merge tag, and true would add the stock one again
	intAsBigInt: false,
	logLevel: 'error', // not 'silent': that also drops the error for a second document (PyYAML refuses one too)
	aliasDuplicateObjects: false
} as const satisfies ParseOptions & DocumentOptions & SchemaOptions & CreateNodeOptions;

/** PyYAML's layout: sequences not indented under their key, single quotes, no block scalars. */
const _WRITE = { indentSeq: false, singleQuote: true, blockQuote: false, lineWidth: 80 } as const satisfies ToStringOptions;

function _signature(s: Partial<ModelSignature>): ModelSignature {
	return { ...s, batchable: s.batchable ?? false, extra: s.extra ?? {} };
}

type _Doc = ReturnType<typeof parseDocument>;

function _yamlProblem(doc: _Doc, problem: YAMLError): ShelfError {
	const at = problem.linePos?.[0];
	const where = at === undefined ? {} : { line: at.line, column: at.col };
	const summary = (problem.message.split('\n')[0] ?? '').replace(/ at line \d+, column \d+:?$/, '');
	if (problem.code === 'DUPLICATE_KEY') {
		const field = _duplicateField(doc, problem.pos[0]);
		return manifestError(field, 'duplicate-key', `model.yaml: "${field}" is given twice. Hint: keep one.`, where, problem);
	}
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

function _duplicateField(doc: _Doc, offset: number): string {
	let field = DOCUMENT_FIELD;
	visit(doc, {
		Pair(_, pair, path) {
			if (!isScalar(pair.key) || pair.key.range?.[0] !== offset) return undefined;
			field = _fieldOf([...path, pair]);
			return visit.BREAK;
		}
	});
	return field;
}

/** PyYAML cannot load a list or mapping as a key (it is unhashable), so neither do we. */
function _checkKeys(doc: _Doc): void {
	visit(doc, {
		Pair(_, pair, path) {
			if (isScalar(pair.key)) return;
			const field = _fieldOf(path);
			const message = `model.yaml: "${field}" has a key that is a list, a mapping or missing. Hint: use text keys.`;
			throw manifestError(field, 'complex-key', message);
		}
	});
}
