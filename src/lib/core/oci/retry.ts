// Node + browser: pure TypeScript, no DOM.
//
// When the shelf sends a registry request again, and how long it waits first: a bounded exponential
// backoff for 5xx answers and broken transfers, the registry's own `Retry-After` for 429 (bounded too, so
// a registry asking for an hour fails clearly instead of hanging), and the timeouts that turn a stall
// into an error. One policy per registry client, so tests can make every wait short.

/** How a registry client retries and when it stops waiting. Every duration is in milliseconds. */
export interface NetworkPolicy {
	/** Times a request is sent in all, the first included. */
	attempts: number;
	/** First backoff delay; each further retry doubles it. */
	baseDelayMs: number;
	/** Longest backoff delay. */
	maxDelayMs: number;
	/** Longest `Retry-After` honoured; a registry asking for more fails the request at once. */
	maxRetryAfterMs: number;
	/** No response headers for this long is a stall (requests with a body get more, see {@link headersTimeout}). */
	headersTimeoutMs: number;
	/** No body bytes for this long while the shelf waits for them is a stall. */
	idleTimeoutMs: number;
}

/** What a client does unless told otherwise: 5 attempts over about 7.5 s of backoff, 30 s stall timeouts. */
export const DEFAULT_NETWORK_POLICY: Readonly<NetworkPolicy> = Object.freeze({
	attempts: 5,
	baseDelayMs: 500,
	maxDelayMs: 8_000,
	maxRetryAfterMs: 60_000,
	headersTimeoutMs: 30_000,
	idleTimeoutMs: 30_000
});

/** Slowest upload rate the headers timeout allows for before calling a request with a body stalled (bytes/s). */
export const MIN_UPLOAD_RATE = 64 * 1024;

/**
 * A policy with `overrides` applied, each checked (a finite number ≥ 0; `attempts` an integer ≥ 1).
 * @param overrides fields to change; unknown fields are ignored
 * @example
 * networkPolicy({ idleTimeoutMs: 2_000 }).attempts; // 5
 */
export function networkPolicy(overrides: Partial<Record<keyof NetworkPolicy, unknown>> = {}): NetworkPolicy {
	const policy: NetworkPolicy = { ...DEFAULT_NETWORK_POLICY };
	for (const key of Object.keys(DEFAULT_NETWORK_POLICY) as (keyof NetworkPolicy)[]) {
		const value = overrides[key];
		if (typeof value === 'number' && Number.isFinite(value) && value >= 0) policy[key] = key === 'attempts' ? Math.max(1, Math.floor(value)) : value;
	}
	return policy;
}

/**
 * The wait a `Retry-After` header asks for (RFC 9110 §10.2.3): delay-seconds or an HTTP date.
 * @param header the header's value, or null
 * @param now the current time (ms since epoch)
 * @returns milliseconds (0 for a date in the past), or undefined when the header is absent or unreadable
 * @example
 * parseRetryAfter('3', Date.now()); // 3000
 */
export function parseRetryAfter(header: string | null, now: number): number | undefined {
	const text = header?.trim();
	if (!text) return undefined;
	if (/^\d+$/.test(text)) return Number(text) * 1000;
	// Only the IMF-fixdate and the two obsolete forms are dates; Date.parse alone accepts far more.
	if (!/^[A-Za-z]{3,9},? /.test(text)) return undefined;
	const at = Date.parse(text);
	return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/**
 * How long to wait before sending again, or undefined to give up.
 * @param policy the client's policy
 * @param retry how many retries were made already (0 before the first)
 * @param retryAfterMs the registry's `Retry-After`, when it sent one
 * @param random a number in [0, 1) for jitter, so many tabs do not retry in step
 * @example
 * retryDelay(DEFAULT_NETWORK_POLICY, 0, undefined, () => 0.99); // ~500
 */
export function retryDelay(policy: NetworkPolicy, retry: number, retryAfterMs?: number, random: () => number = Math.random): number | undefined {
	if (retry + 1 >= policy.attempts) return undefined;
	if (retryAfterMs !== undefined) return retryAfterMs > policy.maxRetryAfterMs ? undefined : retryAfterMs;
	const backoff = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** retry);
	return Math.round(backoff * (0.5 + random() / 2));
}

/**
 * Whether an answer is worth sending the same request again for. 429 always (the registry did not do it);
 * 502, 503 and 504 (a gateway or an overloaded registry); 500 only for requests that are safe to repeat.
 * PATCH is left to the upload's own loop, which asks the registry where the upload stands first.
 * @param status the HTTP status
 * @param method the request's method
 */
export function isRetryableStatus(status: number, method: string): boolean {
	if (status === 429) return true;
	if (method === 'PATCH') return false;
	if (status === 502 || status === 503 || status === 504) return true;
	return status === 500 && ['GET', 'HEAD', 'PUT', 'DELETE'].includes(method);
}

/**
 * The headers timeout of one request: the policy's, plus the time its body takes at {@link MIN_UPLOAD_RATE}
 * (fetch does not report upload progress, so a large PATCH cannot be told from a stall any sooner).
 * @param policy the client's policy
 * @param bodyBytes bytes the request sends
 */
export function headersTimeout(policy: NetworkPolicy, bodyBytes: number): number {
	return policy.headersTimeoutMs + Math.ceil((bodyBytes / MIN_UPLOAD_RATE) * 1000);
}
