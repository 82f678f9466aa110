// Worker: signs a pushed manifest in cosign's key-based format and stores the signature under cosign's tag
// `sha256-<hex>.sig` in the same repository (Distribution 2.8 has no referrers API, so no referrer is written).
// Signatures already there from other keys are kept, as cosign appends; this key's earlier one is replaced
// (ECDSA signatures differ on every run, so re-pushing would otherwise pile them up).
import { isShelfError } from '../../core/errors.ts';
import { OCI_MANIFEST_TYPE } from '../../core/oci/artifact.ts';
import { digestOf } from '../../core/oci/remote.ts';
import { cosignConfig, cosignPayload, cosignSignatureManifest, readSignatureManifest, signatureTag } from '../../core/signing/cosign.ts';
import { toBase64 } from '../../core/signing/pem.ts';
import type { SigningKey } from '../contract.ts';
import { sendBlob } from './blob-upload.ts';
import { verifiesUnder } from './cosign-verify.ts';
import type { RegistryClient } from './registry-client.ts';
import { fetchManifest, fetchSmallBlob, sha256Hex } from './registry-io.ts';
import type { RemoteDb } from './remote-db.ts';
import { p1363ToDer } from '../../core/signing/cosign.ts';

/** cosign's identity for a repository: `host[:port]/path`, the registry address without its scheme. */
export function dockerReference(client: RegistryClient, repository: string): string {
	return `${new URL(client.remote.url).host}/${repository}`;
}

/**
 * Signs `digest` with the key and puts the signature manifest at `sha256-<hex>.sig`.
 * @returns the signature tag
 */
export async function pushSignature(
	client: RegistryClient,
	remoteDb: RemoteDb,
	repository: string,
	digest: string,
	signer: { key: SigningKey; privateKey: CryptoKey },
	signal?: AbortSignal
): Promise<string> {
	const payload = cosignPayload(dockerReference(client, repository), digest);
	const der = p1363ToDer(new Uint8Array(await crypto.subtle.sign({ name: 'ECDSA', hash: 'SHA-256' }, signer.privateKey, payload)));
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

/** The signatures at the tag now, less any this key made. */
async function _othersSignatures(client: RegistryClient, repository: string, digest: string, key: SigningKey, signal?: AbortSignal) {
	let text: string;
	try {
		text = (await fetchManifest(client, repository, signatureTag(digest), signal)).text;
	} catch (error) {
		if (isShelfError(error, 'NOT_FOUND')) return [];
		throw error;
	}
	const kept = [];
	for (const layer of readSignatureManifest(text) ?? []) {
		if (!layer.signature) continue;
		const payload = await fetchSmallBlob(client, repository, layer.payload, signal);
		if (await verifiesUnder(key.publicKeyPem, layer.signature, payload)) continue;
		kept.push({ payload: { digest: layer.payload.digest, size: layer.payload.size }, signatureBase64: toBase64(layer.signature), ...(layer.keyHint ? { keyFingerprint: layer.keyHint } : {}) });
	}
	return kept;
}
