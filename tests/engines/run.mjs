// `npm run test:engines` (and the "engines" suite of `npm test`): the journeys of journey.mjs on Chromium, Firefox
// ESR and WebKitGTK, against the production build (scripts/serve.mjs) and a real CNCF Distribution registry. Each
// journey on each engine is one test; the last line is `N passed, N failed, N skipped`, and with
// SHELF_ENGINES_REPORT set the counts are also written there as JSON for scripts/test.mjs.
// Options: --engines=chromium,firefox,webkit (all by default); --no-build uses the build that is there.
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildDir } from '../../scripts/build-dir.mjs';
import { ensureChromium, ensureEngines } from '../../scripts/ensure-tools.mjs';
import { ensureRegistry, startRegistry } from '../../scripts/registry.mjs';
import { serveStatic } from '../../scripts/serve.mjs';
import { buildSite } from '../../scripts/setup.mjs';
import { journeys } from './journey.mjs';
import { launchChromium, launchFirefox } from './puppeteer.mjs';
import { launchWebKit } from './webkit.mjs';
import { diagnose } from './diagnose.mjs';

const option = (name) => process.argv.find((arg) => arg.startsWith(`--${name}=`))?.split('=')[1];
const engines = (option('engines') ?? 'chromium,firefox,webkit').split(',');
const chromiumPath = ensureChromium();
ensureEngines();
ensureRegistry();
if (!process.argv.includes('--no-build') || !existsSync(join(buildDir, 'index.html'))) buildSite();

/** @type {Record<string, () => Promise<import('./driver.mjs').Driver>>} */
const launchers = { chromium: () => launchChromium(chromiumPath), firefox: launchFirefox, webkit: launchWebKit };
// A bound on a hang (a driver that never answers), not a timing assertion.
const JOURNEY_BOUND_MS = 180_000;

const port = Number(process.env.SHELF_PORT ?? 4331);
const app = `http://localhost:${port}`;
const workDir = mkdtempSync(join(tmpdir(), 'shelf-engines-'));
process.once('exit', () => rmSync(workDir, { recursive: true, force: true }));
/** @type {import('node:http').Server | null} */
let server = null;
const startApp = async () => void (server = (await serveStatic({ port })).server);
const stopApp = async () => {
	const closing = server;
	server = null;
	if (!closing) return;
	closing.closeAllConnections();
	await new Promise((resolve) => closing.close(() => resolve(undefined)));
};
/** @type {import('./driver.mjs').Driver | null} */
let driver = null;
/** @type {Awaited<ReturnType<typeof startRegistry>> | null} */
let registry = null;
const cleanUp = async () => {
	await driver?.close().catch(() => {});
	await registry?.close().catch(() => {});
	await stopApp();
	rmSync(workDir, { recursive: true, force: true });
};
for (const signal of /** @type {const} */ (['SIGINT', 'SIGTERM'])) process.once(signal, () => void cleanUp().then(() => process.exit(1)));

const results = [];
try {
	await startApp();
	registry = await startRegistry({ origin: app });
	for (const engine of engines) {
		const launch = launchers[engine];
		if (!launch) throw new Error(`unknown engine ${engine} (chromium, firefox, webkit)`);
		/** @type {Record<string, unknown>} */
		const facts = {};
		let launchError = null;
		try {
			driver = await launch();
			console.log(`\n${driver.name} ${driver.version}`);
		} catch (error) {
			launchError = error;
			console.log(`\n${engine}: could not start: ${error.message}`);
		}
		for (const journey of journeys) {
			const started = Date.now();
			let error = launchError;
			if (!error && driver) {
				try {
					await bounded(journey.run({ driver, app, registry: registry.url, stopApp, startApp, workDir, facts }), JOURNEY_BOUND_MS);
				} catch (caught) {
					error = caught;
				}
			}
			results.push({ engine, version: driver?.version ?? '?', journey: journey.name, ok: !error, storage: facts.storage });
			console.log(`  ${error ? '✘' : '✓'} ${journey.name} (${((Date.now() - started) / 1000).toFixed(1)} s)${error ? `\n      ${error.message}` : ''}`);
			if (error && driver) console.log(`      left behind: ${await bounded(diagnose(driver), JOURNEY_BOUND_MS).catch((hung) => hung.message)}`);
			if (!server) await startApp();
		}
		console.log(`  storage: ${facts.storage ?? '?'}`);
		await driver?.close().catch(() => {});
		driver = null;
	}
} catch (error) {
	console.error(error);
	results.push({ engine: 'setup', journey: 'start the app and the registry', ok: false });
} finally {
	await cleanUp();
}

const passed = results.filter((result) => result.ok).length;
const failed = results.length - passed;
if (process.env.SHELF_ENGINES_REPORT) writeFileSync(process.env.SHELF_ENGINES_REPORT, JSON.stringify({ passed, failed, skipped: 0, results }, null, 2));
console.log(`\n${passed} passed, ${failed} failed, 0 skipped`);
process.exit(failed > 0 ? 1 : 0);

/** Rejects when `promise` has not settled within `ms`. */
function bounded(promise, ms) {
	let timer;
	const bound = new Promise((_, reject) => (timer = setTimeout(() => reject(new Error(`no answer within ${ms / 1000} s (the driver or the page hung)`)), ms)));
	return Promise.race([promise, bound]).finally(() => clearTimeout(timer));
}
