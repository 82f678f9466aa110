// Core: cosign's key-based signature format (sigstore/cosign, payload from sigstore/sigstore
// pkg/signature/payload). The signed bytes are a "simple signing" JSON payload naming the manifest digest;
// the signature is ASN.1 DER ECDSA over SHA-256 of those bytes, base64 in a layer annotation; the signature
// manifest sits at tag `sha256-<hex>.sig` in the image's repository (cosign's tag scheme, readable on any
// registry). WebCrypto signs and verifies IEEE P1363 (r‖s), so both encodings convert here.
import { OCI_MANIFEST_TYPE, type OciDescriptor } from '../oci/artifact.ts';
import { isSha256Digest } from '../oci/remote.ts';
import { derTlv, fromBase64, utf8Bytes, utf8Text } from './pem.ts';

/** The payload's `critical.type`, exactly as cosign writes and requires it. */
export const COSIGN_PAYLOAD_TYPE = 'cosign container image signature';
/** The signature layer's media type. */
export const SIMPLE_SIGNING_TYPE = 'application/vnd.dev.cosign.simplesigning.v1+json';
/** The layer annotation holding the base64 DER signature. */
export const SIGNATURE_ANNOTATION = 'dev.cosignproject.cosign/signature';
/**
 * A layer annotation the shelf adds: the SHA-256 fingerprint of the key that signed (cosign ignores it). Not trusted:
 * it only lets a refusal say "altered" rather than "another key" when the named key is trusted yet does not verify.
 */
export const KEY_HINT_ANNOTATION = 'dev.modelshelf.signature/key-fingerprint';
/** The config media type cosign's signature images carry. */
export const COSIGN_CONFIG_TYPE = 'application/vnd.oci.image.config.v1+json';
/** Most bytes a payload may have: cosign's are a few hundred. */
export const MAX_PAYLOAD_BYTES = 64 * 1024;

/** The tag cosign stores a manifest's signatures under: `sha256:<hex>` → `sha256-<hex>.sig`. */
export function signatureTag(digest: string): string {
	if (!isSha256Digest(digest)) throw new TypeError(`Not a sha256 digest: ${digest}`);
	return `${digest.replace(':', '-')}.sig`;
}

/**
 * The simple-signing payload cosign signs, byte for byte as Go's encoding/json writes it (field order of
 * sigstore's structs; `optional` null when there are no annotations).
 * @param dockerReference the repository, `host[:port]/path` without tag (cosign's claimed identity)
 * @param digest the manifest digest signed
 */
export function cosignPayload(dockerReference: string, digest: string): Uint8Array<ArrayBuffer> {
	if (!isSha256Digest(digest)) throw new TypeError(`Not a sha256 digest: ${digest}`);
	const payload = { critical: { identity: { 'docker-reference': dockerReference }, image: { 'docker-manifest-digest': digest }, type: COSIGN_PAYLOAD_TYPE }, optional: null };
	return utf8Bytes(JSON.stringify(payload));
}

/** A payload as read: what it names. */
export interface CosignPayload {
	dockerReference: string;
	digest: string;
	optional: Record<string, unknown> | null;
}

/** A payload read strictly, or why it is not one. */
export type PayloadReading = { ok: true; payload: CosignPayload } | { ok: false; why: string };

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** Reads a simple-signing payload strictly: the fields cosign requires, of the right types, and the exact type string. */
export function parseCosignPayload(bytes: Uint8Array): PayloadReading {
	if (bytes.length > MAX_PAYLOAD_BYTES) return { ok: false, why: `the payload has ${bytes.length} bytes` };
	let value: unknown;
	try {
		value = JSON.parse(utf8Text(bytes));
	} catch {
		return { ok: false, why: 'the payload is not JSON' };
	}
	if (!isObject(value) || !isObject(value.critical)) return { ok: false, why: 'the payload has no "critical" object' };
	const { identity, image, type } = value.critical;
	if (type !== COSIGN_PAYLOAD_TYPE) return { ok: false, why: `its type is ${JSON.stringify(type)}, not "${COSIGN_PAYLOAD_TYPE}"` };
	if (!isObject(image) || !isSha256Digest(image['docker-manifest-digest'])) return { ok: false, why: 'it names no sha256 docker-manifest-digest' };
	if (!isObject(identity) || typeof identity['docker-reference'] !== 'string') return { ok: false, why: 'it has no docker-reference' };
	const optional = value.optional ?? null;
	if (optional !== null && !isObject(optional)) return { ok: false, why: '"optional" is not an object' };
	return { ok: true, payload: { dockerReference: identity['docker-reference'], digest: image['docker-manifest-digest'], optional } };
}

/** One signature of a signature manifest: the payload blob and the signature from its annotation. */
export interface CosignSignatureLayer {
	payload: OciDescriptor;
	/** DER bytes, or undefined when the annotation is missing or not base64. */
	signature: Uint8Array<ArrayBuffer> | undefined;
	/** The signer's key fingerprint the layer claims (the shelf's own annotation), unverified. */
	keyHint?: string;
}

