import { describe, it, expect } from 'vitest';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { strFromU8, unzipSync } from 'fflate';
import { ShelfError } from '../../src/lib/core/errors.ts';
import {
	DOCUMENT_FIELD,
	MAX_YAML_ALIASES,
	compareByCreationTime,
	creationTimeKey,
	creationTimeMs,
	formatCreationTime,
	newModelInfo,
	parseCreationTime,
	parseModelYaml,
	serializeModelYaml,
	type ManifestProblem,
	type ModelInfo,
	type YamlValue
} from '../../src/lib/core/manifest.ts';

// Fixtures:
// - tests/fixtures/bentoml/*: bundles written the way BentoML's exporter writes them (see its README.md and expected.json).
// - tests/fixtures/manifests/speech_encoder.model.yaml: extracted unchanged from
//   speech_encoder-kls3cagggc4amo3b.bentomodel with `tar -xJf ... ./model.yaml`.
// - the other tests/fixtures/manifests/*.model.yaml: written by generate.py in that folder with PyYAML 6.0.3's
//   safe_dump(sort_keys=False), exactly as BentoML's ModelInfo.dump does.

const here = (path: string): string => fileURLToPath(new URL(path, import.meta.url));
const BENTOML = '../fixtures/bentoml/';

type Bundle = { tag: string; file: string; created: string; labels: Record<string, string>; metadata: Record<string, YamlValue> };
const expected = JSON.parse(readFileSync(here(`${BENTOML}expected.json`), 'utf8')) as { bundles: Bundle[] };

function fixture(name: string): string {
	return readFileSync(here(`../fixtures/manifests/${name}.model.yaml`), 'utf8');
}

const fraudYaml = strFromU8(
	unzipSync(readFileSync(here(`${BENTOML}fraud_detector-6st47ifytwe2p45h.zip`)), { filter: (f) => f.name === 'model.yaml' })['model.yaml']!
);
const speechYaml = fixture('speech_encoder');

/** Replaces `from` (which must occur) in `text` by `to`. */
function edit(text: string, from: string | RegExp, to: string): string {
	expect(text).toMatch(from);
	return text.replace(from, to);
}

/** speech_encoder's model.yaml with one change. */
const speech = (from: string | RegExp, to: string): string => edit(speechYaml, from, to);

/** Runs `fn` and returns the ShelfError it throws (fails the test when it does not throw one). */
function thrown(fn: () => unknown): ShelfError {
	try {
		fn();
	} catch (error) {
		expect(error).toBeInstanceOf(ShelfError);
		return error as ShelfError;
	}
	throw new Error('expected a ShelfError, nothing was thrown');
}

function expectInvalid(fn: () => unknown, field: string, reason: ManifestProblem): ShelfError {
	const error = thrown(fn);
	expect(error.code).toBe('INVALID_MANIFEST');
	expect(error.details).toMatchObject({ field, reason });
	return error;
}

/** The info without its stored text, so that serializing it writes the parsed values afresh. */
function withoutSource(info: ModelInfo): ModelInfo {
	const { source: _, ...rest } = info;
	return rest;
}

/** The top-level keys of a model.yaml text, in order. */
const topKeys = (text: string): string[] => [...text.matchAll(/^([a-z_]+):/gm)].map((m) => m[1]!);

const BENTOML_ORDER = ['name', 'version', 'module', 'labels', 'options', 'metadata', 'context', 'signatures', 'api_version', 'creation_time'];

