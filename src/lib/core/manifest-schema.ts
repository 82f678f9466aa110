// Node + browser: pure TypeScript, no DOM, no idb, no OPFS.
//
// The data in BentoML's model.yaml, checked the way BentoML reads it (bentoml/BentoML src/bentoml/_internal/
// models/model.py: ModelInfo, ModelContext, ModelSignature, from_yaml_file; utils/__init__.py: validate_labels;
// utils/cattr.py: creation_time is isoformat() out, fromisoformat() in). The YAML text is manifest.ts's business.

import { ShelfError, type ErrorDetails } from './errors.ts';
import { parseCreationTime } from './manifest-time.ts';
import { parseExactTag, validateTagPart } from './tags.ts';

/** A value model.yaml can hold after a PyYAML-style safe load; `!!binary` becomes bytes. */
export type YamlValue = string | number | boolean | null | Uint8Array | YamlValue[] | { [key: string]: YamlValue };

/** One callable method of a model: BentoML's `ModelSignature`, found at `signatures.<method>`. */
export interface ModelSignature {
	/** `batchable`; BentoML's default is `false`. */
	batchable: boolean;
	/** `batch_dim` as `[input, output]` axes; absent means `(0, 0)`. One integer is refused, as BentoML's import does. */
	batchDim?: [number, number];
	/** `input_spec`, reserved by BentoML; absent when the file has none or `null`. */
	inputSpec?: YamlValue;
	/** `output_spec`, reserved by BentoML; absent when the file has none or `null`. */
	outputSpec?: YamlValue;
	/** Keys BentoML does not define, kept in file order and written back after the known ones. */
	extra: Record<string, YamlValue>;
}

/** Where a model was made: BentoML's `ModelContext`, found at `context`. */
export interface ModelContext {
	/** `framework_name`, e.g. `'onnx'`; `''` when saved with `bentoml.models.create`. */
	frameworkName: string;
	/** `framework_versions`: package name → version string. */
	frameworkVersions: Record<string, string>;
	/** `bentoml_version` of the writer; absent when the file has none. */
	bentomlVersion?: string;
	/** `python_version` of the writer, e.g. `'3.11.7'`; absent when the file has none. */
	pythonVersion?: string;
	/** Keys BentoML does not define, kept in file order and written back after the known ones. */
	extra: Record<string, YamlValue>;
}

/** Everything in one model.yaml, in BentoML's field order. */
export interface ModelInfo {
	/** Model name, a lower-case BentoML tag part. */
	name: string;
	/** Concrete version, a lower-case BentoML tag part (never `latest`). */
	version: string;
	/** Python module that saved the model, e.g. `'bentoml.onnx'`; may be `''`. */
	module: string;
	/** `labels`: string → string, used by selectors such as `stage=production`. */
	labels: Record<string, string>;
	/** `options`: loader options, free-form. */
	options: Record<string, YamlValue>;
	/** `metadata`: free-form user data (metrics, parameters). */
	metadata: Record<string, YamlValue>;
	context: ModelContext;
	/** `signatures`: method name → signature; `{}` when the file has none. */
	signatures: Record<string, ModelSignature>;
	/** `api_version` of the saving module, e.g. `'v1'`. */
	apiVersion: string;
	/** `creation_time` exactly as written, e.g. `'2025-11-03T10:15:00.250000+00:00'`; see `creationTimeKey`. */
	creationTime: string;
	/** Top-level keys BentoML does not define, kept in file order and written back after `creation_time`. */
	extra: Record<string, YamlValue>;
	/** The exact model.yaml text read or written, exported as it is (see `serializeModelYaml`); absent before issue 14. */
	source?: string;
}

/** Why a model.yaml was refused: `details.reason` of an `INVALID_MANIFEST` error. */
export type ManifestProblem = 'syntax' | 'duplicate-key' | 'complex-key' | 'unknown-tag' | 'aliases'
	| 'missing' | 'wrong-type' | 'invalid-tag' | 'invalid-time' | 'too-deep';

/** `details.field` when the problem is the document as a whole (bad YAML, not a mapping). */
export const DOCUMENT_FIELD = '(document)';

