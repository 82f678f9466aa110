// Issue 20: cosign's payload and signature encodings, with Debian's openssl as the oracle: keys it makes are
// read by the core's PEM code and imported by WebCrypto (Node's, the same API the worker uses); signatures
// it makes over our payload verify under WebCrypto after DER → r‖s, and ours verify under openssl after r‖s → DER.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cosignConfig, cosignPayload, cosignSignatureManifest, derToP1363, p1363ToDer, parseCosignPayload, readSignatureManifest, signatureTag, SIGNATURE_ANNOTATION, SIMPLE_SIGNING_TYPE } from '../../src/lib/core/signing/cosign.ts';
import { fromBase64, pkcs8FromPem, readPem, spkiFromPem, toBase64, writePem } from '../../src/lib/core/signing/pem.ts';

const DIGEST = `sha256:${'ab'.repeat(32)}`;
const dir = mkdtempSync(join(tmpdir(), 'cosign-'));
const file = (name: string) => join(dir, name);
const openssl = (...args: string[]) => execFileSync('openssl', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
const ECDSA = { name: 'ECDSA', namedCurve: 'P-256' } as const;
const SHA = { name: 'ECDSA', hash: 'SHA-256' } as const;

/** A P-256 key made by openssl: PKCS#8 and public PEM paths. */
function opensslKey(name: string) {
	const sec1 = openssl('ecparam', '-genkey', '-name', 'prime256v1');
	writeFileSync(file(`${name}.sec1.pem`), sec1);
	writeFileSync(file(`${name}.pem`), openssl('pkcs8', '-topk8', '-nocrypt', '-in', file(`${name}.sec1.pem`)));
	writeFileSync(file(`${name}.pub.pem`), openssl('ec', '-in', file(`${name}.pem`), '-pubout'));
	return { sec1, key: file(`${name}.pem`), pub: file(`${name}.pub.pem`) };
}

describe('the simple-signing payload', () => {
	it('is the JSON cosign signs, in its field order, and reads back strictly', () => {
		const bytes = cosignPayload('localhost:5000/team/iris', DIGEST);
		expect(Buffer.from(bytes).toString()).toBe(
			`{"critical":{"identity":{"docker-reference":"localhost:5000/team/iris"},"image":{"docker-manifest-digest":"${DIGEST}"},"type":"cosign container image signature"},"optional":null}`
		);
		expect(parseCosignPayload(bytes)).toEqual({ ok: true, payload: { dockerReference: 'localhost:5000/team/iris', digest: DIGEST, optional: null } });
	});

	it('refuses what is not a cosign payload, saying why', () => {
		const read = (text: string) => parseCosignPayload(Buffer.from(text));
		expect(read('not json')).toEqual({ ok: false, why: 'the payload is not JSON' });
		expect(read('{"critical":{"identity":{"docker-reference":"r"},"image":{"docker-manifest-digest":"' + DIGEST + '"},"type":"other"}}')).toMatchObject({ ok: false, why: expect.stringContaining('"other"') });
		expect(read('{"critical":{"identity":{"docker-reference":"r"},"image":{"docker-manifest-digest":"sha256:abc"},"type":"cosign container image signature"}}')).toMatchObject({ ok: false, why: expect.stringContaining('digest') });
		expect(read('{"critical":{"image":{"docker-manifest-digest":"' + DIGEST + '"},"type":"cosign container image signature"}}')).toMatchObject({ ok: false, why: expect.stringContaining('docker-reference') });
		expect(read('{"critical":{"identity":{"docker-reference":"r"},"image":{"docker-manifest-digest":"' + DIGEST + '"},"type":"cosign container image signature"},"optional":[1]}')).toMatchObject({ ok: false });
		expect(parseCosignPayload(new Uint8Array([0x7b, 0xff, 0x7d]))).toEqual({ ok: false, why: 'the payload is not JSON' });
	});

	it('keeps cosign annotations in "optional"', () => {
		const text = `{"critical":{"identity":{"docker-reference":"r"},"image":{"docker-manifest-digest":"${DIGEST}"},"type":"cosign container image signature"},"optional":{"by":"ci"}}`;
		expect(parseCosignPayload(Buffer.from(text))).toMatchObject({ ok: true, payload: { optional: { by: 'ci' } } });
	});
});

describe('the signature manifest', () => {
	it('sits at sha256-<hex>.sig and round-trips its layers and annotation', () => {
		expect(signatureTag(DIGEST)).toBe(`sha256-${'ab'.repeat(32)}.sig`);
		expect(() => signatureTag('latest')).toThrow(TypeError);
		const payload = { digest: `sha256:${'cd'.repeat(32)}`, size: 200 };
		const config = cosignConfig([payload.digest]);
		expect(JSON.parse(Buffer.from(config).toString())).toMatchObject({ rootfs: { type: 'layers', diff_ids: [payload.digest] } });
		const manifest = cosignSignatureManifest({ digest: DIGEST, size: config.length }, [{ payload, signatureBase64: 'MEUCIQ==' }]);
		expect(manifest.layers[0]).toEqual({ mediaType: SIMPLE_SIGNING_TYPE, size: 200, digest: payload.digest, annotations: { [SIGNATURE_ANNOTATION]: 'MEUCIQ==' } });
		const layers = readSignatureManifest(JSON.stringify(manifest));
		expect(layers).toEqual([{ payload: { mediaType: SIMPLE_SIGNING_TYPE, ...payload }, signature: new Uint8Array([0x30, 0x45, 0x02, 0x21]) }]);
		expect(readSignatureManifest('{')).toBeUndefined();
	});
});

describe('PEM and base64', () => {
	it('base64 matches Node for every length and refuses what is not base64', () => {
		for (let length = 0; length < 40; length++) {
			const bytes = Uint8Array.from({ length }, (_, i) => (i * 97 + length) & 255);
			expect(toBase64(bytes)).toBe(Buffer.from(bytes).toString('base64'));
			expect(Buffer.from(fromBase64(toBase64(bytes))!)).toEqual(Buffer.from(bytes));
		}
		expect(fromBase64('ab$=')).toBeUndefined();
		expect(fromBase64('abc')).toBeUndefined();
	});

	it("reads openssl's PKCS#8, SEC1 (after its EC PARAMETERS block) and public PEMs, and writes PEM openssl reads", async () => {
		const { sec1, key, pub } = opensslKey('pem');
		const pkcs8 = pkcs8FromPem(readFileSync(key, 'utf8'))!;
		const fromSec1 = pkcs8FromPem(sec1)!;
		const spki = spkiFromPem(readFileSync(pub, 'utf8'))!;
		expect(readPem(sec1).map((block) => block.label)).toEqual(['EC PARAMETERS', 'EC PRIVATE KEY']);
		for (const der of [pkcs8, fromSec1]) {
			const privateKey = await crypto.subtle.importKey('pkcs8', der, ECDSA, true, ['sign']);
			const jwk = await crypto.subtle.exportKey('jwk', privateKey);
			const publicKey = await crypto.subtle.importKey('spki', spki, ECDSA, true, ['verify']);
			expect((await crypto.subtle.exportKey('jwk', publicKey)).x).toBe(jwk.x);
		}
		writeFileSync(file('ours.pub.pem'), writePem('PUBLIC KEY', spki));
		expect(openssl('ec', '-pubin', '-in', file('ours.pub.pem'), '-pubout')).toBe(readFileSync(pub, 'utf8'));
		expect(pkcs8FromPem(readFileSync(pub, 'utf8'))).toBeUndefined();
		expect(spkiFromPem(readFileSync(key, 'utf8'))).toBeUndefined();
	});
});

describe('ECDSA signatures across openssl and WebCrypto', () => {
	it("openssl's DER signature over a payload verifies under WebCrypto after DER → r‖s", async () => {
		const { key, pub } = opensslKey('theirs');
		const publicKey = await crypto.subtle.importKey('spki', spkiFromPem(readFileSync(pub, 'utf8'))!, ECDSA, false, ['verify']);
		for (let round = 0; round < 20; round++) {
			const payload = cosignPayload('localhost:5000/team/iris', `sha256:${round.toString(16).padStart(64, '0')}`);
			writeFileSync(file('payload.json'), payload);
			execFileSync('openssl', ['dgst', '-sha256', '-sign', key, '-out', file('sig.der'), file('payload.json')]);
			const der = readFileSync(file('sig.der'));
			const raw = derToP1363(der)!;
			expect(raw).toHaveLength(64);
			expect(await crypto.subtle.verify(SHA, publicKey, raw, payload)).toBe(true);
			expect(Buffer.from(p1363ToDer(raw))).toEqual(der); // openssl writes minimal DER, as we do
		}
	});

	it('a WebCrypto signature verifies under openssl after r‖s → DER, and not over an edited payload', async () => {
		const pair = await crypto.subtle.generateKey(ECDSA, true, ['sign', 'verify']);
		writeFileSync(file('app.pub.pem'), writePem('PUBLIC KEY', new Uint8Array(await crypto.subtle.exportKey('spki', pair.publicKey))));
		const payload = cosignPayload('localhost:5000/team/iris', DIGEST);
		writeFileSync(file('payload.json'), payload);
		for (let round = 0; round < 20; round++) {
			const der = p1363ToDer(new Uint8Array(await crypto.subtle.sign(SHA, pair.privateKey, payload)));
			writeFileSync(file('sig.der'), der);
			expect(openssl('dgst', '-sha256', '-verify', file('app.pub.pem'), '-signature', file('sig.der'), file('payload.json'))).toBe('Verified OK\n');
		}
		writeFileSync(file('payload.json'), Buffer.from(payload).toString().replace('iris', 'irix'));
		const edited = spawnSync('openssl', ['dgst', '-sha256', '-verify', file('app.pub.pem'), '-signature', file('sig.der'), file('payload.json')], { encoding: 'utf8' });
		expect([edited.status, edited.stdout]).toEqual([1, 'Verification failure\n']);
	});

	it('refuses malformed DER', () => {
		const good = p1363ToDer(new Uint8Array(64).fill(0x80));
		expect(good[3]).toBe(33); // leading zero for the high bit
		expect(derToP1363(good)).toEqual(new Uint8Array(64).fill(0x80));
		expect(derToP1363(good.subarray(0, good.length - 1))).toBeUndefined();
		expect(derToP1363(new Uint8Array([...good, 0]))).toBeUndefined();
		expect(derToP1363(new Uint8Array([0x31, ...good.subarray(1)]))).toBeUndefined();
		expect(derToP1363(new Uint8Array([0x30, 0x06, 0x02, 0x01, 0x81, 0x02, 0x01, 0x01]))).toBeUndefined(); // negative r
		expect(derToP1363(p1363ToDer(new Uint8Array(66).fill(1)))).toBeUndefined(); // 33-byte numbers
	});
});