describe('files BentoML wrote', () => {
	const texts: Record<string, string> = { 'fraud_detector-6st47ifytwe2p45h.zip': fraudYaml, 'speech_encoder-kls3cagggc4amo3b.bentomodel': speechYaml };

	it.each(expected.bundles.map((b) => [b.tag, b] as const))('the model.yaml of %s parses to the values in expected.json', (tag, bundle) => {
		const info = parseModelYaml(texts[bundle.file]!);
		expect(`${info.name}:${info.version}`).toBe(tag);
		expect(info.creationTime).toBe(bundle.created);
		expect(info.labels).toEqual(bundle.labels);
		expect(info.metadata).toEqual(bundle.metadata);
	});

	it('the fraud detector parses to the whole ModelInfo, context and signatures included', () => {
		expect(parseModelYaml(fraudYaml)).toEqual({
			name: 'fraud_detector',
			version: '6st47ifytwe2p45h',
			module: 'bentoml.lightgbm',
			labels: { team: 'risk', stage: 'production' },
			options: {},
			metadata: { precision: 0.88, recall: 0.79, features: ['amount', 'country'] },
			context: { frameworkName: 'lightgbm', frameworkVersions: { lightgbm: '4.5.0' }, bentomlVersion: '1.3.20', pythonVersion: '3.11.7', extra: {} },
			signatures: { predict: { batchable: false, extra: {} } },
			apiVersion: 'v1',
			creationTime: '2025-11-03T10:15:00.250000+00:00',
			extra: {},
			source: fraudYaml
		} satisfies ModelInfo);
	});

	it('the speech encoder keeps both framework versions', () => {
		expect(parseModelYaml(speechYaml).context.frameworkVersions).toEqual({ onnx: '1.17.0', onnxruntime: '1.20.1' });
	});

	const BYTE_STABLE: [string, string][] = [
		['fraud_detector (zip)', fraudYaml],
		['speech_encoder (.bentomodel)', speechYaml],
		['text_classifier (signatures, options, floats, quoted strings)', fixture('text_classifier')],
		['future_fields (unknown keys at every level, +05:30 offset)', fixture('future_fields')]
	];

	it.each(BYTE_STABLE)('%s re-serializes byte for byte', (_, text) => {
		expect(serializeModelYaml(parseModelYaml(text))).toBe(text);
	});

	// Issue 14: without the stored text, the info is written as PyYAML writes it, escapes of non-ASCII included.
	it.each([...BYTE_STABLE, ['unicode (non-ASCII escaped, a long line folded)', fixture('unicode')]])('%s is written again byte for byte from the parsed info alone', (_, text) => {
		expect(serializeModelYaml(withoutSource(parseModelYaml(text)))).toBe(text);
	});

	it.each([...BYTE_STABLE, ['unicode (PyYAML escapes non-ASCII, and so do we)', fixture('unicode')]])(
		'%s re-serializes to data that parses equal',
		(_, text) => {
			const info = parseModelYaml(text);
			expect(parseModelYaml(serializeModelYaml(info))).toEqual(info);
		}
	);

	it('writes the top-level keys in BentoML order', () => {
		expect(topKeys(serializeModelYaml(parseModelYaml(fraudYaml)))).toEqual(BENTOML_ORDER);
	});

	it('reads signatures, options and PyYAML scalars from a PyTorch-style file', () => {
		const info = parseModelYaml(fixture('text_classifier'));
		expect(info.signatures).toEqual({
			__call__: { batchable: true, batchDim: [0, 0], extra: {} },
			predict_proba: {
				batchable: true,
				batchDim: [1, 0],
				inputSpec: { shape: [-1, 512], dtype: 'int64' },
				outputSpec: { shape: [-1, 2], dtype: 'float32' },
				extra: {}
			},
			embed: { batchable: false, extra: {} }
		});
		expect(info.options).toEqual({ partial_kwargs: { predict: { temperature: 0.7 } } });
		expect(info.labels).toEqual({ team: 'nlp', stage: 'staging', owner: 'y', ticket: '0123' });
		expect(info.metadata).toMatchObject({ learning_rate: 1e-7, huge: 1e20, converged: true, baseline: null, notes: 'yes', code: '1e5' });
		expect(info.apiVersion).toBe('v2');
		expect(info.context.frameworkVersions).toEqual({ torch: '2.5.1', torchvision: '0.20.1', transformers: '4.46.3' });
		expect(creationTimeKey(info)).toBe('2024-06-01T08:30:12.000451Z');
	});

	it('keeps unknown keys at the top level, in context and in signatures, and writes them after the known ones', () => {
		const info = parseModelYaml(fixture('future_fields'));
		expect(info.extra).toEqual({
			description: 'A model with fields this BentoML does not know yet',
			checksums: { 'weights.bin': 'sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08' }
		});
		expect(info.context.extra).toEqual({ accelerator: 'cuda' });
		expect(info.signatures['rank']).toEqual({ batchable: false, extra: { timeout: 30 } });
		expect(topKeys(serializeModelYaml(info))).toEqual([...BENTOML_ORDER, 'description', 'checksums']);
	});

	it('a parsed ModelInfo is plain data that survives structuredClone (the worker boundary)', () => {
		const info = parseModelYaml(fixture('text_classifier'));
		expect(structuredClone(info)).toEqual(info);
		expect(serializeModelYaml(structuredClone(info))).toBe(fixture('text_classifier'));
	});
});

