// Worker: the clock around a registry request. fetch has no timeout of its own, and a registry (or a proxy
// before it) that stops sending leaves a read waiting forever; these turn a stall into REMOTE_UNREACHABLE
// with reason `timeout`, which the client and the transfer loops retry like any broken connection.
import { ShelfError } from '../../core/errors.ts';

/** A fetch whose headers must arrive within `ms`; the returned `abort` ends the request (and its body) later. */
export async function fetchWithin(url: string, init: RequestInit, ms: number): Promise<{ response: Response; abort: () => void }> {
	const clock = new AbortController();
	const signal = init.signal ? AbortSignal.any([init.signal, clock.signal]) : clock.signal;
	const timer = setTimeout(() => clock.abort(stallError(url, ms, 'headers')), ms);
	try {
		return { response: await fetch(url, { ...init, signal }), abort: () => clock.abort() };
	} catch (error) {
		if (clock.signal.aborted && !init.signal?.aborted) throw stallError(url, ms, 'headers', error);
		throw error;
	} finally {
		clearTimeout(timer);
	}
}

/**
 * The same response with a body that fails when no bytes come for `ms` while its reader waits for them (a
 * reader that stops reading, as a download waiting for the disk does, never times out).
 * @param abort ends the underlying request once the body stalled
 */
export function watchBody(response: Response, url: string, ms: number, abort: () => void): Response {
	// A null-body status (204 for an upload's state, 304) may still carry an empty stream, which Response refuses.
	if (!response.body || [101, 103, 204, 205, 304].includes(response.status)) return response;
	const reader = response.body.getReader();
	const body = new ReadableStream<Uint8Array>(
		{
			async pull(controller) {
				let timer: ReturnType<typeof setTimeout> | undefined;
				const stalled = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(stallError(url, ms, 'body')), ms)));
				try {
					const chunk = await Promise.race([reader.read(), stalled]);
					if (chunk.done) controller.close();
					else controller.enqueue(chunk.value);
				} catch (error) {
					abort();
					void reader.cancel().catch(() => undefined);
					throw error;
				} finally {
					clearTimeout(timer);
				}
			},
			cancel: (reason) => reader.cancel(reason)
		},
		{ highWaterMark: 0 }
	);
	return new Response(body, { status: response.status, statusText: response.statusText, headers: response.headers });
}

/** Waits `ms`, or less when `signal` aborts (the caller checks it afterwards). */
export function pause(ms: number, signal?: AbortSignal): Promise<void> {
	return new Promise((resolve) => {
		const timer = setTimeout(resolve, ms);
		signal?.addEventListener('abort', () => (clearTimeout(timer), resolve()), { once: true });
	});
}

/** REMOTE_UNREACHABLE for a registry that went quiet. */
export function stallError(url: string, ms: number, waiting: 'headers' | 'body', cause?: unknown): ShelfError {
	const seconds = Math.round(ms / 100) / 10;
	const what = waiting === 'headers' ? 'did not answer' : 'stopped sending';
	return new ShelfError(
		'REMOTE_UNREACHABLE',
		`The registry ${what} for ${seconds} s. Hint: it may be overloaded, or a proxy between holds the connection; try again later.`,
		{ url: url.split('?')[0]!, reason: 'timeout' },
		cause === undefined ? undefined : { cause }
	);
}
