// Issue 14: a bundle that goes through the shelf comes back to BentoML with the same types, the same bytes
// where BentoML wrote them, and readable in any locale. Each case runs through the store the worker uses (the
// memory blob store and fake-indexeddb here), exports a zip, and hands its model.yaml to PyYAML and cattrs as
// BentoML uses them (Debian's python3-yaml and python3-cattr; see pyyaml-oracle.py), in an ASCII locale.
import 'fake-indexeddb/auto';
import { IDBFactory } from 'fake-indexeddb';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { strToU8, unzipSync, zipSync } from 'fflate';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { isShelfError } from '../../src/lib/core/errors.ts';
import { newModelInfo, parseModelYaml, serializeModelYaml, type ModelInfo } from '../../src/lib/core/manifest.ts';
import { pyFloat, type PyValue } from '../../src/lib/core/pyyaml-dump.ts';
import type { VersionRecord } from '../../src/lib/core/store-types.ts';
import { createMemoryBlobStore } from '../../src/lib/worker/blobs/memory-blob-store.ts';
import { importBundle } from '../../src/lib/worker/bundle/import.ts';
import { writeBundle } from '../../src/lib/worker/bundle/export.ts';
import { openCatalogue } from '../../src/lib/worker/catalogue/idb-catalogue.ts';
import { localCoordination } from '../../src/lib/worker/store/coordination.ts';
import { ModelStore, type SaveRequest } from '../../src/lib/worker/store/model-store.ts';
import { runOracle, type FileVerdict } from './py-oracle.ts';
import { pyDocuments } from './py-values.ts';

const fixtures = fileURLToPath(new URL('../fixtures/bentoml/', import.meta.url));
type Expected = { tag: string; file: string; created: string; labels: Record<string, string>; metadata: Record<string, unknown>; files: { path: string; size: number; sha256: string }[] };
const expectedJson = JSON.parse(readFileSync(join(fixtures, 'expected.json'), 'utf8')) as { bundles: Expected[]; fidelity: Expected[] };
const BENTOML_BUNDLES = [...expectedJson.bundles, ...expectedJson.fidelity];