describe('YAML scalars are read the way PyYAML 6 safe_load reads them', () => {
	// Expected values checked with PyYAML 6.0.3: yaml.safe_load('v: ' + text)['v'].
	const SCALARS: [string, YamlValue][] = [
		['y', 'y'],
		['n', 'n'],
		['Y', 'Y'],
		['yes', true],
		['No', false],
		['on', true],
		['OFF', false],
		['1e5', '1e5'],
		['1.0e+5', 100000],
		['1.5e-05', 1.5e-5],
		['1.', 1],
		['.5', 0.5],
		['-.5', '-.5'],
		['09', '09'],
		['0755', 493],
		['0o17', '0o17'],
		['0x1f', 31],
		['0b101', 5],
		['1_000', 1000],
		['+1', 1],
		['1:30', 90],
		['.inf', Infinity],
		['-.inf', -Infinity],
		['~', null],
		['null', null],
		['', null],
		// PyYAML makes these date/datetime objects; we keep the text (a Date would lose microseconds).
		['2025-01-02', '2025-01-02'],
		['2025-01-02 03:04:05.123456+00:00', '2025-01-02 03:04:05.123456+00:00'],
		['!!binary AAE=', new Uint8Array([0, 1])]
	];

	it.each(SCALARS)('metadata value %j reads as %j', (text, value) => {
		expect(parseModelYaml(speech('wer: 0.121', `wer: ${text}`)).metadata['wer']).toEqual(value);
	});

	it('.nan reads as NaN', () => {
		expect(parseModelYaml(speech('wer: 0.121', 'wer: .nan')).metadata['wer']).toBeNaN();
	});

	// Expected text checked with PyYAML 6.0.3: yaml.safe_dump({'v': value}); PyYAML reads each back as the same value.
	const WRITTEN: [YamlValue, string][] = [
		[1e-7, '1.0e-07'],
		[1e20, '1.0e+20'],
		[1e16, '1.0e+16'],
		[0.5, '0.5'],
		[-0.0001, '-0.0001'],
		[123456789.123, '123456789.123'],
		[12, '12'],
		[NaN, '.nan'],
		[-Infinity, '-.inf'],
		['yes', "'yes'"],
		['No', "'No'"],
		['y', 'y'],
		['0123', "'0123'"],
		['0x1f', "'0x1f'"],
		['1:30', "'1:30'"],
		['1e5', '1e5'],
		['<<', "'<<'"],
		['=', "'='"],
		['~', "'~'"],
		['2024-06-01', "'2024-06-01'"],
		['', "''"]
	];

	it.each(WRITTEN)('metadata value %j is written as PyYAML writes it: %s', (value, text) => {
		const written = serializeModelYaml(newModelInfo({ name: 'm', version: 'v1', metadata: { v: value } }));
		expect(written).toContain(`\nmetadata:\n  v: ${text}\n`);
	});

	it('bytes round-trip through !!binary', () => {
		const info = newModelInfo({ name: 'm', version: 'v1', metadata: { blob: new Uint8Array([0, 255, 32]) } });
		expect(parseModelYaml(serializeModelYaml(info)).metadata['blob']).toEqual(new Uint8Array([0, 255, 32]));
	});

	it('merge keys work as in PyYAML, and a few aliases are fine', () => {
		const info = parseModelYaml(speech('wer: 0.121', 'base: &b {x: 1}\n  merged:\n    <<: *b\n    y: 2\n  again: *b'));
		expect(info.metadata).toEqual({ base: { x: 1 }, merged: { x: 1, y: 2 }, again: { x: 1 } });
	});

	it('a "__proto__" key stays data and pollutes nothing', () => {
		const info = parseModelYaml(speech('wer: 0.121', '__proto__: {polluted: true}'));
		expect(Object.keys(info.metadata)).toEqual(['__proto__']);
		expect(Object.getPrototypeOf(info.metadata)).toBe(Object.prototype);
		expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
		expect(serializeModelYaml(withoutSource(info))).toContain('\nmetadata:\n  __proto__:\n    polluted: true\n');
	});

	it('integer metadata keys (allowed by BentoML) become string keys', () => {
		expect(parseModelYaml(speech('wer: 0.121', '2023: 0.9')).metadata).toEqual({ '2023': 0.9 });
	});
});

