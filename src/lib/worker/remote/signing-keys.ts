// Worker: signing keys, trusted keys and trust policies (issue 20), in their own IndexedDB database. A signing
// key's private half is a non-extractable CryptoKey: IndexedDB stores it by structured clone, so it is usable
// here and never readable as bytes, not even by this code. Trusted keys and the policy are kept per registry.
import type { DBSchema, IDBPDatabase } from 'idb';
import { ShelfError } from '../../core/errors.ts';
import { pkcs8FromPem, spkiFromPem, writePem } from '../../core/signing/pem.ts';
import type { SigningKey, TrustedKey, TrustPolicy } from '../contract.ts';
import { openMigratedDatabase } from '../migrated-database.ts';
import { sha256Hex } from './registry-io.ts';

interface StoredSigningKey extends SigningKey {
	privateKey: CryptoKey;
}

interface KeysSchema extends DBSchema {
	signing: { key: string; value: StoredSigningKey };
	trusted: { key: string; value: TrustedKey; indexes: { 'by-registry': string } };
	policies: { key: string; value: { registry: string; policy: TrustPolicy } };
}

/** The default trust policy: verify and show, refuse nothing. */
export const DEFAULT_TRUST_POLICY: TrustPolicy = 'warn';
const ECDSA = { name: 'ECDSA', namedCurve: 'P-256' } as const;
const POLICIES: readonly TrustPolicy[] = ['off', 'warn', 'enforce'];

/** Where the key database is: tests pass a name and a fresh fake factory (a "fresh profile"). */
export interface OpenKeyStoreOptions {
	name?: string;
	factory?: IDBFactory;
}

/** Opens the key database (`model-shelf-keys` by default). */
export async function openKeyStore({ name = 'model-shelf-keys', factory }: OpenKeyStoreOptions = {}): Promise<KeyStore> {
	const db = await openMigratedDatabase<KeysSchema>({
		name,
		factory,
		what: 'signing keys',
		migrations: [
			(db) => {
				db.createObjectStore('signing', { keyPath: 'id' });
				db.createObjectStore('trusted', { keyPath: 'id' }).createIndex('by-registry', 'registry');
				db.createObjectStore('policies', { keyPath: 'registry' });
			}
		]
	});
	return new KeyStore(db);
}

let shared: Promise<KeyStore> | undefined;
/** The worker's key store, opened once. */
export function keyStore(): Promise<KeyStore> {
	shared ??= openKeyStore();
	return shared;
}

/** A public key's PEM and fingerprint (SHA-256 of the SPKI DER, hex). */
async function describePublic(spki: Uint8Array): Promise<{ publicKeyPem: string; fingerprint: string }> {
	return { publicKeyPem: writePem('PUBLIC KEY', spki), fingerprint: await sha256Hex(spki) };
}

const badKey = (message: string) => new ShelfError('UNSUPPORTED', message, { kind: 'signing key' });
const publicOf = ({ privateKey: _, ...key }: StoredSigningKey): SigningKey => key;

/** The key database's operations. */
export class KeyStore {
	readonly #db: IDBPDatabase<KeysSchema>;

	constructor(db: IDBPDatabase<KeysSchema>) {
		this.#db = db;
	}

