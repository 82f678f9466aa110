// Core: cosign's newer signature format (`cosign sign --new-bundle-format`, cosign specs/BUNDLE_SPEC.md), attached
// as an OCI 1.1 referrer. The signed thing is an in-toto statement whose subject is the manifest digest and whose
// predicate type is cosign's "sign" predicate; it is wrapped in a DSSE envelope (the signature covers DSSE's
// pre-authentication encoding, ECDSA P-256 over SHA-256, DER) inside a Sigstore bundle v0.3 with a public-key
// hint and no transparency-log entry (key-based, offline). The referrer manifest's one layer is the bundle.
import { EMPTY_CONFIG } from '../oci/referrers.ts';
import { OCI_MANIFEST_TYPE } from '../oci/artifact.ts';
import { isSha256Digest } from '../oci/remote.ts';
import { fromBase64, toBase64, utf8Bytes, utf8Text } from './pem.ts';

export const BUNDLE_MEDIA_TYPE = 'application/vnd.dev.sigstore.bundle.v0.3+json';
export const INTOTO_PAYLOAD_TYPE = 'application/vnd.in-toto+json';
export const STATEMENT_TYPE = 'https://in-toto.io/Statement/v1';
/** The predicate type cosign gives a plain image signature in the bundle format. */
export const COSIGN_SIGN_PREDICATE = 'https://sigstore.dev/cosign/sign/v1';
/** Most bytes a bundle may have: a key-based one is under 1 KiB; keyless ones with certificates a few KiB. */
export const MAX_BUNDLE_BYTES = 64 * 1024;

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** The in-toto statement cosign signs for a manifest digest (field order as protojson writes it). */
export function signStatement(digest: string): Uint8Array<ArrayBuffer> {
	if (!isSha256Digest(digest)) throw new TypeError(`Not a sha256 digest: ${digest}`);
	const statement = { _type: STATEMENT_TYPE, subject: [{ digest: { sha256: digest.slice('sha256:'.length) } }], predicateType: COSIGN_SIGN_PREDICATE, predicate: {} };
	return utf8Bytes(JSON.stringify(statement));
}

/** DSSE's pre-authentication encoding, the bytes a DSSE signature covers: `DSSEv1 <len> <type> <len> <payload>`. */
export function dssePae(payloadType: string, payload: Uint8Array): Uint8Array<ArrayBuffer> {
	const type = utf8Bytes(payloadType);
	const head = utf8Bytes(`DSSEv1 ${type.length} ${payloadType} ${payload.length} `);
	const out = new Uint8Array(head.length + payload.length);
	out.set(head);
	out.set(payload, head.length);
	return out;
}

/** Sigstore's public-key hint: base64 of the SHA-256 of the key's SPKI DER (cosign's), from our hex fingerprint. */
export function keyHint(fingerprintHex: string): string {
	return toBase64(Uint8Array.from(fingerprintHex.match(/../g) ?? [], (pair) => parseInt(pair, 16)));
}

/** A bundle holding one DSSE signature over `statement`. */
export function sigstoreBundle(statement: Uint8Array, signatureDer: Uint8Array, hint: string): Uint8Array<ArrayBuffer> {
	const bundle = {
		mediaType: BUNDLE_MEDIA_TYPE,
		verificationMaterial: { publicKey: { hint } },
		dsseEnvelope: { payload: toBase64(statement), payloadType: INTOTO_PAYLOAD_TYPE, signatures: [{ sig: toBase64(signatureDer) }] }
	};
	return utf8Bytes(JSON.stringify(bundle));
}

/** A bundle as read: the envelope's statement bytes, its signatures (DER) and the key hint it claims. */
export interface BundleReading {
	payloadType: string;
	statement: Uint8Array<ArrayBuffer>;
	signatures: Uint8Array<ArrayBuffer>[];
	hint?: string;
}

