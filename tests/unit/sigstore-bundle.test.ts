// Core of the second signature format (issue 20): DSSE's pre-authentication encoding, the in-toto statement
// cosign signs, the Sigstore bundle read strictly, and the OCI 1.1 referrers fallback index kept by the client.
import { describe, expect, it } from 'vitest';
import { EMPTY_CONFIG, readReferrersIndex, referrersTag, withReferrer } from '../../src/lib/core/oci/referrers.ts';
import { utf8Bytes, utf8Text } from '../../src/lib/core/signing/pem.ts';
import { bundleReferrerManifest, dssePae, keyHint, parseSigstoreBundle, sigstoreBundle, signStatement, statementSubjects } from '../../src/lib/core/signing/sigstore-bundle.ts';

const DIGEST = `sha256:${'ab'.repeat(32)}`;
const OTHER = `sha256:${'cd'.repeat(32)}`;
const MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
const BUNDLE = 'application/vnd.dev.sigstore.bundle.v0.3+json';

describe('DSSE and the statement', () => {
	it("encodes DSSE's PAE as the spec's example does", () => {
		expect(utf8Text(dssePae('http://example.com/HelloWorld', utf8Bytes('hello world')))).toBe('DSSEv1 29 http://example.com/HelloWorld 11 hello world');
		// Lengths are in bytes, not characters.
		expect(utf8Text(dssePae('t', utf8Bytes('é')))).toBe('DSSEv1 1 t 2 é');
	});

	it("names the manifest digest as the statement's one subject, with cosign's sign predicate", () => {
		expect(JSON.parse(utf8Text(signStatement(DIGEST)))).toEqual({ _type: 'https://in-toto.io/Statement/v1', subject: [{ digest: { sha256: 'ab'.repeat(32) } }], predicateType: 'https://sigstore.dev/cosign/sign/v1', predicate: {} });
		expect(() => signStatement('sha256:short')).toThrow(TypeError);
	});

	it("gives cosign's key hint: base64 of the fingerprint's bytes", () => {
		expect(keyHint('00ff'.repeat(16))).toBe(Buffer.from('00ff'.repeat(16), 'hex').toString('base64'));
	});
});

describe('bundles, read strictly', () => {
	const signature = Uint8Array.from([0x30, 0x06, 0x02, 0x01, 0x01, 0x02, 0x01, 0x02]);
	const made = sigstoreBundle(signStatement(DIGEST), signature, 'hint');

	it('round-trips what the shelf writes, and names the subject', () => {
		const reading = parseSigstoreBundle(made);
		expect(reading).toMatchObject({ ok: true, bundle: { payloadType: 'application/vnd.in-toto+json', hint: 'hint', signatures: [signature] } });
		expect(reading.ok && statementSubjects(reading.bundle)).toEqual({ ok: true, digests: [DIGEST] });
	});

	it('says why for what is not a bundle it can check', () => {
		const bundle = JSON.parse(utf8Text(made));
		const why = (value: unknown) => {
			const reading = parseSigstoreBundle(utf8Bytes(typeof value === 'string' ? value : JSON.stringify(value)));
			return reading.ok ? statementSubjects(reading.bundle) : reading;
		};
		expect(why('not json')).toEqual({ ok: false, why: 'the bundle is not JSON' });
		expect(why({ ...bundle, mediaType: 'application/json' })).toMatchObject({ ok: false, why: 'it is not a Sigstore bundle' });
		expect(why({ ...bundle, dsseEnvelope: undefined, messageSignature: {} })).toMatchObject({ ok: false, why: 'the bundle holds no DSSE envelope' });
		expect(why({ ...bundle, dsseEnvelope: { ...bundle.dsseEnvelope, payload: '%%%' } })).toMatchObject({ ok: false, why: expect.stringMatching(/base64 payload/) });
		expect(why({ ...bundle, dsseEnvelope: { ...bundle.dsseEnvelope, payloadType: 'application/json' } })).toMatchObject({ ok: false, why: expect.stringMatching(/payload type/) });
		const statement = (changes: object) => ({ ...bundle, dsseEnvelope: { ...bundle.dsseEnvelope, payload: Buffer.from(JSON.stringify({ ...JSON.parse(utf8Text(signStatement(DIGEST))), ...changes })).toString('base64') } });
		expect(why(statement({ predicateType: 'https://slsa.dev/provenance/v1' }))).toMatchObject({ ok: false, why: expect.stringMatching(/predicate/) });
		expect(why(statement({ _type: 'https://in-toto.io/Statement/v0.1' }))).toMatchObject({ ok: false, why: expect.stringMatching(/in-toto/) });
		expect(why(statement({ subject: [{ digest: { sha512: 'ab' } }, { name: 'x' }] }))).toMatchObject({ ok: false, why: 'its statement names no sha256 subject' });
		expect(why(statement({ subject: [{ digest: { sha256: 'cd'.repeat(32) } }, { digest: { sha256: 'ab'.repeat(32) } }] }))).toEqual({ ok: true, digests: [OTHER, DIGEST] });
		expect(parseSigstoreBundle(new Uint8Array(64 * 1024 + 1))).toMatchObject({ ok: false, why: expect.stringMatching(/65537 bytes/) });
	});
});

describe('referrers', () => {
	it("writes the referrer manifest in cosign's layout", () => {
		const manifest = bundleReferrerManifest({ mediaType: MANIFEST, digest: DIGEST, size: 500 }, { digest: OTHER, size: 700 }, '2026-12-05T00:00:00Z');
		expect(manifest).toMatchObject({ artifactType: BUNDLE, config: EMPTY_CONFIG, layers: [{ mediaType: BUNDLE, digest: OTHER, size: 700 }], subject: { digest: DIGEST, size: 500 } });
		expect(manifest.annotations['org.opencontainers.image.created']).toBe('2026-12-05T00:00:00Z');
	});

	it('keeps the fallback index at sha256-<hex>: adds once, replaces what it supersedes, keeps the rest as it was', () => {
		expect(referrersTag(DIGEST)).toBe(`sha256-${'ab'.repeat(32)}`);
		const entry = (digest: string, artifactType: string, annotations?: Record<string, string>) => ({ mediaType: MANIFEST, digest, size: 10, artifactType, ...(annotations ? { annotations } : {}) });
		const mine = entry(`sha256:${'11'.repeat(32)}`, BUNDLE, { key: 'me' });
		const foreign = { ...entry(`sha256:${'22'.repeat(32)}`, 'application/spdx+json'), 'x-unknown': true };
		const current = JSON.stringify({ schemaVersion: 2, manifests: [mine, foreign, 'garbage'] });
		const next = entry(`sha256:${'33'.repeat(32)}`, BUNDLE, { key: 'me' });
		const index = withReferrer(current, next, (listed) => listed.annotations?.key === 'me') as { manifests: unknown[] };
		expect(index.manifests).toEqual([foreign, 'garbage', next]);
		expect((withReferrer(JSON.stringify(index), next) as { manifests: unknown[] }).manifests).toHaveLength(3);
		expect(withReferrer(undefined, next)).toEqual({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.index.v1+json', manifests: [next] });
		expect(withReferrer('not an index', next)).toMatchObject({ manifests: [next] });
		expect(readReferrersIndex(JSON.stringify(index), BUNDLE)).toEqual([next]);
		expect(readReferrersIndex(JSON.stringify(index))).toEqual([{ mediaType: MANIFEST, digest: foreign.digest, size: 10, artifactType: foreign.artifactType }, next]);
		expect(readReferrersIndex('{}')).toBeUndefined();
	});
});
