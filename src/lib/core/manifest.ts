// Node + browser: pure TypeScript, no DOM, no idb, no OPFS.
//
// Reads and writes BentoML's model.yaml. BentoML writes it with PyYAML, `yaml.safe_dump(info.to_dict(),
// sort_keys=False)`, and reads it with `yaml.safe_load` (bentoml/BentoML src/bentoml/_internal/models/model.py,
// ModelInfo.dump and from_yaml_file). A version's model.yaml never changes once stored: the text a version
// was imported or pulled with is kept in `ModelInfo.source` and written back byte for byte; a version made in
// the shelf is written once, as PyYAML would write the same data (pyyaml-dump.ts), with floats kept floats.
// Loading lives in manifest-load.ts, the data checks in manifest-schema.ts, creation_time in manifest-time.ts.

import { loadYaml } from './manifest-load.ts';
import { currentCreationTime, formatCreationTime, isoformatCreationTime } from './manifest-time.ts';
import {
	MAX_VALUE_DEPTH,
	toManifestData,
	toModelInfo,
	type ModelContext,
	type ModelInfo,
	type YamlValue
} from './manifest-schema.ts';
import { dumpPyYaml, isPyFloat, type PyValue } from './pyyaml-dump.ts';

export type { ManifestProblem, ModelContext, ModelInfo, ModelSignature, YamlValue } from './manifest-schema.ts';
export { DOCUMENT_FIELD, MAX_VALUE_DEPTH } from './manifest-schema.ts';
export { MAX_YAML_ALIASES } from './manifest-load.ts';
export type { CreationInstant } from './manifest-time.ts';
export {
	compareByCreationTime,
	creationTimeKey,
	creationTimeMs,
	currentCreationTime,
	formatCreationTime,
	isoformatCreationTime,
	parseCreationTime
} from './manifest-time.ts';
export { isPyFloat, pyFloat, type PyFloat, type PyValue } from './pyyaml-dump.ts';

/** A signature as `save` takes it: BentoML's `ModelSignature` fields, `batch_dim` also as one integer. */
export interface NewSignature {
	batchable?: boolean;
	/** One axis `n` (read as `[n, n]`, as BentoML's `ModelSignature.from_dict` does) or `[input, output]`. */
	batchDim?: number | [number, number];
	inputSpec?: PyValue;
	outputSpec?: PyValue;
	extra?: Record<string, PyValue>;
}

/**
 * What {@link newModelInfo} needs: a name and version; everything else has BentoML's defaults. Free-form values
 * (options, metadata, extra keys) are {@link PyValue}s: a whole number is an int unless wrapped with `pyFloat`.
 */
export interface NewModelInfo {
	name: string;
	/** A concrete version, e.g. from `newVersion()` in tags.ts. */
	version: string;
	module?: string;
	labels?: Record<string, string>;
	options?: Record<string, PyValue>;
	metadata?: Record<string, PyValue>;
	/** `bentomlVersion` and `pythonVersion` default to `''`: no BentoML and no Python made this version. */
	context?: Partial<Omit<ModelContext, 'extra'>> & { extra?: Record<string, PyValue> };
	signatures?: Record<string, NewSignature>;
	apiVersion?: string;
	/** An ISO-8601 time (written as Python's `isoformat()` of it) or a Date; default: now, to the microsecond. */
	creationTime?: string | Date;
	extra?: Record<string, PyValue>;
}

/**
 * Reads a model.yaml as BentoML's `ModelInfo.from_yaml_file` does, more strictly where BentoML would
 * silently coerce: label values must be strings, keys must be unique, `batchable` must be a boolean, and
 * `batch_dim` a list of two integers (BentoML's import refuses one integer). Unknown keys (top level,
 * `context`, each signature) are kept in `extra`; the text itself in `source`. Numbers are plain: `1.0`
 * reads as 1 here, and stays `1.0` in `source`.
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
	return { ...toModelInfo(loadYaml(text)), source: text };
}

/**
 * The version's model.yaml: `info.source` byte for byte when the info still says what that text says (the
 * bytes BentoML, a registry or the shelf wrote when the version was stored); otherwise the info written as
 * BentoML's `ModelInfo.dump` would (PyYAML `safe_dump`, `sort_keys=False`, keys in BentoML's order, unknown
 * keys after the known ones, non-ASCII escaped). That fallback serves infos changed after reading and records
 * from before issue 14, whose whole-number floats were already stored as ints.
 *
 * @param info the model info; without a matching `source` it is checked first, like a file that is read
 * @throws ShelfError `INVALID_MANIFEST` when `info` would not read back
 * @example
 * serializeModelYaml(parseModelYaml(text)) === text; // true
 */
export function serializeModelYaml(info: ModelInfo): string {
	const { source, ...rest } = info;
	if (source !== undefined && _says(source, rest)) return source;
	return dumpPyYaml(toManifestData(toModelInfo(toManifestData(rest))));
}

/**
 * True when two versions' model.yaml say the same, `creation_time` aside, with Python's types: `1.0` and `1`
 * differ, and so do two spellings of a key that load the same only in JavaScript.
 * @param a one version's info
 * @param b another's
 * @example
 * sameModelYaml(saved.info, savedAgain.info); // true when only the creation time differs
 */
