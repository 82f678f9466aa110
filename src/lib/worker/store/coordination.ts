// Cross-tab coordination: one writer at a time for the whole origin, and a change feed.
import { lockLease, type Every, type LeaseChannel, type LockLease } from './lock-lease.ts';

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
/** Where waiters ask whether the lock's holder is alive (lock-lease.ts): apart from the change feed's listeners. */
const LEASE_CHANNEL_NAME = 'model-shelf:write-lease';

/** The browser's coordination: {@link Coordination}, plus the guard that stops a writer whose lock was taken. */
export interface BrowserCoordination extends Coordination {
	/** The store's ports with their writes refused (`LOCK_LOST`) while this worker writes on a lock another tab took. */
	guardPorts: LockLease['guardPorts'];
}

let detected: { locks: LockManager | null; channels: boolean } | undefined;

/** Whether this worker has Web Locks and BroadcastChannel, detected once (`usage().storage.missing` reads it too). */
export function coordinationSupport(): { locks: LockManager | null; channels: boolean } {
	return (detected ??= {
		locks: typeof navigator !== 'undefined' && typeof navigator.locks?.request === 'function' ? navigator.locks : null,
		channels: typeof BroadcastChannel === 'function'
	});
}

/**
 * Web Locks + BroadcastChannel: works across every tab and worker of the origin, and a lock whose holder stopped
 * answering is taken over (lock-lease.ts). Where the browser lacks one (issue 24: reported in
 * `usage().storage.missing`, said on the Storage page), this tab's own queue, a lock that is never taken over, or
 * no feed stands in: writes are still one at a time here, and every write is still one transaction.
 */
export function browserCoordination(): BrowserCoordination {
	const { locks, channels } = coordinationSupport();
	const local = localCoordination();
	const lease = locks && channels ? lockLease(LOCK_NAME, { locks, channel: _leaseChannel(), every: _every }) : null;
	const changes = channels ? new BroadcastChannel(CHANNEL_NAME) : null;
	return {
		exclusive: lease?.exclusive ?? (locks ? (task) => locks.request(LOCK_NAME, { mode: 'exclusive' }, task) : local.exclusive),
		guardPorts: lease?.guardPorts ?? ((ports) => ports),
		announce: changes ? (change) => changes.postMessage(change) : local.announce,
		subscribe: changes
			? (listener) => {
					const onMessage = (event: MessageEvent<StoreChange>) => listener(event.data);
					changes.addEventListener('message', onMessage);
					return () => changes.removeEventListener('message', onMessage);
				}
			: local.subscribe
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

// ---------------------------------------------------------------------------------------------------------

function _leaseChannel(): LeaseChannel {
	const channel = new BroadcastChannel(LEASE_CHANNEL_NAME);
	return { post: (message) => channel.postMessage(message), listen: (onMessage) => channel.addEventListener('message', (event) => onMessage(event.data)) };
}

const _every: Every = (ms, tick) => {
	const timer = setInterval(tick, ms);
	return () => clearInterval(timer);
};
