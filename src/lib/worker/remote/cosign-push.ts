// Worker: signs a pushed manifest in both of cosign's key-based formats, in the same repository: the simple-signing
// payload under cosign's tag `sha256-<hex>.sig` (what every cosign reads), and a Sigstore bundle (DSSE over an
// in-toto statement) attached as an OCI 1.1 referrer (what `cosign sign --new-bundle-format` writes). Signatures
// already there from other keys are kept, as cosign appends; this key's earlier ones are replaced (ECDSA
// signatures differ on every run, so re-pushing would otherwise pile them up).
import { OCI_MANIFEST_TYPE } from '../../core/oci/artifact.ts';
import { digestOf } from '../../core/oci/remote.ts';
import { EMPTY_CONFIG } from '../../core/oci/referrers.ts';
import { cosignConfig, cosignPayload, cosignSignatureManifest, p1363ToDer, readSignatureManifest, signatureTag } from '../../core/signing/cosign.ts';
import { toBase64 } from '../../core/signing/pem.ts';
import { BUNDLE_MEDIA_TYPE, bundleReferrerManifest, dssePae, INTOTO_PAYLOAD_TYPE, keyHint, sigstoreBundle, signStatement } from '../../core/signing/sigstore-bundle.ts';
import type { SigningKey } from '../contract.ts';
import { sendBlob } from './blob-upload.ts';
import { verifiesUnder } from './cosign-verify.ts';
import type { RegistryClient } from './registry-client.ts';
import { fetchSmallBlob, sha256Hex } from './registry-io.ts';
import { manifestIfAny, putReferrer } from './referrers.ts';
import type { RemoteDb } from './remote-db.ts';

type Signer = { key: SigningKey; privateKey: CryptoKey };
type Subject = { mediaType: string; digest: string; size: number };
/** A fallback-index annotation naming the key of a bundle referrer, so re-signing can replace its own entry. */
const REFERRER_KEY_ANNOTATION = 'dev.modelshelf.signature/key-fingerprint';

/** cosign's identity for a repository: `host[:port]/path`, the registry address without its scheme. */
export function dockerReference(client: RegistryClient, repository: string): string {
	return `${new URL(client.remote.url).host}/${repository}`;
}

/**
 * Signs the manifest `subject` with the key in both formats.
 * @returns the signature tag and the bundle referrer's manifest digest
 */
export async function pushSignature(client: RegistryClient, remoteDb: RemoteDb, repository: string, subject: Subject, signer: Signer, signal?: AbortSignal): Promise<{ tag: string; referrer: string }> {
	const tag = await _pushTagSignature(client, remoteDb, repository, subject.digest, signer, signal);
	const referrer = await _pushBundleReferrer(client, remoteDb, repository, subject, signer, signal);
	return { tag, referrer };
}

async function _sign(signer: Signer, bytes: Uint8Array<ArrayBuffer>): Promise<Uint8Array<ArrayBuffer>> {
	return p1363ToDer(new Uint8Array(await crypto.subtle.sign({ name: 'ECDSA', hash: 'SHA-256' }, signer.privateKey, bytes)));
}

async function _pushTagSignature(client: RegistryClient, remoteDb: RemoteDb, repository: string, digest: string, signer: Signer, signal?: AbortSignal): Promise<string> {
	const payload = cosignPayload(dockerReference(client, repository), digest);
	const der = await _sign(signer, payload);
	const payloadDigest = digestOf(await sha256Hex(payload));
	const signatures = [...(await _othersSignatures(client, repository, digest, signer.key, signal)), { payload: { digest: payloadDigest, size: payload.byteLength }, signatureBase64: toBase64(der), keyFingerprint: signer.key.fingerprint }];
	const config = cosignConfig(signatures.map((signature) => signature.payload.digest));
	const configDigest = digestOf(await sha256Hex(config));
	const target = { client, remoteDb, repository, signal };
	await sendBlob(target, payloadDigest, new Blob([payload]), () => {});
	await sendBlob(target, configDigest, new Blob([config]), () => {});
	const tag = signatureTag(digest);
	await client.request(`${repository}/manifests/${tag}`, {
		method: 'PUT',
		repository,
		access: 'push',
		headers: { 'Content-Type': OCI_MANIFEST_TYPE },
		body: new TextEncoder().encode(JSON.stringify(cosignSignatureManifest({ digest: configDigest, size: config.byteLength }, signatures))),
		accept: [201],
		signal
	});
	return tag;
}

async function _pushBundleReferrer(client: RegistryClient, remoteDb: RemoteDb, repository: string, subject: Subject, signer: Signer, signal?: AbortSignal): Promise<string> {
	const statement = signStatement(subject.digest);
	const bundle = sigstoreBundle(statement, await _sign(signer, dssePae(INTOTO_PAYLOAD_TYPE, statement)), keyHint(signer.key.fingerprint));
	const bundleDigest = digestOf(await sha256Hex(bundle));
	const target = { client, remoteDb, repository, signal };
	await sendBlob(target, EMPTY_CONFIG.digest, new Blob(['{}']), () => {});
	await sendBlob(target, bundleDigest, new Blob([bundle]), () => {});
	const manifest = bundleReferrerManifest(subject, { digest: bundleDigest, size: bundle.byteLength }, new Date().toISOString().replace(/\.\d+Z$/, 'Z'));
	const annotations = { ...manifest.annotations, [REFERRER_KEY_ANNOTATION]: signer.key.fingerprint };
	const { digest } = await putReferrer(client, repository, subject.digest, { ...manifest, annotations }, (entry) => entry.artifactType === BUNDLE_MEDIA_TYPE && entry.annotations?.[REFERRER_KEY_ANNOTATION] === signer.key.fingerprint, signal);
	return digest;
}

/** The signatures at the tag now, less any this key made. */
async function _othersSignatures(client: RegistryClient, repository: string, digest: string, key: SigningKey, signal?: AbortSignal) {
	const text = await manifestIfAny(client, repository, signatureTag(digest), signal);
	const kept = [];
	for (const layer of (text === undefined ? undefined : readSignatureManifest(text)) ?? []) {
		if (!layer.signature) continue;
		const payload = await fetchSmallBlob(client, repository, layer.payload, signal);
		if (await verifiesUnder(key.publicKeyPem, layer.signature, payload)) continue;
		kept.push({ payload: { digest: layer.payload.digest, size: layer.payload.size }, signatureBase64: toBase64(layer.signature), ...(layer.keyHint ? { keyFingerprint: layer.keyHint } : {}) });
	}
	return kept;
}