const scratch = mkdtempSync(join(tmpdir(), 'model-yaml-fidelity-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

async function openStore() {
	return new ModelStore(await openCatalogue({ factory: new IDBFactory() }), createMemoryBlobStore(), localCoordination());
}

/** Exports a version as the worker does and returns the zip's entries. */
async function exported(store: ModelStore, tag: string): Promise<Record<string, Uint8Array>> {
	const chunks: Uint8Array[] = [];
	await writeBundle(store, await store.get(tag), { write: async (chunk) => void chunks.push(chunk.slice()) });
	return unzipSync(Buffer.concat(chunks));
}

/** Writes bytes to a scratch file for Python. */
function onDisk(name: string, bytes: Uint8Array): string {
	const path = join(scratch, name);
	writeFileSync(path, bytes);
	return path;
}

const isAscii = (bytes: Uint8Array) => bytes.every((byte) => byte < 0x80);

function withoutSource(info: ModelInfo): ModelInfo {
	const { source: _, ...rest } = info;
	return rest;
}

describe("BentoML-made bundles → shelf → export: BentoML's model.yaml comes back byte for byte", () => {
	it.each(BENTOML_BUNDLES.map((bundle) => [bundle.file, bundle] as const))('%s', async (file, bundle) => {
		const store = await openStore();
		const bytes = readFileSync(join(fixtures, file));
		const result = await importBundle(store, new File([bytes], file));
		expect(result.record.tag).toBe(bundle.tag);
		expect(result.record.info).toMatchObject({ creationTime: bundle.created, labels: bundle.labels, metadata: bundle.metadata });
		const entries = await exported(store, bundle.tag);
		const [original] = runOracle({ archives: [join(fixtures, file)] }).archives;
		expect(Buffer.from(entries['model.yaml']!).toString('base64')).toBe(original);
		expect(new TextDecoder().decode(entries['model.yaml'])).toBe(await store.manifestText(bundle.tag));
		for (const { path, size } of bundle.files) expect(entries[path]?.length, path).toBe(size);
		// Byte-identical means the same types; that BentoML reads it in an ASCII locale is checked too.
		const answer = runOracle({ files: [{ path: onDisk(`${bundle.tag.replace(':', '-')}.yaml`, entries['model.yaml']!) }] });
		expect(answer.encoding).toBe('ANSI_X3.4-1968');
		expect(answer.files[0]).toMatchObject({ loaded: true, creation_time_stable: true });
		for (const structured of Object.values(answer.files[0]!.signatures!)) expect(structured.ok).toBe(true);
	});
});

/** One shelf-made version: what `save` gets, and the data BentoML's `ModelInfo.to_dict()` would hold for it. */
interface ShelfCase {
	name: string;
	request: Omit<SaveRequest, 'name' | 'files'>;
	files?: Record<string, string>;
	/** The model.yaml BentoML would write for the same call, as Python data (floats as pyFloat where whole). */
	python: (record: VersionRecord) => { [key: string]: PyValue };
}

const CREATED = '2025-12-01T08:30:15.123456+00:00';

/** BentoML's to_dict() for a model made with `bentoml.models.create` defaults, with `fields` replacing some. */
function bentoml(name: string, version: string, fields: { [key: string]: PyValue } = {}): { [key: string]: PyValue } {
	return {
		name,
		version,
		module: '',
		labels: {},
		options: {},
		metadata: {},
		context: { framework_name: '', framework_versions: {}, bentoml_version: '', python_version: '' },
		signatures: {},
		api_version: 'v1',
		creation_time: CREATED,
		...fields
	};
}

const FLOATS: PyValue = { C: pyFloat(1), alpha: pyFloat(0), shift: pyFloat(-2), neg_zero: -0, half: 0.5, huge: 1e20, tiny: 1.5e-7, inf: Infinity, nan: Number.NaN, list: [pyFloat(1), 2, 0.5, pyFloat(-2), pyFloat(0)] };
const INTS: PyValue = { epochs: 12, zero: 0, negative: -2, big: 2n ** 63n, safe: Number.MAX_SAFE_INTEGER };
const NESTED: PyValue = { params: { kernel: { gamma: pyFloat(1), degree: 3, tags: ['a', 'b', { deep: [pyFloat(0), []] }] }, empty: {} }, none: [], flags: [true, false, null] };
const UNICODE_LABELS = { city: 'Zürich', owner: 'José Müller', team: 'données', emoji: '😀' };
const UNICODE_META: PyValue = { city: 'Zürich', cjk: '東京', emoji: '😀 ok', multiline: 'line one\nline two', long: `Reconnaît les chiffres écrits à la main – ${'entraîné à Zürich '.repeat(6)}`, quote: "it's \"quoted\" \\ here", tab: 'a\tb', nbsp: 'a\u00a0b' };

const SHELF_CASES: ShelfCase[] = [
	{
		name: 'floats 1.0, 0.0, -2.0 (also in lists), -0.0, 1e20, 1.5e-07, inf and nan',
		request: { version: 'floats', metadata: { ...(FLOATS as object) }, options: { threshold: pyFloat(1), n_jobs: 4 }, creationTime: CREATED },
		python: () => bentoml('typed', 'floats', { options: { threshold: pyFloat(1), n_jobs: 4 }, metadata: FLOATS })
	},
	{
		name: 'ints, 2**63 as a bigint, the largest safe integer',
		request: { version: 'ints', metadata: { ...(INTS as object) }, creationTime: CREATED },
		python: () => bentoml('typed', 'ints', { metadata: INTS })
	},
	{
		name: 'nested maps and lists, empty ones, booleans and null',
		request: { version: 'nested', metadata: { ...(NESTED as object) }, creationTime: CREATED },
		python: () => bentoml('typed', 'nested', { metadata: NESTED })
	},
	{
		name: 'non-ASCII labels and metadata, a long line, quotes, a tab, a no-break space',
		request: { version: 'unicode', labels: UNICODE_LABELS, metadata: { ...(UNICODE_META as object) }, creationTime: CREATED },
		python: () => bentoml('typed', 'unicode', { labels: UNICODE_LABELS, metadata: UNICODE_META })
	},
	{
		name: 'files in sub-folders, module, framework, extra keys, creation time with an offset',
		request: {
			version: 'folders',
			module: 'bentoml.sklearn',
			context: { frameworkName: 'sklearn', frameworkVersions: { 'scikit-learn': '1.5.2' }, pythonVersion: '3.11.7', extra: { accelerator: 'cpu' } },
			apiVersion: 'v2',
			extra: { description: 'made in the shelf' },
			creationTime: '2025-10-20 14:05:09.6543219+0530'
		},
		files: { 'saved_model.pkl': 'weights', 'preprocessing/scaler.json': '{"mean": 1.0}', 'preprocessing/vocab/tokens.txt': 'ham\nspam\n' },
		python: () => ({
			...bentoml('typed', 'folders', {
				module: 'bentoml.sklearn',
				context: { framework_name: 'sklearn', framework_versions: { 'scikit-learn': '1.5.2' }, bentoml_version: '', python_version: '3.11.7', accelerator: 'cpu' },
				api_version: 'v2',
				creation_time: '2025-10-20T14:05:09.654321+05:30'
			}),
			description: 'made in the shelf'
		})
	},
	{
		name: 'creation time now, to the microsecond',
		request: { version: 'now', metadata: { C: pyFloat(1) } },
		python: (record) => bentoml('typed', 'now', { metadata: { C: pyFloat(1) }, creation_time: record.info.creationTime })
	},
	{
		name: 'signatures with every batch_dim form',
		request: {
			version: 'signatures',
			creationTime: CREATED,
			signatures: {
				one: { batchable: true, batchDim: 1 },
				zero: { batchable: true, batchDim: 0 },
				negative: { batchable: true, batchDim: -1 },
				pair: { batchable: true, batchDim: [1, 0], inputSpec: { shape: [-1, 4], dtype: 'float32' }, outputSpec: { scale: pyFloat(1) } },
				default: { batchable: true },
				unbatched_int: { batchable: false, batchDim: 2 },
				unbatched_pair: { batchDim: [1, 0] },
				plain: {}
			}
		},
		python: () =>
			bentoml('typed', 'signatures', {
				signatures: {
					one: { batchable: true, batch_dim: [1, 1] },
					zero: { batchable: true, batch_dim: [0, 0] },
					negative: { batchable: true, batch_dim: [-1, -1] },
					pair: { batchable: true, batch_dim: [1, 0], input_spec: { shape: [-1, 4], dtype: 'float32' }, output_spec: { scale: pyFloat(1) } },
					default: { batchable: true, batch_dim: [0, 0] },
					unbatched_int: { batchable: false },
					unbatched_pair: { batchable: false },
					plain: { batchable: false }
				}
			})
	}
];

describe('shelf-made versions → export: PyYAML reads the types the user gave, and the file is what safe_dump writes', () => {
	it.each(SHELF_CASES.map((c) => [c.name, c] as const))('%s', async (_, shelfCase) => {
		const store = await openStore();
		const files = Object.entries(shelfCase.files ?? { 'saved_model.bin': 'weights' }).map(([path, text]) => ({ path, data: new Blob([text]) }));
		const { record } = await store.save({ name: 'typed', ...shelfCase.request, files });
		const entries = await exported(store, record.tag);
		const yaml = entries['model.yaml']!;
		expect(new TextDecoder().decode(yaml)).toBe(record.info.source);
		expect(isAscii(yaml)).toBe(true);
		for (const [path, text] of Object.entries(shelfCase.files ?? {})) expect(new TextDecoder().decode(entries[path])).toBe(text);

		const python = shelfCase.python(record);
		const answer = runOracle({ dump: [python], files: [{ path: onDisk(`${record.version}.yaml`, yaml), expect: python }] });
		const verdict: FileVerdict = answer.files[0]!;
		expect(answer.encoding).toBe('ANSI_X3.4-1968');
		expect(verdict).toMatchObject({ loaded: true, difference: null, creation_time_stable: true });
		expect(new TextDecoder().decode(yaml)).toBe(answer.dump[0]);
		// What context holds for a version BentoML never saw: '' where BentoML would otherwise stamp its own.
		expect(verdict.context).toEqual({ bentoml_version: '', python_version: (shelfCase.request.context?.pythonVersion ?? '') as string });
		for (const [method, structured] of Object.entries(verdict.signatures!)) expect(structured.ok, method).toBe(true);
	});

	it('keeps microseconds in a creation time stamped now', async () => {
		const store = await openStore();
		// The high-resolution clock is used only while it agrees with the wall clock; a long, loaded test run can
		// drift them apart, so here the fine clock is pinned 0.123 ms past the wall clock.
		const now = vi.spyOn(performance, 'now').mockImplementation(() => Date.now() - performance.timeOrigin + 0.123);
		try {
			const { creationTime } = (await store.save({ name: 'now', version: 'v1', files: [{ path: 'w', data: new Blob(['w']) }] })).record.info;
			expect(creationTime).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}\+00:00$/);
			expect(creationTime).not.toMatch(/\.\d{3}000\+/);
		} finally {
			now.mockRestore();
		}
	});

	it('exports, imports into a fresh shelf and exports again to the same bytes', async () => {
		const first = await openStore();
		const { record } = await first.save({ name: 'trip', version: 'v1', metadata: { C: pyFloat(1), city: 'Zürich' }, labels: { owner: 'José' }, files: [{ path: 'a/b.bin', data: new Blob(['x']) }] });
		const zip = zipSync(await exported(first, record.tag));
		const second = await openStore();
		const imported = await importBundle(second, new File([zip], 'trip-v1.zip'));
		expect(imported.record.info).toEqual(record.info);
		expect((await exported(second, record.tag))['model.yaml']).toEqual(strToU8(record.info.source!));
	});
});

