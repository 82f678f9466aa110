// Issue 17: a version's facts, derived from its files' headers when it is stored and kept in the catalogue —
// parameters and dtypes as the writing libraries reported them (the fixtures' expected.json), ONNX inputs and
// outputs, pickle verdicts — and the list filters that use them. Hostile files become problems; the version
// is stored all the same.
import 'fake-indexeddb/auto';
import { readFileSync } from 'node:fs';
import { IDBFactory } from 'fake-indexeddb';
import { describe, expect, it } from 'vitest';
import { formatParameters, hasDangerousPickle } from '../../src/lib/core/inspect/facts.ts';
import { createMemoryBlobStore } from '../../src/lib/worker/blobs/memory-blob-store.ts';
import { openCatalogue } from '../../src/lib/worker/catalogue/idb-catalogue.ts';
import { MIGRATIONS, openCatalogueDatabase } from '../../src/lib/worker/catalogue/schema.ts';
import { FactsBackfill } from '../../src/lib/worker/store/facts-backfill.ts';
import { localCoordination } from '../../src/lib/worker/store/coordination.ts';
import { inspectStoredFile } from '../../src/lib/worker/store/inspect-stored.ts';
import { ModelStore } from '../../src/lib/worker/store/model-store.ts';

const models = new URL('../fixtures/models/', import.meta.url);
const fixture = (path: string): Uint8Array<ArrayBuffer> => new Uint8Array(readFileSync(new URL(path, models)));
const expectedOf = (folder: string) => JSON.parse(readFileSync(new URL(`${folder}/expected.json`, models), 'utf8'));

type ExpectedTensor = { name: string; dtype: string; elements: number };
const safetensorsTensors = expectedOf('safetensors')['tiny.safetensors'].tensors as ExpectedTensor[];
const ggufExpected = expectedOf('gguf')['tiny-llama-v3.gguf'] as { metadata: Record<string, unknown>; tensors: ExpectedTensor[] };
const onnxExpected = expectedOf('onnx').models['mlp.onnx'] as { inputs: Array<{ name: string; elemType: string; shape: unknown[] }>; outputs: Array<{ name: string; elemType: string; shape: unknown[] }>; parameters: number };
const pickles = expectedOf('pickle').files as Record<string, { verdict: string; globals: string[]; dangerous?: string[] }>;

function byDtype(tensors: ExpectedTensor[]): Record<string, number> {
	const sums: Record<string, number> = {};
	for (const tensor of tensors) sums[tensor.dtype] = (sums[tensor.dtype] ?? 0) + tensor.elements;
	return sums;
}

/** A stored value (a version, or a trash item holding one) as schema 2 stored it: no facts. */
function withoutFacts(value: object): object {
	const { facts: _facts, ...rest } = value as { facts?: unknown; record?: object };
	return rest.record ? { ...rest, record: withoutFacts(rest.record) } : rest;
}

const total = (tensors: ExpectedTensor[]) => tensors.reduce((sum, tensor) => sum + tensor.elements, 0);

async function shelf() {
	return new ModelStore(await openCatalogue({ factory: new IDBFactory() }), createMemoryBlobStore(), localCoordination());
}

async function saveFiles(store: ModelStore, tag: string, files: Record<string, Uint8Array<ArrayBuffer>>) {
	const [name, version] = tag.split(':') as [string, string];
	return store.save({ name, version, files: Object.entries(files).map(([path, bytes]) => ({ path, data: new Blob([bytes]) })) });
}

