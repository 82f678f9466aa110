// A Chromium with a persistent profile on disk, as users run it (issue 21): `browser.newContext()` is
// incognito-like and keeps site storage (OPFS, IndexedDB) in memory, which is not what users measure.
// Playwright's launchPersistentContext has no Browser object, hence no browser-level CDP session to reach
// the app's workers (bench/cdp.mjs), so Chromium is started here with `--user-data-dir` (a fresh folder per
// profile) and `--remote-debugging-port=0`, and playwright-core connects over CDP: the default context is
// the profile on disk, and `newBrowserCDPSession` attaches the workers for memory sampling and profiles.
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { CHROMIUM_ARGS } from '../scripts/ensure-tools.mjs';
import { findBrowserPid, WorkerTargets } from './cdp.mjs';

/** What Playwright's own launch adds that can change timings: no background throttling of any page. */
const LIKE_PLAYWRIGHT = ['--headless', '--disable-background-timer-throttling', '--disable-backgrounding-occluded-windows', '--disable-renderer-backgrounding', '--disable-ipc-flooding-protection', '--disable-hang-monitor', '--disable-extensions', '--no-default-browser-check', '--password-store=basic', '--use-mock-keychain'];
const STARTUP_TIMEOUT_MS = 60_000;
let launched = 0;
/** Chromiums still running, with their profile folders: killed and deleted if the bench exits on an error. */
const running = new Map();
// Chromium runs in process groups of its own (below), which Ctrl-C or `timeout` do not reach: end them here.
for (const signal of ['SIGINT', 'SIGTERM']) {
	process.once(signal, async () => {
		console.error(`Stopped by ${signal}: closing ${running.size} browser(s).`);
		await Promise.all([...running].map(([child, dir]) => endGroup(child).then(() => rmSync(dir, { recursive: true, force: true, maxRetries: 20, retryDelay: 250 }))).map((done) => done.catch(() => undefined)));
		process.exit(130);
	});
}
process.once('exit', () => {
	for (const [child, dir] of running) {
		try {
			process.kill(-child.pid, 'SIGKILL');
		} catch {
			// Already gone.
		}
		try {
			rmSync(dir, { recursive: true, force: true, maxRetries: 3 });
		} catch {
			// Exiting anyway: the folder is left under profiles/.
		}
	}
});

/**
 * @typedef {object} Profile
 * @property {import('playwright-core').Browser} browser connected over CDP
 * @property {import('playwright-core').BrowserContext} context the default context: the profile on disk
 * @property {WorkerTargets} workers this browser's dedicated workers
 * @property {number | null} browserPid Chromium's main process, for renderer RSS
 * @property {string} dir the profile folder
 * @property {() => Promise<void>} close stops the browser and deletes the folder
 */

/**
 * Starts a Chromium on a new, empty profile folder under `parent`.
 * @param {string} executablePath
 * @param {string} parent where profile folders are made (on disk: not a tmpfs)
 * @returns {Promise<Profile>}
 */
export async function launchProfile(executablePath, parent) {
	mkdirSync(parent, { recursive: true });
	const dir = mkdtempSync(join(parent, 'profile-'));
	// A switch no renderer inherits, so that `ps` finds this browser's main process among others. Detached:
	// a process group of its own, so that its helper processes can be ended with it.
	const marker = `--bench-profile=${process.pid}-${++launched}`;
	const child = spawn(executablePath, [...CHROMIUM_ARGS, ...LIKE_PLAYWRIGHT, '--remote-debugging-port=0', `--user-data-dir=${dir}`, marker, 'about:blank'], { stdio: ['ignore', 'ignore', 'pipe'], detached: true });
	running.set(child, dir);
	const exited = new Promise((resolve) => child.once('exit', resolve)).finally(() => running.delete(child));
	// Chromium's helper processes may still write for a moment after the main one exits: retry, then give up
	// with a warning (a stale folder under profiles/ is no reason to lose the run's figures).
	const remove = () => {
		try {
			rmSync(dir, { recursive: true, force: true, maxRetries: 20, retryDelay: 250 });
		} catch (error) {
			console.warn(`Could not delete the profile folder ${dir}: ${error.message}`);
		}
	};
	try {
		const endpoint = await devtoolsEndpoint(child);
		// isLocal: picked files are handed over by path (disk-backed Files, as a user's), not read into memory.
		const browser = await chromium.connectOverCDP(endpoint, { isLocal: true });
		const workers = new WorkerTargets(await browser.newBrowserCDPSession());
		await workers.start();
		const close = async () => {
			// Over CDP, browser.close() only disconnects: ask Chromium itself to quit (it saves the profile as it would for a user).
			await browser.newBrowserCDPSession().then((session) => session.send('Browser.close')).catch(() => undefined);
			await browser.close().catch(() => undefined);
			await stop(child, exited);
			remove();
		};
		return { browser, context: browser.contexts()[0], workers, browserPid: await findBrowserPid(marker), dir, close };
	} catch (error) {
		await stop(child, exited);
		remove();
		throw error;
	}
}

/**
 * Runs `use` with a fresh profile, closed and deleted afterwards whatever happens.
 * @template T
 * @param {{ executablePath: string, profileParent: string }} env
 * @param {(profile: Profile) => Promise<T>} use
 * @returns {Promise<T>}
 */
export async function withProfile(env, use) {
	const profile = await launchProfile(env.executablePath, env.profileParent);
	try {
		return await use(profile);
	} finally {
		await profile.close();
	}
}

/** The `ws://` address Chromium prints on stderr once its DevTools server listens. */
function devtoolsEndpoint(child) {
	return new Promise((resolve, reject) => {
		let text = '';
		let found = false;
		const timer = setTimeout(() => fail(new Error(`Chromium printed no DevTools address in ${STARTUP_TIMEOUT_MS / 1000} s:\n${text.slice(-2000)}`)), STARTUP_TIMEOUT_MS);
		const fail = (error) => {
			clearTimeout(timer);
			reject(error);
		};
		child.once('exit', (code) => fail(new Error(`Chromium exited (${code}) before listening:\n${text.slice(-2000)}`)));
		// Read to the end (a full pipe would stall Chromium), keeping only what comes before the address.
		child.stderr.on('data', (chunk) => {
			if (found) return;
			text += chunk;
			const match = /DevTools listening on (ws:\/\/\S+)/.exec(text);
			if (!match) return;
			found = true;
			clearTimeout(timer);
			resolve(match[1]);
		});
	});
}

/**
 * Ends a Chromium we started: it should be gone after `browser.close()`, else SIGTERM, then SIGKILL. Its
 * helper processes (the network service writes into the profile for a moment after the main one exits)
 * are then killed with its process group, so that the folder can be deleted.
 */
async function stop(child, exited) {
	const within = (ms) => Promise.race([exited.then(() => true), new Promise((resolve) => setTimeout(() => resolve(false), ms))]);
	if (!(await within(5_000))) {
		child.kill('SIGTERM');
		if (!(await within(5_000))) {
			child.kill('SIGKILL');
			await exited;
		}
	}
	await endGroup(child);
}

/** Kills what is left of a Chromium's process group and waits (up to 5 s) until none of it is left. */
async function endGroup(child) {
	const group = (signal) => {
		try {
			process.kill(-child.pid, signal);
			return true;
		} catch {
			return false; // ESRCH: no process left in the group
		}
	};
	group('SIGKILL');
	for (let waited = 0; group(0) && waited < 5_000; waited += 50) await new Promise((resolve) => setTimeout(resolve, 50));
}
