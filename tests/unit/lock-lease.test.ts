// Issue 24: the write lock is taken over from a holder that no longer answers (WebKitGTK keeps the Web Lock of a
// page that navigated away), never from one that does, and a robbed holder writes nothing more. Node has no Web
// Locks: `FakeLocks` follows the spec's exclusive mode (a queue, `signal`, `steal`); probes travel on an
// in-memory channel and the timer ticks when the test says so, so nothing here depends on how fast it runs.
import 'fake-indexeddb/auto';
import { describe, expect, it } from 'vitest';
import { isShelfError } from '../../src/lib/core/errors.ts';
import { createMemoryBlobStore } from '../../src/lib/worker/blobs/memory-blob-store.ts';
import { lockLease, STEAL_AFTER_PROBES, type Every, type LeaseChannel, type LeaseMessage, type LockPort } from '../../src/lib/worker/store/lock-lease.ts';
import { freshCatalogue, record } from './catalogue-fixtures.ts';

const LOCK = 'model-shelf:write';

/** Web Locks' exclusive mode, as the spec has it, for one lock name. */
class FakeLocks implements LockPort {
	#held: Request | null = null;
	#queue: Request[] = [];
	steals = 0;
	request(_name: string, options: { steal?: boolean; signal?: AbortSignal }, callback: () => Promise<void> | undefined): Promise<unknown> {
		return new Promise((resolve, reject) => {
			const request: Request = { callback, resolve, reject };
			if (options.steal) {
				this.steals++;
				this.#held?.reject(new DOMException('The lock was stolen.', 'AbortError'));
				this.#held = null;
				return this.#grant(request);
			}
			options.signal?.addEventListener('abort', () => {
				if (!this.#queue.includes(request)) return;
				this.#queue = this.#queue.filter((other) => other !== request);
				reject(options.signal?.reason);
			});
			this.#queue.push(request);
			this.#next();
		});
	}
	#next() {
		const request = !this.#held && this.#queue.shift();
		if (request) this.#grant(request);
	}
	#grant(request: Request) {
		this.#held = request;
		queueMicrotask(async () => {
			const value = await request.callback();
			if (this.#held !== request) return; // stolen: its promise was rejected then, and the lock is another's
			this.#held = null;
			request.resolve(value);
			this.#next();
		});
	}
}
type Request = { callback: () => Promise<void> | undefined; resolve: (value: unknown) => void; reject: (error: unknown) => void };

/** Channels that hear each other's messages (never their own), and can be muted: a frozen page's worker. */
function channels() {
	const members = new Set<{ listeners: ((message: unknown) => void)[]; muted: boolean }>();
	return () => {
		const me = { listeners: [] as ((message: unknown) => void)[], muted: false };
		members.add(me);
		const channel: LeaseChannel & { mute(): void } = {
			post: (message: LeaseMessage) => {
				if (me.muted) return;
				for (const other of members) if (other !== me && !other.muted) queueMicrotask(() => other.listeners.forEach((listen) => listen(message)));
			},
			listen: (onMessage) => void me.listeners.push(onMessage),
			mute: () => void (me.muted = true)
		};
		return channel;
	};
}

/** A timer the test advances: `ticks(n)` fires every running timer n times, letting each round's messages land. */
function manualTimers() {
	const running = new Set<() => void>();
	const every: Every = (_ms, tick) => {
		running.add(tick);
		return () => void running.delete(tick);
	};
	const ticks = async (n: number) => {
		for (let i = 0; i < n; i++) {
			for (const tick of [...running]) tick();
			await settle();
		}
	};
	return { every, ticks };
}

const settle = () => new Promise((resolve) => setImmediate(resolve));

/** A promise with its resolve, and whether it settled. */
function gate() {
	let open!: () => void;
	const opened = new Promise<void>((resolve) => (open = resolve));
	return { opened, open };
}
function track<T>(promise: Promise<T>) {
	const state = { settled: false, value: undefined as T | undefined, error: undefined as unknown, promise };
	promise.then(
		(value) => Object.assign(state, { settled: true, value }),
		(error: unknown) => Object.assign(state, { settled: true, error })
	);
	return state;
}

let locks: FakeLocks;
let channel: ReturnType<typeof channels>;
let timers: ReturnType<typeof manualTimers>;
const lease = (own = channel()) => Object.assign(lockLease(LOCK, { locks, channel: own, every: timers.every }), { channel: own });
const fresh = () => {
	locks = new FakeLocks();
	channel = channels();
	timers = manualTimers();
};

