// The write lock, kept from outliving a holder that stopped answering (issue 24): a tab frozen or gone while its
// worker still holds the Web Lock would otherwise make every later write of every tab wait forever. A waiter asks
// on a BroadcastChannel whether the holder is alive; a holder answers from its message handler (no timer of its
// own, so a background tab's throttled timers cannot make it look dead). A waiter that hears no answer for
// STEAL_AFTER_PROBES probes in a row takes the lock with `steal: true`. (WebKitGTK 2.50's back/forward cache,
// where this was found, also keeps the suspended worker's IndexedDB transactions, which no lock takes back: there
// the page ends its worker when it is hidden, client/shelf.ts. This is the net for the holders that remain.)
//
// A holder whose lock was taken writes nothing more: every writing method of the ports (`guardPorts`) throws
// `LOCK_LOST`, so it stops at its next chunk, commit or delete. That is what makes an overlap harmless: blobs are
// content-addressed and verified, each catalogue write is one IndexedDB transaction, and what the stopped writer
// leaves behind is orphans fsck removes. (A holder frozen between a check and its IndexedDB call, and thawed
// after the theft, may still make that one call: the window is one await, on a page restored from a cache.)
import { ShelfError } from '../../core/errors.ts';
import type { BlobStore, BlobWriter, Catalogue } from '../../core/store-types.ts';

/** How often a waiting writer asks whether the holder is alive. */
export const PROBE_MS = 1000;
/**
 * Unanswered probes in a row after which the holder is taken for gone: about 10 s. A live holder answers within
 * milliseconds (its worker's steps are chunk-sized), so this is orders of magnitude above a slow answer on a
 * loaded machine, and it is the limit of a user's attention (Nielsen's 10 seconds) for a wait that only follows
 * a page lost mid-write.
 */
export const STEAL_AFTER_PROBES = 10;

/** The part of `navigator.locks` the lease uses. */
export interface LockPort {
	request(name: string, options: { steal?: boolean; signal?: AbortSignal }, callback: () => Promise<void> | undefined): Promise<unknown>;
}

/** A channel every instance of the origin hears (a BroadcastChannel: it never hears its own messages). */
export interface LeaseChannel {
	post(message: LeaseMessage): void;
	listen(onMessage: (message: unknown) => void): void;
}

/** Repeats `tick` every `ms` until the returned function is called. */
export type Every = (ms: number, tick: () => void) => () => void;

/** A waiter's question (with its age: the oldest waiter is the one that steals), and a holder's answer. */
export type LeaseMessage = { probe: Age } | { alive: true };

/** When a waiter began to wait (wall clock, comparable across workers), and a random tie-break. */
type Age = { since: number; id: string };

/** An exclusive lock whose holder can be robbed when it is gone, and the guard that stops a robbed one. */
export interface LockLease {
	/** Runs `task` holding the lock; a task whose lock was taken settles with its own outcome (`LOCK_LOST` from a guarded write). */
	exclusive<T>(task: () => Promise<T>): Promise<T>;
	/** The ports with every writing method refused (`LOCK_LOST`) while this instance's task runs on a taken lock. */
	guardPorts<C extends Catalogue, B extends BlobStore>(ports: { catalogue: C; blobs: B }): { catalogue: C; blobs: B };
}

/** The catalogue's and blob store's methods that change what is stored (touch, setFacts and settings take no lock). */
const CATALOGUE_WRITES = ['add', 'moveToTrash', 'restore', 'purge', 'changeAlias'] as const satisfies readonly (keyof Catalogue)[];
const BLOB_WRITES = ['create', 'delete', 'clearTemp'] as const satisfies readonly (keyof BlobStore)[];
const WRITER_WRITES = ['write', 'commit'] as const satisfies readonly (keyof BlobWriter)[];

/**
 * An exclusive Web Lock `name` whose waiters steal it from a holder that no longer answers.
 * @param name the lock's name
 * @param ports the lock manager, the channel holders answer on, and a timer (injected: tests drive them)
 * @example
 * const lease = lockLease('model-shelf:write', { locks: navigator.locks, channel, every });
 * await lease.exclusive(() => catalogue.add(record));
 */
