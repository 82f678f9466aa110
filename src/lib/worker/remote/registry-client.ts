// Worker: HTTP to an OCI registry (distribution spec v1.1) with fetch. Authentication (anonymous, basic,
// and the bearer-token challenge flow), and every failure turned into a ShelfError a person can act on.
// Credentials live in this object only; they never appear in URLs, errors or logs.
import { ShelfError, isShelfError } from '../../core/errors.ts';
import { mergeScopes, parseAuthChallenges } from '../../core/oci/http-headers.ts';
import type { RemoteConfig } from '../../core/oci/remote.ts';
import { DEFAULT_NETWORK_POLICY, headersTimeout, isRetryableStatus, parseRetryAfter, retryDelay, type NetworkPolicy } from '../../core/oci/retry.ts';
import { throwIfAborted } from '../operations.ts';
import { fetchWithin, pause, watchBody } from './http-timing.ts';
import { networkReachable } from './network-probe.ts';
import { registryErrors, retriedError, withAttempts } from './registry-errors.ts';

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

/** One registry, one user. */
export class RegistryClient {
	readonly #basic: string | undefined;
	/** Bearer tokens by scope, as the registry's token service granted them. */
	readonly #tokens = new Map<string, string>();
	/** Token fetches under way by scope: requests in parallel (a blob's parts, several blobs) wait for the same one. */
	readonly #tokenFetches = new Map<string, Promise<string>>();
	/** Set once the registry asked for basic credentials: later requests send them up front. */
	#basicChallenged = false;
	/** Requests (method, header names, route) the registry answered readably: CORS allows them, so a later failure of one is the connection. */
	readonly #answered = new Set<string>();

	/**
	 * @param remote the registry's base URL and namespace
	 * @param credentials optional; without them the shelf tries anonymous access (and anonymous bearer tokens)
	 * @param policy retries, backoff and stall timeouts (core/oci/retry.ts)
	 */
	constructor(
		readonly remote: RemoteConfig,
		readonly credentials?: Credentials,
		readonly policy: NetworkPolicy = DEFAULT_NETWORK_POLICY
	) {
		this.#basic = credentials ? `Basic ${_base64(`${credentials.username}:${credentials.password}`)}` : undefined;
	}

	/** An absolute URL under the registry's `/v2/`. */
	url(path: string): string {
		return `${this.remote.url}/v2/${path.replace(/^\//, '')}`;
	}

	/**
	 * Sends a request, answering one authentication challenge if the registry sends one (an expired token
	 * is such a challenge: a new token is fetched and the request sent again). 429 and 5xx answers and stalls
	 * are retried under the client's policy (see `isRetryableStatus`); the body of the answer fails with
	 * REMOTE_UNREACHABLE `timeout` when it stops coming.
	 * @param target a path under `/v2/` or an absolute URL (an upload location)
	 * @throws ShelfError `REMOTE_UNREACHABLE`, `REMOTE_CORS`, `REMOTE_AUTH`, `REMOTE_QUOTA`, `REMOTE_REJECTED`,
	 * `NOT_FOUND`, `ABORTED`
	 */
	async request(target: string, request: RegistryRequest): Promise<Response> {
		const url = /^https?:\/\//.test(target) ? target : this.url(target);
		const method = request.method ?? 'GET';
		for (let retry = 0; ; retry++) {
			let exchange: { response: Response; abort: () => void };
			try {
				exchange = await this.#authorized(url, target, request);
			} catch (error) {
				// A stall before the headers: the registry did nothing it would not do again (PATCH: the upload loop asks
				// first). A connection lost before the headers: safe to send again when reading.
				const reason = isShelfError(error, 'REMOTE_UNREACHABLE') ? error.details?.reason : undefined;
				const again = (reason === 'timeout' && method !== 'PATCH') || (reason === 'connection-lost' && (method === 'GET' || method === 'HEAD'));
				const delay = again ? retryDelay(this.policy, retry) : undefined;
				if (delay === undefined) throw isShelfError(error, 'REMOTE_UNREACHABLE') && retry > 0 ? withAttempts(error, retry + 1) : error;
				await this.#wait(delay, request.signal);
				continue;
			}
			const { response, abort } = exchange;
			if (request.accept.includes(response.status)) return watchBody(response, url, this.policy.idleTimeoutMs, abort);
			if (isRetryableStatus(response.status, method)) {
				const retryAfter = response.status === 429 ? parseRetryAfter(response.headers.get('Retry-After'), Date.now()) : undefined;
				const delay = retryDelay(this.policy, retry, retryAfter);
				if (delay !== undefined) {
					await response.body?.cancel().catch(() => undefined);
					await this.#wait(delay, request.signal);
					continue;
				}
				throw await this.#httpError(response, url, { attempts: retry + 1, retryAfter });
			}
			throw await this.#httpError(response, url);
		}
	}

