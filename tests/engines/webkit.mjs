// WebKitGTK through WebKitWebDriver (Debian's webkit2gtk-driver) under xvfb-run: a W3C WebDriver client of our own
// over fetch. Ours rather than selenium-webdriver because the journey needs five endpoints (new session, navigate,
// execute async, delete session) and selenium-webdriver would add a dependency whose selenium-manager tries to
// download drivers, which these machines cannot.
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { ENGINE_PATHS } from '../../scripts/ensure-tools.mjs';

/**
 * Starts WebKitWebDriver on a free port inside its own X server and opens a MiniBrowser session.
 * @returns {Promise<import('./driver.mjs').Driver>}
 */
export async function launchWebKit() {
	const port = await freePort();
	// detached: its own process group, so closing ends xvfb-run, Xvfb, the driver and MiniBrowser together.
	const child = spawn(ENGINE_PATHS.xvfbRun, ['-a', '-s', '-screen 0 1280x900x24', ENGINE_PATHS.webkitDriver, `--port=${port}`], { detached: true, stdio: ['ignore', 'ignore', 'pipe'] });
	let log = '';
	child.stderr.on('data', (chunk) => (log = (log + chunk).slice(-4000)));
	const kill = () => {
		try {
			process.kill(-(/** @type {number} */ (child.pid)), 'SIGKILL');
		} catch {
			/* already gone */
		}
	};
	// Also when the run dies without closing (an exception, a closed pipe): no X server or browser outlives it.
	process.once('exit', kill);
	const base = `http://127.0.0.1:${port}`;
	try {
		await waitFor(async () => (await fetch(`${base}/status`)).ok, `WebKitWebDriver on port ${port} never answered /status (${log.trim()})`);
		const session = await command(base, 'POST', '/session', {
			capabilities: { alwaysMatch: { 'webkitgtk:browserOptions': { binary: ENGINE_PATHS.miniBrowser, args: ['--automation'] } } }
		});
		const id = session.sessionId;
		const version = String(session.capabilities?.browserVersion ?? '?');
		await command(base, 'POST', `/session/${id}/timeouts`, { script: 90_000, pageLoad: 60_000 });
		return {
			name: 'WebKitGTK',
			version,
			async goto(url) {
				await command(base, 'POST', `/session/${id}/url`, { url });
			},
			async run(fn, arg) {
				// Execute Async Script: the last argument is the callback; errors come back as data, not as a rejected script.
				const script = `const done = arguments[arguments.length - 1];
Promise.resolve().then(() => (${fn})(arguments[0])).then((value) => done({ value }), (error) => done({ error: String(error && error.code ? error.code + ': ' + error.message : error) }));`;
				const result = await command(base, 'POST', `/session/${id}/execute/async`, { script, args: [arg ?? null] });
				if (result && typeof result === 'object' && 'error' in result) throw new Error(`in WebKitGTK: ${result.error}`);
				return result?.value;
			},
			async close() {
				await command(base, 'DELETE', `/session/${id}`).catch(() => {});
				kill();
			}
		};
	} catch (error) {
		kill();
		throw error;
	}
}

/**
 * One WebDriver command; a WebDriver error becomes an Error naming it.
 * @param {string} base @param {string} method @param {string} path @param {unknown} [body]
 */
async function command(base, method, path, body) {
	const response = await fetch(base + path, { method, headers: { 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
	const json = /** @type {{ value: any }} */ (await response.json());
	if (!response.ok) throw new Error(`WebKitWebDriver ${method} ${path}: ${json.value?.error}: ${json.value?.message}`);
	return json.value;
}

/** @param {() => Promise<boolean>} check @param {string} message */
async function waitFor(check, message) {
	for (let i = 0; i < 150; i++) {
		if (await check().catch(() => false)) return;
		await new Promise((resolve) => setTimeout(resolve, 200));
	}
	throw new Error(message);
}

/** @returns {Promise<number>} */
function freePort() {
	return new Promise((resolve, reject) => {
		const server = createServer();
		server.once('error', reject);
		server.listen(0, '127.0.0.1', () => {
			const { port } = /** @type {import('node:net').AddressInfo} */ (server.address());
			server.close(() => resolve(port));
		});
	});
}