/** The simple-signing layers of a signature manifest (other layers are ignored); undefined when it is no manifest. */
export function readSignatureManifest(text: string): CosignSignatureLayer[] | undefined {
	let value: unknown;
	try {
		value = JSON.parse(text);
	} catch {
		return undefined;
	}
	if (!isObject(value) || !Array.isArray(value.layers)) return undefined;
	const layers: CosignSignatureLayer[] = [];
	for (const layer of value.layers as unknown[]) {
		if (!isObject(layer) || layer.mediaType !== SIMPLE_SIGNING_TYPE || !isSha256Digest(layer.digest) || typeof layer.size !== 'number') continue;
		const annotation = isObject(layer.annotations) ? layer.annotations[SIGNATURE_ANNOTATION] : undefined;
		const signature = typeof annotation === 'string' ? fromBase64(annotation) : undefined;
		const hint = isObject(layer.annotations) ? layer.annotations[KEY_HINT_ANNOTATION] : undefined;
		layers.push({ payload: { mediaType: SIMPLE_SIGNING_TYPE, digest: layer.digest, size: layer.size }, signature, ...(typeof hint === 'string' ? { keyHint: hint } : {}) });
	}
	return layers;
}

/**
 * The signature image's config, modelled on what cosign gets from go-containerregistry (its empty image with one
 * layer appended per signature): diff_ids are the payload digests (the layers are not compressed). Verifiers
 * do not read it; it is not claimed byte-equal to cosign's.
 */
export function cosignConfig(payloadDigests: readonly string[]): Uint8Array<ArrayBuffer> {
	const config = {
		architecture: '',
		created: '0001-01-01T00:00:00Z',
		history: payloadDigests.map(() => ({ created: '0001-01-01T00:00:00Z' })),
		os: '',
		rootfs: { type: 'layers', diff_ids: payloadDigests },
		config: {}
	};
	return utf8Bytes(JSON.stringify(config));
}

/** The signature manifest: one simple-signing layer per signature, cosign's layout. */
export function cosignSignatureManifest(config: { digest: string; size: number }, signatures: readonly { payload: { digest: string; size: number }; signatureBase64: string; keyFingerprint?: string }[]) {
	return {
		schemaVersion: 2 as const,
		mediaType: OCI_MANIFEST_TYPE,
		config: { mediaType: COSIGN_CONFIG_TYPE, size: config.size, digest: config.digest },
		layers: signatures.map(({ payload, signatureBase64, keyFingerprint }) => ({
			mediaType: SIMPLE_SIGNING_TYPE,
			size: payload.size,
			digest: payload.digest,
			annotations: { [SIGNATURE_ANNOTATION]: signatureBase64, ...(keyFingerprint ? { [KEY_HINT_ANNOTATION]: keyFingerprint } : {}) }
		}))
	};
}

// ---------------------------------------------------------------------------
// ECDSA signature encodings: DER `SEQUENCE { INTEGER r, INTEGER s }` (cosign, openssl) ⇄ r‖s (WebCrypto).

/** The fixed size of each of r and s for P-256. */
const P256_SIZE = 32;

/** r‖s (64 bytes for P-256) from a DER ECDSA signature; undefined when the DER is malformed or a number too large. */
export function derToP1363(der: Uint8Array, size = P256_SIZE): Uint8Array<ArrayBuffer> | undefined {
	let at = 0;
	const readLength = (): number | undefined => {
		const first = der[at++];
		if (first === undefined) return undefined;
		if (first < 0x80) return first;
		if (first !== 0x81) return undefined; // an ECDSA P-256 signature is never longer than 255 bytes
		return der[at++];
	};
	if (der[at++] !== 0x30) return undefined;
	const total = readLength();
	if (total === undefined || at + total !== der.length) return undefined;
	const out = new Uint8Array(size * 2);
	for (const offset of [0, size]) {
		if (der[at++] !== 0x02) return undefined;
		const length = readLength();
		if (length === undefined || length === 0 || at + length > der.length) return undefined;
		let number = der.subarray(at, at + length);
		at += length;
		if (number[0]! & 0x80) return undefined; // negative: not an ECDSA value
		while (number.length > 1 && number[0] === 0) number = number.subarray(1);
		if (number.length > size) return undefined;
		out.set(number, offset + size - number.length);
	}
	return at === der.length ? out : undefined;
}

/** A DER ECDSA signature from r‖s: minimal INTEGERs, a leading zero where the high bit is set. */
export function p1363ToDer(raw: Uint8Array): Uint8Array<ArrayBuffer> {
	if (raw.length === 0 || raw.length % 2 !== 0) throw new TypeError(`Not an r‖s signature: ${raw.length} bytes`);
	const integer = (bytes: Uint8Array) => {
		let start = 0;
		while (start < bytes.length - 1 && bytes[start] === 0) start++;
		const trimmed = [...bytes.subarray(start)];
		return derTlv(0x02, trimmed[0]! & 0x80 ? [0, ...trimmed] : trimmed);
	};
	const half = raw.length / 2;
	return derTlv(0x30, [...integer(raw.subarray(0, half)), ...integer(raw.subarray(half))]);
}
