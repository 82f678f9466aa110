// The page's single handle on the worker. Created lazily, and only in the browser.
import { wrap, type Remote } from 'comlink';
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
