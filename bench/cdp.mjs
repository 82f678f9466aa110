// Chrome DevTools Protocol access the bench needs beyond Playwright's API: the JS heap of the page and of
// every dedicated worker (the shelf worker and its hash worker), and CPU profiles of a worker.
// Playwright's newCDPSession only takes pages, so workers are reached from a browser-level session with
// Target.attachToTarget({ flatten: false }) and messages wrapped in Target.sendMessageToTarget
// (TOOLCHAIN.md §2). Renderer RSS from `ps` is sampled alongside as a cross-check.
import { execFile } from 'node:child_process';

/** Dedicated workers of the browser, each reachable by a CDP session of its own. */
export class WorkerTargets {
	#browserSession;
	#sessions = new Map(); // sessionId -> { targetId, name, url }
	#pending = new Map(); // `${sessionId}:${id}` -> resolve/reject
	#nextId = 1;
	#latest = new Map(); // targetId -> latest targetInfo seen

	/** @param {import('playwright-core').CDPSession} browserSession from `browser.newBrowserCDPSession()` */
	constructor(browserSession) {
		this.#browserSession = browserSession;
	}

	/** Starts watching for workers; each new one is attached (its heap is then sampled with the others). */
	async start() {
		const session = this.#browserSession;
		session.on('Target.receivedMessageFromTarget', ({ sessionId, message }) => {
			const reply = JSON.parse(message);
			const waiter = this.#pending.get(`${sessionId}:${reply.id}`);
			if (!waiter) return;
			this.#pending.delete(`${sessionId}:${reply.id}`);
			if (reply.error) waiter.reject(new Error(reply.error.message));
			else waiter.resolve(reply.result);
		});
		session.on('Target.detachedFromTarget', ({ sessionId }) => this.#forget(sessionId));
		session.on('Target.targetCreated', ({ targetInfo }) => void this.#attach(targetInfo));
		session.on('Target.targetInfoChanged', ({ targetInfo }) => this.#describe(targetInfo));
		session.on('Target.targetDestroyed', ({ targetId }) => this.#latest.delete(targetId));
		await session.send('Target.setDiscoverTargets', { discover: true });
	}

	/**
	 * The workers attached now: `{ sessionId, name, url }`.
	 * @param {'app' | 'bench' | 'all'} [which] the app's workers (shelf and hash), the bench's own, or all
	 */
	async list(which = 'all') {
		// A worker's URL is empty at creation and targetInfoChanged does not always reach us: ask again.
		for (const info of this.#sessions.values()) {
			if (info.url !== '') continue;
			const { targetInfo } = await this.#browserSession.send('Target.getTargetInfo', { targetId: info.targetId }).catch(() => ({ targetInfo: null }));
			if (targetInfo) this.#describe(targetInfo);
		}
		const all = [...this.#sessions].map(([sessionId, info]) => ({ sessionId, ...info }));
		if (which === 'all') return all;
		return all.filter((worker) => worker.url !== '' && worker.url.includes('/bench/') === (which === 'bench'));
	}

	/**
	 * Sends one CDP command to a worker.
	 * @param {string} sessionId from {@link list}
	 * @param {string} method e.g. 'Runtime.getHeapUsage'
	 * @param {object} [params]
	 */
	send(sessionId, method, params = {}) {
		const id = this.#nextId++;
		return new Promise((resolve, reject) => {
			this.#pending.set(`${sessionId}:${id}`, { resolve, reject });
			this.#browserSession.send('Target.sendMessageToTarget', { sessionId, message: JSON.stringify({ id, method, params }) }).catch((error) => {
				this.#pending.delete(`${sessionId}:${id}`);
				reject(error);
			});
		});
	}

	async #attach(targetInfo) {
		if (targetInfo.type !== 'worker') return;
		try {
			const { sessionId } = await this.#browserSession.send('Target.attachToTarget', { targetId: targetInfo.targetId, flatten: false });
			// Title (the worker's name, else its URL) and URL are empty at creation; targetInfoChanged fills them.
			// (Runtime.evaluate through this session to ask the worker crashed the renderer in Chromium 156.)
			this.#sessions.set(sessionId, { targetId: targetInfo.targetId, name: '', url: '' });
			this.#describe(this.#latest.get(targetInfo.targetId) ?? targetInfo);
		} catch {
			// The worker ended before we got to it: nothing to sample.
		}
	}

	#describe(targetInfo) {
		const { targetId, title, url } = targetInfo;
		this.#latest.set(targetId, targetInfo);
		for (const info of this.#sessions.values()) {
			if (info.targetId !== targetId || !url) continue;
			info.url = url;
			info.name = title === url ? '' : title;
		}
	}

	#forget(sessionId) {
		this.#sessions.delete(sessionId);
		for (const [key, waiter] of this.#pending) {
			if (!key.startsWith(`${sessionId}:`)) continue;
			this.#pending.delete(key);
			waiter.reject(new Error('The worker went away.'));
		}
	}
}

