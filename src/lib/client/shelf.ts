// The page's single handle on the worker. Created lazily, and only in the browser.
import { proxy, wrap, type Remote } from 'comlink';
import '../bridge.ts';
import type { ShelfApi } from '../worker/index.ts';

let remote: Remote<ShelfApi> | undefined;

/** Returns the Comlink proxy of the shelf worker, starting the worker on first use. */
export function shelf(): Remote<ShelfApi> {
	if (!remote) {
		// A relative URL: Vite bundles the worker from it ($lib does not resolve inside `new URL`).
		const worker = new Worker(new URL('../worker/index.ts', import.meta.url), { type: 'module', name: 'shelf' });
		remote = wrap<ShelfApi>(worker);
	}
	return remote;
}

/**
 * Runs a long worker operation that the page may cancel with an AbortSignal (signals cannot cross
 * postMessage, so the worker is told by operation id).
 * @param signal aborts the operation; the worker then throws `ABORTED` and leaves nothing behind
 * @param start starts the operation with the id it must be given
 */
export async function cancellable<T>(signal: AbortSignal | undefined, start: (opId: string) => Promise<T>): Promise<T> {
	const opId = crypto.randomUUID();
	const onAbort = () => void shelf().cancel({ opId });
	signal?.addEventListener('abort', onAbort, { once: true });
	try {
		return await start(opId);
	} finally {
		signal?.removeEventListener('abort', onAbort);
	}
}

/** Wraps a page callback so the worker can call it (progress reports, change notifications). */
export const callback = proxy;

declare global {
	interface Window {
		/** The shelf's worker API, for scripting from DevTools: `await modelShelf.api.list()`. */
		modelShelf?: { api: Remote<ShelfApi>; callback: typeof proxy };
	}
}

/** Makes the API reachable from DevTools (and from browser tests, which drive the real worker). */
export function exposeOnWindow(): void {
	window.modelShelf = { api: shelf(), callback: proxy };
}
