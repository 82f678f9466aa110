// Worker: HTTP to an OCI registry (distribution spec v1.1) with fetch. Authentication (anonymous, basic,
// and the bearer-token challenge flow), and every failure turned into a ShelfError a person can act on.
// Credentials live in this object only; they never appear in URLs, errors or logs.
import { ShelfError, isShelfError, type ErrorCode } from '../../core/errors.ts';
import { parseAuthChallenges } from '../../core/oci/http-headers.ts';
import type { RemoteConfig } from '../../core/oci/remote.ts';
import { networkReachable } from './network-probe.ts';

/** A user name and password (or access token as password, as GHCR and Docker Hub take). */
export interface Credentials {
	username: string;
	password: string;
}

/** What a request needs besides its URL. */
export interface RegistryRequest {
	method?: 'GET' | 'HEAD' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
	/** The repository the request is about, for the token scope; undefined for `/v2/` and `/v2/_catalog`. */
	repository?: string;
	/** `pull`, or `push` (which asks for `pull,push`). */
	access?: 'pull' | 'push';
	headers?: Record<string, string>;
	/** Replayable bodies only (a Blob or bytes): a request may be sent twice when the registry asks for credentials. */
	body?: Blob | Uint8Array<ArrayBuffer> | string;
	/** Statuses that are answers, not errors. */
	accept: readonly number[];
	signal?: AbortSignal;
}

/** Longest registry error body the shelf reads for its message. */
const MAX_ERROR_BODY = 64 * 1024;

/** One registry, one user. */
export class RegistryClient {
	readonly #basic: string | undefined;
	/** Bearer tokens by scope, as the registry's token service granted them. */
	readonly #tokens = new Map<string, string>();
	/** Token fetches under way by scope: requests in parallel (a blob's parts, several blobs) wait for the same one. */
	readonly #tokenFetches = new Map<string, Promise<string>>();
	/** Set once the registry asked for basic credentials: later requests send them up front. */
	#basicChallenged = false;

	/**
	 * @param remote the registry's base URL and namespace
	 * @param credentials optional; without them the shelf tries anonymous access (and anonymous bearer tokens)
	 */
	constructor(
		readonly remote: RemoteConfig,
		readonly credentials?: Credentials
	) {
		this.#basic = credentials ? `Basic ${_base64(`${credentials.username}:${credentials.password}`)}` : undefined;
	}

	/** An absolute URL under the registry's `/v2/`. */
	url(path: string): string {
		return `${this.remote.url}/v2/${path.replace(/^\//, '')}`;
	}

	/**
	 * Sends a request, answering one authentication challenge if the registry sends one.
	 * @param target a path under `/v2/` or an absolute URL (an upload location)
	 * @throws ShelfError `REMOTE_UNREACHABLE`, `REMOTE_CORS`, `REMOTE_AUTH`, `REMOTE_QUOTA`, `REMOTE_REJECTED`,
	 * `NOT_FOUND`, `ABORTED`
	 */
	async request(target: string, request: RegistryRequest): Promise<Response> {
		const url = /^https?:\/\//.test(target) ? target : this.url(target);
		const scope = request.repository
			? `repository:${request.repository}:${request.access === 'push' ? 'pull,push' : 'pull'}`
			: target.startsWith('_catalog')
				? 'registry:catalog:*'
				: ''; // `/v2/` needs a signed-in user, no access
		const sent = this.#tokens.get(scope);
		let response = await this.#send(url, request, scope);
		if (response.status === 401) {
			// Another request got a token for this scope while this one was on its way: use it, do not fetch another.
			const answered = (this.#tokens.get(scope) ?? sent) !== sent || (await this.#answerChallenge(response, scope, request.signal));
			if (answered) response = await this.#send(url, request, scope);
			if (response.status === 401) throw await this.#authError(response, url);
		}
		if (request.accept.includes(response.status)) return response;
		throw await this.#httpError(response, url);
	}

	// ---------------------------------------------------------------------------

	async #send(url: string, request: RegistryRequest, scope: string): Promise<Response> {
		const headers = new Headers(request.headers);
		const token = this.#tokens.get(scope);
		if (token) headers.set('Authorization', `Bearer ${token}`);
		else if (this.#basicChallenged && this.#basic) headers.set('Authorization', this.#basic);
		try {
			return await fetch(url, {
				method: request.method ?? 'GET',
				headers,
				body: request.body ?? null,
				// The shelf never sends cookies to a registry, and never serves it from the HTTP cache.
				credentials: 'omit',
				cache: 'no-store',
				redirect: 'follow',
				signal: request.signal ?? null
			});
		} catch (error) {
			throw await this.#networkError(error, url, request.signal);
		}
	}

	/** @returns true when credentials or a token were obtained and the request is worth sending again */
	async #answerChallenge(response: Response, scope: string, signal: AbortSignal | undefined): Promise<boolean> {
		const challenges = parseAuthChallenges(response.headers.get('WWW-Authenticate'));
		const bearer = challenges.find((challenge) => challenge.scheme === 'bearer');
		if (bearer?.params.realm) {
			// Ask for what the registry named (a mount names two repositories) and for what this client will do
			// next, so that one token serves the whole push.
			const scopes = _mergeScopes([...(bearer.params.scope ?? '').split(' '), scope]);
			let fetching = this.#tokenFetches.get(scope);
			if (!fetching) {
				fetching = this.#fetchToken(bearer.params.realm, bearer.params.service, scopes, signal).finally(() => this.#tokenFetches.delete(scope));
				this.#tokenFetches.set(scope, fetching);
			}
			this.#tokens.set(scope, await fetching);
			return true;
		}
		if (challenges.some((challenge) => challenge.scheme === 'basic') && this.#basic && !this.#basicChallenged) {
			this.#basicChallenged = true;
			return true;
		}
		return false;
	}

