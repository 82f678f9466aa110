// Runs the app in Chromium as a browser that lacks a worker API runs it (issue 24: WebKitGTK has no OPFS,
// private windows refuse it), for the storage-fallback tests and the bench. Playwright's init scripts reach
// pages only, not dedicated workers, and the worker is where the shelf detects storage and coordination; so the
// worker's entry script is served with a line in front that removes the API before the shelf's code runs. The
// product has no switch for this: what it detects is what the browser has. The service worker is replaced by
// one that does nothing (its precache would serve the worker script past the route).

/** The worker without OPFS, as in WebKitGTK. */
export const NO_OPFS = 'delete StorageManager.prototype.getDirectory;';
/** The worker without Web Locks and BroadcastChannel (browsers before 2022). */
export const NO_LOCKS_OR_CHANNEL = 'delete WorkerNavigator.prototype.locks; delete self.BroadcastChannel;';

/**
 * Makes every page of `context` open the app with `prelude` run first in its shelf worker (the page keeps every
 * API, so tests can look at what the worker did not write). Call before the first page opens.
 * @param {import('playwright-core').BrowserContext} context
 * @param {string} prelude statements run before the worker's own code
 */
export async function withoutInWorkers(context, prelude) {
	// A service worker that does nothing: requests reach the network, and so this route.
	await context.route('**/sw.js', (route) => route.fulfill({ contentType: 'text/javascript', body: '// no service worker in this test\n' }));
	await context.route('**/_app/immutable/workers/index-*.js', async (route) => {
		const response = await route.fetch();
		// The body comes decoded: the served file may be precompressed (.br, .gz), its length is not this one.
		const headers = { ...response.headers() };
		delete headers['content-encoding'];
		delete headers['content-length'];
		await route.fulfill({ status: response.status(), headers, body: `${prelude}\n${await response.text()}` });
	});
}

/**
 * The same as {@link withoutInWorkers}, as a server of ours in front of the app (for registry tests): Chromium
 * puts a script a route fulfilled in no address space, so its worker's requests to a registry on 127.0.0.1 are
 * refused as Local Network Access; a script from a real server is not.
 * @param {string} appUrl the app's origin, e.g. `http://localhost:4321`
 * @param {string} prelude statements run before the worker's own code
 * @returns {Promise<{ url: string, close: () => Promise<void> }>} the proxy's origin (`http://127.0.0.1:<port>`)
 */
export async function serveWithoutInWorkers(appUrl, prelude) {
	const { createServer } = await import('node:http');
	const server = createServer(async (request, response) => {
		const path = request.url ?? '/';
		if (path.endsWith('/sw.js')) return void response.writeHead(200, { 'content-type': 'text/javascript' }).end('// no service worker here\n');
		try {
			const upstream = await fetch(`${appUrl}${path}`);
			const headers = Object.fromEntries([...upstream.headers].filter(([name]) => !['content-encoding', 'content-length', 'transfer-encoding'].includes(name)));
			let body = Buffer.from(await upstream.arrayBuffer());
			if (/\/_app\/immutable\/workers\/index-[^/]*\.js$/.test(path)) body = Buffer.concat([Buffer.from(`${prelude}\n`), body]);
			response.writeHead(upstream.status, headers).end(body);
		} catch (error) {
			response.writeHead(502).end(String(error));
		}
	});
	await new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(undefined)));
	const address = /** @type {import('node:net').AddressInfo} */ (server.address());
	return { url: `http://127.0.0.1:${address.port}`, close: () => new Promise((resolve) => server.close(() => resolve(undefined))) };
}