	/** The signing keys, oldest first. */
	async signingKeys(): Promise<SigningKey[]> {
		return (await this.#db.getAll('signing')).sort((a, b) => a.createdAt - b.createdAt).map(publicOf);
	}

	/** Makes an ECDSA P-256 key pair; the private half is non-extractable from the start. */
	async createSigningKey(name: string): Promise<SigningKey> {
		const pair = await crypto.subtle.generateKey(ECDSA, false, ['sign', 'verify']);
		const spki = new Uint8Array(await crypto.subtle.exportKey('spki', pair.publicKey));
		return this.#addSigningKey(name, pair.privateKey, spki, 'generated');
	}

	/**
	 * Imports an unencrypted PKCS#8 (or SEC1 `EC PRIVATE KEY`) P-256 PEM. The public half is derived by importing the
	 * key once as extractable inside this call (JWK without `d`); what is kept is a non-extractable import.
	 * @throws ShelfError `UNSUPPORTED` (kind `signing key`) for anything else
	 */
	async importSigningKey(name: string, pem: string): Promise<SigningKey> {
		const der = pkcs8FromPem(pem);
		if (!der) throw badKey('That is not an unencrypted private key PEM (BEGIN PRIVATE KEY or BEGIN EC PRIVATE KEY). Hint: openssl pkcs8 -topk8 -nocrypt converts one.');
		let jwk: JsonWebKey;
		try {
			jwk = await crypto.subtle.exportKey('jwk', await crypto.subtle.importKey('pkcs8', der, ECDSA, true, ['sign']));
		} catch {
			throw badKey('That private key is not an ECDSA P-256 (prime256v1) key, the only kind cosign-style signing here uses.');
		}
		const publicKey = await crypto.subtle.importKey('jwk', { kty: 'EC', crv: 'P-256', x: jwk.x, y: jwk.y }, ECDSA, true, ['verify']);
		const privateKey = await crypto.subtle.importKey('pkcs8', der, ECDSA, false, ['sign']);
		return this.#addSigningKey(name, privateKey, new Uint8Array(await crypto.subtle.exportKey('spki', publicKey)), 'imported');
	}

	async #addSigningKey(name: string, privateKey: CryptoKey, spki: Uint8Array, origin: SigningKey['origin']): Promise<SigningKey> {
		const key: StoredSigningKey = { id: crypto.randomUUID(), name: name.trim() || 'signing key', ...(await describePublic(spki)), createdAt: Date.now(), origin, privateKey };
		await this.#db.put('signing', key);
		return publicOf(key);
	}

	/** Deletes a signing key for good. */
	async deleteSigningKey(id: string): Promise<void> {
		await this.#db.delete('signing', id);
	}

	/**
	 * A signing key with its private half, to sign with.
	 * @throws ShelfError `NOT_FOUND` when there is no such key
	 */
	async signer(id: string): Promise<{ key: SigningKey; privateKey: CryptoKey }> {
		const stored = await this.#db.get('signing', id);
		if (!stored) throw new ShelfError('NOT_FOUND', 'That signing key is not on this shelf (deleted?). Hint: choose another key on the Remote page.', { name: id });
		return { key: publicOf(stored), privateKey: stored.privateKey };
	}

	/** Keys trusted for a registry, oldest first. */
	async trustedKeys(registry: string): Promise<TrustedKey[]> {
		return (await this.#db.getAllFromIndex('trusted', 'by-registry', registry)).sort((a, b) => a.addedAt - b.addedAt);
	}

	/**
	 * Trusts a public key for a registry; the same key again keeps the first entry (renamed, with the new expiry).
	 * @param expiresAt when trust in it ends (ms since epoch); none: until it is removed
	 * @throws ShelfError `UNSUPPORTED` (kind `signing key`) when the PEM is not an EC P-256 public key
	 */
	async trustKey(registry: string, name: string, pem: string, expiresAt?: number): Promise<TrustedKey> {
		if (expiresAt !== undefined && !Number.isFinite(expiresAt)) throw new TypeError(`Not an instant: ${String(expiresAt)}`);
		const spki = spkiFromPem(pem);
		if (!spki) throw badKey('That is not a public key PEM (BEGIN PUBLIC KEY), as cosign.pub or openssl ec -pubout writes.');
		try {
			await crypto.subtle.importKey('spki', spki, ECDSA, true, ['verify']);
		} catch {
			throw badKey('That public key is not an ECDSA P-256 (prime256v1) key.');
		}
		const described = await describePublic(spki);
		const same = (await this.trustedKeys(registry)).find((key) => key.fingerprint === described.fingerprint);
		const key: TrustedKey = { id: same?.id ?? crypto.randomUUID(), registry, name: name.trim() || 'trusted key', ...described, addedAt: same?.addedAt ?? Date.now(), ...(expiresAt !== undefined ? { expiresAt } : {}) };
		await this.#db.put('trusted', key);
		return key;
	}

	/** Stops trusting a key. */
	async untrustKey(id: string): Promise<void> {
		await this.#db.delete('trusted', id);
	}

	/** A registry's trust policy (default `warn`). */
	async trustPolicy(registry: string): Promise<TrustPolicy> {
		return (await this.#db.get('policies', registry))?.policy ?? DEFAULT_TRUST_POLICY;
	}

	async setTrustPolicy(registry: string, policy: TrustPolicy): Promise<void> {
		if (!POLICIES.includes(policy)) throw new TypeError(`Not a trust policy: ${String(policy)}`);
		await this.#db.put('policies', { registry, policy });
	}
}