describe('what BentoML accepts, we accept', () => {
	it('a file without signatures gets {} (from_yaml_file does the same)', () => {
		const info = parseModelYaml(speech(/signatures:\n.*\n.*\n/, ''));
		expect(info.signatures).toEqual({});
		expect(serializeModelYaml(info)).not.toContain('signatures'); // the file as it was (issue 14)
		expect(serializeModelYaml(withoutSource(info))).toContain('\nsignatures: {}\n');
	});

	it('an upper-case name or version is lower-cased, as BentoML\'s Tag does', () => {
		const info = parseModelYaml(speech('name: speech_encoder\nversion: kls3cagggc4amo3b', 'name: Speech_Encoder\nversion: KLS3cagggc4amo3b'));
		expect([info.name, info.version]).toEqual(['speech_encoder', 'kls3cagggc4amo3b']);
	});

	it('a signature takes BentoML\'s defaults: batchable false, batch_dim absent, null specs absent', () => {
		const info = parseModelYaml(speech('    batchable: false', '    input_spec: null\n    output_spec: null'));
		expect(info.signatures['predict']).toEqual({ batchable: false, extra: {} });
	});

	// Issue 14: one integer (`batch_dim: 1`) is refused, as BentoML's import refuses it; see the invalid cases.
	it.each([
		['[1, 0]', [1, 0]],
		['[-1, -1]', [-1, -1]]
	] as const)('batch_dim %s is an [input, output] pair', (text, batchDim) => {
		const info = parseModelYaml(speech('    batchable: false', `    batchable: true\n    batch_dim: ${text}`));
		expect(info.signatures['predict']?.batchDim).toEqual(batchDim);
	});

	it('a pre-1.0 context with pip_dependencies and no framework_versions gets {} and keeps the old key', () => {
		const info = parseModelYaml(speech(/  framework_versions:\n.*\n.*\n/, '  pip_dependencies:\n  - onnx==1.17.0\n'));
		expect(info.context.frameworkVersions).toEqual({});
		expect(info.context.extra).toEqual({ pip_dependencies: ['onnx==1.17.0'] });
	});

	it('a context without bentoml_version and python_version leaves them out, also when written', () => {
		const info = parseModelYaml(speech(/  bentoml_version: .*\n  python_version: .*\n/, ''));
		expect(info.context).toEqual({ frameworkName: 'onnx', frameworkVersions: { onnx: '1.17.0', onnxruntime: '1.20.1' }, extra: {} });
		expect(serializeModelYaml(info)).not.toContain('_version: 3');
	});

	it('an unquoted YAML timestamp as creation_time is accepted (PyYAML gives BentoML a datetime)', () => {
		const info = parseModelYaml(speech("creation_time: '2025-11-20T16:45:30+00:00'", 'creation_time: 2025-11-20 16:45:30.5+00:00'));
		expect(creationTimeKey(info)).toBe('2025-11-20T16:45:30.500000Z');
	});
});

