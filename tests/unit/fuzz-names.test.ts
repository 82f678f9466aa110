// Fuzzing the small grammars behind the big parsers (issue 22, item 6): model file paths (every archive entry and
// layer title goes through them), registry URLs, namespaces and references, metric filters, creation times and the
// registry's HTTP headers (auth challenges, Link, Range). Same property as fuzz-kit.ts, with idempotence where a
// normal form is promised.
import { describe, it } from 'vitest';
import fc from 'fast-check';
import { meetsThresholds, parseMetricFilter } from '../../src/lib/core/lifecycle/metric-filter.ts';
import { creationTimeKey, isoformatCreationTime, parseCreationTime } from '../../src/lib/core/manifest-time.ts';
import { nextPageLink, parseAuthChallenges, uploadedBytes } from '../../src/lib/core/oci/http-headers.ts';
import { normalizeNamespace, normalizeRegistryUrl, parseRemoteReference, remoteTagOf, repositoryOf } from '../../src/lib/core/oci/remote.ts';
import { normalizeModelPath, normalizeModelPaths } from '../../src/lib/core/paths.ts';
import { fuzzParser, repeatedFrom, reportInputs, testTimeout, textFrom } from './fuzz-kit.ts';

/** Text from seeds, with the characters these grammars care about spliced in, and now and then 64 KiB of one slice. */
const near = (seeds: string[], extra: string[] = []) =>
	fc.oneof(
		{ arbitrary: textFrom(seeds, fc.oneof(fc.string({ unit: 'grapheme', maxLength: 30 }), fc.constantFrom('/', '\\', '..', '.', ':', '@', '\u0000', '\u202e', 'C:', '//', '%2e', ' ', ...extra))), weight: 9 },
		{ arbitrary: repeatedFrom(seeds, 64 * 1024), weight: 1 }
	);

/** Throws when `normalize` is not idempotent: its output must be a normal form. */
function stable(normalize: (text: string) => string, text: string): void {
	const once = normalize(text);
	if (normalize(once) !== once) throw new Error(`"${once}" normalizes again to something else`);
}

describe('fuzzed names, references and headers never crash, hang or drift', () => {
	it(
		'model file paths: normalized once and for all, or refused',
		async () => {
			const seeds = ['weights/model.safetensors', 'a/b/../c.bin', './x/y.onnx', 'Ünïcode/名前.txt', 'dir/', 'model.yaml'];
			await fuzzParser('model-path', near(seeds), ['INVALID_PATH'], (path) => stable(normalizeModelPath, path));
			await fuzzParser('model-paths', fc.array(near(seeds), { maxLength: 8 }), ['INVALID_PATH'], (paths) => normalizeModelPaths(paths));
		},
		testTimeout()
	);

	it(
		'registry URLs, namespaces, references and tags',
		async () => {
			const codes = ['INVALID_REMOTE', 'INVALID_TAG'] as const;
			await fuzzParser('registry-url', near(['https://registry.example.com:5000/', 'http://localhost:5000', 'registry.example.com'], ['https://', 'user:pw@', '[::1]']), codes, (url) => stable(normalizeRegistryUrl, url));
			await fuzzParser('namespace', near(['acme/models', 'team-a/sub_b', '']), codes, (namespace) => stable(normalizeNamespace, namespace));
			const references = ['localhost:5000/acme/iris:v1', 'registry.example.com/a/b@sha256:' + 'ab'.repeat(32), 'iris:latest'];
			await fuzzParser('remote-reference', near(references), codes, (text) => {
				parseRemoteReference(text);
				remoteTagOf(text);
				repositoryOf({ namespace: 'acme' }, text);
			});
		},
		testTimeout()
	);

	it(
		'metric filters and creation times',
		async () => {
			await fuzzParser('metric-filter', near(['accuracy>=0.9,loss<0.2', 'f1 > 1e-3', 'runs.0.acc<=1'], ['>=', '<', 'NaN', 'Infinity', '1e999']), ['INVALID_SELECTOR'], (text) =>
				meetsThresholds(parseMetricFilter(text), { accuracy: 0.95, loss: 0.1, f1: Number.NaN })
			);
			const times = ['2024-01-02T03:04:05.123456+00:00', '2024-01-02T03:04:05Z', '2024-01-02 03:04:05', '9999-12-31T23:59:59.999999-23:59'];
			await fuzzParser('creation-time', near(times, ['+99:99', '.', '0000']), ['INVALID_MANIFEST'], (text) => {
				parseCreationTime(text);
				isoformatCreationTime(text);
				creationTimeKey({ creationTime: text });
			});
		},
		testTimeout()
	);

	it(
		'registry HTTP headers: auth challenges, Link and Range',
		async () => {
			const challenges = ['Bearer realm="https://auth.example.com/token",service="registry",scope="repository:a/b:pull,push"', 'Basic realm="x", Bearer realm="y"'];
			await fuzzParser('auth-challenge', near(challenges, ['"', '\\"', ',', '=']), [], (header) => parseAuthChallenges(header));
			await fuzzParser('link-header', near(['</v2/_catalog?n=100&last=b>; rel="next"', '<x>; rel=next, <y>; rel="prev"'], ['<', '>', ';']), [], (header) => nextPageLink(header));
			await fuzzParser('range-header', near(['0-1023', 'bytes=0-99', '0-'], ['-', '9007199254740993']), [], (header) => uploadedBytes(header));
		},
		testTimeout()
	);
});

reportInputs('names');
