// Worker: checks a manifest's cosign signatures, in either format (the simple-signing layers at tag
// `sha256-<hex>.sig`, and Sigstore bundles attached as OCI 1.1 referrers), against the keys trusted for the
// registry, and applies the registry's trust policy. Runs before a pull downloads any blob, so `enforce`
// refuses with nothing stored. A signature counts only when its payload names exactly the digest being
// pulled: a tag moved to another manifest (re-tagged, swapped) carries no valid signature for it.
import { ShelfError, isShelfError } from '../../core/errors.ts';
import type { OciDescriptor } from '../../core/oci/artifact.ts';
import { derToP1363, parseCosignPayload, readSignatureManifest, signatureTag } from '../../core/signing/cosign.ts';
import { spkiFromPem } from '../../core/signing/pem.ts';
import { BUNDLE_MEDIA_TYPE, dssePae, keyHint, MAX_BUNDLE_BYTES, parseSigstoreBundle, statementSubjects } from '../../core/signing/sigstore-bundle.ts';
import type { ErrorDetailsByCode } from '../../core/errors.ts';
import type { SignatureCheck, TrustedKey, TrustPolicy } from '../contract.ts';
import type { RegistryClient } from './registry-client.ts';
import { listReferrers, manifestIfAny } from './referrers.ts';
import { fetchManifest, fetchSmallBlob } from './registry-io.ts';
import type { KeyStore } from './signing-keys.ts';

type Reason = ErrorDetailsByCode['UNTRUSTED']['reason'];
/** A check, and for anything not signed the reason code `UNTRUSTED` would carry. */
export type Verdict = { check: SignatureCheck; reason?: Reason; signedDigest?: string };

const ECDSA = { name: 'ECDSA', namedCurve: 'P-256' } as const;
/** Which failure to report when several signatures fail: the most telling first. */
const PRIORITY: Reason[] = ['wrong-digest', 'bad-signature', 'bad-payload', 'expired-key', 'untrusted-key'];
const STATUS: Record<Reason, SignatureCheck['status']> = { unsigned: 'unsigned', 'untrusted-key': 'untrusted', 'expired-key': 'untrusted', 'bad-signature': 'invalid', 'wrong-digest': 'invalid', 'bad-payload': 'invalid' };

/** Whether a DER ECDSA signature over `payload` verifies under an SPKI PEM. */
export async function verifiesUnder(pem: string, der: Uint8Array, payload: Uint8Array<ArrayBuffer>): Promise<boolean> {
	const spki = spkiFromPem(pem);
	const raw = derToP1363(der);
	if (!spki || !raw) return false;
	const key = await crypto.subtle.importKey('spki', spki, ECDSA, false, ['verify']);
	return crypto.subtle.verify({ name: 'ECDSA', hash: 'SHA-256' }, key, raw, payload);
}

/**
 * One signature found, in either format: the bytes it signs, the digests they name (or why they cannot be read),
 * and the key the signature claims to be from (unverified: it only picks the words of a refusal).
 */
interface Candidate {
	signed: Uint8Array<ArrayBuffer>;
	signature: Uint8Array<ArrayBuffer> | undefined;
	names: { ok: true; digests: string[] } | { ok: false; why: string };
	claims: (key: TrustedKey) => boolean;
}

/**
 * The signatures of `digest` in `repository`, in both formats, checked against `trusted`: signed when any one
 * names exactly `digest` and verifies under a trusted key whose trust has not ended.
 * @throws the client's errors (no signature tag and no referrer is "unsigned", not an error)
 */
