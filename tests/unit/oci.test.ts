import { describe, expect, it } from 'vitest';
import { ShelfError } from '../../src/lib/core/errors.ts';
import { newModelInfo } from '../../src/lib/core/manifest.ts';
import {
	ANNOTATIONS,
	LAYER_TYPES,
	MODEL_ARTIFACT_TYPE,
	MODEL_CONFIG_TYPE,
	OCI_MANIFEST_TYPE,
	labelsOf,
	layerMediaType,
	modelArtifactManifest,
	readModelArtifact
} from '../../src/lib/core/oci/artifact.ts';
import { nextPageLink, parseAuthChallenges, uploadedBytes } from '../../src/lib/core/oci/http-headers.ts';
import {
	modelNameOf,
	normalizeNamespace,
	normalizeRegistryUrl,
	parseRemoteReference,
	repositoryOf
} from '../../src/lib/core/oci/remote.ts';

const SHA_A = 'a'.repeat(64);
const SHA_B = 'b'.repeat(64);
const SHA_C = 'c'.repeat(64);

function codeOf(run: () => unknown): string {
	try {
		run();
	} catch (error) {
		expect(error).toBeInstanceOf(ShelfError);
		return (error as ShelfError).code;
	}
	throw new Error('expected a ShelfError');
}

describe('registry addresses and names', () => {
	it.each([
		['ghcr.io', 'https://ghcr.io'],
		['https://registry.example.com/', 'https://registry.example.com'],
		['http://127.0.0.1:5000/v2/', 'http://127.0.0.1:5000'],
		['  localhost:5000  ', 'https://localhost:5000'],
		['https://example.com/registry/v2', 'https://example.com/registry'],
		['HTTP://LocalHost:5000?x#y', 'http://localhost:5000'],
		['http://[::1]:5000', 'http://[::1]:5000']
	])('normalizes %j to %j', (input, expected) => {
		expect(normalizeRegistryUrl(input)).toBe(expected);
	});

	it('refuses other schemes and credentials in the address, without echoing the password', () => {
		expect(codeOf(() => normalizeRegistryUrl('ftp://example.com'))).toBe('INVALID_REMOTE');
		expect(codeOf(() => normalizeRegistryUrl('https://exa mple.com'))).toBe('INVALID_REMOTE');
		expect(codeOf(() => normalizeRegistryUrl(''))).toBe('INVALID_REMOTE');
		let error: ShelfError | undefined;
		try {
			normalizeRegistryUrl('https://alice:s3cret@example.com');
		} catch (caught) {
			error = caught as ShelfError;
		}
		expect(error?.code).toBe('INVALID_REMOTE');
		expect(JSON.stringify(error?.toJSON())).not.toContain('s3cret');
	});

	it('maps names to repositories under the namespace, with the OCI grammar', () => {
		expect(normalizeNamespace('/acme/models/')).toBe('acme/models');
		expect(repositoryOf({ namespace: 'acme/models' }, 'fraud_detector')).toBe('acme/models/fraud_detector');
		expect(repositoryOf({ namespace: '' }, 'iris')).toBe('iris');
		expect(modelNameOf({ namespace: 'acme/models' }, 'acme/models/iris')).toBe('iris');
		expect(modelNameOf({ namespace: 'acme/models' }, 'other/iris')).toBeUndefined();
		expect(modelNameOf({ namespace: 'acme' }, 'acme/deep/iris')).toBeUndefined();
	});

	it('refuses BentoML names that registries do not allow, and bad namespaces', () => {
		// Valid BentoML names, invalid OCI components.
		expect(codeOf(() => repositoryOf({ namespace: '' }, 'a..b'))).toBe('INVALID_REMOTE');
		expect(codeOf(() => repositoryOf({ namespace: '' }, 'a-.b'))).toBe('INVALID_REMOTE');
		expect(codeOf(() => normalizeNamespace('Acme'))).toBe('INVALID_REMOTE');
		expect(codeOf(() => normalizeNamespace('acme//models'))).toBe('INVALID_REMOTE');
	});

	it('parses pull references by tag and by digest', () => {
		expect(parseRemoteReference('iris:v1')).toEqual({ name: 'iris', tag: 'v1' });
		expect(parseRemoteReference(`iris@sha256:${SHA_A}`)).toEqual({ name: 'iris', digest: `sha256:${SHA_A}` });
		expect(codeOf(() => parseRemoteReference('iris'))).toBe('INVALID_REMOTE');
		expect(codeOf(() => parseRemoteReference('iris@sha256:abc'))).toBe('INVALID_REMOTE');
		expect(codeOf(() => parseRemoteReference('Iris Model:v1'))).toBe('INVALID_TAG');
	});
});

