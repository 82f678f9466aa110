// Cross-tab coordination: one writer at a time for the whole origin, and a change feed.

/** What changed, so that other tabs can refresh what they show. */
export type StoreChange =
	| { kind: 'added'; tag: string }
	| { kind: 'removed'; tag: string }
	/** Many versions moved (a bulk delete batch, a restore, the trash emptied) or an alias changed. */
	| { kind: 'changed'; tags: string[] }
	| { kind: 'maintenance' };

/** How a store serializes writes and tells others about changes; in Node tests both are in-process. */
export interface Coordination {
	/** Runs `task` while holding the origin-wide write lock. */
	exclusive<T>(task: () => Promise<T>): Promise<T>;
	/** Tells every other store instance (other tabs) about a change. */
	announce(change: StoreChange): void;
	/** Subscribes to changes announced by other instances; returns an unsubscribe function. */
	subscribe(listener: (change: StoreChange) => void): () => void;
}

const LOCK_NAME = 'model-shelf:write';
const CHANNEL_NAME = 'model-shelf:changes';

/**
 * Web Locks + BroadcastChannel: works across every tab and worker of the origin. Where the browser lacks one
 * (issue 24: reported in `usage().storage.missing`, said on the Storage page), this tab's own queue or no
 * feed stands in: writes are still one at a time here, and every write is still one transaction.
 */
export function browserCoordination(): Coordination {
	const local = localCoordination();
	const locks = typeof navigator !== 'undefined' && typeof navigator.locks?.request === 'function' ? navigator.locks : null;
	const channel = typeof BroadcastChannel === 'function' ? new BroadcastChannel(CHANNEL_NAME) : null;
	if (!channel) return { ...local, exclusive: locks ? (task) => locks.request(LOCK_NAME, { mode: 'exclusive' }, task) : local.exclusive };
	return {
		exclusive: locks ? (task) => locks.request(LOCK_NAME, { mode: 'exclusive' }, task) : local.exclusive,
		announce: (change) => channel.postMessage(change),
		subscribe(listener) {
			const onMessage = (event: MessageEvent<StoreChange>) => listener(event.data);
			channel.addEventListener('message', onMessage);
			return () => channel.removeEventListener('message', onMessage);
		}
	};
}

/** One process, one queue: for Node tests and single-instance use. */
export function localCoordination(): Coordination {
	let tail: Promise<unknown> = Promise.resolve();
	return {
		exclusive<T>(task: () => Promise<T>) {
			const run = tail.then(task, task);
			tail = run.catch(() => undefined);
			return run;
		},
		announce: () => undefined,
		subscribe: () => () => undefined
	};
}
