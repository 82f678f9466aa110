// Issue 19: recognising foreign model artifacts, naming their files, and the version they become.
// Manifests are written by hand from the specs (modelpack/model-spec docs/spec.md, docker/model-spec spec.md,
// kitops pkg/lib/constants/mediaType.go, ORAS's title annotation).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isShelfError } from '../../src/lib/core/errors.ts';
import { parseModelYaml, serializeModelYaml } from '../../src/lib/core/manifest.ts';
import { chooseFromIndex, detectFormat, parseOciJson, readForeignManifest } from '../../src/lib/core/oci/model-formats.ts';
import { configDiffIds, proposalInfo, proposeVersion, toTagPart } from '../../src/lib/core/oci/model-proposal.ts';
import { dockerModelPath } from '../../src/lib/core/oci/docker-model-paths.ts';
import { DEBIAN_PYTHON } from '../tools.ts';

const d = (n: number) => `sha256:${n.toString(16).padStart(64, '0')}`;
const layer = (mediaType: string, n: number, annotations?: Record<string, string>) => ({ mediaType, digest: d(n), size: 100 + n, ...(annotations ? { annotations } : {}) });
const manifest = (extra: Record<string, unknown>): Record<string, unknown> => ({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json', ...extra });
const code = (fn: () => unknown) => {
	try {
		fn();
	} catch (error) {
		return isShelfError(error) ? error.code : String(error);
	}
	return 'no error';
};

const modelPack = manifest({
	artifactType: 'application/vnd.cncf.model.manifest.v1+json',
	config: { mediaType: 'application/vnd.cncf.model.config.v1+json', digest: d(1), size: 300 },
	layers: [
		layer('application/vnd.cncf.model.weight.v1.raw', 2, { 'org.cncf.model.filepath': 'model.safetensors', 'org.opencontainers.image.title': 'other-name' }),
		layer('application/vnd.cncf.model.weight.config.v1.tar+gzip', 3, { 'org.cncf.model.filepath': 'tokenizer' }),
		layer('application/vnd.cncf.model.doc.v1.raw', 4, { 'org.cnai.model.filepath': 'docs/README.md' })
	],
	annotations: { 'org.opencontainers.image.created': '2025-03-01T12:00:00Z', 'org.opencontainers.image.licenses': 'Apache-2.0' }
});
const modelPackConfig = {
	descriptor: { name: 'tiny', family: 'llama', vendor: 'acme', licenses: ['MIT'], createdAt: '2024-01-01T00:00:00Z', description: 'A tiny model' },
	modelfs: { type: 'layers', diffIds: [d(2), d(33), d(4)] },
	config: { format: 'safetensors', architecture: 'transformer', precision: 'bf16', quantization: 'awq', paramSize: '8b' }
};
const dockerModel = manifest({
	config: { mediaType: 'application/vnd.docker.ai.model.config.v0.1+json', digest: d(1), size: 300 },
	layers: [layer('application/vnd.docker.ai.gguf.v3', 2), layer('application/vnd.docker.ai.gguf.v3', 3), layer('application/vnd.docker.ai.license', 4), layer('application/vnd.docker.ai.chat.template.jinja', 5)]
});
const kitops = manifest({
	config: { mediaType: 'application/vnd.kitops.modelkit.config.v1+json', digest: d(1), size: 300 },
	layers: [layer('application/vnd.kitops.modelkit.model.v1.tar+gzip', 2), layer('application/vnd.kitops.modelkit.docs.v1.tar+zstd', 3), layer('application/vnd.kitops.modelkit.code.v1.tar', 4)]
});
const oras = manifest({
	artifactType: 'application/vnd.acme.thing',
	config: { mediaType: 'application/vnd.oci.empty.v1+json', digest: d(1), size: 2 },
	layers: [
		layer('application/vnd.oci.image.layer.v1.tar', 2, { 'org.opencontainers.image.title': 'weights.bin' }),
		layer('application/vnd.oci.image.layer.v1.tar+gzip', 3, { 'org.opencontainers.image.title': 'extra', 'io.deis.oras.content.unpack': 'true' })
	]
});
const read = (value: object) => readForeignManifest(parseOciJson(JSON.stringify(value)));
const source = { location: 'localhost:5000/acme/tiny', name: 'tiny', tag: 'V1.0', digest: `sha256:${'ab'.repeat(32)}` };

describe('recognising a manifest', () => {
	it('names each format by artifactType, then config media type, then ORAS titles', () => {
		expect(detectFormat(modelPack).format).toBe('modelpack');
		expect(detectFormat(manifest({ config: { mediaType: 'application/vnd.cnai.model.config.v1+json' } })).format).toBe('modelpack');
		expect(detectFormat(manifest({ artifactType: 'application/vnd.cnai.model.manifest.v1+json', config: {} })).format).toBe('modelpack');
		expect(detectFormat(dockerModel).format).toBe('docker-model');
		expect(detectFormat(kitops).format).toBe('kitops');
		expect(detectFormat(oras)).toEqual({ format: 'oras', type: 'application/vnd.acme.thing' });
		expect(detectFormat(manifest({ artifactType: 'application/vnd.bentoml.model.v1', config: {} })).format).toBe('shelf');
	});

	it('refuses a container image as UNSUPPORTED, naming its type', () => {
		const image = manifest({ config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: d(1), size: 2 }, layers: [layer('application/vnd.oci.image.layer.v1.tar+gzip', 2)] });
		try {
			detectFormat(image);
			expect.unreachable();
		} catch (error) {
			expect(isShelfError(error, 'UNSUPPORTED') && error.details).toEqual({ configMediaType: 'application/vnd.oci.image.config.v1+json' });
		}
	});

	it('picks the model manifest of an index by artifactType, else the one without a platform', () => {
		const entry = (n: number, extra: object) => ({ mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: d(n), size: 500, ...extra });
		const index = { schemaVersion: 2, mediaType: 'application/vnd.oci.image.index.v1+json', manifests: [entry(1, { platform: { os: 'linux', architecture: 'amd64' } }), entry(2, { artifactType: 'application/vnd.cncf.model.manifest.v1+json' })] };
		expect(chooseFromIndex(index).descriptor.digest).toBe(d(2));
		expect(chooseFromIndex({ ...index, manifests: [index.manifests[0], entry(3, {})] }).descriptor.digest).toBe(d(3));
		expect(code(() => chooseFromIndex({ ...index, manifests: [index.manifests[0]] }))).toBe('UNSUPPORTED');
	});
});

describe('mapping layers to files', () => {
	it('takes org.cncf.model.filepath over the title, then the legacy org.cnai name; tars keep their entries', () => {
		const read1 = read(modelPack);
		expect(read1.layers.map((l) => [l.packing, l.path])).toEqual([['raw', 'model.safetensors'], ['tar+gzip', ''], ['raw', 'docs/README.md']]);
	});

	it("names Docker Model Runner's layers by type and shard order", () => {
		expect(read(dockerModel).layers.map((l) => l.path)).toEqual(['model-00001-of-00002.gguf', 'model-00002-of-00002.gguf', 'LICENSE', 'template.jinja']);
		expect(dockerModelPath([{ mediaType: 'application/vnd.docker.ai.gguf.v3' }], 0)).toBe('model.gguf');
	});

	it('reads KitOps packings (tar, +gzip, +zstd) and ORAS files as raw whatever their media type, folders as tar+gzip', () => {
		expect(read(kitops).layers.map((l) => l.packing)).toEqual(['tar+gzip', 'tar+zstd', 'tar']);
		expect(read(oras).layers.map((l) => [l.packing, l.path])).toEqual([['raw', 'weights.bin'], ['tar+gzip', '']]);
	});

	it('refuses hostile manifests before any download: traversal, two layers for one path, a huge config, no name', () => {
		const titled = (title: string, n: number) => layer('application/octet-stream', n, { 'org.opencontainers.image.title': title });
		expect(code(() => read({ ...oras, layers: [titled('../../etc/passwd', 2)] }))).toBe('INVALID_PATH');
		expect(code(() => read({ ...oras, layers: [titled('a.bin', 2), titled('./a.bin', 3)] }))).toBe('INVALID_PATH');
		expect(code(() => read({ ...modelPack, config: { ...(modelPack.config as object), size: 100_000_000 } }))).toBe('INVALID_MANIFEST');
		expect(code(() => read({ ...modelPack, layers: [layer('application/vnd.cncf.model.weight.v1.raw', 2)] }))).toBe('INVALID_MANIFEST');
	});
});

describe('the proposed version', () => {
	it('comes from repository, tag, annotations and the ModelPack config', () => {
		const proposal = proposeVersion(read(modelPack), modelPackConfig, source);
		expect(proposal).toEqual({
			name: 'tiny',
			version: 'v1.0',
			labels: { license: 'MIT', family: 'llama', vendor: 'acme' },
			creationTime: '2025-03-01T12:00:00+00:00',
			context: { frameworkName: 'safetensors', extra: { architecture: 'transformer', precision: 'bf16', quantization: 'awq', param_size: '8b' } },
			metadata: { source: 'localhost:5000/acme/tiny:V1.0', source_digest: source.digest, source_format: 'modelpack', description: 'A tiny model', model_name: 'tiny' }
		});
	});

	it("takes descriptor.createdAt when there is no annotation, and the digest's first characters without a usable tag", () => {
		const proposal = proposeVersion(read({ ...modelPack, annotations: {} }), modelPackConfig, { ...source, tag: 'latest' });
		expect(proposal.creationTime).toBe('2024-01-01T00:00:00+00:00');
		expect(proposal.version).toBe('ab'.repeat(8));
		expect(toTagPart('Llama-3.2_1B:Q4')).toBe('llama-3.2_1b-q4');
		expect(toTagPart('---')).toBeUndefined();
	});

	it("reads Model Runner's and KitOps' configs into context and labels", () => {
		const dmr = proposeVersion(read(dockerModel), { config: { format: 'gguf', gguf: { architecture: 'llama', parameter_count: '1.10 B', quantization: 'Q4_0' } } }, source);
		expect(dmr.context).toEqual({ frameworkName: 'gguf', extra: { architecture: 'llama', quantization: 'Q4_0', param_size: '1.10 B' } });
		const kit = proposeVersion(read(kitops), { package: { name: 'kit', license: 'Apache-2.0', authors: ['Ann'] }, model: { framework: 'pytorch' } }, source);
		expect(kit.labels).toEqual({ license: 'Apache-2.0', authors: 'Ann' });
		expect(kit.context.frameworkName).toBe('pytorch');
	});

	it('checks diffIds: one sha256 per layer', () => {
		expect(configDiffIds('modelpack', modelPackConfig, 3)).toEqual([d(2), d(33), d(4)]);
		expect(code(() => configDiffIds('modelpack', modelPackConfig, 2))).toBe('INVALID_MANIFEST');
		expect(configDiffIds('oras', {}, 2)).toBeUndefined();
	});

	it('writes a model.yaml our parser and PyYAML read back, with the edits applied', () => {
		const proposal = proposeVersion(read(modelPack), modelPackConfig, source);
		const info = proposalInfo(proposal, { name: 'Renamed', labels: { stage: 'dev' } });
		const text = serializeModelYaml(info);
		const back = parseModelYaml(text);
		expect([back.name, back.version, back.labels, back.creationTime]).toEqual(['renamed', 'v1.0', { stage: 'dev' }, '2025-03-01T12:00:00+00:00']);
		expect(back.context.frameworkName).toBe('safetensors');
		expect(back.metadata.source_digest).toBe(source.digest);
		const file = join(mkdtempSync(join(tmpdir(), 'formats-')), 'model.yaml');
		writeFileSync(file, text);
		const py = JSON.parse(execFileSync(DEBIAN_PYTHON, ['-c', 'import json,sys,yaml; print(json.dumps(yaml.safe_load(open(sys.argv[1])), default=str))', file], { encoding: 'utf8' }));
		expect(py).toMatchObject({ name: 'renamed', version: 'v1.0', labels: { stage: 'dev' }, context: { framework_name: 'safetensors', architecture: 'transformer', param_size: '8b' }, metadata: { source_format: 'modelpack' }, api_version: 'v1' });
		expect(code(() => proposalInfo(proposal, { version: 'latest' }))).toBe('INVALID_TAG');
		expect(code(() => proposalInfo(proposal, { name: 'bad name!' }))).toBe('INVALID_TAG');
	});
});