export async function checkSignature(client: RegistryClient, repository: string, digest: string, trusted: readonly TrustedKey[], signal?: AbortSignal): Promise<Verdict> {
	const at = Date.now();
	const found = [...(await _tagCandidates(client, repository, digest, signal)), ...(await _bundleCandidates(client, repository, digest, signal))];
	if (found.length === 0) return { check: { status: 'unsigned', reason: `No signature at ${signatureTag(digest)} and no Sigstore bundle referrer.`, at }, reason: 'unsigned' };
	const current = trusted.filter((key) => key.expiresAt === undefined || key.expiresAt > at);
	const expired = trusted.filter((key) => !current.includes(key));
	const failures: { reason: Reason; words: string; signedDigest?: string }[] = [];
	for (const candidate of found) {
		if (!candidate.names.ok) {
			failures.push({ reason: 'bad-payload', words: `The signed payload is not cosign's: ${candidate.names.why}.` });
			continue;
		}
		const signature = candidate.signature;
		const signer = signature ? await _firstVerifying(current, signature, candidate.signed) : undefined;
		const formerSigner = signature && !signer ? await _firstVerifying(expired, signature, candidate.signed) : undefined;
		if (!candidate.names.digests.includes(digest)) {
			const signedDigest = candidate.names.digests[0]!;
			failures.push({ reason: 'wrong-digest', signedDigest, words: `The signature is for ${signedDigest}, not ${digest}: the tag was moved to another manifest, or the signature copied.` });
		} else if (signer) {
			return { check: { status: 'signed', keyName: signer.name, at } };
		} else if (formerSigner) {
			failures.push({ reason: 'expired-key', words: `Signed by "${formerSigner.name}", whose trust ended on ${new Date(formerSigner.expiresAt!).toISOString().slice(0, 10)}.` });
		} else if (!signature || !derToP1363(signature)) {
			failures.push({ reason: 'bad-signature', words: 'The signature is missing or not an ECDSA signature.' });
		} else {
			const claimed = trusted.find(candidate.claims);
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

/** The simple-signing layers at cosign's tag. A tag that is no signature manifest counts as one unreadable signature. */
async function _tagCandidates(client: RegistryClient, repository: string, digest: string, signal?: AbortSignal): Promise<Candidate[]> {
	const text = await manifestIfAny(client, repository, signatureTag(digest), signal);
	if (text === undefined) return [];
	const layers = readSignatureManifest(text) ?? [];
	if (layers.length === 0) return [{ signed: new Uint8Array(0), signature: undefined, names: { ok: false, why: `${signatureTag(digest)} holds no cosign signature` }, claims: () => false }];
	const candidates: Candidate[] = [];
	for (const layer of layers) {
		const payload = await fetchSmallBlob(client, repository, layer.payload, signal);
		const reading = parseCosignPayload(payload);
		candidates.push({
			signed: payload,
			signature: layer.signature,
			names: reading.ok ? { ok: true, digests: [reading.payload.digest] } : reading,
			claims: (key) => key.fingerprint === layer.keyHint
		});
	}
	return candidates;
}

/** The DSSE signatures of the Sigstore bundles attached to `digest` as referrers. */
async function _bundleCandidates(client: RegistryClient, repository: string, digest: string, signal?: AbortSignal): Promise<Candidate[]> {
	const candidates: Candidate[] = [];
	for (const referrer of await listReferrers(client, repository, digest, BUNDLE_MEDIA_TYPE, signal)) {
		const reading = await _readBundle(client, repository, referrer.digest, signal);
		if (!reading.ok) {
			candidates.push({ signed: new Uint8Array(0), signature: undefined, names: reading, claims: () => false });
			continue;
		}
		const { bundle } = reading;
		const signed = dssePae(bundle.payloadType, bundle.statement);
		const names = statementSubjects(bundle);
		const claims = (key: TrustedKey) => keyHint(key.fingerprint) === bundle.hint;
		if (bundle.signatures.length === 0) candidates.push({ signed, signature: undefined, names, claims });
		for (const signature of bundle.signatures) candidates.push({ signed, signature, names, claims });
	}
	return candidates;
}

/** A referrer's bundle; one that is missing, damaged or too large is an unreadable signature, not a failed pull. */
async function _readBundle(client: RegistryClient, repository: string, referrer: string, signal?: AbortSignal): Promise<ReturnType<typeof parseSigstoreBundle>> {
	try {
		const layer = _bundleLayer((await fetchManifest(client, repository, referrer, signal)).text);
		return layer ? parseSigstoreBundle(await fetchSmallBlob(client, repository, layer, signal)) : { ok: false, why: 'the referrer holds no bundle layer' };
	} catch (error) {
		if (!isShelfError(error, 'NOT_FOUND') && !isShelfError(error, 'INTEGRITY') && !isShelfError(error, 'INVALID_MANIFEST')) throw error;
		return { ok: false, why: `its bundle could not be read (${error.message})` };
	}
}

/** The bundle layer of a referrer manifest (small enough to read whole), if it has one. */
function _bundleLayer(text: string): OciDescriptor | undefined {
	try {
		const value = JSON.parse(text) as { layers?: unknown };
		const layer = Array.isArray(value.layers) ? (value.layers as Record<string, unknown>[]).find((entry) => entry?.mediaType === BUNDLE_MEDIA_TYPE) : undefined;
		if (!layer || typeof layer.digest !== 'string' || typeof layer.size !== 'number' || layer.size > MAX_BUNDLE_BYTES) return undefined;
		return { mediaType: BUNDLE_MEDIA_TYPE, digest: layer.digest, size: layer.size };
	} catch {
		return undefined;
	}
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
