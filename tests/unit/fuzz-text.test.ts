// Fuzzing the text parsers (issue 22, item 6): model.yaml, label selectors, tags, OCI manifests, indexes and
// configs (the shelf's own artifact, ModelPack, Docker Model Runner, KitOps, ORAS, referrers), cosign payloads,
// signature manifests, Sigstore bundles and PEM keys. Besides mutations, each parser gets a seed's slice
// repeated to up to 1 MiB: a quadratic scan or a backtracking regex shows up there as a hang.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'vitest';
import fc from 'fast-check';
import { newModelInfo, parseModelYaml, serializeModelYaml } from '../../src/lib/core/manifest.ts';
import { manifestVersion, modelArtifactManifest, readModelArtifact } from '../../src/lib/core/oci/artifact.ts';
import { chooseFromIndex, isIndex, parseOciJson, readForeignManifest } from '../../src/lib/core/oci/model-formats.ts';
import { configDiffIds, proposalInfo, proposeVersion } from '../../src/lib/core/oci/model-proposal.ts';
import { readReferrersIndex, withReferrer } from '../../src/lib/core/oci/referrers.ts';
import { formatSelector, parseSelector } from '../../src/lib/core/selector.ts';
import { matchesSelector } from '../../src/lib/core/selector-match.ts';
import { cosignPayload, cosignSignatureManifest, derToP1363, p1363ToDer, parseCosignPayload, readSignatureManifest } from '../../src/lib/core/signing/cosign.ts';
import { pkcs8FromPem, readPem, spkiFromPem, utf8Bytes, writePem } from '../../src/lib/core/signing/pem.ts';
import { parseSigstoreBundle, sigstoreBundle, signStatement, statementSubjects } from '../../src/lib/core/signing/sigstore-bundle.ts';
import { formatReference, parseExactTag, parseReference, parseTag } from '../../src/lib/core/tags.ts';
import { FUZZ_RUNS, bytesFrom, fuzzParser, jsonFrom, repeatedFrom, reportInputs, testTimeout, textFrom } from './fuzz-kit.ts';

const DIGEST = `sha256:${'ab'.repeat(32)}`;

/**
 * Mutated text, and now and then one slice of a seed repeated up to `maxSize`: 1 MiB for what comes from files and
 * registries, 64 KiB for what a person types (selectors, tags; those pay n log n for sorting, and run four times
 * per input here). model.yaml gets 32 KiB: the yaml package reads malformed text at only ~0.3 MB/s, linearly.
 */
const hostileText = (seeds: readonly string[], json = false, maxSize = 1024 * 1024): fc.Arbitrary<string> =>
	fc.oneof({ arbitrary: json ? jsonFrom(seeds) : textFrom(seeds), weight: 9 }, { arbitrary: repeatedFrom(seeds, maxSize), weight: 1 });

const MANIFESTS = fileURLToPath(new URL('../fixtures/manifests/', import.meta.url));
const YAML_SEEDS = readdirSync(MANIFESTS)
	.filter((name) => name.endsWith('.yaml'))
	.map((name) => readFileSync(join(MANIFESTS, name), 'utf8'));

/** Every JSON document of the committed OCI layouts (index.json, manifests, configs) under 16 KiB. */
const OCI_SEEDS = (() => {
	const root = fileURLToPath(new URL('../fixtures/oci-layouts/', import.meta.url));
	const found: string[] = [];
	const walk = (dir: string): void => {
		for (const name of readdirSync(dir)) {
			const path = join(dir, name);
			if (statSync(path).isDirectory()) walk(path);
			else if (statSync(path).size < 16 * 1024) {
				const text = readFileSync(path, 'utf8');
				try {
					if (typeof JSON.parse(text) === 'object') found.push(text);
				} catch {
					// weights and tars: not a manifest seed
				}
			}
		}
	};
	walk(root);
	return found;
})();

const INFO = newModelInfo({ name: 'iris', version: 'v1', labels: { stage: 'prod' }, creationTime: '2024-01-02T03:04:05+00:00' });
const SHELF_MANIFEST = JSON.stringify(modelArtifactManifest(INFO, [{ path: 'w/model.bin', sha256: 'cd'.repeat(32), size: 10 }] as never, { digest: DIGEST, size: 100 }));

/** Reads a registry manifest as a pull does: the shelf's own, or an index, or a foreign format and its proposal. */
function readRegistryManifest(text: string, config: string): void {
	manifestVersion(text);
	const manifest = parseOciJson(text);
	if (isIndex(manifest)) {
		chooseFromIndex(manifest);
		return;
	}
	try {
		readModelArtifact(text);
	} catch {
		// Not the shelf's own artifact (or a bad one): read as a foreign format below, which must hold.
	}
	const read = readForeignManifest(manifest);
	let parsedConfig: unknown = {};
	try {
		parsedConfig = JSON.parse(config);
	} catch {
		// a config that is not JSON: ORAS allows it, the others refuse it before this point in pull-foreign.ts
	}
	configDiffIds(read.format, parsedConfig, read.layers.length);
	proposalInfo(proposeVersion(read, parsedConfig, { location: 'localhost:5000/acme/iris', name: 'iris', tag: 'v1', digest: DIGEST }));
}

