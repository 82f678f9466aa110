// Cross-tab coordination: one writer at a time for the whole origin, and a change feed.

/** What changed, so that other tabs can refresh what they show. */
export type StoreChange =
	| { kind: 'added'; tag: string }
	| { kind: 'removed'; tag: string }
	| { kind: 'maintenance' };

/** How a store serializes writes and tells others about changes; in Node tests both are in-process. */
export interface Coordination {
	/** Runs `task` while holding the origin-wide write lock. */
	exclusive<T>(task: () => Promise<T>): Promise<T>;
	/** Tells every other store instance (other tabs) about a change. */
	announce(change: StoreChange): void;
	/** Subscribes to every change, this instance's and other tabs'; returns an unsubscribe function. */
	subscribe(listener: (change: StoreChange) => void): () => void;
}

const LOCK_NAME = 'model-shelf:write';
const CHANNEL_NAME = 'model-shelf:changes';

/**
 * Web Locks + BroadcastChannel: works across every tab and worker of the origin. Subscribers hear
 * this worker's own changes too (a channel never delivers to its sender), so a page stays current
 * whatever called the API: its own UI, DevTools, or a test.
 */
export function browserCoordination(): Coordination {
	const channel = new BroadcastChannel(CHANNEL_NAME);
	const local = new Set<(change: StoreChange) => void>();
	return {
		exclusive: (task) => navigator.locks.request(LOCK_NAME, { mode: 'exclusive' }, task),
		announce(change) {
			channel.postMessage(change);
			for (const listener of local) listener(change);
		},
		subscribe(listener) {
			const onMessage = (event: MessageEvent<StoreChange>) => listener(event.data);
			channel.addEventListener('message', onMessage);
			local.add(listener);
			return () => {
				channel.removeEventListener('message', onMessage);
				local.delete(listener);
			};
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
