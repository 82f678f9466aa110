// First load: Lighthouse (its default mobile config: simulated slow 4G and a 4× slower CPU) against the
// production build, on the home page (Models, empty shelf) and on /storage. Debian's Chromium, launched by
// chrome-launcher with the project's flags and a fresh profile, so no service worker or cache helps.
// Standalone: `node bench/suite-lighthouse.mjs [build-dir]` serves that build (default build-bench/) and prints;
// LIGHTHOUSE_REPORT_DIR=<dir> also keeps the full JSON reports.
import { writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { launch } from 'chrome-launcher';
import lighthouse from 'lighthouse';
import { CHROMIUM_ARGS, ensureChromium } from '../scripts/ensure-tools.mjs';

export const LIGHTHOUSE_CATEGORIES = ['performance', 'accessibility', 'best-practices', 'seo'];
const PAGES = ['/', '/storage'];
// Lighthouse's metric audits, under the names the result file uses.
const METRICS = { fcp: 'first-contentful-paint', lcp: 'largest-contentful-paint', si: 'speed-index', tbt: 'total-blocking-time', cls: 'cumulative-layout-shift' };

/**
 * Runs Lighthouse on each page once; the home page's figures are the headline, every page's are listed.
 * @param {{ url: string, log?: (line: string) => void }} env env.url: the server of the build to measure
 * @param {{ pages?: string[], reportDir?: string }} [options] reportDir: also write each page's full report there
 */
export async function runLighthouse(env, options = {}) {
	const log = env.log ?? (() => {});
	const chrome = await launch({ chromePath: ensureChromium(), chromeFlags: ['--headless=new', ...CHROMIUM_ARGS], logLevel: 'silent' });
	const pages = [];
	try {
		for (const path of options.pages ?? PAGES) {
			const url = new URL(path, env.url).href;
			log(`Lighthouse: ${url}`);
			const result = await lighthouse(url, { port: chrome.port, output: 'json', logLevel: 'error', onlyCategories: LIGHTHOUSE_CATEGORIES });
			if (!result) throw new Error(`Lighthouse returned no result for ${url}`);
			pages.push({ path, ...summarise(result.lhr) });
			// The whole report, for reading the audits' details (which file, which long task).
			if (options.reportDir) writeFileSync(join(options.reportDir, `lighthouse${path.replaceAll('/', '-')}.json`), result.report);
		}
	} finally {
		await chrome.kill();
	}
	const [home] = pages;
	return { rows: [], lighthouse: { ...home, pages } };
}

/**
 * Scores (0–100), the audits of the four categories that did not pass, and the load metrics in ms.
 * @param {import('lighthouse').Result} lhr
 */
function summarise(lhr) {
	if (lhr.runtimeError) throw new Error(`Lighthouse: ${lhr.runtimeError.code} ${lhr.runtimeError.message}`);
	const scores = Object.fromEntries(LIGHTHOUSE_CATEGORIES.map((id) => [id, Math.round((lhr.categories[id]?.score ?? 0) * 100)]));
	const ids = new Set(LIGHTHOUSE_CATEGORIES.flatMap((id) => lhr.categories[id].auditRefs.map((ref) => ref.id)));
	const failing = [...ids]
		.map((id) => lhr.audits[id])
		.filter((audit) => audit.score !== null && audit.score < 1 && ['binary', 'numeric', 'metricSavings'].includes(audit.scoreDisplayMode))
		.map(({ id, title, score, displayValue }) => ({ id, title, score, displayValue: displayValue ?? '' }));
	const metrics = Object.fromEntries(Object.entries(METRICS).map(([key, id]) => [key, +(lhr.audits[id].numericValue ?? NaN).toFixed(key === 'cls' ? 3 : 0)]));
	// Simulated throttling scales the CPU time it observed: on a loaded machine TBT and the paints grow with
	// the load. Lighthouse's own CPU benchmark and the load average say how fast this machine was then.
	const machine = { benchmarkIndex: lhr.environment.benchmarkIndex, loadAverage: +loadavg()[0].toFixed(2) };
	return { scores, failing, metrics, mainThread: mainThread(lhr), machine, lighthouseVersion: lhr.lighthouseVersion, userAgent: lhr.environment.hostUserAgent };
}

/**
 * Where the main thread went at load (ms, Lighthouse's throttled figures): the long tasks behind TBT and max
 * potential FID, the scripts' boot-up cost and the work by kind, so a result file says what to cut.
 * @param {import('lighthouse').Result} lhr
 */
function mainThread(lhr) {
	const items = (id) => lhr.audits[id]?.details?.items ?? [];
	const file = (url) => (typeof url === 'string' ? url.replace(/^https?:\/\/[^/]+/, '') : url);
	return {
		longTasks: items('long-tasks').slice(0, 8).map(({ url, startTime, duration }) => ({ url: file(url), startMs: Math.round(startTime), ms: Math.round(duration) })),
		bootup: items('bootup-time').slice(0, 8).map(({ url, total, scripting, scriptParseCompile }) => ({ url: file(url), ms: Math.round(total), scripting: Math.round(scripting), parse: Math.round(scriptParseCompile) })),
		byKind: items('mainthread-work-breakdown').map(({ groupLabel, duration }) => ({ kind: groupLabel, ms: Math.round(duration) }))
	};
}

if (import.meta.url === `file://${process.argv[1]}`) {
	const { serveStatic } = await import('../scripts/serve.mjs');
	const { server, url } = await serveStatic({ root: process.argv[2] ?? 'build-bench', port: 0 });
	try {
		const { lighthouse: result } = await runLighthouse({ url, log: console.log }, { reportDir: process.env.LIGHTHOUSE_REPORT_DIR });
		for (const page of result.pages) {
			console.log(`\n${page.path}: ${LIGHTHOUSE_CATEGORIES.map((id) => `${id} ${page.scores[id]}`).join(', ')}`);
			console.log(`  ${Object.entries(page.metrics).map(([key, value]) => `${key} ${value}`).join(', ')} (benchmark index ${page.machine.benchmarkIndex}, load ${page.machine.loadAverage})`);
			for (const audit of page.failing) console.log(`  ✗ ${audit.id} (${audit.score}): ${audit.title} ${audit.displayValue}`);
			for (const task of page.mainThread.longTasks) console.log(`  long task ${task.ms} ms at ${task.startMs} ms: ${task.url}`);
		}
	} finally {
		server.close();
	}
}
