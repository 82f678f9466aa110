// Issue 17: the JSON-headed formats — Hugging Face config.json, TensorFlow.js model.json, Keras 3 .keras —
// read as bounded JSON; their layouts follow what those libraries write (transformers' PretrainedConfig,
// tfjs-converter's weights manifest, keras.saving's archive with config.json and metadata.json).
import { describe, expect, it } from 'vitest';
import { readHfConfig, readKeras, readTfjsModel, tokenizerFiles } from '../../src/lib/core/inspect/model-json.ts';
import { craftZip, memorySource } from './zip-craft.ts';

const encode = (text: string) => new TextEncoder().encode(text);

async function reason(run: () => unknown) {
	try {
		await run();
		return 'read';
	} catch (error) {
		const shelf = error as { code?: string; details?: { reason?: string } };
		return `${shelf.code}:${shelf.details?.reason}`;
	}
}

describe('Hugging Face config.json', () => {
	it('reads a Llama config', () => {
		const config = { architectures: ['LlamaForCausalLM'], model_type: 'llama', hidden_size: 4096, num_hidden_layers: 32, num_attention_heads: 32, vocab_size: 32000, max_position_embeddings: 4096, torch_dtype: 'float16' };
		expect(readHfConfig(JSON.stringify(config))).toEqual({ architecture: 'LlamaForCausalLM', modelType: 'llama', hiddenSize: 4096, layers: 32, attentionHeads: 32, vocabSize: 32000, contextLength: 4096, dtype: 'float16' });
	});

	it('reads GPT-2 names and a multimodal text_config', () => {
		expect(readHfConfig(JSON.stringify({ architectures: ['GPT2LMHeadModel'], n_embd: 768, n_layer: 12, n_head: 12, n_positions: 1024, vocab_size: 50257 }))).toMatchObject({ hiddenSize: 768, layers: 12, attentionHeads: 12, contextLength: 1024 });
		expect(readHfConfig(JSON.stringify({ architectures: ['LlavaForConditionalGeneration'], text_config: { hidden_size: 2048, num_hidden_layers: 24, max_position_embeddings: 8192 } }))).toMatchObject({ hiddenSize: 2048, layers: 24, contextLength: 8192 });
		expect(readHfConfig('{}')).toEqual({ architecture: null, modelType: null, hiddenSize: null, layers: null, attentionHeads: null, vocabSize: null, contextLength: null, dtype: null });
	});

	it('finds the tokenizer files of a version, in any folder', () => {
		expect(tokenizerFiles(['config.json', 'tok/vocab.txt', 'tokenizer.json', 'model.safetensors', 'my-tokenizer.json'])).toEqual(['tok/vocab.txt', 'tokenizer.json']);
	});

	it('refuses what is not a JSON object, and nesting deep enough to overflow the parser', async () => {
		expect(await reason(() => readHfConfig('[1, 2]'))).toBe('BAD_MODEL_FILE:bad-json');
		expect(await reason(() => readHfConfig('{"a": '))).toBe('BAD_MODEL_FILE:bad-json');
		expect(await reason(() => readHfConfig('['.repeat(2_000_000)))).toMatch(/^BAD_MODEL_FILE:(too-deep|bad-json)$/);
	});
});

describe('TensorFlow.js model.json', () => {
	const model = {
		format: 'layers-model',
		generatedBy: 'keras v2.15.0',
		convertedBy: 'TensorFlow.js Converter v4.17.0',
		modelTopology: { class_name: 'Sequential', model_config: { class_name: 'Sequential', config: { layers: [] } } },
		weightsManifest: [
			{ paths: ['group1-shard1of2.bin', 'group1-shard2of2.bin'], weights: [{ name: 'dense/kernel', shape: [784, 128], dtype: 'float32' }, { name: 'dense/bias', shape: [128], dtype: 'float32' }] },
			{ paths: ['group2-shard1of1.bin'], weights: [{ name: 'emb', shape: [1000, 16], dtype: 'int32', quantization: { dtype: 'uint8', min: 0, scale: 1 } }] }
		]
	};

	it('lists the weights manifest as tensors, with its shard files', () => {
		const read = readTfjsModel(JSON.stringify(model));
		expect(read).toMatchObject({ format: 'layers-model', convertedBy: 'TensorFlow.js Converter v4.17.0', className: 'Sequential', shards: ['group1-shard1of2.bin', 'group1-shard2of2.bin', 'group2-shard1of1.bin'] });
		expect(read.tensors.map(({ name, dtype, shape, elements }) => [name, dtype, shape, elements])).toEqual([
			['dense/kernel', 'float32', [784, 128], 100352],
			['dense/bias', 'float32', [128], 128],
			['emb', 'int32', [1000, 16], 16000]
		]);
	});

	it('refuses a manifest that is not what TF.js writes, and too many weights', async () => {
		expect(await reason(() => readTfjsModel(JSON.stringify({ weightsManifest: [{ paths: 'x.bin', weights: [] }] })))).toBe('BAD_MODEL_FILE:bad-manifest');
		expect(await reason(() => readTfjsModel(JSON.stringify({ weightsManifest: [{ paths: [], weights: [{ name: 'w', shape: [-1], dtype: 'float32' }] }] })))).toBe('BAD_MODEL_FILE:bad-manifest');
		const many = { weightsManifest: [{ paths: [], weights: Array.from({ length: 11 }, (_, index) => ({ name: `w${index}`, shape: [1], dtype: 'float32' })) }] };
		expect(await reason(() => readTfjsModel(JSON.stringify(many), 'model.json', { maxTensors: 10 }))).toBe('BAD_MODEL_FILE:too-many');
	});
});

describe('Keras 3 .keras archives', () => {
	const archive = (entries: Record<string, string>) => memorySource(craftZip(Object.entries(entries).map(([name, text]) => ({ name, data: encode(text) }))));

	it("reads the archive's class, name, layers and Keras version, never its weights", async () => {
		const config = { module: 'keras', class_name: 'Sequential', config: { name: 'classifier', layers: [{ class_name: 'InputLayer' }, { class_name: 'Dense' }, { class_name: 'Dense' }] } };
		const source = archive({ 'metadata.json': JSON.stringify({ keras_version: '3.3.3', date_saved: '2024-05-01@10:00:00' }), 'config.json': JSON.stringify(config), 'model.weights.h5': 'HDF5 bytes never read' });
		expect(await readKeras(source)).toEqual({ kerasVersion: '3.3.3', className: 'Sequential', name: 'classifier', layers: 3, weightsFile: 'model.weights.h5' });
	});

	it('refuses an archive without config.json', async () => {
		expect(await reason(() => readKeras(archive({ 'metadata.json': '{}' })))).toBe('BAD_MODEL_FILE:missing-config');
	});
});