describe('the write lock, taken over from a holder that is gone (issue 24)', () => {
	it('a waiter behind a holder that never answers (its page left mid-write) takes the lock after STEAL_AFTER_PROBES unanswered probes, not before', async () => {
		fresh();
		const zombie = track(locks.request(LOCK, {}, () => new Promise<void>(() => {})));
		const waiter = track(lease().exclusive(async () => 'written'));
		await timers.ticks(STEAL_AFTER_PROBES); // the first tick only probes
		expect(waiter.settled).toBe(false);
		await timers.ticks(1);
		expect(waiter).toMatchObject({ settled: true, value: 'written' });
		expect((zombie.error as DOMException).name).toBe('AbortError'); // the gone holder's lock was stolen
	});

	it('two writes of one worker behind a holder that is gone: one steal, and neither robs the other', async () => {
		fresh();
		void locks.request(LOCK, {}, () => new Promise<void>(() => {})).catch(() => undefined); // a holder that is gone
		const one = lease();
		const { catalogue } = one.guardPorts({ catalogue: await freshCatalogue(), blobs: createMemoryBlobStore() });
		const writes = ['iris:v1', 'iris:v2'].map((tag) => track(one.exclusive(() => catalogue.add(record(tag)))));
		await timers.ticks(STEAL_AFTER_PROBES + 1);
		await Promise.allSettled(writes.map((write) => write.promise));
		expect(writes.map((write) => write.error)).toEqual([undefined, undefined]);
		expect(locks.steals).toBe(1);
	});

	it('waiters of two tabs behind a holder that is gone: the older one steals, the other waits for it, and neither is robbed', async () => {
		fresh();
		void locks.request(LOCK, {}, () => new Promise<void>(() => {})).catch(() => undefined); // a holder that is gone
		const catalogue = await freshCatalogue();
		const tabs = [lease(), lease()];
		const writes = tabs.map((tab, i) => track(tab.exclusive(() => tab.guardPorts({ catalogue, blobs: createMemoryBlobStore() }).catalogue.add(record(`iris:v${i}`)))));
		await timers.ticks(STEAL_AFTER_PROBES + 2);
		await Promise.allSettled(writes.map((write) => write.promise));
		expect(writes.map((write) => write.error)).toEqual([undefined, undefined]);
		expect(locks.steals).toBe(1);
	});

	it('a waiter behind a live holder, however long it writes, never takes its lock, and runs after it', async () => {
		fresh();
		const [holder, waiter] = [lease(), lease()];
		const slow = gate();
		const order: string[] = [];
		const held = track(holder.exclusive(async () => (await slow.opened, order.push('holder'))));
		await settle();
		const waited = track(waiter.exclusive(async () => void order.push('waiter')));
		await timers.ticks(STEAL_AFTER_PROBES * 10);
		expect([held.settled, waited.settled]).toEqual([false, false]);
		slow.open();
		await timers.ticks(1);
		expect([held.error, waited.error, order]).toEqual([undefined, undefined, ['holder', 'waiter']]);
	});

	it('two writes of one worker wait for each other and never steal from themselves', async () => {
		fresh();
		const one = lease();
		const { catalogue } = one.guardPorts({ catalogue: await freshCatalogue(), blobs: createMemoryBlobStore() });
		const first = gate();
		const order: string[] = [];
		const a = track(one.exclusive(async () => (await first.opened, await catalogue.add(record('iris:v1')), order.push('a'))));
		const b = track(one.exclusive(async () => void order.push('b')));
		await timers.ticks(STEAL_AFTER_PROBES * 10);
		expect([a.settled, b.settled]).toEqual([false, false]);
		first.open();
		await Promise.allSettled([a.promise, b.promise]);
		expect([a.error, b.error, order]).toEqual([undefined, undefined, ['a', 'b']]); // a write robbed by its own worker would be LOCK_LOST
	});

	it('a holder robbed while frozen writes nothing more: its next blob write, commit or delete is LOCK_LOST, its reads go on, and the new holder writes', async () => {
		fresh();
		const [frozen, waiter] = [lease(), lease()];
		const blobs = createMemoryBlobStore();
		const catalogue = await freshCatalogue();
		const [mine, theirs] = [frozen.guardPorts({ catalogue, blobs }), waiter.guardPorts({ catalogue, blobs })];
		const [wrote, thawed] = [gate(), gate()];
		const seen: string[] = [];
		const robbed = track(
			frozen.exclusive(async () => {
				const writer = await mine.blobs.create(4);
				await writer.write(new Uint8Array([1, 2]));
				wrote.open();
				await thawed.opened;
				seen.push(String((await mine.blobs.list()).length)); // a read still answers
				for (const write of [() => writer.write(new Uint8Array([3, 4])), () => mine.blobs.delete('0'.repeat(64)), () => mine.catalogue.add(record('iris:v1'))]) {
					seen.push(await write().then(() => 'written', (error: unknown) => (isShelfError(error, 'LOCK_LOST') ? `LOCK_LOST ${error.details?.lock}` : String(error))));
				}
				await writer.abort();
			})
		);
		await wrote.opened;
		frozen.channel.mute();
		const taking = track(
			waiter.exclusive(async () => {
				const writer = await theirs.blobs.create(1);
				await writer.write(new Uint8Array([9]));
				await writer.commit();
				await theirs.catalogue.add(record('iris:v2'));
			})
		);
		await timers.ticks(STEAL_AFTER_PROBES + 1);
		await taking.promise; // IndexedDB (fake-indexeddb) answers on later turns of the event loop
		thawed.open();
		await robbed.promise;
		expect(seen).toEqual(['1', `LOCK_LOST ${LOCK}`, `LOCK_LOST ${LOCK}`, `LOCK_LOST ${LOCK}`]);
		expect(robbed).toMatchObject({ settled: true, error: undefined });
		expect((await catalogue.list({})).items.map((record) => record.tag)).toEqual(['iris:v2']);
	});

	it("after a theft, this worker's next write waits until its robbed write has stopped", async () => {
		fresh();
		const [frozen, other] = [lease(), lease()];
		const thawed = gate();
		const order: string[] = [];
		const robbed = track(frozen.exclusive(async () => (await thawed.opened, order.push('robbed stops'))));
		await settle();
		frozen.channel.mute();
		track(other.exclusive(async () => void order.push('thief')));
		await timers.ticks(STEAL_AFTER_PROBES + 1);
		const next = track(frozen.exclusive(async () => void order.push('next')));
		await timers.ticks(STEAL_AFTER_PROBES * 3);
		expect([robbed.settled, next.settled, order]).toEqual([false, false, ['thief']]);
		thawed.open();
		await timers.ticks(1);
		expect(order).toEqual(['thief', 'robbed stops', 'next']);
	});
});
