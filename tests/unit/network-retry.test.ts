// Issue 22: the registry client's retry policy — backoff bounded and growing, Retry-After honoured up to
// a bound, which answers are worth repeating, and how long a request may wait for its headers.
import { describe, expect, it } from 'vitest';
import {
	DEFAULT_NETWORK_POLICY,
	headersTimeout,
	isRetryableStatus,
	MIN_UPLOAD_RATE,
	networkPolicy,
	parseRetryAfter,
	retryDelay
} from '../../src/lib/core/oci/retry.ts';

const noJitter = () => 1 - Number.EPSILON;

describe('retryDelay', () => {
	it('doubles from the base delay, is capped at the maximum, and gives up after the last attempt', () => {
		const policy = networkPolicy({ attempts: 7, baseDelayMs: 100, maxDelayMs: 1_000 });
		const delays = [0, 1, 2, 3, 4, 5, 6].map((retry) => retryDelay(policy, retry, undefined, noJitter));
		expect(delays).toEqual([100, 200, 400, 800, 1_000, 1_000, undefined]);
	});

	it('keeps jitter between half and all of the backoff', () => {
		const policy = networkPolicy({ baseDelayMs: 1_000 });
		expect(retryDelay(policy, 0, undefined, () => 0)).toBe(500);
		expect(retryDelay(policy, 0, undefined, () => 0.5)).toBe(750);
	});

	it('honours Retry-After as asked, and gives up when the registry asks for more than the bound', () => {
		const policy = networkPolicy({ maxRetryAfterMs: 60_000 });
		expect(retryDelay(policy, 0, 3_000)).toBe(3_000);
		expect(retryDelay(policy, 0, 60_000)).toBe(60_000);
		expect(retryDelay(policy, 0, 60_001)).toBeUndefined();
		expect(retryDelay(policy, DEFAULT_NETWORK_POLICY.attempts - 1, 1_000)).toBeUndefined();
	});

	it('one attempt means no retry at all', () => {
		expect(retryDelay(networkPolicy({ attempts: 1 }), 0)).toBeUndefined();
	});
});

describe('parseRetryAfter', () => {
	const now = Date.parse('2026-12-05T08:00:00Z');
	it('reads delay-seconds and HTTP dates', () => {
		expect(parseRetryAfter('0', now)).toBe(0);
		expect(parseRetryAfter(' 120 ', now)).toBe(120_000);
		expect(parseRetryAfter('Sat, 05 Dec 2026 08:00:30 GMT', now)).toBe(30_000);
		expect(parseRetryAfter('Sat, 05 Dec 2026 07:00:00 GMT', now)).toBe(0);
	});
	it('ignores what is neither', () => {
		for (const header of [null, '', '-1', '1.5', 'soon', '2026-12-05', '1e3']) expect(parseRetryAfter(header, now), String(header)).toBeUndefined();
	});
});

describe('isRetryableStatus', () => {
	it('repeats 429 for every method, gateway errors for all but PATCH, and 500 only for requests safe to repeat', () => {
		for (const method of ['GET', 'HEAD', 'PUT', 'POST', 'PATCH', 'DELETE']) expect(isRetryableStatus(429, method), method).toBe(true);
		for (const status of [502, 503, 504]) {
			expect(isRetryableStatus(status, 'GET')).toBe(true);
			expect(isRetryableStatus(status, 'POST')).toBe(true);
			expect(isRetryableStatus(status, 'PATCH')).toBe(false);
		}
		expect(isRetryableStatus(500, 'GET')).toBe(true);
		expect(isRetryableStatus(500, 'POST')).toBe(false);
		for (const status of [200, 400, 401, 403, 404, 413, 501]) expect(isRetryableStatus(status, 'GET'), String(status)).toBe(false);
	});
});

describe('networkPolicy and headersTimeout', () => {
	it('takes valid overrides only', () => {
		expect(networkPolicy({ attempts: 0, idleTimeoutMs: -5, headersTimeoutMs: Number.NaN, baseDelayMs: '9' })).toEqual({ ...DEFAULT_NETWORK_POLICY, attempts: 1 });
		expect(networkPolicy({ idleTimeoutMs: 2_000 }).idleTimeoutMs).toBe(2_000);
	});
	it('gives a request with a body the time to send it at the slowest accepted rate', () => {
		const policy = networkPolicy({ headersTimeoutMs: 1_000 });
		expect(headersTimeout(policy, 0)).toBe(1_000);
		expect(headersTimeout(policy, 10 * MIN_UPLOAD_RATE)).toBe(11_000);
	});
});