	/** The token flow of the distribution spec's auth: GET realm?service=…&scope=…, basic auth when we have credentials. */
	async #fetchToken(realm: string, service: string | undefined, scopes: string[], signal: AbortSignal | undefined): Promise<string> {
		const url = new URL(realm);
		if (service) url.searchParams.set('service', service);
		for (const scope of scopes) url.searchParams.append('scope', scope); // one parameter per scope, as the token spec says
		let response: Response;
		try {
			response = await fetch(url, {
				headers: this.#basic ? { Authorization: this.#basic } : {},
				credentials: 'omit',
				cache: 'no-store',
				signal: signal ?? null
			});
		} catch (error) {
			throw await this.#networkError(error, url.origin + url.pathname, signal);
		}
		if (response.status === 401 || response.status === 403) throw await this.#authError(response, url.origin + url.pathname);
		if (!response.ok) throw await this.#httpError(response, url.origin + url.pathname);
		const body = (await response.json().catch(() => ({}))) as { token?: unknown; access_token?: unknown };
		const token = typeof body.token === 'string' ? body.token : body.access_token;
		if (typeof token !== 'string' || token === '') {
			throw new ShelfError('REMOTE_AUTH', 'The registry’s token service answered without a token.', { url: url.origin + url.pathname });
		}
		return token;
	}

	async #authError(response: Response, url: string): Promise<ShelfError> {
		const registry = await _registryErrors(response);
		// A token without the asked access: signed in, but not allowed (Distribution's `insufficient_scope`).
		const insufficient = parseAuthChallenges(response.headers.get('WWW-Authenticate')).some((challenge) => challenge.params.error === 'insufficient_scope');
		const denied = response.status === 403 || (insufficient && this.credentials !== undefined);
		const message = denied
			? `The registry refused access${this.credentials ? ` for "${this.credentials.username}"` : ''}: this account may not do that here (push needs write access to the repository).`
			: this.credentials
				? `The registry did not accept the user name or password for "${this.credentials.username}".`
				: 'The registry needs a user name and password (or token). Hint: enter them on the Remote page.';
		return new ShelfError('REMOTE_AUTH', message, { status: response.status, url: _withoutQuery(url), registry });
	}

	async #httpError(response: Response, url: string): Promise<ShelfError> {
		const registry = await _registryErrors(response);
		const codes = registry.map((error) => error.code);
		const details = { status: response.status, url: _withoutQuery(url), registry };
		const said = registry[0]?.message ? ` It said: ${registry[0].message}` : '';
		if (response.status === 403) return this.#authError(response, url);
		if (response.status === 404) {
			const what = codes.includes('MANIFEST_UNKNOWN') ? 'version' : codes.includes('NAME_UNKNOWN') ? 'repository' : 'item';
			return new ShelfError('NOT_FOUND', `The registry has no such ${what}.${said}`, details);
		}
		if (response.status === 413 || response.status === 507 || codes.includes('QUOTA_EXCEEDED')) {
			return new ShelfError('REMOTE_QUOTA', `The registry is out of space or over its quota (HTTP ${response.status}).${said}`, details);
		}
		if (codes.includes('DIGEST_INVALID') || codes.includes('BLOB_UPLOAD_INVALID') && said.includes('digest')) {
			return new ShelfError('REMOTE_REJECTED', `The registry rejected the uploaded bytes: their digest does not match.${said}`, { ...details, reason: 'digest-mismatch' });
		}
		if (response.status === 429) return new ShelfError('REMOTE_REJECTED', `The registry asks to slow down (HTTP 429). Hint: try again in a minute.${said}`, details);
		const code: ErrorCode = response.status >= 500 ? 'REMOTE_UNREACHABLE' : 'REMOTE_REJECTED';
		return new ShelfError(code, `The registry answered HTTP ${response.status}.${said}`, details);
	}

	/**
	 * fetch rejects alike when the server is down and when CORS forbids reading its answer. A `no-cors`
	 * request tells them apart: it succeeds (opaque) when the server answered at all.
	 */
	async #networkError(error: unknown, url: string, signal: AbortSignal | undefined): Promise<ShelfError> {
		if (isShelfError(error)) return error;
		if (signal?.aborted) return new ShelfError('ABORTED', 'The transfer was cancelled.', {}, { cause: error });
		const where = _withoutQuery(url);
		if (!(await networkReachable())) {
			return new ShelfError('REMOTE_UNREACHABLE', 'You are offline: the registry cannot be reached. Everything on the shelf still works.', { url: where, offline: true });
		}
		let answered = false;
		try {
			await fetch(`${this.remote.url}/v2/`, { mode: 'no-cors', credentials: 'omit', cache: 'no-store' });
			answered = true;
		} catch {
			answered = false;
		}
		if (answered) {
			return new ShelfError(
				'REMOTE_CORS',
				`The registry at ${this.remote.url} answered, but does not allow this app (${_origin()}) to read its answers (CORS). Hint: allow this app's origin on the registry, or put a proxy in front that does (README, "Sharing through a registry: registry configuration": what each registry needs, and the nginx lines).`,
				{ url: where, origin: _origin() }
			);
		}
		return new ShelfError('REMOTE_UNREACHABLE', `The registry at ${this.remote.url} cannot be reached. Hint: check the address, and that it is running.`, { url: where }, { cause: error });
	}
}

