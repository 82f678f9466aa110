// A worker that has ended, or never started, never answers a Comlink call: the calls would wait forever.
import type { Remote } from 'comlink';

/**
 * `remote` whose method calls also settle when `stopped` rejects (each call races it), so nothing waits forever
 * on a worker that is gone. `stopped` should never resolve.
 * @example
 * const api = guardRemote(wrap<Api>(worker), failedToStart);
 */
export function guardRemote<T>(remote: Remote<T>, stopped: Promise<never>): Remote<T> {
	stopped.catch(() => {}); // awaited only through the calls below
	return new Proxy(remote, {
		get: (target, name) => {
			const member = Reflect.get(target, name) as unknown;
			if (typeof member !== 'function') return member;
			return (...args: unknown[]) => Promise.race([(member as (...args: unknown[]) => unknown)(...args), stopped]);
		}
	});
}