/**
 * Samples, every `intervalMs` while running, the JS heap (V8 used size) and the array-buffer backing
 * store of the page and of all workers together, plus the renderers' resident set; keeps the peaks.
 * Every 2 s it also forces a garbage collection in the workers and samples right after it: `workerLive`
 * is what the workers really hold mid-operation, where the plain peak also counts garbage not yet collected.
 */
export class MemorySampler {
	#page;
	#workers;
	#browserPid;
	#timer = null;
	#busy = false;
	#count = 0;
	peaks = null;

	/**
	 * @param {import('playwright-core').CDPSession} pageSession CDP session of the page
	 * @param {WorkerTargets} workers
	 * @param {number | null} browserPid Chromium's main process, for renderer RSS (null: skip RSS)
	 */
	constructor(pageSession, workers, browserPid) {
		this.#page = pageSession;
		this.#workers = workers;
		this.#browserPid = browserPid;
	}

	/** Starts a fresh window of samples. */
	start(intervalMs = 100) {
		this.peaks = { pageHeap: 0, pageBuffers: 0, workerHeap: 0, workerBuffers: 0, workerLive: 0, rendererRss: 0, samples: 0 };
		this.#count = 0;
		this.#timer = setInterval(() => void this.#sample(), intervalMs);
		return this.#sample();
	}