/**
 * Builds the `INVALID_MANIFEST` error every manifest check throws.
 * @param field dotted path of the offending key, e.g. `'labels.team'`, or {@link DOCUMENT_FIELD}
 * @param reason what kind of problem it is
 * @param message what failed, with a hint
 * @param more further JSON-safe details
 * @param cause the underlying error, if any
 * @example
 * throw manifestError('labels.team', 'wrong-type', 'model.yaml: "labels.team" must be a string.');
 */
export function manifestError(field: string, reason: ManifestProblem, message: string, more: Omit<ErrorDetails<'INVALID_MANIFEST'>, 'field' | 'reason'> = {}, cause?: unknown): ShelfError {
	return new ShelfError('INVALID_MANIFEST', message, { field, reason, ...more }, cause === undefined ? undefined : { cause });
}

/**
 * Checks plain data (what a YAML load of model.yaml gives) against BentoML's schema and returns a copy
 * as a {@link ModelInfo}. Name and version are lower-cased, as BentoML's `Tag` does.
 * @param data the loaded document
 * @throws ShelfError `INVALID_MANIFEST` with `details: { field, reason, ... }`
 * @example
 * toModelInfo(yaml.parse(text)).context.frameworkName; // 'onnx'
 */
export function toModelInfo(data: unknown): ModelInfo {
	const doc = _mapping(data, DOCUMENT_FIELD);
	const [rawName, rawVersion] = [_get(doc, '', 'name', _string), _get(doc, '', 'version', _string)];
	const name = _tagPart('name', rawName, () => validateTagPart(rawName, 'name'));
	// parseExactTag also refuses the version `latest`, which the store reserves for "the newest one".
	const version = _tagPart('version', rawVersion, () => parseExactTag(`${name}:${rawVersion}`).version);
	const ctx = _get(doc, '', 'context', _mapping);
	// BentoML < 1.0 wrote pip_dependencies instead of framework_versions; from_yaml_file substitutes {}.
	const legacy = Object.hasOwn(ctx, 'pip_dependencies') && !Object.hasOwn(ctx, 'framework_versions');
	return {
		name,
		version,
		module: _get(doc, '', 'module', _string),
		labels: _get(doc, '', 'labels', _stringMap),
		options: _get(doc, '', 'options', _valueMap),
		metadata: _get(doc, '', 'metadata', _valueMap),
		context: _defined({
			frameworkName: _get(ctx, 'context', 'framework_name', _string),
			frameworkVersions: legacy ? {} : _get(ctx, 'context', 'framework_versions', _stringMap),
			bentomlVersion: _get(ctx, 'context', 'bentoml_version', _string, true),
			pythonVersion: _get(ctx, 'context', 'python_version', _string, true),
			extra: _entries(ctx, 'context', _value, _CONTEXT_KEYS)
		}),
		signatures: _get(doc, '', 'signatures', (v, f) => _entries(_mapping(v, f), f, _signature), true) ?? {},
		apiVersion: _get(doc, '', 'api_version', _string),
		creationTime: _get(doc, '', 'creation_time', _creationTime),
		extra: _entries(doc, '', _value, _TOP_KEYS)
	};
}

/**
 * Lays a {@link ModelInfo} out as BentoML's `ModelInfo.to_dict()` does: snake_case keys in BentoML's
 * order, `batch_dim`/`input_spec`/`output_spec` only when set, unknown keys after the known ones.
 * @param info the model info (not validated here; see `serializeModelYaml`)
 * @example
 * Object.keys(toManifestData(info)); // ['name', 'version', 'module', ..., 'creation_time']
 */
export function toManifestData(info: ModelInfo): Record<string, YamlValue> {
	const { context: c } = info;
	const signature = (s: ModelSignature) => ({
		// One integer n (given to save, or in a record from before issue 14) is (n, n), as BentoML's ModelSignature reads it.
		..._defined({ batchable: s.batchable, batch_dim: _pair(s.batchDim) }),
		..._defined({ input_spec: s.inputSpec ?? undefined, output_spec: s.outputSpec ?? undefined }),
		..._unknown(s.extra, _SIGNATURE_KEYS)
	});
	return {
		name: info.name,
		version: info.version,
		module: info.module,
		labels: info.labels,
		options: info.options,
		metadata: info.metadata,
		context: {
			framework_name: c.frameworkName,
			framework_versions: c.frameworkVersions,
			..._defined({ bentoml_version: c.bentomlVersion, python_version: c.pythonVersion }),
			..._unknown(c.extra, _CONTEXT_KEYS)
		},
		signatures: Object.fromEntries(Object.entries(info.signatures).map(([method, s]) => [method, signature(s)])),
		api_version: info.apiVersion,
		creation_time: info.creationTime,
		..._unknown(info.extra, _TOP_KEYS)
	};
}

