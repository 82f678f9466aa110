// CPU profiles of the app's workers (the shelf worker and its hash worker) during one operation, kept as
// .cpuprofile files (open them in Chrome DevTools → Performance) and summarised as self time per function.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { summariseProfile } from './cdp.mjs';

export const PROFILE_DIR = 'bench/profiles';

/**
 * Runs `run` with the V8 sampling profiler on in every app worker.
 * @param {import('./cdp.mjs').WorkerTargets} workers
 * @param {string} label what runs, for the summary and the file names
 * @param {() => Promise<any>} run
 * @returns {Promise<{ result: any, profile: { label: string, workers: object[] } }>}
 */
export async function profiled(workers, label, run) {
	const targets = new Map();
	const startNew = async () => {
		for (const target of workers.list('app')) {
			if (targets.has(target.sessionId)) continue;
			targets.set(target.sessionId, target);
			await workers.send(target.sessionId, 'Profiler.enable');
			// 0.5 ms: fine enough for per-file costs of ~1 ms, coarse enough not to slow a 1 GiB import much.
			await workers.send(target.sessionId, 'Profiler.setSamplingInterval', { interval: 500 });
			await workers.send(target.sessionId, 'Profiler.start');
		}
	};
	await startNew();
	// The hash worker starts with the first write: profile it from then on.
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
	for (const { sessionId, name, url } of targets.values()) {
		const { profile } = await workers.send(sessionId, 'Profiler.stop');
		const role = name || (url.includes('hash-worker') ? 'hash' : 'worker');
		const file = join(PROFILE_DIR, `${label.replace(/[^a-z0-9]+/gi, '-').toLowerCase()}-${role}.cpuprofile`);
		writeFileSync(file, JSON.stringify(profile));
		summaries.push({ worker: role, file, ...summariseProfile(profile) });
	}
	return { result, profile: { label, wallMs, workers: summaries } };
}
