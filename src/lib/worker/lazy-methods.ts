// Worker: API methods whose code loads on first use, so that the worker's entry chunk stays small (issue 21).
import type { ShelfApi } from './contract.ts';

/**
 * Methods named `names` that load their implementation once, on the first call of any of them, then call it.
 * State the loaded object keeps (a registry client, credentials held in memory) lives as long as the worker.
 * @example lazyMethods(['push', 'pull'], async () => (await import('./remote/remote-api.ts')).remoteApi(open, run))
 */
export function lazyMethods<K extends keyof ShelfApi>(names: readonly K[], load: () => Promise<Pick<ShelfApi, K>>): Pick<ShelfApi, K> {
	let loaded: Promise<Pick<ShelfApi, K>> | undefined;
	const loadOnce = () => {
		const current = (loaded ??= load());
		// A failed load (a chunk missing after an update) is tried again on the next call.
		current.catch(() => {
			if (loaded === current) loaded = undefined;
		});
		return current;
	};
	const methods = names.map((name) => [name, async (...args: unknown[]) => ((await loadOnce())[name] as (...args: unknown[]) => unknown)(...args)]);
	return Object.fromEntries(methods) as Pick<ShelfApi, K>;
}