/** The `errors` array of a registry's JSON error body, trimmed to what is safe to show. */
async function _registryErrors(response: Response): Promise<{ code: string; message: string }[]> {
	try {
		const length = Number(response.headers.get('Content-Length') ?? 0);
		if (length > MAX_ERROR_BODY) return [];
		const text = (await response.text()).slice(0, MAX_ERROR_BODY);
		const body = JSON.parse(text) as { errors?: { code?: unknown; message?: unknown }[] };
		return (body.errors ?? []).slice(0, 5).map((error) => ({ code: String(error.code ?? ''), message: String(error.message ?? '').slice(0, 300) }));
	} catch {
		return [];
	}
}

/** Token scopes with the actions on one resource merged: `repository:a:pull` + `repository:a:pull,push` → one entry. */
function _mergeScopes(scopes: string[]): string[] {
	const actions = new Map<string, Set<string>>();
	for (const scope of scopes.filter(Boolean)) {
		const cut = scope.lastIndexOf(':');
		const [resource, list] = cut > 0 ? [scope.slice(0, cut), scope.slice(cut + 1)] : [scope, ''];
		const set = actions.get(resource) ?? new Set<string>();
		for (const action of list.split(',').filter(Boolean)) set.add(action);
		actions.set(resource, set);
	}
	return [...actions].map(([resource, set]) => `${resource}:${[...set].sort().join(',')}`);
}

function _withoutQuery(url: string): string {
	// Upload locations carry signed state in their query; it is useless in an error and long.
	return url.split('?')[0]!;
}

function _origin(): string {
	return typeof location === 'undefined' ? 'this app' : location.origin;
}

function _base64(text: string): string {
	let binary = '';
	for (const byte of new TextEncoder().encode(text)) binary += String.fromCharCode(byte);
	return btoa(binary);
}