	/** Stops sampling (after one last sample) and returns the peaks in bytes. */
	async stop() {
		clearInterval(this.#timer);
		while (this.#busy) await new Promise((resolve) => setTimeout(resolve, 5));
		await this.#sample();
		return this.peaks;
	}

	async #sample() {
		if (this.#busy) return; // a slow sample (busy worker) is not stacked behind
		this.#busy = true;
		try {
			const collect = this.#count++ % 20 === 10;
			const workers = await this.#workers.list('app');
			const heap = (sessionId) => this.#workers.send(sessionId, 'Runtime.getHeapUsage').catch(() => null);
			const [page, usages, rss] = await Promise.all([
				this.#page.send('Runtime.getHeapUsage').catch(() => null),
				Promise.all(workers.map(({ sessionId }) => heap(sessionId))),
				this.#browserPid === null ? 0 : rendererRss(this.#browserPid)
			]);
			const peaks = this.peaks;
			const sum = (list, field) => list.filter(Boolean).reduce((total, usage) => total + (usage[field] ?? 0), 0);
			if (page) {
				peaks.pageHeap = Math.max(peaks.pageHeap, page.usedSize);
				peaks.pageBuffers = Math.max(peaks.pageBuffers, page.backingStorageSize ?? 0);
			}
			peaks.workerHeap = Math.max(peaks.workerHeap, sum(usages, 'usedSize'));
			peaks.workerBuffers = Math.max(peaks.workerBuffers, sum(usages, 'backingStorageSize'));
			peaks.rendererRss = Math.max(peaks.rendererRss, rss);
			if (collect) {
				const live = await Promise.all(
					workers.map(async ({ sessionId }) => {
						await this.#workers.send(sessionId, 'HeapProfiler.collectGarbage').catch(() => null);
						return heap(sessionId);
					})
				);
				peaks.workerLive = Math.max(peaks.workerLive, sum(live, 'usedSize') + sum(live, 'backingStorageSize'));
			}
			peaks.samples++;
		} finally {
			this.#busy = false;
		}
	}
}

/**
 * Sum of the resident set of every renderer under a Chromium main process (bytes); 0 when `ps` fails.
 * @param {number} browserPid
 */
export function rendererRss(browserPid) {
	return new Promise((resolve) => {
		execFile('ps', ['-eo', 'pid=,ppid=,rss=,args='], { maxBuffer: 8 << 20 }, (error, stdout) => {
			if (error) return resolve(0);
			const rows = stdout.split('\n').filter(Boolean).map((line) => {
				const [pid, ppid, rss, ...args] = line.trim().split(/\s+/);
				return { pid: Number(pid), ppid: Number(ppid), rss: Number(rss) * 1024, args: args.join(' ') };
			});
			const inTree = new Set([browserPid]);
			for (let grew = true; grew; ) {
				grew = false;
				for (const row of rows) {
					if (inTree.has(row.pid) || !inTree.has(row.ppid)) continue;
					inTree.add(row.pid);
					grew = true;
				}
			}
			resolve(rows.filter((row) => inTree.has(row.pid) && row.args.includes('--type=renderer')).reduce((sum, row) => sum + row.rss, 0));
		});
	});
}

/**
 * Finds the Chromium main process started with `marker` among its arguments.
 * @param {string} marker a unique switch passed at launch
 */
export function findBrowserPid(marker) {
	return new Promise((resolve) => {
		execFile('ps', ['-eo', 'pid=,args='], { maxBuffer: 8 << 20 }, (error, stdout) => {
			const line = error ? undefined : stdout.split('\n').find((row) => row.includes(marker) && !row.includes('--type='));
			resolve(line ? Number(line.trim().split(/\s+/)[0]) : null);
		});
	});
}

/**
 * Summarises a V8 CPU profile: self time per function (top `limit`), and the share spent idle.
 * @param {{ nodes: object[], samples: number[], timeDeltas: number[] }} profile from Profiler.stop
 * @param {number} [limit]
 */
export function summariseProfile(profile, limit = 12) {
	const GAP_US = 10_000;
	const byNode = new Map(profile.nodes.map((node) => [node.id, node]));
	const self = new Map();
	let total = 0;
	const gaps = '(gaps: thread not scheduled)';
	profile.samples.forEach((nodeId, index) => {
		let delta = Math.max(0, profile.timeDeltas[index] ?? 0);
		// On a loaded machine the sampler thread itself is descheduled for tens or hundreds of ms, and the
		// whole gap lands on whatever frame happens to be on the stack next: count it apart.
		if (delta > GAP_US) {
			self.set(gaps, (self.get(gaps) ?? 0) + delta - GAP_US);
			total += delta - GAP_US;
			delta = GAP_US;
		}
		const frame = byNode.get(nodeId)?.callFrame ?? {};
		const file = (frame.url ?? '').split('/').at(-1);
		// Native entries such as (idle), (program) and (garbage collector) have no URL.
		const key = !frame.url ? frame.functionName || '(root)' : `${frame.functionName || '(anonymous)'} (${file}:${frame.lineNumber + 1})`;
		self.set(key, (self.get(key) ?? 0) + delta);
		total += delta;
	});
	const top = [...self].sort((a, b) => b[1] - a[1]).slice(0, limit).map(([fn, us]) => ({ fn, ms: Math.round(us / 1000), share: total ? us / total : 0 }));
	return { totalMs: Math.round(total / 1000), idleShare: total ? (self.get('(idle)') ?? 0) / total : 0, top };
}