describe('model artifact manifest', () => {
	const info = newModelInfo({
		name: 'fraud_detector',
		version: '6st47ifytwe2p45h',
		labels: { stage: 'production', team: 'risk' },
		creationTime: '2025-11-03T10:15:00.250000+00:00'
	} as Parameters<typeof newModelInfo>[0]);
	const files = [
		{ path: 'README.md', size: 10, sha256: SHA_A, crc32: 1 },
		{ path: 'extra/config.json', size: 20, sha256: SHA_B, crc32: 2 },
		{ path: 'model.safetensors', size: 3000, sha256: SHA_C, crc32: 3 }
	];

	it('is an image-spec 1.1 artifact whose layers are the files, titled with their paths', () => {
		const manifest = modelArtifactManifest(info, files, { digest: `sha256:${SHA_A}`, size: 400 });
		expect(manifest).toMatchObject({
			schemaVersion: 2,
			mediaType: OCI_MANIFEST_TYPE,
			artifactType: MODEL_ARTIFACT_TYPE,
			config: { mediaType: MODEL_CONFIG_TYPE, digest: `sha256:${SHA_A}`, size: 400 }
		});
		expect(manifest.layers.map((layer) => [layer.digest, layer.size, layer.annotations?.[ANNOTATIONS.title], layer.mediaType])).toEqual([
			[`sha256:${SHA_A}`, 10, 'README.md', LAYER_TYPES.doc],
			[`sha256:${SHA_B}`, 20, 'extra/config.json', LAYER_TYPES.weightConfig],
			[`sha256:${SHA_C}`, 3000, 'model.safetensors', LAYER_TYPES.weight]
		]);
		expect(manifest.annotations).toMatchObject({
			[ANNOTATIONS.created]: '2025-11-03T10:15:00.250000+00:00',
			[ANNOTATIONS.tag]: 'fraud_detector:6st47ifytwe2p45h',
			'ai.bentoml.model.label.stage': 'production'
		});
		expect(labelsOf(manifest.annotations!)).toEqual({ stage: 'production', team: 'risk' });
	});

	it('reads back what it wrote', () => {
		const manifest = modelArtifactManifest(info, files, { digest: `sha256:${SHA_A}`, size: 400 });
		const artifact = readModelArtifact(JSON.stringify(manifest));
		expect(artifact.files).toEqual(files.map(({ path, size, sha256 }) => ({ path, size, sha256, mediaType: layerMediaType(path) })));
		expect(artifact.size).toBe(3030);
		expect(artifact.config.digest).toBe(`sha256:${SHA_A}`);
	});

	const valid = () => modelArtifactManifest(info, files, { digest: `sha256:${SHA_A}`, size: 400 }) as unknown as Record<string, any>;

	it.each([
		['not JSON', () => '{', 'INVALID_MANIFEST'],
		['an index', () => JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.index.v1+json', manifests: [] }), 'UNSUPPORTED'],
		[
			'a container image',
			() => JSON.stringify({ ...valid(), artifactType: undefined, config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: `sha256:${SHA_A}`, size: 2 } }),
			'UNSUPPORTED'
		],
		['a sha512 layer', () => JSON.stringify({ ...valid(), layers: [{ ...valid().layers[0], digest: `sha512:${'a'.repeat(128)}` }] }), 'UNSUPPORTED'],
		['a negative size', () => JSON.stringify({ ...valid(), layers: [{ ...valid().layers[0], size: -1 }] }), 'INVALID_MANIFEST'],
		['an untitled layer', () => JSON.stringify({ ...valid(), layers: [{ ...valid().layers[0], annotations: {} }] }), 'INVALID_MANIFEST'],
		[
			'a path climbing out',
			() => JSON.stringify({ ...valid(), layers: [{ ...valid().layers[0], annotations: { [ANNOTATIONS.title]: '../../etc/passwd' } }] }),
			'INVALID_PATH'
		],
		[
			'two layers with one path',
			() => JSON.stringify({ ...valid(), layers: [valid().layers[0], { ...valid().layers[1], annotations: { [ANNOTATIONS.title]: 'readme.md' } }] }),
			'INVALID_PATH'
		],
		['a layer named model.yaml', () => JSON.stringify({ ...valid(), layers: [{ ...valid().layers[0], annotations: { [ANNOTATIONS.title]: 'model.yaml' } }] }), 'INVALID_MANIFEST'],
		['a huge config', () => JSON.stringify({ ...valid(), config: { ...valid().config, size: 1e9 } }), 'INVALID_MANIFEST']
	])('refuses %s', (_, text, code) => {
		expect(codeOf(() => readModelArtifact(text()))).toBe(code);
	});
});

describe('registry headers', () => {
	it('parses bearer and basic challenges, quoted commas included', () => {
		expect(
			parseAuthChallenges('Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:a/b:pull,push"')
		).toEqual([{ scheme: 'bearer', params: { realm: 'https://auth.docker.io/token', service: 'registry.docker.io', scope: 'repository:a/b:pull,push' } }]);
		expect(parseAuthChallenges('Basic realm="Registry Realm"')).toEqual([{ scheme: 'basic', params: { realm: 'Registry Realm' } }]);
		expect(parseAuthChallenges('Negotiate abc==, Basic realm=x')).toEqual([
			{ scheme: 'negotiate', params: {} },
			{ scheme: 'basic', params: { realm: 'x' } }
		]);
		expect(parseAuthChallenges(null)).toEqual([]);
	});

	it('finds the next page in a Link header', () => {
		expect(nextPageLink('</v2/_catalog?last=b&n=2>; rel="next"')).toBe('/v2/_catalog?last=b&n=2');
		expect(nextPageLink('<https://x/a>; rel="prev", <https://x/b>; rel=next')).toBe('https://x/b');
		expect(nextPageLink('<https://x/a>; rel="prev"')).toBeUndefined();
		expect(nextPageLink(null)).toBeUndefined();
	});

	it('reads upload offsets from Range', () => {
		expect(uploadedBytes('0-8388607')).toBe(8388608);
		expect(uploadedBytes('bytes=0-99')).toBe(100);
		expect(uploadedBytes('garbage')).toBeUndefined();
		expect(uploadedBytes(null)).toBeUndefined();
	});
});