describe('facts derived when a version is stored', () => {
	it('counts safetensors parameters by dtype as the writer declared them, and `get` returns them', async () => {
		const store = await shelf();
		const { record } = await saveFiles(store, 'tiny:v1', { 'model.safetensors': fixture('safetensors/tiny.safetensors'), 'README.md': new TextEncoder().encode('# hi') });
		expect(record.facts).toMatchObject({ formats: ['safetensors'], weightsFormat: 'safetensors', tensorCount: safetensorsTensors.length, parameters: total(safetensorsTensors) });
		expect(record.facts!.parametersByDtype).toEqual(byDtype(safetensorsTensors));
		expect((await store.get('tiny:v1')).facts).toEqual(record.facts);
	});

	it('reads GGUF architecture, context length and quantization, and counts parameters by ggml type', async () => {
		const store = await shelf();
		const { record } = await saveFiles(store, 'llm:q4', { 'model.gguf': fixture('gguf/tiny-llama-v3.gguf') });
		const architecture = ggufExpected.metadata['general.architecture'] as string;
		expect(ggufExpected.metadata['general.file_type']).toBe(15);
		expect(record.facts).toMatchObject({
			formats: ['gguf'],
			architecture,
			contextLength: ggufExpected.metadata[`${architecture}.context_length`],
			// The generator wrote general.file_type 15: llama.cpp's LLAMA_FTYPE_MOSTLY_Q4_K_M.
			quantization: 'MOSTLY_Q4_K_M',
			tensorCount: ggufExpected.tensors.length,
			parameters: total(ggufExpected.tensors)
		});
		expect(record.facts!.parametersByDtype).toEqual(byDtype(ggufExpected.tensors));
	});

	it('gives ONNX inputs and outputs with symbolic dims, and its initializers as parameters', async () => {
		const store = await shelf();
		const { record } = await saveFiles(store, 'mlp:v1', { 'model.onnx': fixture('onnx/mlp.onnx') });
		const io = (values: typeof onnxExpected.inputs) => values.map(({ name, elemType, shape }) => ({ name, type: elemType, shape }));
		expect(record.facts).toMatchObject({ formats: ['onnx'], parameters: onnxExpected.parameters, inputs: io(onnxExpected.inputs), outputs: io(onnxExpected.outputs) });
	});

	it('counts the same weights once when a version holds them as .safetensors and as a PyTorch .bin', async () => {
		const store = await shelf();
		const { record } = await saveFiles(store, 'twice:v1', { 'model.safetensors': fixture('safetensors/tiny.safetensors'), 'pytorch_model.bin': fixture('pytorch/tiny-state-dict.pt') });
		expect(record.facts).toMatchObject({ formats: ['safetensors', 'pytorch'], weightsFormat: 'safetensors', parameters: total(safetensorsTensors) });
		// The checkpoint's data.pkl is scanned all the same.
		expect(record.facts!.pickles.map((pickle) => [pickle.path, pickle.verdict])).toEqual([['pytorch_model.bin', 'safe']]);
	});

	it('flags a pickle that would run os.system as dangerous and lists a plain sklearn pickle\'s globals as safe', async () => {
		const store = await shelf();
		const { record } = await saveFiles(store, 'fraud:v1', {
			'custom_objects.pkl': fixture('pickle/malicious-os-system-proto0.pkl'),
			'saved_model.pkl': fixture('pickle/sklearn-logreg.pkl')
		});
		expect(record.facts!.pickles).toEqual([
			{ path: 'custom_objects.pkl', verdict: 'dangerous', globals: pickles['malicious-os-system-proto0.pkl']!.globals, dangerous: pickles['malicious-os-system-proto0.pkl']!.dangerous },
			{ path: 'saved_model.pkl', verdict: 'safe', globals: pickles['sklearn-logreg.pkl']!.globals, dangerous: [] }
		]);
		expect(hasDangerousPickle(record.facts)).toBe(true);
		expect(record.facts!.formats).toEqual(['pickle']);
		// A pickle too large to scan is never called safe.
		const blind = await saveFiles(store, 'big:v1', { 'model.pkl': new Uint8Array(70 * 1024 * 1024) });
		expect(blind.record.facts!.pickles).toEqual([{ path: 'model.pkl', verdict: 'unreadable', globals: [], dangerous: [] }]);
		expect(blind.record.facts!.problems).toEqual([expect.objectContaining({ path: 'model.pkl', format: 'pickle', reason: 'too-large' })]);
		expect(record.facts!.parameters).toBeNull();
	});

	it('stores a version with hostile headers and keeps each file\'s reason as a problem', async () => {
		const store = await shelf();
		const { status, record } = await saveFiles(store, 'broken:v1', {
			'cut.onnx': fixture('onnx/cut-in-half.onnx'),
			'deep.onnx': fixture('onnx/nested-200.onnx'),
			'weights.safetensors': new Uint8Array([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0, 0, 0x7b]),
			'model.safetensors': fixture('safetensors/tiny.safetensors')
		});
		expect(status).toBe('created');
		const hostile = expectedOf('onnx').hostile as Record<string, string>;
		expect(record.facts!.problems.map(({ path, format, reason }) => [path, format, reason])).toEqual([
			['cut.onnx', 'onnx', hostile['cut-in-half.onnx']],
			['deep.onnx', 'onnx', hostile['nested-200.onnx']],
			['weights.safetensors', 'safetensors', expect.any(String)]
		]);
		expect(record.facts!.problems[2]!.message).toMatch(/weights\.safetensors|header/i);
		// The readable file still gives its facts.
		expect(record.facts!.parameters).toBe(total(safetensorsTensors));
	});

	it('says when an ONNX model\'s external data file is not in the version', async () => {
		const store = await shelf();
		const withData = await saveFiles(store, 'ext:v1', { 'onnx/model.onnx': fixture('onnx/mlp-external.onnx'), 'onnx/mlp-external.onnx.data': fixture('onnx/mlp-external.onnx.data') });
		expect(withData.record.facts!.problems).toEqual([]);
		const header = await inspectStoredFile(store, 'ext:v1', 'onnx/model.onnx');
		expect(header.format === 'onnx' && header.header.externalData.every((reference) => reference.present)).toBe(true);
		const without = await saveFiles(store, 'ext:v2', { 'onnx/model.onnx': fixture('onnx/mlp-external.onnx') });
		expect(without.record.facts!.problems).toEqual([expect.objectContaining({ path: 'onnx/model.onnx', reason: 'missing-external-data' })]);
		expect(without.record.facts!.problems[0]!.message).toContain('mlp-external.onnx.data');
	});
});