describe('creation time', () => {
	// Keys and milliseconds checked with CPython 3.11: datetime.fromisoformat(text), naive taken as UTC.
	const TIMES: [string, string, number][] = [
		['2025-11-03T10:15:00.250000+00:00', '2025-11-03T10:15:00.250000Z', 1762164900250],
		['2025-11-20T16:45:30+00:00', '2025-11-20T16:45:30.000000Z', 1763657130000],
		['2025-11-03T11:15:00.25+01:00', '2025-11-03T10:15:00.250000Z', 1762164900250],
		['2025-11-03T10:15:00Z', '2025-11-03T10:15:00.000000Z', 1762164900000],
		['2025-11-03T05:15:00-05:00', '2025-11-03T10:15:00.000000Z', 1762164900000],
		['2025-11-03T10:15:00', '2025-11-03T10:15:00.000000Z', 1762164900000],
		['2025-11-03 10:15:00.000451+00:00', '2025-11-03T10:15:00.000451Z', 1762164900000],
		['2025-11-03', '2025-11-03T00:00:00.000000Z', 1762128000000],
		['2025-11-03T10', '2025-11-03T10:00:00.000000Z', 1762164000000],
		['2025-11-03T10:15:00.1234567+00:00', '2025-11-03T10:15:00.123456Z', 1762164900123],
		['2025-11-03T15:45+0530', '2025-11-03T10:15:00.000000Z', 1762164900000],
		['2025-11-03T10:15:00+05:30:15.5', '2025-11-03T04:44:44.500000Z', 1762145084500],
		['2024-02-29T23:59:59.999999+00:00', '2024-02-29T23:59:59.999999Z', 1709251199999],
		['2025-01-01T00:30:00+01:00', '2024-12-31T23:30:00.000000Z', 1735687800000],
		['1969-12-31T23:59:59.999999+00:00', '1969-12-31T23:59:59.999999Z', -1],
		['0001-01-01T00:00:00+00:00', '0001-01-01T00:00:00.000000Z', -62135596800000],
		['9999-12-31T23:59:59.999999+00:00', '9999-12-31T23:59:59.999999Z', 253402300799999]
	];

	it.each(TIMES)('%s sorts as %s (%d ms)', (text, key, ms) => {
		expect(parseCreationTime(text)).toEqual({ epochMs: ms, key });
		const info = parseModelYaml(speech('2025-11-20T16:45:30+00:00', text));
		expect(info.creationTime).toBe(text);
		expect([creationTimeKey(info), creationTimeMs(info)]).toEqual([key, ms]);
	});

	// Each one also refused by CPython 3.11's datetime.fromisoformat, or (year 0 in UTC) by astimezone.
	const BAD_TIMES = [
		'yesterday',
		'',
		'2025-02-30T10:00:00+00:00',
		'2025-02-29T00:00:00+00:00',
		'2025-13-01T00:00:00+00:00',
		'2025-11-03T24:00:00+00:00',
		'2025-11-03T10:60:00+00:00',
		'2025-11-03T10:15:60+00:00',
		'2025-11-03T10:15:00+24:00',
		'2025-1-3T10:15:00+00:00',
		'0001-01-01T00:30:00+01:00'
	];

	it.each(BAD_TIMES)('creation_time %j is INVALID_MANIFEST naming creation_time', (text) => {
		expect(parseCreationTime(text)).toBeNull();
		expectInvalid(() => parseModelYaml(speech('2025-11-20T16:45:30+00:00', text)), 'creation_time', 'invalid-time');
		expectInvalid(() => creationTimeKey({ creationTime: text }), 'creation_time', 'invalid-time');
		expectInvalid(() => creationTimeMs({ creationTime: text }), 'creation_time', 'invalid-time');
	});

	it('a number as creation_time is the wrong type', () => {
		expectInvalid(() => parseModelYaml(speech("'2025-11-20T16:45:30+00:00'", '1763657130')), 'creation_time', 'wrong-type');
	});

	it('keys sort in time order across offsets, to the microsecond', () => {
		const texts = ['2025-11-03T10:15:00.000002+00:00', '2025-11-03T11:15:00.000001+01:00', '2025-11-03T05:14:59.999999-05:00', '2024-12-31T23:59:59+00:00'];
		const sorted = [...texts].sort((a, b) => (creationTimeKey({ creationTime: a }) < creationTimeKey({ creationTime: b }) ? -1 : 1));
		expect(sorted).toEqual([texts[3], texts[2], texts[1], texts[0]]);
	});

	it('compareByCreationTime breaks ties by name and version, whatever the input order', () => {
		const at = (name: string, version: string, creationTime: string) => newModelInfo({ name, version, creationTime });
		const infos = [
			at('b', 'v1', '2025-11-03T11:15:00+01:00'),
			at('a', 'v2', '2025-11-03T10:15:00+00:00'),
			at('a', 'v1', '2025-11-03T10:15:00Z'),
			at('z', 'v0', '2025-11-03T10:14:59.999999+00:00')
		];
		const order = (list: ModelInfo[]) => [...list].sort(compareByCreationTime).map((i) => `${i.name}:${i.version}`);
		expect(order(infos)).toEqual(['z:v0', 'a:v1', 'a:v2', 'b:v1']);
		expect(order([...infos].reverse())).toEqual(order(infos));
		expect(compareByCreationTime(infos[0]!, infos[0]!)).toBe(0);
	});

	it.each([
		['2025-11-03T10:15:00.250Z', '2025-11-03T10:15:00.250000+00:00'],
		['2025-11-20T16:45:30.000Z', '2025-11-20T16:45:30+00:00'],
		['0001-01-01T00:00:00.001Z', '0001-01-01T00:00:00.001000+00:00']
	])('formatCreationTime(%s) writes %s, like Python isoformat()', (iso, text) => {
		expect(formatCreationTime(new Date(iso))).toBe(text);
	});

	it.each([new Date(Number.NaN), new Date('+010000-01-01T00:00:00Z'), new Date('-000001-01-01T00:00:00Z')])(
		'formatCreationTime(%s) is INVALID_MANIFEST naming creation_time',
		(date) => {
			expectInvalid(() => formatCreationTime(date), 'creation_time', 'invalid-time');
		}
	);
});

