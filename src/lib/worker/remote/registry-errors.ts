// Worker: what a registry said when it refused, and the errors of a request the client sent several times.
import { ShelfError, type ErrorDetails } from '../../core/errors.ts';
import type { NetworkPolicy } from '../../core/oci/retry.ts';

/** Longest registry error body the shelf reads for its message. */
const MAX_ERROR_BODY = 64 * 1024;

/** The `errors` array of a registry's JSON error body, trimmed to what is safe to show. */
export async function registryErrors(response: Response): Promise<{ code: string; message: string }[]> {
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

/**
 * 429 (REMOTE_REJECTED `rate-limited`) or 5xx (REMOTE_UNREACHABLE `server-error`), saying how many times it was
 * tried and what wait the registry asked for.
 * @param said the registry's own message, prefixed for appending
 * @param retried how many times the request was sent, and the last `Retry-After` in ms; unset when it was not retried
 */
export function retriedError(
	status: number,
	details: ErrorDetails<'REMOTE_REJECTED'> & ErrorDetails<'REMOTE_UNREACHABLE'>,
	said: string,
	policy: NetworkPolicy,
	retried?: { attempts: number; retryAfter?: number }
): ShelfError {
	const attempts = retried ? { attempts: retried.attempts } : {};
	if (status === 429) {
		const seconds = retried?.retryAfter === undefined ? undefined : Math.ceil(retried.retryAfter / 1000);
		const tooLong = seconds !== undefined && seconds * 1000 > policy.maxRetryAfterMs ? `, longer than the shelf waits (${policy.maxRetryAfterMs / 1000} s)` : '';
		const asked = seconds === undefined ? '' : ` It asked to wait ${seconds} s${tooLong}.`;
		const tries = retried ? ` ${_times(retried.attempts)}` : '';
		return new ShelfError('REMOTE_REJECTED', `The registry asked to slow down (HTTP 429)${tries}.${asked} Hint: try again later.${said}`, {
			...details,
			...attempts,
			reason: 'rate-limited',
			...(seconds === undefined ? {} : { retryAfter: seconds })
		});
	}
	const tries = retried ? ` ${_times(retried.attempts)}` : '';
	return new ShelfError('REMOTE_UNREACHABLE', `The registry answered HTTP ${status}${tries}: it is failing. Hint: try again later; nothing on the shelf was changed.${said}`, {
		...details,
		...attempts,
		reason: 'server-error'
	});
}

/** The same failure, saying how many times the request was sent. */
export function withAttempts(error: ShelfError<'REMOTE_UNREACHABLE'>, attempts: number): ShelfError {
	return new ShelfError('REMOTE_UNREACHABLE', `${error.message} (${_times(attempts)})`, { ...error.details, attempts }, { cause: error });
}

function _times(count: number): string {
	return count === 1 ? 'once' : `${count} times`;
}
