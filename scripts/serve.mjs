// Serves the static build the way any static host would: files from build/, and the app shell
// (index.html) for every other path so deep links and query strings open the app.
import { createServer } from 'node:http';
import { createReadStream, readFileSync, statSync } from 'node:fs';
import { extname, join, normalize, resolve, sep } from 'node:path';
import { buildDir } from './build-dir.mjs';
import { ENCODINGS, isCompressible } from './compress.mjs';

/** @type {Record<string, string>} */
const CONTENT_TYPES = {
	'.html': 'text/html; charset=utf-8',
	'.js': 'text/javascript; charset=utf-8',
	'.css': 'text/css; charset=utf-8',
	'.json': 'application/json; charset=utf-8',
	'.webmanifest': 'application/manifest+json',
	'.svg': 'image/svg+xml',
	'.png': 'image/png',
	'.ico': 'image/x-icon',
	'.wasm': 'application/wasm',
	'.txt': 'text/plain; charset=utf-8'
};

/**
 * Starts a static server for `root`; resolves with the listening server and its URL.
 * @param {{ root?: string, port?: number, host?: string }} options
 * @returns {Promise<{ server: import('node:http').Server, url: string }>}
 */
export function serveStatic({ root = buildDir, port = 4173, host = '127.0.0.1' } = {}) {
	const rootDir = resolve(root);
	const server = createServer((request, response) => {
		const path = decodeURIComponent(new URL(request.url ?? '/', 'http://localhost').pathname);
		const file = findFile(rootDir, path);
		if (!file) {
			response.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('Not found');
			return;
		}
		const immutable = file.includes(`${sep}_app${sep}immutable${sep}`);
		const policy = builtPolicy(rootDir);
		const encoded = isCompressible(file) ? precompressed(file, request.headers['accept-encoding']) : null;
		response.writeHead(200, {
			'content-type': CONTENT_TYPES[extname(file)] ?? 'application/octet-stream',
			'cache-control': immutable ? 'public, max-age=31536000, immutable' : 'no-cache',
			// The policy of the page, also on scripts: a worker's or service worker's policy comes from its own response.
			...(policy ? { 'content-security-policy': policy } : {}),
			...(isCompressible(file) ? { vary: 'Accept-Encoding' } : {}),
			...(encoded ? { 'content-encoding': encoded.token } : {})
		});
		if (request.method === 'HEAD') response.end();
		else createReadStream(encoded?.path ?? file).pipe(response);
	});
	return new Promise((resolvePromise, reject) => {
		server.once('error', reject);
		server.listen(port, host, () => {
			const address = /** @type {import('node:net').AddressInfo} */ (server.address());
			resolvePromise({ server, url: `http://${host === '127.0.0.1' ? 'localhost' : host}:${address.port}` });
		});
	});
}

/** @type {Map<string, { mtime: number, policy: string | null }>} */
const policies = new Map();

/**
 * The Content-Security-Policy SvelteKit wrote into the build's index.html (csp.config.js plus the hashes
 * of its inline script): one source of truth for the <meta> and the header. Re-read when the build changes.
 * @param {string} rootDir the build folder
 * @returns {string | null}
 */
export function builtPolicy(rootDir) {
	const shell = join(rootDir, 'index.html');
	let mtime;
	try {
		mtime = statSync(shell).mtimeMs;
	} catch {
		return null;
	}
	const cached = policies.get(rootDir);
	if (cached?.mtime === mtime) return cached.policy;
	const meta = /<meta http-equiv="content-security-policy" content="([^"]*)"/i.exec(readFileSync(shell, 'utf8'));
	const policy = meta?.[1] ? meta[1].replaceAll('&#39;', "'").replaceAll('&quot;', '"').replaceAll('&amp;', '&') : null;
	policies.set(rootDir, { mtime, policy });
	return policy;
}

/**
 * @param {string} rootDir
 * @param {string} urlPath
 */
function findFile(rootDir, urlPath) {
	const candidate = normalize(join(rootDir, urlPath));
	if (candidate !== rootDir && !candidate.startsWith(rootDir + sep)) return null;
	for (const file of [candidate, `${candidate}.html`, join(candidate, 'index.html')]) {
		if (isFile(file)) return file;
	}
	// Missing build assets are real 404s; any other path is a client-side route.
	if (urlPath.startsWith('/_app/') || extname(urlPath) !== '') return null;
	return join(rootDir, 'index.html');
}

/**
 * The build-time compressed copy of `file` (scripts/compress.mjs) the client accepts, best first; none
 * when it is missing or older than the file (a rebuild that did not compress must not serve stale bytes).
 * @param {string} file
 * @param {string | undefined} acceptEncoding
 * @returns {{ token: string, path: string } | null}
 */
function precompressed(file, acceptEncoding) {
	const accepted = new Set(
		(acceptEncoding ?? '')
			.split(',')
			.map((part) => part.trim().split(';'))
			.filter(([, q]) => q?.trim() !== 'q=0')
			.map(([token]) => (token ?? '').toLowerCase())
	);
	for (const { token, suffix } of ENCODINGS) {
		if (!accepted.has(token)) continue;
		try {
			if (statSync(file + suffix).mtimeMs >= statSync(file).mtimeMs) return { token, path: file + suffix };
		} catch {
			// Not compressed at build time (too small, or an older build): try the next, else send it as is.
		}
	}
	return null;
}

/** @param {string} path */
function isFile(path) {
	try {
		return statSync(path).isFile();
	} catch {
		return false;
	}
}

if (import.meta.url === `file://${process.argv[1]}`) {
	const port = Number(process.env.PORT ?? 4173);
	const { url } = await serveStatic({ port });
	console.log(`Model Shelf is being served at ${url}`);
}