describe('invalid model.yaml files are INVALID_MANIFEST naming the field', () => {
	const dropTop = (key: string) => speech(new RegExp(`^${key}:.*\\n(?:[ -].*\\n)*`, 'm'), '');
	const dropContext = (key: string) => speech(new RegExp(`^  ${key}:.*\\n(?:    .*\\n)*`, 'm'), '');
	const lol = [
		'lol0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]',
		...Array.from({ length: 9 }, (_, i) => `lol${i + 1}: &a${i + 1} [${Array(9).fill(`*a${i}`).join(', ')}]`)
	].join('\n');

	const CASES: [string, string, string, ManifestProblem][] = [
		['a list instead of a mapping', '- name\n- version\n', DOCUMENT_FIELD, 'wrong-type'],
		['an empty file', '', DOCUMENT_FIELD, 'wrong-type'],
		['a bare string', 'model\n', DOCUMENT_FIELD, 'wrong-type'],
		['broken YAML', speech('team: audio', 'team: [audio'), DOCUMENT_FIELD, 'syntax'],
		['a second document', `${speechYaml}---\nname: other\n`, DOCUMENT_FIELD, 'syntax'],
		['nesting deep enough to exhaust the stack', `${speechYaml}deep: ${'['.repeat(5000)}${']'.repeat(5000)}\n`, DOCUMENT_FIELD, 'syntax'],
		['a duplicate top-level key', `${speechYaml}name: other\n`, 'name', 'duplicate-key'],
		['a duplicate label', speech('  stage: dev', '  stage: dev\n  team: other'), 'labels.team', 'duplicate-key'],
		['a duplicate key in a flow mapping', speech(/labels:\n.*\n.*\n/, 'labels: {team: a, team: b}\n'), 'labels.team', 'duplicate-key'],
		['a duplicate key in a signature', speech('    batchable: false', '    batchable: false\n    batchable: true'), 'signatures.predict.batchable', 'duplicate-key'],
		['a duplicate key inside a list', speech('wer: 0.121', 'runs:\n  - {a: 1, a: 2}'), 'metadata.runs.0.a', 'duplicate-key'],
		['a list as a key', speech('  stage: dev', '  ? [a, b]\n  : dev'), 'labels', 'complex-key'],
		['a Python object tag', speech('wer: 0.121', 'wer: !!python/object:builtins.dict {}'), DOCUMENT_FIELD, 'unknown-tag'],
		['a !!set (PyYAML makes a Python set, which BentoML refuses)', speech('wer: 0.121', 'wer: !!set {a: null}'), DOCUMENT_FIELD, 'unknown-tag'],
		['a local tag', speech('wer: 0.121', 'wer: !custom 1'), DOCUMENT_FIELD, 'unknown-tag'],
		['a plain "=" (YAML 1.1 value key, PyYAML cannot load it)', speech('wer: 0.121', 'wer: ='), DOCUMENT_FIELD, 'unknown-tag'],
		['a bare "<<" as a value', speech('wer: 0.121', 'wer: <<'), 'metadata.wer', 'wrong-type'],
		['a billion laughs', `${speechYaml}${lol}\n`, DOCUMENT_FIELD, 'aliases'],
		...['name', 'version', 'module', 'labels', 'options', 'metadata', 'context', 'api_version', 'creation_time'].map(
			(key): [string, string, string, ManifestProblem] => [`no ${key}`, dropTop(key), key, 'missing']
		),
		['no context.framework_name', dropContext('framework_name'), 'context.framework_name', 'missing'],
		['no context.framework_versions', dropContext('framework_versions'), 'context.framework_versions', 'missing'],
		['a number as name', speech('name: speech_encoder', 'name: 123'), 'name', 'wrong-type'],
		['a float as version', speech('version: kls3cagggc4amo3b', 'version: 1.5'), 'version', 'wrong-type'],
		['an empty module (null)', speech('module: bentoml.onnx', 'module:'), 'module', 'wrong-type'],
		['labels as a list', speech(/labels:\n.*\n.*\n/, 'labels: [team, stage]\n'), 'labels', 'wrong-type'],
		['a number as label value', speech('team: audio', 'team: 1'), 'labels.team', 'wrong-type'],
		['an unquoted yes as label value (a boolean to PyYAML)', speech('team: audio', 'team: yes'), 'labels.team', 'wrong-type'],
		['an empty label value (null)', speech('team: audio', 'team:'), 'labels.team', 'wrong-type'],
		['options null', speech('options: {}', 'options:'), 'options', 'wrong-type'],
		['metadata as text', speech(/metadata:\n.*\n/, 'metadata: none\n'), 'metadata', 'wrong-type'],
		['context as a list', speech(/context:\n(?: {2}.*\n)+/, 'context: []\n'), 'context', 'wrong-type'],
		['a number as framework_name', speech('framework_name: onnx', 'framework_name: 1'), 'context.framework_name', 'wrong-type'],
		['an unquoted float as a framework version', speech('onnx: 1.17.0', 'onnx: 1.17'), 'context.framework_versions.onnx', 'wrong-type'],
		['a float as bentoml_version', speech('bentoml_version: 1.3.20', 'bentoml_version: 1.3'), 'context.bentoml_version', 'wrong-type'],
		['python_version null', speech('python_version: 3.11.7', 'python_version: null'), 'context.python_version', 'wrong-type'],
		['signatures as a list', speech(/signatures:\n.*\n.*\n/, 'signatures: [predict]\n'), 'signatures', 'wrong-type'],
		['a signature that is null', speech(/ {2}predict:\n.*\n/, '  predict:\n'), 'signatures.predict', 'wrong-type'],
		['batchable as a string', speech('batchable: false', "batchable: 'false'"), 'signatures.predict.batchable', 'wrong-type'],
		['batch_dim with one entry', speech('batchable: false', 'batchable: true\n    batch_dim: [0]'), 'signatures.predict.batch_dim', 'wrong-type'],
		['batch_dim with three entries', speech('batchable: false', 'batch_dim: [0, 1, 2]'), 'signatures.predict.batch_dim', 'wrong-type'],
		['batch_dim a float', speech('batchable: false', 'batch_dim: 0.5'), 'signatures.predict.batch_dim', 'wrong-type'],
		['batch_dim one integer (BentoML\'s import refuses it; issue 14)', speech('batchable: false', 'batchable: true\n    batch_dim: 1'), 'signatures.predict.batch_dim', 'wrong-type'],
		['batch_dim one negative integer', speech('batchable: false', 'batch_dim: -1'), 'signatures.predict.batch_dim', 'wrong-type'],
		['batch_dim with a string', speech('batchable: false', 'batch_dim: [0, x]'), 'signatures.predict.batch_dim.1', 'wrong-type'],
		['a number as api_version', speech('api_version: v1', 'api_version: 1'), 'api_version', 'wrong-type']
	];

	it.each(CASES)('%s', (_, text, field, reason) => {
		expectInvalid(() => parseModelYaml(text), field, reason);
	});

	it('a billion laughs is refused within a second', () => {
		const start = performance.now();
		expectInvalid(() => parseModelYaml(`${speechYaml}${lol}\n`), DOCUMENT_FIELD, 'aliases');
		expect(performance.now() - start).toBeLessThan(1000);
		expect(MAX_YAML_ALIASES).toBeLessThanOrEqual(100);
	});

	it('syntax errors say where they are', () => {
		const error = expectInvalid(() => parseModelYaml(speech('team: audio', 'team: [audio')), DOCUMENT_FIELD, 'syntax');
		expect(error.details).toMatchObject({ line: expect.any(Number), column: expect.any(Number), yamlCode: expect.any(String) });
	});

	const BAD_TAGS: [string, string, string, 'name' | 'version'][] = [
		['a space in the name', 'name: speech_encoder', "name: 'speech encoder'", 'name'],
		['a name starting with a dash', 'name: speech_encoder', 'name: -speech', 'name'],
		['a name of 64 characters', 'name: speech_encoder', `name: ${'a'.repeat(64)}`, 'name'],
		['an empty version', 'version: kls3cagggc4amo3b', "version: ''", 'version'],
		['a colon in the version', 'version: kls3cagggc4amo3b', "version: 'v1:rc'", 'version'],
		['the version latest, which the store reserves', 'version: kls3cagggc4amo3b', 'version: latest', 'version']
	];

	it.each(BAD_TAGS)('%s is INVALID_MANIFEST with the INVALID_TAG error as cause', (_, from, to, field) => {
		const error = expectInvalid(() => parseModelYaml(speech(from, to)), field, 'invalid-tag');
		expect(error.cause).toBeInstanceOf(ShelfError);
		expect((error.cause as ShelfError).code).toBe('INVALID_TAG');
		expect(error.toJSON().cause).toMatchObject({ code: 'INVALID_TAG' });
	});
});