describe('the stored text and the parsed fields agree', () => {
	it('for 200 seeded random metadata documents, the info reads back from its own model.yaml, so export gives that text', () => {
		const next = pyDocuments(2014);
		for (let i = 0; i < 200; i++) {
			const info = newModelInfo({ name: 'random', version: `v${i}`, metadata: next(), creationTime: CREATED });
			const { source, ...fields } = parseModelYaml(info.source!);
			expect(fields, `document ${i}: ${source}`).toEqual(withoutSource(info));
			expect(serializeModelYaml(info)).toBe(info.source);
		}
	}, 60_000);
});

describe('signatures BentoML cannot read are refused at save, naming the field', () => {
	it("BentoML's structuring refuses one integer and reads a pair (why the shelf writes [n, n])", () => {
		const answer = runOracle({ signatures: [{ batchable: true, batch_dim: 1 }, { batchable: true, batch_dim: [1, 1] }] });
		expect(answer.signatures[0]).toMatchObject({ ok: false, error: expect.stringContaining("'int' object is not iterable") as string });
		expect(answer.signatures[1]).toEqual({ ok: true, batchable: true, batch_dim: [1, 1] });
	});

	it.each([
		['1.5', 1.5, 'signatures.predict.batch_dim'],
		['[1]', [1], 'signatures.predict.batch_dim'],
		['[1, 2, 3]', [1, 2, 3], 'signatures.predict.batch_dim'],
		["[0, 'x']", [0, 'x'], 'signatures.predict.batch_dim.1'],
		['[1.5, 0]', [1.5, 0], 'signatures.predict.batch_dim.0'],
		["'1'", '1', 'signatures.predict.batch_dim'],
		['true', true, 'signatures.predict.batch_dim'],
		['null', null, 'signatures.predict.batch_dim']
	])('batch_dim %s is INVALID_MANIFEST and nothing is stored', async (_, batchDim, field) => {
		const store = await openStore();
		const error: unknown = await store
			.save({ name: 'bad', version: 'v1', signatures: { predict: { batchable: true, batchDim: batchDim as never } }, files: [{ path: 'w', data: new Blob(['w']) }] })
			.then(() => null, (caught: unknown) => caught);
		expect(isShelfError(error, 'INVALID_MANIFEST') && error.details).toMatchObject({ field });
		expect(await store.catalogue.count()).toBe(0);
		expect(await store.blobs.list()).toEqual([]);
	});

	it('a bundle whose model.yaml has batch_dim as one integer is refused at import (BentoML refuses it too)', async () => {
		const store = await openStore();
		const text = readFileSync(fileURLToPath(new URL('../fixtures/manifests/speech_encoder.model.yaml', import.meta.url)), 'utf8').replace('    batchable: false', '    batchable: true\n    batch_dim: 1');
		const error: unknown = await importBundle(store, new File([zipSync({ 'model.yaml': strToU8(text) })], 'old-shelf.zip')).then(() => null, (caught: unknown) => caught);
		expect(isShelfError(error, 'BAD_BUNDLE') && error.details).toMatchObject({ reason: 'invalid-manifest', field: 'signatures.predict.batch_dim' });
	});
});

