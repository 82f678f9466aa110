// Fuzzing the model-file header readers (issue 22, item 6): safetensors, GGUF, ONNX protobuf, pickle (the VM
// and the scan), PyTorch zips, npy/npz, Keras, TF.js model.json and Hugging Face config.json, each through
// `inspectFile` as the worker calls it, then `versionFacts` over the header (what the pages show).
import { describe, it } from 'vitest';
import fc from 'fast-check';
import { versionFacts, versionTensors } from '../../src/lib/core/inspect/facts.ts';
import { inspectFile } from '../../src/lib/core/inspect/inspect-file.ts';
import { readPickle } from '../../src/lib/core/inspect/pickle-vm.ts';
import { FUZZ_RUNS, bytesFrom, bytesSource, fixture, fixtureText, fuzzParser, jsonFrom, reportInputs, testTimeout } from './fuzz-kit.ts';
import { craftZip } from './zip-craft.ts';

const model = (path: string) => fixture(`models/${path}`);
const encode = (text: string) => new TextEncoder().encode(text);
/** What inspecting may throw: a model file's own problem, or a damaged zip container (npz, PyTorch, Keras). */
const CODES = ['BAD_MODEL_FILE', 'BAD_BUNDLE'] as const;

/** Inspects `bytes` as the file `path`, then derives the version's facts and tensors from the header. */
async function inspectAs(path: string, bytes: Uint8Array): Promise<void> {
	const header = await inspectFile(path, bytesSource(bytes));
	const readings = [{ path, sha256: '0'.repeat(64), header }];
	versionFacts(readings);
	versionTensors(readings);
}

/** A safetensors file: an 8-byte little-endian header length, the JSON header, the data. */
function safetensorsFile(header: string, data: Uint8Array, lengthDelta: number): Uint8Array {
	const json = encode(header);
	const out = new Uint8Array(8 + json.length + data.length);
	new DataView(out.buffer).setBigUint64(0, BigInt(Math.max(0, json.length + lengthDelta)), true);
	out.set(json, 8);
	out.set(data, 8 + json.length);
	return out;
}

const tiny = model('safetensors/tiny.safetensors');
const tinyHeader = new TextDecoder().decode(tiny.subarray(8, 8 + Number(new DataView(tiny.buffer, tiny.byteOffset).getBigUint64(0, true))));

const TFJS = JSON.stringify({
	format: 'layers-model',
	modelTopology: { class_name: 'Sequential', config: { name: 's', layers: [{ class_name: 'Dense' }] } },
	weightsManifest: [{ paths: ['group1-shard1of1.bin'], weights: [{ name: 'dense/kernel', shape: [4, 2], dtype: 'float32' }, { name: 'q', shape: [3], dtype: 'int32', quantization: { dtype: 'uint8', scale: 1, min: 0 } }] }]
});
const HF = JSON.stringify({ architectures: ['LlamaForCausalLM'], model_type: 'llama', hidden_size: 64, num_hidden_layers: 2, text_config: { max_position_embeddings: 128 }, torch_dtype: 'float16' });
const KERAS = [
	craftZip([
		{ name: 'metadata.json', data: encode('{"keras_version": "3.3.3"}') },
		{ name: 'config.json', data: encode('{"class_name": "Sequential", "config": {"name": "s", "layers": [{}]}}') },
		{ name: 'model.weights.h5', data: new Uint8Array(16) }
	])
];

/** Per format: the path it is inspected as and its seeds (committed fixtures, written by the real libraries). */
const BINARY: [string, string, Uint8Array[]][] = [
	['safetensors', 'model.safetensors', [tiny, model('safetensors/no-metadata.safetensors'), model('safetensors/sharded/model-00001-of-00002.safetensors')]],
	['gguf', 'model.gguf', [model('gguf/tiny-v2-align64.gguf'), model('gguf/tiny-llama-v3.gguf')]],
	['onnx', 'model.onnx', [model('onnx/mlp.onnx'), model('onnx/mlp-ir3.onnx'), model('onnx/control-flow.onnx'), model('onnx/mlp-external.onnx')]],
	['pickle', 'model.pkl', ['protocol-0', 'protocol-2', 'protocol-4', 'protocol-5', 'rare-opcodes', 'malicious-memo-stack-global'].map((name) => model(`pickle/${name}.pkl`))],
	['joblib', 'model.joblib', [model('pickle/sklearn-logreg.joblib')]],
	['pytorch', 'model.pt', [model('pytorch/tiny-state-dict.pt'), model('pytorch/checkpoint-nested.pth')]],
	['npy', 'weights.npy', ['ids-i8', 'mask-bool-fortran', 'scalar-f64', 'weights-f32'].map((name) => model(`npy/${name}.npy`))],
	['npz', 'bundle.npz', [model('npy/bundle.npz'), model('npy/bundle-compressed.npz')]],
	['keras', 'model.keras', KERAS]
];

describe('fuzzed model files never crash, hang or believe a length field', () => {
	for (const [format, path, seeds] of BINARY) {
		it(
			`${format}: mutated files and random bytes`,
			async () => {
				await fuzzParser(format, bytesFrom(seeds), CODES, (bytes) => inspectAs(path, bytes));
			},
			testTimeout()
		);
	}

	it(
		'safetensors: mutated JSON headers behind right and wrong lengths',
		async () => {
			const input = fc.tuple(jsonFrom([tinyHeader]), fc.uint8Array({ maxLength: 256 }), fc.constantFrom(0, 0, 0, -1, 1, 1 << 30));
			await fuzzParser('safetensors-json', input, CODES, ([header, data, delta]) => inspectAs('model.safetensors', safetensorsFile(header, data, delta)));
		},
		testTimeout()
	);

	const TEXT: [string, string, string[]][] = [
		['safetensors-index', 'model.safetensors.index.json', [fixtureText('models/safetensors/sharded/model.safetensors.index.json')]],
		['tfjs', 'model.json', [TFJS]],
		['hf-config', 'config.json', [HF]]
	];
	for (const [format, path, seeds] of TEXT) {
		it(
			`${format}: mutated JSON`,
			async () => {
				await fuzzParser(format, jsonFrom(seeds), CODES, (text) => inspectAs(path, encode(text)));
			},
			testTimeout()
		);
	}

	it(
		'pickle VM: every opcode sequence, joblib arrays included',
		async () => {
			const seeds = BINARY.filter(([format]) => format === 'pickle' || format === 'joblib').flatMap(([, , list]) => list);
			await fuzzParser('pickle-vm', bytesFrom(seeds), ['BAD_MODEL_FILE'], (bytes) => readPickle(bytes), FUZZ_RUNS * 2);
		},
		testTimeout(FUZZ_RUNS * 2)
	);
});

reportInputs('inspect');