describe('newModelInfo', () => {
	it('fills in what bentoml.models.create writes by default', () => {
		const info = newModelInfo({ name: 'iris', version: 'v1', creationTime: '2025-11-03T10:15:00+00:00' });
		expect(info).toEqual({
			name: 'iris',
			version: 'v1',
			module: '',
			labels: {},
			options: {},
			metadata: {},
			// Issue 14: '' for the versions (no BentoML, no Python made it), so BentoML does not fill in its own.
			context: { frameworkName: '', frameworkVersions: {}, bentomlVersion: '', pythonVersion: '', extra: {} },
			signatures: {},
			apiVersion: 'v1',
			creationTime: '2025-11-03T10:15:00+00:00',
			extra: {},
			source: expect.any(String) as string
		} satisfies ModelInfo);
		expect(serializeModelYaml(info)).toBe(info.source);
		expect(info.source).toBe(
			[
				'name: iris',
				'version: v1',
				"module: ''",
				'labels: {}',
				'options: {}',
				'metadata: {}',
				'context:',
				"  framework_name: ''",
				'  framework_versions: {}',
				"  bentoml_version: ''",
				"  python_version: ''",
				'signatures: {}',
				'api_version: v1',
				"creation_time: '2025-11-03T10:15:00+00:00'",
				''
			].join('\n')
		);
	});

	it('stamps the current time in UTC, as datetime.now(timezone.utc).isoformat() would', () => {
		const before = Date.now();
		const info = newModelInfo({ name: 'iris', version: 'v1' });
		// Issue 14: microseconds, not milliseconds followed by 000 (Node's clock has them).
		expect(info.creationTime).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{6})?\+00:00$/);
		expect(creationTimeMs(info)).toBeGreaterThanOrEqual(before);
		expect(creationTimeMs(info)).toBeLessThanOrEqual(Date.now());
	});

	it('takes a Date and writes microseconds like Python', () => {
		expect(newModelInfo({ name: 'iris', version: 'v1', creationTime: new Date('2025-11-03T10:15:00.250Z') }).creationTime).toBe(
			'2025-11-03T10:15:00.250000+00:00'
		);
	});

	it('fills signature defaults and keeps what is given', () => {
		const info = newModelInfo({
			name: 'Iris',
			version: 'V1',
			module: 'bentoml.sklearn',
			labels: { stage: 'dev' },
			context: { frameworkName: 'sklearn', frameworkVersions: { 'scikit-learn': '1.5.2' }, pythonVersion: '3.11.7' },
			signatures: { predict: {}, predict_proba: { batchable: true, batchDim: 0 } },
			apiVersion: 'v2',
			extra: { description: 'iris classifier' }
		});
		expect(info).toMatchObject({
			name: 'iris',
			version: 'v1',
			// Issue 14: batch_dim 0 is BentoML's (0, 0), the only form its import reads back.
			signatures: { predict: { batchable: false, extra: {} }, predict_proba: { batchable: true, batchDim: [0, 0], extra: {} } },
			context: { frameworkName: 'sklearn', pythonVersion: '3.11.7' },
			apiVersion: 'v2',
			extra: { description: 'iris classifier' }
		});
		expect(parseModelYaml(serializeModelYaml(info))).toEqual(info);
	});

	it('copies what it is given', () => {
		const labels = { stage: 'dev' };
		const info = newModelInfo({ name: 'iris', version: 'v1', labels });
		labels.stage = 'production';
		expect(info.labels).toEqual({ stage: 'dev' });
	});

	it.each([
		['an invalid name', { name: 'Iris Classifier', version: 'v1' }, 'name', 'invalid-tag'],
		['the version latest', { name: 'iris', version: 'latest' }, 'version', 'invalid-tag'],
		['a number as label value', { name: 'iris', version: 'v1', labels: { stage: 1 as unknown as string } }, 'labels.stage', 'wrong-type'],
		['undefined in metadata', { name: 'iris', version: 'v1', metadata: { x: undefined as unknown as null } }, 'metadata.x', 'wrong-type'],
		['a Date in metadata', { name: 'iris', version: 'v1', metadata: { x: new Date() as unknown as string } }, 'metadata.x', 'wrong-type'],
		['a bad creation time', { name: 'iris', version: 'v1', creationTime: 'now' }, 'creation_time', 'invalid-time'],
		['an invalid Date', { name: 'iris', version: 'v1', creationTime: new Date(Number.NaN) }, 'creation_time', 'invalid-time']
	] as const)('refuses %s with INVALID_MANIFEST', (_, init, field, reason) => {
		expectInvalid(() => newModelInfo(init), field, reason);
	});
});

describe('serializeModelYaml', () => {
	it('refuses an info that would not read back', () => {
		const info = parseModelYaml(speechYaml);
		const broken = { ...info, labels: { team: 7 } } as unknown as ModelInfo;
		expectInvalid(() => serializeModelYaml(broken), 'labels.team', 'wrong-type');
	});

	it('unknown keys cannot overwrite known ones', () => {
		const info = parseModelYaml(speechYaml);
		const text = serializeModelYaml({
			...info,
			extra: { name: 'evil', owner: 'audio-team' },
			context: { ...info.context, extra: { framework_name: 'evil' } }
		});
		expect(parseModelYaml(text)).toMatchObject({ name: 'speech_encoder', context: { frameworkName: 'onnx' }, extra: { owner: 'audio-team' } });
	});
});