describe('fuzzed text never crashes, hangs or is believed', () => {
	it(
		'model.yaml: load, and write back what loaded',
		async () => {
			await fuzzParser('model.yaml', hostileText(YAML_SEEDS, false, 32 * 1024), ['INVALID_MANIFEST', 'INVALID_TAG'], (text) => serializeModelYaml(parseModelYaml(text)));
		},
		testTimeout()
	);

	it(
		'label selectors: parse, format, parse again to the same requirements, match',
		async () => {
			const seeds = ['stage=production,team!=cv,env in (a,b),!deprecated', 'a.b/c-d==x, k notin (,y), n>10, m<-3', 'example.com/tier in ( gold , silver ),x'];
			await fuzzParser('selector', hostileText(seeds, false, 64 * 1024), ['INVALID_SELECTOR'], (text) => {
				const selector = parseSelector(text);
				const again = parseSelector(formatSelector(selector));
				if (JSON.stringify(again) !== JSON.stringify(selector)) throw new Error(`"${formatSelector(selector)}" reads back differently`);
				matchesSelector(selector, { stage: 'production', n: '11', m: '-4' });
			});
		},
		testTimeout()
	);

	it(
		'tags and references: parse, format, parse again to the same',
		async () => {
			const seeds = ['iris', 'Iris:V1', 'churn@champion', 'fraud_detector:6st47ifytwe2p45h', 'a.b-c:latest'];
			await fuzzParser('tag', hostileText(seeds, false, 64 * 1024), ['INVALID_TAG'], (text) => {
				const reference = parseReference(text);
				if (JSON.stringify(parseReference(formatReference(reference))) !== JSON.stringify(reference)) throw new Error(`"${text}" reads back differently`);
				parseTag(text);
				parseExactTag(text);
			});
		},
		testTimeout()
	);

	it(
		'OCI manifests, indexes and configs, as a pull reads them',
		async () => {
			const input = fc.tuple(hostileText([...OCI_SEEDS, SHELF_MANIFEST], true), jsonFrom(OCI_SEEDS));
			const codes = ['INVALID_MANIFEST', 'UNSUPPORTED', 'INVALID_PATH', 'INVALID_TAG'] as const;
			await fuzzParser('oci-manifest', input, codes, ([text, config]) => readRegistryManifest(text, config), FUZZ_RUNS * 3);
		},
		testTimeout(FUZZ_RUNS * 3)
	);

	it(
		'referrers indexes: read, and a referrer added',
		async () => {
			const index = JSON.stringify(withReferrer(undefined, { mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: DIGEST, size: 5, artifactType: 'x' }));
			await fuzzParser('referrers', hostileText([index, ...OCI_SEEDS.slice(0, 3)], true), [], (text) => {
				readReferrersIndex(text, 'x');
				withReferrer(text, { mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: DIGEST, size: 1 });
			});
		},
		testTimeout()
	);

	it(
		'cosign payloads, signature manifests and DER signatures say why, never throw',
		async () => {
			const der = p1363ToDer(new Uint8Array(64).fill(0x91));
			const manifest = JSON.stringify(cosignSignatureManifest({ digest: DIGEST, size: 3 }, [{ payload: { digest: DIGEST, size: 200 }, signatureBase64: 'MEUCIQ==', keyFingerprint: 'ab' }]));
			const payload = new TextDecoder().decode(cosignPayload('localhost:5000/acme/iris', DIGEST));
			await fuzzParser('cosign-payload', hostileText([payload], true), [], (text) => parseCosignPayload(utf8Bytes(text)));
			await fuzzParser('signature-manifest', hostileText([manifest], true), [], (text) => readSignatureManifest(text));
			await fuzzParser('der-signature', bytesFrom([der], 80), [], (bytes) => derToP1363(bytes));
		},
		testTimeout(FUZZ_RUNS * 3)
	);

	it(
		'Sigstore bundles and their statements say why, never throw',
		async () => {
			const bundle = new TextDecoder().decode(sigstoreBundle(signStatement(DIGEST), p1363ToDer(new Uint8Array(64).fill(7)), 'hint'));
			await fuzzParser('sigstore-bundle', hostileText([bundle], true), [], (text) => {
				const read = parseSigstoreBundle(utf8Bytes(text));
				if (read.ok) statementSubjects(read.bundle);
			});
		},
		testTimeout()
	);

	it(
		'PEM keys: blocks read, keys found or not',
		async () => {
			const seeds = [writePem('PUBLIC KEY', new Uint8Array(91).fill(3)), writePem('EC PRIVATE KEY', new Uint8Array(121).fill(5)) + writePem('PRIVATE KEY', new Uint8Array(138).fill(9)), '-----BEGIN A-----\nAAAA\n-----END A-----'];
			await fuzzParser('pem', hostileText(seeds), [], (text) => {
				readPem(text);
				pkcs8FromPem(text);
				spkiFromPem(text);
			});
		},
		testTimeout()
	);
});

reportInputs('text');
