// Worker: signing keys, trusted keys and trust policies (issue 20), over ./signing-keys.ts. A registry not
// named is the configured remote's.
import { ShelfError } from '../../core/errors.ts';
import { normalizeRegistryUrl } from '../../core/oci/remote.ts';
import type { ShelfApi } from '../contract.ts';
import { openRemoteDb, type RemoteDb } from './remote-db.ts';
import { keyStore as sharedKeyStore, type KeyStore } from './signing-keys.ts';

type SigningMethods = Pick<ShelfApi, 'signingKeys' | 'createSigningKey' | 'importSigningKey' | 'deleteSigningKey' | 'trustedKeys' | 'trustKey' | 'untrustKey' | 'trustPolicy' | 'setTrustPolicy'>;

/**
 * The signing part of the worker's API.
 * @param keys the key store (default: the browser's `model-shelf-keys`)
 * @param openRemote reads the configured remote (default: the browser's remote database)
 */
export function signingApi(keys: () => Promise<KeyStore> = sharedKeyStore, openRemote: () => Promise<RemoteDb> = () => openRemoteDb()): SigningMethods {
	let remote: Promise<RemoteDb> | undefined;
	/** The registry meant: the one named (normalized), else the configured one. */
	async function registryOf(named: string | undefined): Promise<string> {
		if (named) return normalizeRegistryUrl(named);
		const saved = await (await (remote ??= openRemote())).remote();
		if (!saved) throw new ShelfError('INVALID_REMOTE', 'No registry is set up. Hint: enter its address on the Remote page.', { field: 'url' });
		return saved.url;
	}
	return {
		signingKeys: async () => (await keys()).signingKeys(),
		createSigningKey: async ({ name }) => (await keys()).createSigningKey(name),
		importSigningKey: async ({ name, pem }) => (await keys()).importSigningKey(name, pem),
		deleteSigningKey: async ({ id }) => (await keys()).deleteSigningKey(id),
		trustedKeys: async (request) => (await keys()).trustedKeys(await registryOf(request?.registry)),
		trustKey: async ({ name, pem, registry, expiresAt }) => (await keys()).trustKey(await registryOf(registry), name, pem, expiresAt),
		untrustKey: async ({ id }) => (await keys()).untrustKey(id),
		trustPolicy: async (request) => (await keys()).trustPolicy(await registryOf(request?.registry)),
		setTrustPolicy: async ({ policy, registry }) => (await keys()).setTrustPolicy(await registryOf(registry), policy)
	};
}
