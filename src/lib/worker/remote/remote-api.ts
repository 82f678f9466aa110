// Worker: the registry half of the worker API (see ../index.ts): configure a remote, browse it, push, pull.
import { ShelfError } from '../../core/errors.ts';
import { normalizeNamespace, normalizeRegistryUrl } from '../../core/oci/remote.ts';
import { DEFAULT_NETWORK_POLICY, networkPolicy, type NetworkPolicy } from '../../core/oci/retry.ts';
import type { ProgressListener, RemoteRequest, RemoteSettings } from '../contract.ts';
import type { ModelStore, OperationControls } from '../store/model-store.ts';
import { inspectRemote, listRemoteModels, listRemoteTags, pullVersion, type PullAs, type PullResult, type RemoteVersion } from './pull.ts';
import { pushVersion, type PushFormat, type PushResult } from './push.ts';
import { RegistryClient, type Credentials } from './registry-client.ts';
import { openRemoteDb, type RemoteCopy, type RemoteDb } from './remote-db.ts';


type LongOperation = <T>(opId: string | undefined, listener: ProgressListener | undefined, run: (controls: Required<OperationControls>) => Promise<T>) => Promise<T>;

/**
 * The registry methods of the worker API.
 * @param open opens the store
 * @param longOperation runs a cancellable operation with throttled progress
 * @param openRemote opens the remote database (default: the browser's, `model-shelf-remote`); called once, on first use
 */
export function remoteApi(open: () => Promise<ModelStore>, longOperation: LongOperation, openRemote: () => Promise<RemoteDb> = () => openRemoteDb()) {
	let cached: { key: string; client: RegistryClient } | undefined;
	/** Retries and stall timeouts for this worker's clients; not saved (a test or a slow link sets it per session). */
	let policy: NetworkPolicy = DEFAULT_NETWORK_POLICY;
	let opened: Promise<RemoteDb> | undefined;
	/** One adapter for the worker's life: it also holds the credentials typed without "remember". */
	const remoteDb = () => (opened ??= openRemote());

	/** One client per remote and credentials, so bearer tokens are reused. */
	async function client(): Promise<RegistryClient> {
		const db = await remoteDb();
		const saved = await db.remote();
		if (!saved) throw new ShelfError('INVALID_REMOTE', 'No registry is set up. Hint: enter its address on the Remote page.', { field: 'url' });
		const credentials = await db.credentials(saved.url);
		const key = JSON.stringify([saved.url, saved.namespace, credentials?.username, credentials?.password]);
		if (cached?.key !== key) cached = { key, client: new RegistryClient({ url: saved.url, namespace: saved.namespace }, credentials, policy) };
		return cached.client;
	}

	async function settings(): Promise<RemoteSettings | null> {
		const db = await remoteDb();
		const saved = await db.remote();
		if (!saved) return null;
		const credentials = await db.credentials(saved.url);
		return {
			url: saved.url,
			namespace: saved.namespace,
			username: credentials?.username ?? null,
			remembered: saved.password !== undefined,
			signedIn: credentials !== undefined
		};
	}

	return {
		/** The configured registry, or null. */
		async remote(): Promise<RemoteSettings | null> {
			return settings();
		},
		/**
		 * Sets the registry. Credentials are kept in this worker's memory, or on disk with `remember`.
		 * `network` changes retries and stall timeouts for this worker's life (core/oci/retry.ts; unset fields keep
		 * the defaults): the fault tests make every wait short with it.
		 * @throws ShelfError `INVALID_REMOTE` for a bad address or namespace
		 */
		async setRemote(request: RemoteRequest): Promise<RemoteSettings> {
			policy = networkPolicy(request.network ?? {});
			const url = normalizeRegistryUrl(request.url);
			const namespace = normalizeNamespace(request.namespace);
			// Saving the form again without retyping the password keeps the one known for this user and registry.
			const known = request.password === undefined ? await (await remoteDb()).credentials(url) : undefined;
			const password = request.password ?? (known !== undefined && known.username === request.username ? known.password : '');
			const credentials: Credentials | undefined = request.username ? { username: request.username, password } : undefined;
			await (await remoteDb()).setRemote({ url, namespace }, credentials, request.remember === true);
			cached = undefined;
			return (await settings())!;
		},
		/**
		 * Asks the registry's `/v2/` whether it answers and accepts the credentials. Some registries answer 404
		 * there (Ollama's) yet serve `/v2/<name>/…`: that is a registry that answers, with a note.
		 */
		async checkRemote(): Promise<{ url: string; ok: true; note?: string }> {
			const registry = await client();
			const response = await registry.request('', { accept: [200, 404], access: 'pull' });
			if (response.status === 200) return { url: registry.remote.url, ok: true };
			return { url: registry.remote.url, ok: true, note: 'It answers 404 at /v2/ (as Ollama\'s registry does), so whether your credentials are accepted shows only when you pull or push.' };
		},
		/** Model names under the namespace, or null when the registry does not list repositories. */
		async remoteModels(): Promise<{ names: string[] | null; reason?: string }> {
			return listRemoteModels(await client());
		},
		/** The versions (tags) of one model on the registry. */
		async remoteTags({ name }: { name: string }): Promise<string[]> {
			return listRemoteTags(await client(), name);
		},
		/** A remote version's manifest and model.yaml, before pulling it. */
		async inspectRemote({ reference }: { reference: string }): Promise<RemoteVersion> {
			return inspectRemote(await client(), reference);
		},
		/** Pushes a version; resumable, progress per file and in total, cancellable by `opId`. */
		async push(request: { tag: string; aliases?: boolean; format?: PushFormat; sign?: { keyId: string }; opId?: string }, onProgress?: ProgressListener): Promise<PushResult> {
			const [store, registry, db] = await Promise.all([open(), client(), remoteDb()]);
			return longOperation(request.opId, onProgress, (controls) => pushVersion(store, registry, db, request.tag, controls, { aliases: request.aliases, format: request.format, sign: request.sign }));
		},
		/** Pulls `name:version`, `name:alias` or `name@sha256:…` into the shelf. */
		async pull(request: { reference: string; alias?: boolean; as?: PullAs; opId?: string }, onProgress?: ProgressListener): Promise<PullResult> {
			const [store, registry, db] = await Promise.all([open(), client(), remoteDb()]);
			return longOperation(request.opId, onProgress, (controls) => pullVersion(store, registry, db, request.reference, controls, { alias: request.alias, as: request.as }));
		},
		/** Registries a local version was pushed to or pulled from, with its manifest digest there. */
		async remoteCopies({ tag }: { tag: string }): Promise<RemoteCopy[]> {
			return (await remoteDb()).copiesOf(tag);
		}
	};
}
