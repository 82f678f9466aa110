// Issue 19: a version as a CNCF ModelPack artifact — the config's `config` from the facts the shelf reads out of
// real model files (tests/fixtures/models, each made by its writing library), ModelPack's layer types and
// annotations, model.yaml as a marked layer, diffIds; and, against a real CNCF Distribution, a ModelPack push
// pulled back into another shelf is the same version, byte for byte.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { sha256 } from 'hash-wasm';
import { serializeModelYaml } from '../../src/lib/core/manifest.ts';
import { ANNOTATIONS, LAYER_TYPES, OCI_MANIFEST_TYPE, readModelArtifact } from '../../src/lib/core/oci/artifact.ts';
import { modelPackConfig, modelPackLayers, modelPackManifest, paramSizeOf, precisionOf } from '../../src/lib/core/oci/modelpack-push.ts';
import { MODELPACK_ANNOTATIONS, MODELPACK_ARTIFACT_TYPE, MODELPACK_CONFIG_TYPE } from '../../src/lib/core/oci/modelpack-types.ts';
import { pullVersion } from '../../src/lib/worker/remote/pull.ts';
import { pushVersion } from '../../src/lib/worker/remote/push.ts';
import { deriveFacts } from '../../src/lib/worker/store/version-facts.ts';
import { clientFor, failure, openShelf, save, useRegistry } from './registry-fixtures.ts';

const models = new URL('../fixtures/models/', import.meta.url);
const fixture = (path: string) => new Uint8Array(readFileSync(new URL(path, models)));
const expectedOf = (folder: string) => JSON.parse(readFileSync(new URL(`${folder}/expected.json`, models), 'utf8'));
const registry = useRegistry();

/** Parameters per dtype as the fixture's writer reported its tensors. */
function dtypeTotals(tensors: Array<{ dtype?: string; type?: string; shape: number[] }>) {
	const totals: Record<string, number> = {};
	for (const tensor of tensors) {
		const dtype = tensor.dtype ?? tensor.type!;
		totals[dtype] = (totals[dtype] ?? 0) + tensor.shape.reduce((product, size) => product * size, 1);
	}
	return totals;
}

async function versionOf(files: Record<string, string | Uint8Array<ArrayBuffer>>, labels: Record<string, string> = {}) {
	const shelf = await openShelf();
	const record = await save(shelf, 'llm:v1', files, labels);
	const facts = await deriveFacts(shelf.store.blobs, record.files);
	const modelYaml = new TextEncoder().encode(serializeModelYaml(record.info));
	const yamlRef = { digest: `sha256:${await sha256(modelYaml)}`, size: modelYaml.byteLength };
	const layers = modelPackLayers(record.info, record.files, yamlRef);
	return { shelf, record, facts, yamlRef, layers, config: modelPackConfig(record.info, layers, facts) };
}

describe('the ModelPack config of a version', () => {
	it('says the safetensors fixture’s format, dominant precision and size as its writer reported them', async () => {
		const { config, record } = await versionOf({ 'model.safetensors': fixture('safetensors/tiny.safetensors') });
		const totals = dtypeTotals(expectedOf('safetensors')['tiny.safetensors'].tensors);
		const [dominant] = Object.entries(totals).sort((a, b) => b[1] - a[1]);
		const parameters = Object.values(totals).reduce((sum, count) => sum + count, 0);
		expect(config.config).toEqual({ format: 'safetensors', precision: precisionOf(dominant![0]), paramSize: paramSizeOf(parameters) });
		expect(config.descriptor).toEqual({ name: 'llm', version: 'v1', createdAt: record.info.creationTime });
	});

	it('says the GGUF fixture’s architecture and quantization in the words the ecosystem uses', async () => {
		const { config } = await versionOf({ 'model.gguf': fixture('gguf/tiny-llama-v3.gguf') });
		const expected = expectedOf('gguf')['tiny-llama-v3.gguf'];
		expect(config.config).toMatchObject({ format: 'gguf', architecture: expected.metadata['general.architecture'], quantization: 'Q4_K_M' });
		expect(expected.metadata['general.file_type']).toBe(15); // llama.cpp's LLAMA_FTYPE_MOSTLY_Q4_K_M
	});

	it('names PyTorch "pt" and its float32 weights "float32"', async () => {
		const { config } = await versionOf({ 'pytorch_model.bin': fixture('pytorch/tiny-state-dict.pt') });
		expect(config.config).toMatchObject({ format: 'pt', precision: 'float32' });
	});

	it('takes licenses from a license label, and leaves facts it does not know out', async () => {
		const { config } = await versionOf({ 'notes.txt': 'no model here' }, { license: 'Apache-2.0', stage: 'dev' });
		expect(config.descriptor.licenses).toEqual(['Apache-2.0']);
		expect(config.config).toEqual({});
	});

	it('spells dtypes and sizes as ModelPack does', () => {
		expect(['BF16', 'FLOAT', 'torch.float16', '<f4', '|b1', 'F8_E4M3', 'FLOAT8E5M2', 'U8', 'Q4_K'].map(precisionOf)).toEqual([
			'bfloat16',
			'float32',
			'float16',
			'float32',
			'bool',
			'float8_e4m3',
			'float8_e5m2',
			'uint8',
			'Q4_K'
		]);
		expect([7_241_732_096, 125_000_000, 999_960, 6_700, 120, 40].map(paramSizeOf)).toEqual(['7.2B', '125M', '1M', '6.7K', '0.1K', undefined]);
	});
});

