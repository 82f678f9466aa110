// The page's single handle on the worker, and the only code that knows Comlink: long operations take
// `{ signal, onProgress }` here, and the operation id, the progress proxy and the cancel call live here once.
import { proxy, wrap, type Remote } from 'comlink';
import '../bridge.ts';
import { ShelfError } from '../core/errors.ts';
import { guardRemote } from './worker-guard.ts';
import type { Cancellable, LongOperationName, Progress, ShelfApi, StoreChange } from '../worker/contract.ts';

/** What a long operation takes besides its request. */
export interface OperationControls {
	/** Aborting it cancels the operation in the worker, which then throws `ABORTED` and leaves nothing behind. */
	signal?: AbortSignal;
	/** Hears throttled progress reports (at most every 100 ms, and always the last). */
	onProgress?: (progress: Progress) => void;
}

type _Request<K extends LongOperationName> = Omit<NonNullable<Parameters<ShelfApi[K]>[0]>, keyof Cancellable>;

/** The worker's API as pages call it: long operations take {@link OperationControls}. */
export type ShelfClient = {
	[K in keyof ShelfApi]: K extends LongOperationName
		? (request: _Request<K>, controls?: OperationControls) => ReturnType<ShelfApi[K]>
		: K extends 'watch'
			? (listener: (change: StoreChange) => void) => Promise<void>
			: ShelfApi[K];
};

const LONG_OPERATIONS: ReadonlySet<string> = new Set<LongOperationName>(['save', 'importBundle', 'importFolder', 'exportBundle', 'exportBundles', 'exportToFolder', 'verify', 'push', 'pull', 'deleteMany', 'applyRetention', 'importSamples']);

let worker: Remote<ShelfApi> | undefined;
let client: ShelfClient | undefined;

/**
 * The shelf's worker API, starting the worker on first use (only ever call it in the browser).
 * @example
 * const result = await shelf().importBundle({ file }, { signal, onProgress: (p) => (loaded = p.loaded) });
 */
export function shelf(): ShelfClient {
	client ??= new Proxy(_worker(), {
		get(target, name) {
			if (name === 'watch') return (listener: (change: StoreChange) => void) => target.watch(proxy(listener));
			if (typeof name === 'string' && LONG_OPERATIONS.has(name)) {
				return (request: object, controls: OperationControls = {}) => _runLong(target, name as LongOperationName, request, controls);
			}
			return Reflect.get(target, name);
		}
	}) as unknown as ShelfClient;
	return client;
}

declare global {
	interface Window {
		/** The worker's raw API, for scripting from DevTools and browser tests: `await modelShelf.api.list()`. */
		modelShelf?: { api: Remote<ShelfApi>; callback: typeof proxy };
	}
}

/** Makes the worker's raw API reachable from DevTools (and from browser tests, which drive the real worker). */
export function exposeOnWindow(): void {
	window.modelShelf = { api: _worker(), callback: proxy };
}

// ---------------------------------------------------------------------------

function _worker(): Remote<ShelfApi> {
	if (worker) return worker;
	// A relative URL: Vite bundles the worker from it ($lib does not resolve inside `new URL`).
	const started = new Worker(new URL('../worker/index.ts', import.meta.url), { type: 'module', name: 'shelf' });
	let fail: (error: ShelfError) => void = () => {};
	const failed = new Promise<never>((_, reject) => (fail = reject));
	started.addEventListener('error', (event) => {
		// A plain Event, not an ErrorEvent: the worker's code did not load (or parse), so it will never answer.
		// Without a service worker (an app using the library) that is a page opened online whose worker is fetched offline.
		if (event instanceof ErrorEvent) return;
		const offline = !navigator.onLine;
		fail(new ShelfError('REMOTE_UNREACHABLE', `The shelf's worker could not start: its code did not load${offline ? ' (the browser is offline)' : ''}. Reload the page while online; an installed app's cached files start offline too.`, { offline }));
	});
	// A page kept in the back/forward cache keeps its worker suspended with all it holds: the write lock, and
	// IndexedDB transactions in flight, on which every other tab's writes then wait (WebKitGTK 2.50, and Chromium
	// 150, which caches a page with a worker too). So the worker ends with the page, at once, as when a tab closes
	// (every write survives that), and a page restored from the cache, which has no worker left, loads again. A
	// message asking the worker to end itself loses the race: a worker busy in a write has not read it when the
	// page is frozen.
	addEventListener('pagehide', () => started.terminate());
	addEventListener('pageshow', (event) => void (event.persisted && location.reload()));
	worker = guardRemote(wrap<ShelfApi>(started), failed);
	return worker;
}

/** Signals cannot cross postMessage, so the worker is told of a cancel by operation id. */
async function _runLong(remote: Remote<ShelfApi>, name: LongOperationName, request: object, { signal, onProgress }: OperationControls): Promise<unknown> {
	if (signal?.aborted) throw new ShelfError('ABORTED', 'The operation was cancelled before it started.');
	const opId = crypto.randomUUID();
	const onAbort = () => void remote.cancel({ opId });
	signal?.addEventListener('abort', onAbort, { once: true });
	try {
		// The worker releases the progress proxy when the operation ends.
		const method = remote[name] as (request: object, listener?: (progress: Progress) => void) => Promise<unknown>;
		return await method({ ...request, opId }, onProgress && proxy(onProgress));
	} finally {
		signal?.removeEventListener('abort', onAbort);
	}
}
