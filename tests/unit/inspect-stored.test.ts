// Issue 17: `inspect({ tag, path })` on a stored version — each file told by name and first bytes and read by
// its format's reader from the blob in place, with facts equal to what the writing libraries reported
// (the fixtures' expected.json files) and hostile files answered with BAD_MODEL_FILE.
import 'fake-indexeddb/auto';
import { readFileSync } from 'node:fs';
import { IDBFactory } from 'fake-indexeddb';
import { describe, expect, it } from 'vitest';
import { formatOf } from '../../src/lib/core/inspect/inspect-file.ts';
import { openCatalogue } from '../../src/lib/worker/catalogue/idb-catalogue.ts';
import { createMemoryBlobStore } from '../../src/lib/worker/blobs/memory-blob-store.ts';
import { localCoordination } from '../../src/lib/worker/store/coordination.ts';
import { inspectStoredFile } from '../../src/lib/worker/store/inspect-stored.ts';
import { ModelStore } from '../../src/lib/worker/store/model-store.ts';

const models = new URL('../fixtures/models/', import.meta.url);
const fixture = (path: string): Uint8Array<ArrayBuffer> => new Uint8Array(readFileSync(new URL(path, models)));
const expectedOf = (folder: string) => JSON.parse(readFileSync(new URL(`${folder}/expected.json`, models), 'utf8')) as Record<string, Record<string, unknown>>;

/** One version holding a file of every format, as a team's model folder might. */
const FILES: Record<string, Uint8Array<ArrayBuffer>> = {
	'weights/model.safetensors': fixture('safetensors/tiny.safetensors'),
	'llm/model.gguf': fixture('gguf/tiny-llama-v3.gguf'),
	'onnx/model.onnx': fixture('onnx/mlp.onnx'),
	'torch/pytorch_model.bin': fixture('pytorch/tiny-state-dict.pt'),
	'sklearn/model.pkl': fixture('pickle/sklearn-logreg.pkl'),
	'custom_objects.pkl': fixture('pickle/malicious-os-system-proto0.pkl'),
	'arrays/weights.npy': fixture('npy/weights-f32.npy'),
	'broken.onnx': fixture('onnx/truncated-varint.onnx'),
	'config.json': new TextEncoder().encode(JSON.stringify({ architectures: ['BertModel'], hidden_size: 768, num_hidden_layers: 12, max_position_embeddings: 512 })),
	'README.md': new TextEncoder().encode('# not a model file')
};

async function storedVersion() {
	const store = new ModelStore(await openCatalogue({ factory: new IDBFactory() }), createMemoryBlobStore(), localCoordination());
	await store.save({ name: 'zoo', version: 'v1', files: Object.entries(FILES).map(([path, bytes]) => ({ path, data: new Blob([bytes]) })) });
	return store;
}

describe('inspect({ tag, path }) on a stored version', () => {
	it('reads each file by its format, with the facts its writer reported', async () => {
		const store = await storedVersion();
		const safetensors = await inspectStoredFile(store, 'zoo:v1', 'weights/model.safetensors');
		expect(safetensors.format === 'safetensors' && safetensors.header.tensors.map((tensor) => tensor.name)).toEqual((expectedOf('safetensors')['tiny.safetensors']!.tensors as Array<{ name: string }>).map((tensor) => tensor.name));
		const gguf = await inspectStoredFile(store, 'zoo', 'llm/model.gguf');
		expect(gguf.format === 'gguf' && gguf.header.tensors.length).toBe((expectedOf('gguf')['tiny-llama-v3.gguf']!.tensors as unknown[]).length);
		const onnx = await inspectStoredFile(store, 'zoo:v1', 'onnx/model.onnx');
		expect(onnx.format === 'onnx' && onnx.header.parameters).toBe((expectedOf('onnx').models as Record<string, { parameters: number }>)['mlp.onnx']!.parameters);
		const torch = await inspectStoredFile(store, 'zoo:v1', 'torch/pytorch_model.bin');
		expect(torch.format === 'pytorch' && torch.checkpoint.tensors.map((tensor) => [tensor.name, tensor.dtype, tensor.shape])).toEqual(
			(expectedOf('pytorch').files as Record<string, { tensors: Array<{ name: string; dtype: string; shape: number[] }> }>)['tiny-state-dict.pt']!.tensors.map((tensor) => [tensor.name, tensor.dtype, tensor.shape])
		);
		expect(await inspectStoredFile(store, 'zoo:v1', 'arrays/weights.npy')).toMatchObject({ format: 'npy', tensors: [{ dtype: '<f4', shape: [3, 4] }] });
		expect(await inspectStoredFile(store, 'zoo:v1', 'config.json')).toMatchObject({ format: 'hf-config', config: { architecture: 'BertModel', layers: 12, contextLength: 512 } });
		expect(await inspectStoredFile(store, 'zoo:v1', 'README.md')).toEqual({ format: 'unknown' });
	});

	it('scans pickles: a plain sklearn model is safe, one that would run os.system is dangerous', async () => {
		const store = await storedVersion();
		const sklearn = await inspectStoredFile(store, 'zoo:v1', 'sklearn/model.pkl');
		expect(sklearn.format === 'pickle' && sklearn.scan).toMatchObject({ verdict: 'safe', dangerous: [] });
		expect(sklearn.format === 'pickle' && sklearn.scan.globals.some((name) => name.startsWith('sklearn.'))).toBe(true);
		const malicious = await inspectStoredFile(store, 'zoo:v1', 'custom_objects.pkl');
		expect(malicious.format === 'pickle' && malicious.scan).toMatchObject({ verdict: 'dangerous', dangerous: ['os.system'] });
	});

	it('answers a damaged header with BAD_MODEL_FILE and its reason, and an unknown path with NOT_FOUND', async () => {
		const store = await storedVersion();
		await expect(inspectStoredFile(store, 'zoo:v1', 'broken.onnx')).rejects.toMatchObject({ code: 'BAD_MODEL_FILE', details: { format: 'onnx', reason: 'truncated' } });
		await expect(inspectStoredFile(store, 'zoo:v1', 'nope.bin')).rejects.toMatchObject({ code: 'NOT_FOUND', details: { path: 'nope.bin' } });
	});

	it('tells formats by magic before names', () => {
		const bytes = (text: string) => new TextEncoder().encode(text);
		expect(formatOf('weights.bin', bytes('GGUF\u0003\u0000'))).toBe('gguf');
		expect(formatOf('model.pth', bytes('PK\u0003\u0004'))).toBe('pytorch');
		expect(formatOf('model.bin', bytes('not a zip'))).toBe('unknown');
		expect(formatOf('x.dat', Uint8Array.of(0x80, 0x04, 0x95))).toBe('pickle');
		expect(formatOf('model.safetensors.index.json', bytes('{"wei'))).toBe('safetensors-index');
	});
});
