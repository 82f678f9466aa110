// CPU profiles of the app's workers (the shelf worker and its hash worker) during one operation, kept as
// .cpuprofile files (open them in Chrome DevTools → Performance) and summarised as self time per function.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { summariseProfile } from './cdp.mjs';

export const PROFILE_DIR = 'bench/profiles';

/**
 * Runs `run` with the V8 sampling profiler on in every app worker (and the page, when given).
 * @param {import('./cdp.mjs').WorkerTargets} workers
 * @param {string} label what runs, for the summary and the file names
 * @param {() => Promise<any>} run
 * @param {import('playwright-core').CDPSession | null} [pageSession] also profile this page's main thread
 * @returns {Promise<{ result: any, profile: { label: string, workers: object[] } }>}
 */
export async function profiled(workers, label, run, pageSession = null) {
	const targets = new Map();
	const startNew = async () => {
		for (const target of await workers.list('app')) {
			if (targets.has(target.sessionId)) continue;
			targets.set(target.sessionId, target);
			await startProfiler((method, params) => workers.send(target.sessionId, method, params));
		}
	};
	if (pageSession) await startProfiler((method, params) => pageSession.send(method, params));
	await startNew();
	// Workers start during the operation (the hash worker with the first write, the shelf worker with a new page).
	const watcher = setInterval(() => void startNew().catch(() => undefined), 50);
	const started = Date.now();
	let result;
	try {
		result = await run();
	} finally {
		clearInterval(watcher);
	}
	const wallMs = Date.now() - started;
	mkdirSync(PROFILE_DIR, { recursive: true });
	const summaries = [];
	const keep = (role, profile) => {
		const file = join(PROFILE_DIR, `${label.replace(/[^a-z0-9]+/gi, '-').toLowerCase()}-${role}.cpuprofile`);
		writeFileSync(file, JSON.stringify(profile));
		summaries.push({ worker: role, file, ...summariseProfile(profile) });
	};
	if (pageSession) keep('page', (await pageSession.send('Profiler.stop')).profile);
	for (const { sessionId, name, url } of targets.values()) {
		const { profile } = await workers.send(sessionId, 'Profiler.stop').catch(() => ({ profile: null }));
		if (profile) keep(name || (url.includes('hash-worker') ? 'hash' : 'worker'), profile);
	}
	return { result, profile: { label, wallMs, workers: summaries } };
}

async function startProfiler(send) {
	await send('Profiler.enable', {});
	// 0.5 ms: fine enough for per-file costs of ~1 ms, coarse enough not to slow a 1 GiB import much.
	await send('Profiler.setSamplingInterval', { interval: 500 });
	await send('Profiler.start', {});
}