/** Reads a Sigstore bundle with a DSSE envelope strictly, or says why it is not one the shelf can check. */
export function parseSigstoreBundle(bytes: Uint8Array): { ok: true; bundle: BundleReading } | { ok: false; why: string } {
	if (bytes.length > MAX_BUNDLE_BYTES) return { ok: false, why: `the bundle has ${bytes.length} bytes` };
	let value: unknown;
	try {
		value = JSON.parse(utf8Text(bytes));
	} catch {
		return { ok: false, why: 'the bundle is not JSON' };
	}
	if (!isObject(value) || typeof value.mediaType !== 'string' || !value.mediaType.startsWith('application/vnd.dev.sigstore.bundle')) return { ok: false, why: 'it is not a Sigstore bundle' };
	const envelope = value.dsseEnvelope;
	if (!isObject(envelope)) return { ok: false, why: 'the bundle holds no DSSE envelope' };
	const statement = typeof envelope.payload === 'string' ? fromBase64(envelope.payload) : undefined;
	if (!statement || typeof envelope.payloadType !== 'string') return { ok: false, why: 'its envelope has no base64 payload and payload type' };
	const signatures = Array.isArray(envelope.signatures) ? envelope.signatures.map((entry) => (isObject(entry) && typeof entry.sig === 'string' ? fromBase64(entry.sig) : undefined)) : [];
	const material = isObject(value.verificationMaterial) && isObject(value.verificationMaterial.publicKey) ? value.verificationMaterial.publicKey : undefined;
	return {
		ok: true,
		bundle: {
			payloadType: envelope.payloadType,
			statement,
			signatures: signatures.filter((signature): signature is Uint8Array<ArrayBuffer> => signature !== undefined),
			...(typeof material?.hint === 'string' ? { hint: material.hint } : {})
		}
	};
}

/** The sha256 digests an in-toto statement's subjects name, or why it is not a statement of cosign's "sign" kind. */
export function statementSubjects(bundle: BundleReading): { ok: true; digests: string[] } | { ok: false; why: string } {
	if (bundle.payloadType !== INTOTO_PAYLOAD_TYPE) return { ok: false, why: `its payload type is ${JSON.stringify(bundle.payloadType)}, not "${INTOTO_PAYLOAD_TYPE}"` };
	let value: unknown;
	try {
		value = JSON.parse(utf8Text(bundle.statement));
	} catch {
		return { ok: false, why: 'its statement is not JSON' };
	}
	if (!isObject(value) || value._type !== STATEMENT_TYPE) return { ok: false, why: `it is not an in-toto ${STATEMENT_TYPE} statement` };
	if (value.predicateType !== COSIGN_SIGN_PREDICATE) return { ok: false, why: `its predicate is ${JSON.stringify(value.predicateType)}, not cosign's signature` };
	const digests = (Array.isArray(value.subject) ? value.subject : [])
		.map((subject) => (isObject(subject) && isObject(subject.digest) ? subject.digest.sha256 : undefined))
		.filter((hex): hex is string => typeof hex === 'string' && /^[0-9a-f]{64}$/.test(hex))
		.map((hex) => `sha256:${hex}`);
	return digests.length > 0 ? { ok: true, digests } : { ok: false, why: 'its statement names no sha256 subject' };
}

/** The referrer manifest carrying a bundle for `subject` (cosign's layout: empty config, one bundle layer). */
export function bundleReferrerManifest(subject: { mediaType: string; digest: string; size: number }, bundle: { digest: string; size: number }, created: string) {
	return {
		schemaVersion: 2 as const,
		mediaType: OCI_MANIFEST_TYPE,
		artifactType: BUNDLE_MEDIA_TYPE,
		config: { ...EMPTY_CONFIG },
		layers: [{ mediaType: BUNDLE_MEDIA_TYPE, digest: bundle.digest, size: bundle.size }],
		subject: { mediaType: subject.mediaType, digest: subject.digest, size: subject.size },
		annotations: { 'dev.sigstore.bundle.content': 'dsse-envelope', 'dev.sigstore.bundle.predicateType': COSIGN_SIGN_PREDICATE, 'org.opencontainers.image.created': created }
	};
}