describe('the list filters by format and by parameter count', () => {
	it('answers only versions holding a format, or whose parameters are within a range', async () => {
		const store = await shelf();
		await saveFiles(store, 'tiny:v1', { 'model.safetensors': fixture('safetensors/tiny.safetensors') });
		await saveFiles(store, 'llm:v1', { 'model.gguf': fixture('gguf/tiny-llama-v3.gguf') });
		await saveFiles(store, 'mlp:v1', { 'model.onnx': fixture('onnx/mlp.onnx') });
		await saveFiles(store, 'notes:v1', { 'notes.txt': new TextEncoder().encode('no model here') });
		const tags = async (request: Parameters<ModelStore['list']>[0]) => (await store.list(request)).items.map((item) => item.tag).sort();
		expect(await tags({ formats: ['gguf'] })).toEqual(['llm:v1']);
		expect(await tags({ formats: ['gguf', 'onnx'] })).toEqual(['llm:v1', 'mlp:v1']);
		const counts = { tiny: total(safetensorsTensors), llm: total(ggufExpected.tensors), mlp: onnxExpected.parameters };
		const sorted = Object.entries(counts).sort(([, a], [, b]) => a - b);
		const [smallest, middle, largest] = sorted as [[string, number], [string, number], [string, number]];
		expect(await tags({ parameters: { min: middle[1] } })).toEqual([`${middle[0]}:v1`, `${largest[0]}:v1`].sort());
		expect(await tags({ parameters: { max: middle[1] - 1 } })).toEqual([`${smallest[0]}:v1`]);
		expect(await tags({ parameters: { min: smallest[1], max: largest[1] } })).toHaveLength(3); // the text-only version has no count
		expect(await tags({ formats: ['gguf'], parameters: { max: 1 } })).toEqual([]);
	});
});

describe('versions stored before facts existed (schema 2 → 3)', () => {
	it('get their facts once, in the background, on the shelf and in the trash', async () => {
		const factory = new IDBFactory();
		const blobs = createMemoryBlobStore();
		// Versions stored by this build, copied without their facts into a catalogue still at schema 2.
		const scratch = new ModelStore(await openCatalogue({ factory, name: 'scratch' }), blobs, localCoordination());
		await saveFiles(scratch, 'tiny:v1', { 'model.safetensors': fixture('safetensors/tiny.safetensors') });
		await saveFiles(scratch, 'fraud:v1', { 'custom_objects.pkl': fixture('pickle/malicious-os-system-proto0.pkl') });
		await scratch.delete('fraud:v1');
		const version = (await scratch.get('tiny:v1'))!;
		const source = await openCatalogueDatabase({ factory, name: 'scratch' });
		const v2 = await openCatalogueDatabase({ factory, name: 'old', migrations: MIGRATIONS.slice(0, 2) });
		for (const storeName of v2.objectStoreNames) {
			for (const value of await source.getAll(storeName)) await v2.put(storeName, withoutFacts(value) as never);
		}
		source.close();
		v2.close();

		const store = new ModelStore(await openCatalogue({ factory, name: 'old' }), blobs, localCoordination());
		expect((await store.get('tiny:v1')).facts).toBeUndefined();
		expect(await store.list({ formats: ['safetensors'] })).toMatchObject({ items: [] });
		const heard: string[] = [];
		const backfill = new FactsBackfill(store, (change) => heard.push(...(change.kind === 'changed' ? change.tags : [])));
		expect(await backfill.progress()).toEqual({ pending: 2, derived: 0, running: false });
		await backfill.start();
		expect(await backfill.progress()).toEqual({ pending: 0, derived: 2, running: false });
		expect(heard.sort()).toEqual(['fraud:v1', 'tiny:v1']);
		expect((await store.get('tiny:v1')).facts).toEqual(version.facts);
		expect((await store.list({ formats: ['safetensors'] })).items.map((item) => item.tag)).toEqual(['tiny:v1']);
		const [restored] = await store.catalogue.restore(['fraud:v1']);
		expect(hasDangerousPickle(restored!.facts)).toBe(true);
		// A second pass finds nothing to do.
		await backfill.start();
		expect((await backfill.progress()).derived).toBe(2);
	});

	it('does not write facts for a version deleted for good while its headers were read', async () => {
		const store = await shelf();
		await saveFiles(store, 'gone:v1', { 'model.safetensors': fixture('safetensors/tiny.safetensors') });
		const facts = (await store.get('gone:v1')).facts!;
		await store.delete('gone:v1');
		await store.catalogue.purge(['gone:v1']);
		expect(await store.catalogue.setFacts('trash', 'gone:v1', facts)).toBe(false);
		expect(await store.catalogue.setFacts('versions', 'gone:v1', facts)).toBe(false);
		expect(await store.catalogue.countWithoutFacts()).toBe(0);
	});
});

describe('formatParameters', () => {
	it('writes counts as people do', () => {
		expect([7_241_732_096, 124_439_808, 4_200, 512, 1_000_000, 999_999].map(formatParameters)).toEqual(['7.24 B', '124 M', '4.2 K', '512', '1 M', '1 M']);
	});
});