export function sameModelYaml(a: ModelInfo, b: ModelInfo): boolean {
	const canonical = (info: ModelInfo) => {
		const data = loadYaml(serializeModelYaml(info), true) as Record<string, PyValue>;
		return dumpPyYaml({ ...data, creation_time: null });
	};
	return canonical(a) === canonical(b);
}

/**
 * Makes the info of a new model with BentoML's defaults (`bentoml.models.create`) and writes its model.yaml
 * once, into `source`, exactly as PyYAML's `safe_dump` writes the same data for BentoML: module `''`,
 * api_version `'v1'`, empty labels, options, metadata and signatures, context with framework_name `''`, no
 * framework versions and `bentoml_version`/`python_version` `''` unless given (no BentoML and no Python made
 * it; present, so BentoML does not stamp its own when it reads the file), creation_time now in UTC with
 * microseconds. Signatures are laid out as BentoML's `ModelSignature` does: `batch_dim` `n` is `[n, n]`,
 * written only when `batchable` (default `[0, 0]`).
 *
 * @param init name, version and whatever else is known
 * @throws ShelfError `INVALID_MANIFEST` naming the field, the same checks as {@link parseModelYaml}
 * @example
 * newModelInfo({ name: 'iris', version: 'v1', metadata: { C: pyFloat(1) } }).source; // '...metadata:\n  C: 1.0\n...'
 */
export function newModelInfo(init: NewModelInfo): ModelInfo {
	const { context = {}, signatures = {}, creationTime } = init;
	const typed = {
		name: init.name,
		version: init.version,
		module: init.module ?? '',
		labels: init.labels ?? {},
		options: init.options ?? {},
		metadata: init.metadata ?? {},
		context: { ...context, frameworkName: context.frameworkName ?? '', frameworkVersions: context.frameworkVersions ?? {}, bentomlVersion: context.bentomlVersion ?? '', pythonVersion: context.pythonVersion ?? '', extra: context.extra ?? {} },
		signatures: Object.fromEntries(Object.entries(signatures).map(([method, s]) => [method, _signature(s)])),
		apiVersion: init.apiVersion ?? 'v1',
		creationTime: _creationTime(creationTime),
		extra: init.extra ?? {}
	} as unknown as ModelInfo; // free-form values are PyValues until _plain below
	const data = toManifestData(typed) as Record<string, PyValue>;
	const info = toModelInfo(_plain(data, 0)); // the same checks as a file, and a copy of the caller's objects
	// BentoML checks batch_dim whatever batchable says, and writes it only for a batchable method.
	const written = data['signatures'] as Record<string, Record<string, PyValue>>;
	for (const [method, signature] of Object.entries(info.signatures)) {
		if (signature.batchable) continue;
		delete signature.batchDim;
		delete written[method]!['batch_dim'];
	}
	const source = dumpPyYaml({ ...data, name: info.name, version: info.version });
	return { ...info, source };
}

// ---------------------------------------------------------------------------------------------------
// Internals

/** Whether `source` still says what `info` says (an info changed after reading no longer matches its text). */
function _says(source: string, info: Omit<ModelInfo, 'source'>): boolean {
	try {
		const { source: _, ...read } = parseModelYaml(source);
		return _equal(read, info);
	} catch {
		return false;
	}
}

/** Deep equality of plain model.yaml data: key order counts, NaN equals NaN, bytes by content. */
function _equal(a: unknown, b: unknown): boolean {
	if (Object.is(a, b)) return true;
	if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
	if (a instanceof Uint8Array || b instanceof Uint8Array) {
		return a instanceof Uint8Array && b instanceof Uint8Array && a.length === b.length && a.every((byte, i) => byte === b[i]);
	}
	if (Array.isArray(a) !== Array.isArray(b)) return false;
	const [ka, kb] = [Object.keys(a), Object.keys(b)];
	const [va, vb] = [a as Record<string, unknown>, b as Record<string, unknown>];
	return ka.length === kb.length && ka.every((key, i) => key === kb[i] && _equal(va[key], vb[key]));
}

/** BentoML's `ModelSignature` defaults: not batchable, batch_dim `(0, 0)` (an integer n becomes (n, n) when laid out). */
function _signature(s: NewSignature): NewSignature {
	const batchable = s.batchable ?? false;
	return { ...s, batchable, extra: s.extra ?? {}, ...(batchable && s.batchDim === undefined ? { batchDim: [0, 0] } : {}) };
}

function _creationTime(value: string | Date | undefined): string {
	if (value === undefined) return currentCreationTime();
	if (typeof value !== 'string') return formatCreationTime(value);
	// An unreadable time is left for toModelInfo to refuse with the usual details.
	return isoformatCreationTime(value) ?? value;
}

/** The plain JavaScript form of Python-typed data (what ModelInfo holds); anything else is left for the checks. */
function _plain(value: unknown, depth: number): YamlValue {
	if (isPyFloat(value)) return value.valueOf();
	if (typeof value === 'bigint') return Number(value);
	// Past the depth limit the value is handed over as it is, and the checks refuse it (no stack overflow here).
	if (depth > MAX_VALUE_DEPTH || typeof value !== 'object' || value === null || value instanceof Uint8Array) return value as YamlValue;
	if (Array.isArray(value)) return value.map((item) => _plain(item, depth + 1));
	const proto: unknown = Object.getPrototypeOf(value);
	if (proto !== Object.prototype && proto !== null) return value as YamlValue;
	return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, _plain(item, depth + 1)]));
}