describe('what stays the same version', () => {
	const save = (store: ModelStore, metadata: SaveRequest['metadata'], creationTime: string) =>
		store.save({ name: 'same', version: 'v1', metadata, creationTime, files: [{ path: 'w', data: new Blob(['w']) }] });

	it('saving the same content again is unchanged whatever the time; 1.0 where 1 was is TAG_EXISTS', async () => {
		const store = await openStore();
		await save(store, { C: pyFloat(1), n: 1 }, '2025-01-01T00:00:00+00:00');
		expect((await save(store, { C: pyFloat(1), n: 1 }, '2025-06-01T00:00:00+00:00')).status).toBe('unchanged');
		const error: unknown = await save(store, { C: 1, n: 1 }, '2025-01-01T00:00:00+00:00').then(() => null, (caught: unknown) => caught);
		expect(isShelfError(error, 'TAG_EXISTS')).toBe(true);
	});

	it('an imported model.yaml with a byte-order mark is kept and exported with it', async () => {
		const store = await openStore();
		const yaml = readFileSync(fileURLToPath(new URL('../fixtures/manifests/speech_encoder.model.yaml', import.meta.url)));
		const withBom = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), yaml]);
		const { record } = await importBundle(store, new File([zipSync({ 'model.yaml': withBom, 'saved_model.onnx': strToU8('w') })], 'bom.zip'));
		expect((await exported(store, record.tag))['model.yaml']).toEqual(new Uint8Array(withBom));
	});
});