// ---------------------------------------------------------------------------------------------------
// Internals

const _TOP_KEYS = ['name', 'version', 'module', 'labels', 'options', 'metadata', 'context', 'signatures', 'api_version', 'creation_time'];
const _CONTEXT_KEYS = ['framework_name', 'framework_versions', 'bentoml_version', 'python_version'];
const _SIGNATURE_KEYS = ['batchable', 'batch_dim', 'input_spec', 'output_spec'];

type _Obj = Record<string, unknown>;
type _Check<T> = (value: unknown, field: string) => T;

const _join = (prefix: string, key: string): string => (prefix === '' ? key : `${prefix}.${key}`);

/** `T` with the keys that may hold undefined made optional instead. */
type _Defined<T> = { [K in keyof T as undefined extends T[K] ? never : K]: T[K] } & {
	[K in keyof T as undefined extends T[K] ? K : never]?: Exclude<T[K], undefined>;
};

/** Drops the keys whose value is undefined, so optional fields are absent rather than undefined. */
function _defined<T extends object>(obj: T): _Defined<T> {
	return Object.fromEntries(Object.entries(obj).filter(([, v]) => v !== undefined)) as _Defined<T>;
}

function _describe(value: unknown): string {
	if (value === null || value === undefined) return 'nothing (null)';
	if (Array.isArray(value)) return 'a list';
	if (value instanceof Uint8Array) return 'bytes';
	if (typeof value === 'object') return _isPlain(value) ? 'a mapping' : `a ${value.constructor.name}`;
	return typeof value === 'symbol' ? 'a bare "<<" (a YAML merge key)' : `a ${typeof value} (${JSON.stringify(value)})`;
}

function _wrongType(field: string, expected: string, value: unknown): ShelfError {
	const hint = typeof value === 'number' || typeof value === 'boolean' ? ` Hint: quote it, e.g. '${String(value)}'.` : '';
	const actual = value === null ? 'null' : Array.isArray(value) ? 'list' : typeof value;
	const message = `model.yaml: "${field}" must be ${expected}, but it is ${_describe(value)}.${hint}`;
	return manifestError(field, 'wrong-type', message, { expected, actual });
}

function _get<T>(obj: _Obj, prefix: string, key: string, check: _Check<T>, optional: true): T | undefined;
function _get<T>(obj: _Obj, prefix: string, key: string, check: _Check<T>): T;
function _get<T>(obj: _Obj, prefix: string, key: string, check: _Check<T>, optional = false): T | undefined {
	const field = _join(prefix, key);
	if (Object.hasOwn(obj, key)) return check(obj[key], field);
	if (optional) return undefined;
	throw manifestError(field, 'missing', `model.yaml has no "${field}". Hint: BentoML always writes it; was the file edited?`);
}

function _isPlain(value: object): boolean {
	const proto: unknown = Object.getPrototypeOf(value);
	return proto === Object.prototype || proto === null;
}

function _mapping(value: unknown, field: string): _Obj {
	if (typeof value === 'object' && value !== null && _isPlain(value)) return value as _Obj;
	throw _wrongType(field, 'a mapping', value);
}

function _string(value: unknown, field: string): string {
	if (typeof value === 'string') return value;
	throw _wrongType(field, 'a string', value);
}

// Object.fromEntries defines own properties, so a "__proto__" key stays data and never becomes a prototype.
function _entries<T>(obj: _Obj, prefix: string, check: _Check<T>, skip: readonly string[] = []): Record<string, T> {
	const kept = Object.entries(obj).filter(([k]) => !skip.includes(k));
	return Object.fromEntries(kept.map(([k, v]) => [k, check(v, _join(prefix, k))]));
}