	/** The wait before a retry; ABORTED when the operation is cancelled during it. */
	async #wait(ms: number, signal: AbortSignal | undefined): Promise<void> {
		await pause(ms, signal);
		throwIfAborted(signal);
	}

	// ---------------------------------------------------------------------------

	/** One send, and one more when the registry challenges it (or the token it was sent has expired). */
	async #authorized(url: string, target: string, request: RegistryRequest): Promise<{ response: Response; abort: () => void }> {
		const scope = request.repository
			? `repository:${request.repository}:${request.access === 'push' ? 'pull,push' : 'pull'}`
			: target.startsWith('_catalog')
				? 'registry:catalog:*'
				: ''; // `/v2/` needs a signed-in user, no access
		const sent = this.#tokens.get(scope);
		let exchange = await this.#send(url, request, scope);
		if (exchange.response.status === 401) {
			// Another request got a token for this scope while this one was on its way: use it, do not fetch another.
			const answered = (this.#tokens.get(scope) ?? sent) !== sent || (await this.#answerChallenge(exchange.response, scope, request.signal));
			if (answered) exchange = await this.#send(url, request, scope);
			if (exchange.response.status === 401) throw await this.#authError(exchange.response, url);
		}
		return exchange;
	}

	async #send(url: string, request: RegistryRequest, scope: string): Promise<{ response: Response; abort: () => void }> {
		const headers = new Headers(request.headers);
		const token = this.#tokens.get(scope);
		if (token) headers.set('Authorization', `Bearer ${token}`);
		else if (this.#basicChallenged && this.#basic) headers.set('Authorization', this.#basic);
		const body = request.body ?? null;
		const bodyBytes = body === null ? 0 : typeof body === 'string' ? body.length : body instanceof Blob ? body.size : body.byteLength;
		// Distribution adds CORS headers to routed answers only: a shape is method, header names and route (the URL's folder).
		const shape = `${request.method ?? 'GET'} ${[...headers.keys()].sort().join()} ${new URL(url).pathname.replace(/[^/]*$/, '')}`;
		try {
			const exchange = await fetchWithin(
				url,
				{
					method: request.method ?? 'GET',
					headers,
					body,
					// The shelf never sends cookies to a registry, and never serves it from the HTTP cache. A redirect to
					// another origin (a blob on S3) is followed without Authorization: the fetch standard strips it, and
					// Chromium does (tests/e2e/registry-faults.test.ts checks what the other origin receives).
					credentials: 'omit',
					cache: 'no-store',
					redirect: 'follow',
					signal: request.signal ?? null
				},
				headersTimeout(this.policy, bodyBytes)
			);
			this.#answered.add(shape);
			return exchange;
		} catch (error) {
			throw await this.#networkError(error, url, request.signal, this.#answered.has(shape));
		}
	}

	/** @returns true when credentials or a token were obtained and the request is worth sending again */
	async #answerChallenge(response: Response, scope: string, signal: AbortSignal | undefined): Promise<boolean> {
		const challenges = parseAuthChallenges(response.headers.get('WWW-Authenticate'));
		const bearer = challenges.find((challenge) => challenge.scheme === 'bearer');
		if (bearer?.params.realm) {
			// Ask for what the registry named (a mount names two repositories) and for what this client will do
			// next, so that one token serves the whole push.
			const scopes = mergeScopes([...(bearer.params.scope ?? '').split(' '), scope]);
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
			// A token service that stalls is a stall of the request waiting for it (retried by `request`).
			const { response: answer, abort } = await fetchWithin(
				url.href,
				{ headers: this.#basic ? { Authorization: this.#basic } : {}, credentials: 'omit', cache: 'no-store', signal: signal ?? null },
				this.policy.headersTimeoutMs
			);
			response = watchBody(answer, url.href, this.policy.idleTimeoutMs, abort);
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
		const registry = await registryErrors(response);
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

	/** @param retried set when the request was sent several times: how often, and the last `Retry-After` (ms) */
	async #httpError(response: Response, url: string, retried?: { attempts: number; retryAfter?: number }): Promise<ShelfError> {
		const registry = await registryErrors(response);
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
		if (response.status === 429 || response.status >= 500) return retriedError(response.status, details, said, this.policy, retried);
		return new ShelfError('REMOTE_REJECTED', `The registry answered HTTP ${response.status}.${said}`, details);
	}

	/**
	 * fetch rejects alike when the server is down and when CORS forbids reading its answer. A `no-cors`
	 * request tells them apart: it succeeds (opaque) when the server answered at all.
	 */
	async #networkError(error: unknown, url: string, signal: AbortSignal | undefined, allowed = false): Promise<ShelfError> {
		if (isShelfError(error)) return error;
		if (signal?.aborted) return new ShelfError('ABORTED', 'The transfer was cancelled.', {}, { cause: error });
		const where = _withoutQuery(url);
		if (!(await networkReachable())) {
			return new ShelfError('REMOTE_UNREACHABLE', 'You are offline: the registry cannot be reached. Everything on the shelf still works.', { url: where, offline: true });
		}
		if (allowed) {
			return new ShelfError('REMOTE_UNREACHABLE', `The connection to the registry at ${this.remote.url} broke. Hint: try again; a push continues where it stopped.`, { url: where, reason: 'connection-lost' }, { cause: error });
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