describe('the ModelPack manifest of a version', () => {
	it('lists model.yaml first, marked, then one raw layer per file by kind, titled with its path; diffIds are the layers’ digests', async () => {
		const files = { 'model.safetensors': fixture('safetensors/tiny.safetensors'), 'config.json': '{"a": 1}', 'README.md': '# llm', 'train.py': 'print(1)' };
		const { record, yamlRef, layers, config } = await versionOf(files);
		const manifest = modelPackManifest(record.info, layers, { digest: `sha256:${'c'.repeat(64)}`, size: 10 });
		expect(manifest).toMatchObject({ schemaVersion: 2, mediaType: OCI_MANIFEST_TYPE, artifactType: MODELPACK_ARTIFACT_TYPE, config: { mediaType: MODELPACK_CONFIG_TYPE } });
		expect(manifest.annotations).toMatchObject({ [ANNOTATIONS.version]: 'v1', [ANNOTATIONS.tag]: 'llm:v1' });
		expect(manifest.layers[0]).toEqual({
			mediaType: LAYER_TYPES.weightConfig,
			...yamlRef,
			annotations: { [ANNOTATIONS.title]: 'model.yaml', [ANNOTATIONS.filepath]: 'model.yaml', [ANNOTATIONS.modelYaml]: 'true' }
		});
		const kinds = Object.fromEntries(manifest.layers.slice(1).map((layer) => [layer.annotations![ANNOTATIONS.title], layer.mediaType]));
		expect(kinds).toEqual({
			'README.md': 'application/vnd.cncf.model.doc.v1.raw',
			'config.json': 'application/vnd.cncf.model.weight.config.v1.raw',
			'model.safetensors': 'application/vnd.cncf.model.weight.v1.raw',
			'train.py': 'application/vnd.cncf.model.code.v1.raw'
		});
		for (const layer of manifest.layers.slice(1)) {
			const file = record.files.find((candidate) => candidate.path === layer.annotations![ANNOTATIONS.title])!;
			expect(layer).toMatchObject({ digest: `sha256:${file.sha256}`, size: file.size });
			expect(layer.annotations).toMatchObject({ [MODELPACK_ANNOTATIONS.filepath]: file.path, [MODELPACK_ANNOTATIONS.mediaTypeUntested]: 'true' });
		}
		expect(config.modelfs).toEqual({ type: 'layers', diffIds: manifest.layers.map((layer) => layer.digest) });

		// A shelf reads it back as the version: model.yaml from the marked layer, the files from the rest.
		const read = readModelArtifact(JSON.stringify(manifest));
		expect(read.config).toMatchObject(yamlRef);
		expect(read.files.map((file) => [file.path, file.sha256, file.size])).toEqual(record.files.map((file) => [file.path, file.sha256, file.size]));
		const twice = { ...manifest, layers: [...manifest.layers, manifest.layers[0]] };
		expect((await failure(Promise.resolve().then(() => readModelArtifact(JSON.stringify(twice))))).code).toBe('INVALID_MANIFEST');
	});
});

describe('pushVersion with format "modelpack" (real registry)', () => {
	it('pushes a ModelPack artifact that another shelf pulls back as the same version, model.yaml byte for byte', async () => {
		const mine = await openShelf();
		const record = await save(mine, 'llm:v1', { 'model.gguf': fixture('gguf/tiny-llama-v3.gguf'), 'README.md': '# llm' }, { license: 'MIT' });
		const client = clientFor(registry());
		const pushed = await pushVersion(mine.store, client, mine.remoteDb, 'llm:v1', {}, { format: 'modelpack' });
		expect(pushed).toMatchObject({ status: 'pushed', format: 'modelpack' });
		const response = await fetch(`${registry().directUrl}/v2/${pushed.repository}/manifests/v1`, { headers: { Accept: OCI_MANIFEST_TYPE } });
		const manifest = JSON.parse(await response.text());
		expect(manifest.artifactType).toBe(MODELPACK_ARTIFACT_TYPE);
		const config = await (await fetch(`${registry().directUrl}/v2/${pushed.repository}/blobs/${manifest.config.digest}`)).json();
		expect(config).toMatchObject({ descriptor: { name: 'llm', version: 'v1', licenses: ['MIT'] }, config: { format: 'gguf', architecture: 'llama' } });

		const theirs = await openShelf();
		const pulled = await pullVersion(theirs.store, client, theirs.remoteDb, 'llm:v1');
		expect(pulled).toMatchObject({ status: 'created', digest: pushed.digest });
		expect(serializeModelYaml(pulled.record.info)).toBe(serializeModelYaml(record.info));
		expect(pulled.record.files.map((file) => [file.path, file.sha256])).toEqual(record.files.map((file) => [file.path, file.sha256]));

		// The tag already holds this version: pushing it again in the shelf's format leaves the ModelPack tag as it is.
		expect(await pushVersion(mine.store, client, mine.remoteDb, 'llm:v1', {}, { format: 'shelf' })).toMatchObject({ status: 'unchanged', format: 'modelpack', digest: pushed.digest });
	});
});