export function lockLease(name: string, { locks, channel, every }: { locks: LockPort; channel: LeaseChannel; every: Every }): LockLease {
	/** This instance's grants whose task has not settled; more than one only while a robbed task is stopping. */
	const holds = new Set<{ lost: boolean }>();
	const holdingHere = () => [...holds].some((hold) => !hold.lost);
	/** The task running now: `tail` runs this instance's tasks one after another. */
	let current: { lost: boolean } | null = null;
	let tail: Promise<unknown> = Promise.resolve();
	/** Answers heard so far: a waiter compares it between two probes. */
	let answers = 0;
	/** A steal of this instance under way: its other waiters wait for it rather than rob it. */
	let stealing = false;
	/** This instance's waiters; one that hears an older waiter's probe leaves the steal to it. */
	const waiters = new Set<{ age: Age; elder: boolean }>();
	channel.listen((message) => {
		if (!message || typeof message !== 'object') return;
		if ('alive' in message) answers++;
		if (!('probe' in message)) return;
		const other = (message as { probe: Age }).probe;
		if (holdingHere()) channel.post({ alive: true });
		for (const waiter of waiters) waiter.elder ||= _older(other, waiter.age);
	});
	const assertHeld = () => {
		if (current?.lost) throw lockLost(name);
	};

	function exclusive<T>(task: () => Promise<T>): Promise<T> {
		return new Promise<T>((resolve, reject) => {
			let state: 'waiting' | 'holding' | 'done' = 'waiting';
			const hold = { lost: false };
			const run = () => {
				state = 'holding';
				holds.add(hold);
				stopProbing();
				// After this instance's previous task: one whose lock was taken may still be stopping.
				const running = tail.then(async () => {
					current = hold;
					try {
						return await task();
					} finally {
						current = null;
						holds.delete(hold);
						state = 'done';
					}
				});
				tail = running.catch(() => undefined);
				running.then(resolve, reject);
				return tail.then(() => undefined); // the lock is held until the task settles
			};
			const attempt = (options: { steal?: boolean; signal?: AbortSignal }) => {
				let granted = false;
				locks
					.request(name, options, () => {
						if (options.steal) stealing = false;
						if (state !== 'waiting') return undefined; // a request given up for a steal, granted after all
						granted = true;
						return run();
					})
					.catch((error: unknown) => {
						if (options.steal && !granted) stealing = false;
						if (granted) hold.lost ||= state === 'holding'; // taken from us while the task runs
						else if (!options.signal?.aborted) reject(error); // refused, not given up by us
					});
			};
			const pending = new AbortController();
			const waiter = { age: { since: Date.now(), id: Math.random().toString(36).slice(2) }, elder: false };
			waiters.add(waiter);
			let missed = 0;
			let heard = answers;
			let probed = false;
			const ticking = every(PROBE_MS, () => {
				if (state !== 'waiting') return stopProbing();
				// An answer since the last probe, this instance holding or taking the lock (it never hears itself),
				// or an older waiter that will take it: nothing to steal.
				if (answers !== heard || holdingHere() || stealing || waiter.elder) missed = 0;
				else if (probed) missed++;
				heard = answers;
				waiter.elder = false;
				if (missed < STEAL_AFTER_PROBES) {
					channel.post({ probe: waiter.age });
					probed = true;
					return;
				}
				stopProbing();
				pending.abort();
				stealing = true;
				attempt({ steal: true });
			});
			const stopProbing = () => {
				ticking();
				waiters.delete(waiter);
			};
			attempt({ signal: pending.signal });
		});
	}

	return {
		exclusive,
		guardPorts: ({ catalogue, blobs }) => ({
			catalogue: _guarded(catalogue, CATALOGUE_WRITES, assertHeld),
			blobs: _guarded(blobs, BLOB_WRITES, assertHeld, { create: (writer) => _guarded(writer as BlobWriter, WRITER_WRITES, assertHeld) })
		})
	};
}

/** The error a writer whose lock was taken stops with. */
export function lockLost(lock: string): ShelfError<'LOCK_LOST'> {
	return new ShelfError(
		'LOCK_LOST',
		'This change stopped part way: another tab took over the shelf, because this one did not answer for 10 seconds (a page suspended, or left mid-write). Every version is whole or absent. Hint: do it again.',
		{ lock }
	);
}

// ---------------------------------------------------------------------------------------------------------

/** Whether waiter `a` began to wait before `b`. */
function _older(a: Age, b: Age): boolean {
	return a.since < b.since || (a.since === b.since && a.id < b.id);
}

/** `port` whose `writes` methods run `check` first (and hand their result to `wraps[method]`); every other member as it is. */
function _guarded<P extends object>(port: P, writes: readonly (keyof P)[], check: () => void, wraps: { [K in keyof P]?: (result: unknown) => unknown } = {}): P {
	const guarded = new Set<PropertyKey>(writes);
	return new Proxy(port, {
		get(target, key) {
			const value: unknown = Reflect.get(target, key, target);
			if (typeof value !== 'function') return value;
			if (!guarded.has(key)) return value.bind(target); // private fields need the real object as `this`
			return async (...args: unknown[]) => {
				check();
				const result: unknown = await value.apply(target, args);
				const wrap = wraps[key as keyof P];
				return wrap ? wrap(result) : result;
			};
		}
	});
}