// BentoML's cattrs converter would turn `team: 1` into '1' (with a warning); we refuse, so that what we
// store is what the file says.
const _stringMap = (value: unknown, field: string): Record<string, string> => _entries(_mapping(value, field), field, _string);
const _valueMap = (value: unknown, field: string, depth = 0): Record<string, YamlValue> =>
	_entries(_mapping(value, field), field, (item, itemField) => _value(item, itemField, depth + 1));

/**
 * Deepest nesting of lists and mappings in a free-form value (metadata, options, context). Issue 8: without
 * a bound, a deeply nested value saved through the API overflowed the stack somewhere later (INTERNAL, not
 * INVALID_MANIFEST); PyYAML, which BentoML reads model.yaml with, gives up not far beyond this depth either.
 */
export const MAX_VALUE_DEPTH = 100;

function _value(value: unknown, field: string, depth = 0): YamlValue {
	if (value === null || typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return value;
	if (value instanceof Uint8Array) return new Uint8Array(value); // Node's yaml gives a Buffer: keep plain bytes
	if (depth >= MAX_VALUE_DEPTH && typeof value === 'object') {
		const top = field.split('.')[0]!;
		throw manifestError(top, 'too-deep', `model.yaml: "${top}" nests lists and mappings more than ${MAX_VALUE_DEPTH} levels deep. Hint: flatten it.`, { depth: MAX_VALUE_DEPTH });
	}
	if (Array.isArray(value)) return value.map((item: unknown, i) => _value(item, `${field}.${i}`, depth + 1));
	if (typeof value === 'object') return _valueMap(value, field, depth); // refuses a Date, a Map and the like
	throw _wrongType(field, 'a YAML value (string, number, boolean, null, bytes, list or mapping)', value);
}

function _integer(value: unknown, field: string): number {
	if (typeof value === 'number' && Number.isInteger(value)) return value;
	throw _wrongType(field, 'an integer', value);
}

function _signature(value: unknown, field: string): ModelSignature {
	const raw = _mapping(value, field);
	// BentoML leaves out input_spec/output_spec when they are None, so null and absent are the same.
	const spec = (key: string) => (raw[key] === undefined || raw[key] === null ? undefined : _value(raw[key], _join(field, key)));
	return _defined({
		batchable: _get(raw, field, 'batchable', _boolean, true) ?? false,
		batchDim: _get(raw, field, 'batch_dim', _batchDim, true),
		inputSpec: spec('input_spec'),
		outputSpec: spec('output_spec'),
		extra: _entries(raw, field, _value, _SIGNATURE_KEYS)
	});
}

function _batchDim(value: unknown, field: string): [number, number] {
	if (typeof value === 'number' && Number.isInteger(value)) {
		const message = `model.yaml: "${field}" is one integer, which BentoML's import refuses. Hint: write [${value}, ${value}].`;
		throw manifestError(field, 'wrong-type', message, { expected: 'a list of two integers', actual: 'number' });
	}
	if (!Array.isArray(value) || value.length !== 2) throw _wrongType(field, 'a list of two integers', value);
	return [_integer(value[0], `${field}.0`), _integer(value[1], `${field}.1`)];
}

const _pair = (dim: unknown) => (typeof dim === 'number' && Number.isInteger(dim) ? [dim, dim] : (dim as YamlValue | undefined));

function _boolean(value: unknown, field: string): boolean {
	if (typeof value === 'boolean') return value;
	throw _wrongType(field, 'true or false', value);
}

function _unknown(extra: Record<string, YamlValue> | undefined, known: readonly string[]): Record<string, YamlValue> {
	return Object.fromEntries(Object.entries(extra ?? {}).filter(([k]) => !known.includes(k)));
}

function _tagPart(field: 'name' | 'version', value: string, check: () => string): string {
	try {
		return check();
	} catch (error) {
		const why = error instanceof Error ? error.message : String(error);
		throw manifestError(field, 'invalid-tag', `model.yaml: "${field}" ${JSON.stringify(value)} is not usable. ${why}`, { value }, error);
	}
}

function _creationTime(value: unknown, field: string): string {
	const text = _string(value, field);
	if (parseCreationTime(text) !== null) return text;
	const message = `model.yaml: "${field}" ${JSON.stringify(text)} is not an ISO-8601 time, e.g. '2025-11-03T10:15:00.250000+00:00'.`;
	throw manifestError(field, 'invalid-time', message, { value: text });
}
