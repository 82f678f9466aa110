// Worker: checks a manifest's cosign signatures (tag `sha256-<hex>.sig`) against the keys trusted for the
// registry, and applies the registry's trust policy. Runs before a pull downloads any blob, so `enforce`
// refuses with nothing stored. A signature counts only when its payload names exactly the digest being
// pulled: a tag moved to another manifest (re-tagged, swapped) carries no valid signature for it.
import { ShelfError, isShelfError } from '../../core/errors.ts';
import { derToP1363, parseCosignPayload, readSignatureManifest, signatureTag } from '../../core/signing/cosign.ts';
import { spkiFromPem } from '../../core/signing/pem.ts';
import type { ErrorDetailsByCode } from '../../core/errors.ts';
import type { SignatureCheck, TrustedKey, TrustPolicy } from '../contract.ts';
import type { RegistryClient } from './registry-client.ts';
import { fetchManifest, fetchSmallBlob } from './registry-io.ts';
import type { KeyStore } from './signing-keys.ts';

type Reason = ErrorDetailsByCode['UNTRUSTED']['reason'];
/** A check, and for anything not signed the reason code `UNTRUSTED` would carry. */
export type Verdict = { check: SignatureCheck; reason?: Reason; signedDigest?: string };

const ECDSA = { name: 'ECDSA', namedCurve: 'P-256' } as const;
/** Which failure to report when several signatures fail: the most telling first. */
const PRIORITY: Reason[] = ['wrong-digest', 'bad-signature', 'bad-payload', 'untrusted-key'];
const STATUS: Record<Reason, SignatureCheck['status']> = { unsigned: 'unsigned', 'untrusted-key': 'untrusted', 'bad-signature': 'invalid', 'wrong-digest': 'invalid', 'bad-payload': 'invalid' };

/** Whether a DER ECDSA signature over `payload` verifies under an SPKI PEM. */
export async function verifiesUnder(pem: string, der: Uint8Array, payload: Uint8Array<ArrayBuffer>): Promise<boolean> {
	const spki = spkiFromPem(pem);
	const raw = derToP1363(der);
	if (!spki || !raw) return false;
	const key = await crypto.subtle.importKey('spki', spki, ECDSA, false, ['verify']);
	return crypto.subtle.verify({ name: 'ECDSA', hash: 'SHA-256' }, key, raw, payload);
}

/**
 * The signatures of `digest` in `repository`, checked against `trusted`.
 * @throws the client's errors (a 404 for the signature tag is "unsigned", not an error)
 */
export async function checkSignature(client: RegistryClient, repository: string, digest: string, trusted: readonly TrustedKey[], signal?: AbortSignal): Promise<Verdict> {
	const at = Date.now();
	let text: string;
	try {
		text = (await fetchManifest(client, repository, signatureTag(digest), signal)).text;
	} catch (error) {
		if (isShelfError(error, 'NOT_FOUND')) return { check: { status: 'unsigned', reason: `No signature at ${signatureTag(digest)}.`, at }, reason: 'unsigned' };
		throw error;
	}
	const layers = readSignatureManifest(text) ?? [];
	if (layers.length === 0) return { check: { status: 'invalid', reason: `${signatureTag(digest)} holds no cosign signature.`, at }, reason: 'bad-payload' };
	const failures: { reason: Reason; words: string; signedDigest?: string }[] = [];
	for (const layer of layers) {
		const payload = await fetchSmallBlob(client, repository, layer.payload, signal);
		const reading = parseCosignPayload(payload);
		if (!reading.ok) {
			failures.push({ reason: 'bad-payload', words: `The signed payload is not cosign's: ${reading.why}.` });
			continue;
		}
		const signature = layer.signature;
		const signer = signature ? await _firstVerifying(trusted, signature, payload) : undefined;
		if (reading.payload.digest !== digest) {
			failures.push({ reason: 'wrong-digest', signedDigest: reading.payload.digest, words: `The signature is for ${reading.payload.digest}, not ${digest}: the tag was moved to another manifest, or the signature copied.` });
		} else if (signer) {
			return { check: { status: 'signed', keyName: signer.name, at } };
		} else if (!signature || !derToP1363(signature)) {
			failures.push({ reason: 'bad-signature', words: 'The signature is missing or not an ECDSA signature.' });
		} else {
			// The layer's fingerprint is a claim only: it picks the words, never the outcome.
			const claimed = trusted.find((key) => key.fingerprint === layer.keyHint);
			failures.push(
				claimed
					? { reason: 'bad-signature', words: `The signature does not verify under "${claimed.name}", the trusted key it names: the payload or the signature was altered.` }
					: { reason: 'untrusted-key', words: trusted.length === 0 ? 'Signed, but no key is trusted for this registry.' : `Signed by a key that is not trusted here (none of the ${trusted.length} trusted keys verifies it).` }
			);
		}
	}
	const worst = failures.sort((a, b) => PRIORITY.indexOf(a.reason) - PRIORITY.indexOf(b.reason))[0]!;
	return { check: { status: STATUS[worst.reason], reason: worst.words, at }, reason: worst.reason, ...(worst.signedDigest ? { signedDigest: worst.signedDigest } : {}) };
}

async function _firstVerifying(trusted: readonly TrustedKey[], signature: Uint8Array, payload: Uint8Array<ArrayBuffer>): Promise<TrustedKey | undefined> {
	for (const key of trusted) if (await verifiesUnder(key.publicKeyPem, signature, payload)) return key;
	return undefined;
}

/** The registry's policy and, unless it is `off`, the signature check (for showing: never throws for a bad signature). */
export async function checkUnderPolicy(client: RegistryClient, keys: KeyStore, repository: string, digest: string, signal?: AbortSignal): Promise<{ policy: TrustPolicy; verdict: Verdict }> {
	const registry = client.remote.url;
	const policy = await keys.trustPolicy(registry);
	if (policy === 'off') return { policy, verdict: { check: { status: 'unchecked', at: Date.now() } } };
	return { policy, verdict: await checkSignature(client, repository, digest, await keys.trustedKeys(registry), signal) };
}

/**
 * Applies the registry's trust policy before a pull: `off` checks nothing, `warn` checks and records, `enforce`
 * refuses what is not signed by a trusted key.
 * @throws ShelfError `UNTRUSTED` under `enforce`, with the reason
 */
export async function checkBeforePull(client: RegistryClient, keys: KeyStore, repository: string, digest: string, signal?: AbortSignal): Promise<SignatureCheck> {
	const { policy, verdict } = await checkUnderPolicy(client, keys, repository, digest, signal);
	if (policy === 'enforce' && verdict.reason) {
		throw new ShelfError('UNTRUSTED', `${repository}@${digest} was refused by the trust policy (enforce): ${verdict.check.reason} Nothing was stored.`, {
			reason: verdict.reason,
			repository,
			digest,
			...(verdict.signedDigest ? { signedDigest: verdict.signedDigest } : {})
		});
	}
	return verdict.check;
}
