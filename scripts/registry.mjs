// A real OCI registry for the tests: CNCF Distribution as Debian packages it (`docker-registry`,
// 2.8.2), started on 127.0.0.1 with its storage in a temporary folder. No mock: what the tests see
// is what a team's own registry does. Facts about its behaviour, measured: docs/registry.md.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request as httpRequest, createServer } from 'node:http';
import { createServer as createNetServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { installDebianPackages } from './ensure-tools.mjs';
import { makeSigningCertificate, tokenService } from './registry-token.mjs';

const REGISTRY_PATH = '/usr/bin/docker-registry';
const HTPASSWD_PATH = '/usr/bin/htpasswd';
export const OPENSSL_PATH = '/usr/bin/openssl';
/** The `service` and `issuer` of the harness's token service; the registry accepts tokens naming exactly these. */
export const TOKEN_SERVICE = 'model-shelf-test-registry';
export const TOKEN_ISSUER = 'model-shelf-test-token-issuer';

/**
 * Headers every response carries, preflights included. Authorization is never covered by a
 * wildcard, and application/octet-stream is not a CORS-safelisted Content-Type, so both are named.
 */
export const CORS_ALLOW_HEADERS = ['Authorization', 'Content-Type', 'Content-Range', 'Accept'];
/** Response headers a page may read beyond the safelisted ones (Content-Length is safelisted). */
export const CORS_EXPOSE_HEADERS = ['Location', 'Docker-Upload-UUID', 'Range', 'Docker-Content-Digest', 'WWW-Authenticate', 'Link', 'Content-Length', 'OCI-Subject'];
export const CORS_ALLOW_METHODS = ['HEAD', 'GET', 'OPTIONS', 'POST', 'PUT', 'PATCH', 'DELETE'];

/**
 * @typedef {{ user: string, password: string }} Credentials
 * @typedef {{ kind: 'token', user: string, password: string }} TokenAuth
 *   bearer-token auth: the one user the token service knows; anyone else gets pull-only tokens
 * @typedef {{ type: string, name: string, actions: string[] }} ResourceActions
 * @typedef {{
 *   user: string | null, status: number, service: string | null, scopes: string[],
 *   granted: ResourceActions[], jti: string | null
 * }} TokenRequest
 *   one request to the token service: `user` null when anonymous, `scopes` as sent (every `scope`
 *   parameter), `granted` the token's `access` claim, `jti` its id (null when no token was issued)
 * @typedef {{ method: string, uri: string, path: string, status: number, bytes: number }} RegistryRequest
 *   one line of the registry's access log: `uri` with its query string, `path` without, `bytes` written in the response
 * @typedef {{
 *   url: string,
 *   directUrl: string,
 *   storageDir: string,
 *   stop(signal?: NodeJS.Signals): Promise<void>,
 *   restart(): Promise<void>,
 *   requests(): Promise<RegistryRequest[]>,
 *   tokenRealm: string | null,
 *   tokenRequests(): TokenRequest[],
 *   bearerTokens(): string[],
 *   close(): Promise<void>
 * }} Registry
 */

/**
 * Returns the path of Distribution's binary: $REGISTRY_BIN, else /usr/bin/docker-registry, else
 * Debian's `docker-registry` installed with apt-get (root on Debian); otherwise exits with a hint.
 * Also installs `htpasswd` (apache2-utils), which the instances with basic auth need for bcrypt, and
 * `openssl`, which makes the token service's certificate.
 * @returns {string}
 */
export function ensureRegistry() {
	const fromEnv = process.env.REGISTRY_BIN;
	if (fromEnv && !existsSync(fromEnv)) _fail(`REGISTRY_BIN is set to ${fromEnv}, but no file is there.`);
	const missing = [];
	if (!fromEnv && !existsSync(REGISTRY_PATH)) missing.push('docker-registry');
	if (!existsSync(HTPASSWD_PATH)) missing.push('apache2-utils');
	if (!existsSync(OPENSSL_PATH)) missing.push('openssl');
	if (missing.length > 0) {
		const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
		if (!isRoot || !existsSync('/etc/debian_version') || !existsSync('/usr/bin/apt-get')) {
			_fail(
				`The registry tests need CNCF Distribution 2.8 and htpasswd: install the Debian package(s) ${missing.join(', ')} ` +
					`(sudo apt-get install ${missing.join(' ')}); REGISTRY_BIN may name another Distribution binary.`
			);
		}
		installDebianPackages(missing, 'CNCF Distribution and htpasswd for the registry tests');
	}
	const path = fromEnv ?? REGISTRY_PATH;
	if (!existsSync(path) || !existsSync(HTPASSWD_PATH) || !existsSync(OPENSSL_PATH)) _fail(`apt-get ran, but ${path}, ${HTPASSWD_PATH} or ${OPENSSL_PATH} is still missing.`);
	return path;
}

/**
 * Starts a registry in a fresh temporary folder and resolves once it listens. With `auth`, requests
 * need credentials, and a CORS preflight proxy stands in front (Distribution answers an OPTIONS
 * without credentials with 401, which fails every browser preflight: docs/registry.md).
 * `auth: { user, password }` is HTTP basic (htpasswd). `auth: { kind: 'token', user, password }` is the
 * bearer-token flow: the registry's `auth.token` trusts a certificate made at start, and a token
 * service on its own port (`tokenRealm`, another origin, as auth.docker.io is for Docker Hub) issues
 * ES256 JWTs signed with its key: `pull,push,delete` and the catalog for that user, `pull` for anyone
 * else (anonymous, or another user name), 401 for a wrong password of that user.
 * @param {{ origin: string, auth?: Credentials | TokenAuth, port?: number, bin?: string }} options
 *   `origin` the app's origin allowed by CORS; `port` the port of `url` (default: a free one)
 * @returns {Promise<Registry>} `url` what clients use; `directUrl` the registry itself, bypassing the
 *   preflight proxy (the same as `url` without auth); `stop` kills the process (SIGKILL unless told),
 *   `restart` starts it again on the same port and storage; `requests` every request the registry
 *   logged so far, oldest first; `tokenRealm` the token endpoint (null without token auth);
 *   `tokenRequests` what the token service was asked, oldest first; `bearerTokens` the bearer tokens
 *   the registry was sent through the proxy, in order; `close` stops it and deletes its folder
 * @example
 * const registry = await startRegistry({ origin: 'http://localhost:4321' });
 * await fetch(`${registry.url}/v2/`); // 200
 * await registry.close();
 */
export async function startRegistry({ origin, auth, port, bin = process.env.REGISTRY_BIN ?? REGISTRY_PATH }) {
	const dir = mkdtempSync(join(tmpdir(), 'shelf-registry-'));
	_folders.add(dir);
	const storageDir = join(dir, 'storage');
	// Chosen together: a port closed by one pick is free again, and a second pick alone could return it (a
	// fresh-clone run had the proxy's listen fail with EADDRINUSE on the port the registry had just taken).
	const [freePublic, freeRegistry, freeToken] = /** @type {[number, number, number]} */ (await _freePorts(3));
	const publicPort = port ?? freePublic;
	const registryPort = auth ? freeRegistry : publicPort;
	const configPath = join(dir, 'config.yml');
	/** @type {{ htpasswdPath?: string, token?: { realm: string, certPath: string } }} */
	const access = {};
	/** @type {import('node:http').Server | null} */
	let tokenServer = null;
	/** @type {TokenRequest[]} */
	const tokenLog = [];
	if (auth && 'kind' in auth && auth.kind === 'token') {
		const { certPath, keyPem, certDer } = makeSigningCertificate(dir);
		tokenServer = tokenService({ auth, origin, keyPem, certDer, log: tokenLog });
		const tokenPort = freeToken;
		await _listen(tokenServer, tokenPort);
		access.token = { realm: `http://127.0.0.1:${tokenPort}/token`, certPath };
	} else if (auth) {
		if (!existsSync(HTPASSWD_PATH)) throw new Error(`startRegistry: ${HTPASSWD_PATH} is missing; run ensureRegistry() (Debian's apache2-utils) first.`);
		access.htpasswdPath = join(dir, 'htpasswd');
		// Distribution 2.8 reads bcrypt entries only; -i takes the password on stdin, not in argv.
		const line = execFileSync(HTPASSWD_PATH, ['-niB', auth.user], { input: `${auth.password}\n` });
		writeFileSync(access.htpasswdPath, line);
	}
	writeFileSync(configPath, _config({ storageDir, port: registryPort, origin, ...access }));

	/** @type {RegistryRequest[]} */
	const log = [];
	/** @type {string[]} */
	const bearers = [];
	/** @type {import('node:child_process').ChildProcess | null} */
	let child = null;
	let syncCount = 0;
	const proxy = auth ? _preflightProxy({ registryPort, origin, onBearer: (token) => bearers.push(token) }) : null;

	async function start() {
		child = await _spawnRegistry(bin, configPath, (entry) => log.push(entry));
		if (proxy) await _listen(proxy, publicPort);
	}
	/** @param {NodeJS.Signals} [signal] */
	async function stop(signal = 'SIGKILL') {
		const running = child;
		child = null;
		// The proxy goes down with the registry, so clients meet a refused connection as they would without it.
		if (proxy?.listening) await _close(proxy);
		if (!running || running.exitCode !== null || running.signalCode !== null) return;
		const exited = new Promise((resolve) => running.once('exit', resolve));
		running.kill(signal);
		await exited;
	}
	try {
		await start();
	} catch (error) {
		if (tokenServer) await _close(tokenServer);
		rmSync(dir, { recursive: true, force: true });
		throw error;
	}
	return {
		url: `http://127.0.0.1:${publicPort}`,
		directUrl: `http://127.0.0.1:${registryPort}`,
		storageDir,
		stop,
		async restart() {
			await stop();
			await start();
		},
		async requests() {
			// The access log line of a request is written when its handler returns, and reaches us through a
			// pipe: ask once more and wait for that line, so every request answered before it is in `log`.
			if (child && child.exitCode === null && child.signalCode === null) {
				const marker = `/v2/?harness-sync=${++syncCount}`;
				await _get(`http://127.0.0.1:${registryPort}${marker}`);
				await _waitFor(() => log.some((entry) => entry.uri === marker), 5_000, 'the registry to log a request');
			}
			return log.filter((entry) => !entry.uri.startsWith('/v2/?harness-sync='));
		},
		tokenRealm: access.token?.realm ?? null,
		tokenRequests: () => [...tokenLog],
		bearerTokens: () => [...bearers],
		async close() {
			await stop();
			// The token service is another host in real life: it stays up across stop/restart, down on close.
			if (tokenServer?.listening) await _close(tokenServer);
			rmSync(dir, { recursive: true, force: true });
			_folders.delete(dir);
		}
	};
}

/**
 * Parses one line of Distribution's access log (Apache combined format, written to stdout):
 * `127.0.0.1 - - [25/Nov/2026:12:02:10 +0000] "GET /v2/ HTTP/1.1" 200 2 "" "curl/7.88.1"`.
 * @param {string} line
 * @returns {RegistryRequest | null} null for anything else
 */
export function parseAccessLogLine(line) {
	const match = /^\S+ \S+ \S+ \[[^\]]+\] "(\S+) (\S+) [^"]*" (\d{3}) (\d+|-)/.exec(line);
	if (!match) return null;
	const [, method = '', uri = '', status = '0', bytes = '0'] = match;
	return { method, uri, path: uri.split('?')[0] ?? uri, status: Number(status), bytes: bytes === '-' ? 0 : Number(bytes) };
}

// ── helpers ─────────────────────────────────────────────────────────────────────────────────────

/** @type {Set<import('node:child_process').ChildProcess>} */
const _running = new Set();
/** @type {Set<string>} */
const _folders = new Set();
process.once('exit', () => {
	for (const child of _running) child.kill('SIGKILL');
	for (const dir of _folders) rmSync(dir, { recursive: true, force: true });
});

/** @param {{ storageDir: string, port: number, origin: string, htpasswdPath?: string, token?: { realm: string, certPath: string } }} options */
function _config({ storageDir, port, origin, htpasswdPath, token }) {
	const list = (/** @type {string[]} */ values) => `[${values.map((value) => JSON.stringify(value)).join(', ')}]`;
	return [
		'version: 0.1',
		'log:',
		'  level: info',
		'storage:',
		'  filesystem:',
		`    rootdirectory: ${JSON.stringify(storageDir)}`,
		'  delete:',
		'    enabled: true',
		'http:',
		`  addr: 127.0.0.1:${port}`,
		// Upload URLs carry an HMAC-signed `_state`; a random secret per start would void them on restart.
		'  secret: model-shelf-test-registry',
		// SIGTERM lets requests in flight finish (a maintenance restart); SIGKILL cuts them (a crash).
		'  draintimeout: 30s',
		'  headers:',
		`    Access-Control-Allow-Origin: ${list([origin])}`,
		`    Access-Control-Allow-Methods: ${list(CORS_ALLOW_METHODS)}`,
		`    Access-Control-Allow-Headers: ${list(CORS_ALLOW_HEADERS)}`,
		`    Access-Control-Expose-Headers: ${list(CORS_EXPOSE_HEADERS)}`,
		'    Access-Control-Max-Age: ["600"]',
		'    Vary: ["Origin"]',
		...(htpasswdPath ? ['auth:', '  htpasswd:', '    realm: model-shelf-test', `    path: ${JSON.stringify(htpasswdPath)}`] : []),
		...(token
			? [
					'auth:',
					'  token:',
					`    realm: ${JSON.stringify(token.realm)}`,
					`    service: ${TOKEN_SERVICE}`,
					`    issuer: ${TOKEN_ISSUER}`,
					`    rootcertbundle: ${JSON.stringify(token.certPath)}`
				]
			: []),
		''
	].join('\n');
}

/**
 * Spawns the registry and resolves once it listens; rejects with its last log lines if it exits.
 * @param {string} bin
 * @param {string} configPath
 * @param {(entry: RegistryRequest) => void} onRequest
 * @returns {Promise<import('node:child_process').ChildProcess>}
 */
function _spawnRegistry(bin, configPath, onRequest) {
	const child = spawn(bin, ['serve', configPath], { stdio: ['ignore', 'pipe', 'pipe'] });
	// A test process that ends without closing its registries must not leave them running.
	_running.add(child);
	child.once('exit', () => _running.delete(child));
	_eachLine(child.stdout, (line) => {
		const entry = parseAccessLogLine(line);
		if (entry) onRequest(entry);
	});
	/** @type {string[]} */
	const recent = [];
	return new Promise((resolve, reject) => {
		const timer = setTimeout(() => {
			child.kill('SIGKILL');
			reject(new Error(`The registry did not start within 10 s:\n${recent.join('\n')}`));
		}, 10_000);
		child.once('error', (error) => {
			clearTimeout(timer);
			reject(error);
		});
		child.once('exit', (code) => {
			clearTimeout(timer);
			reject(new Error(`The registry exited with ${code} before listening:\n${recent.join('\n')}`));
		});
		_eachLine(child.stderr, (line) => {
			recent.push(line);
			if (recent.length > 20) recent.shift();
			if (line.includes('msg="listening on ')) {
				clearTimeout(timer);
				resolve(child);
			}
		});
	});
}

/**
 * A CORS preflight answerer in front of the registry: OPTIONS gets 204 with the same CORS headers the
 * registry sends; every other request goes to the registry unchanged (Host included, so the upload
 * URLs it returns point back here). Not listening yet: it listens while the registry runs.
 * @param {{ registryPort: number, origin: string, onBearer?: (token: string) => void }} options
 *   `onBearer` is told each bearer token a request carries (Distribution logs no Authorization)
 * @returns {import('node:http').Server}
 */
function _preflightProxy({ registryPort, origin, onBearer }) {
	return createServer((request, response) => {
		const bearer = /^Bearer (\S+)$/i.exec(request.headers.authorization ?? '')?.[1];
		if (bearer && request.method !== 'OPTIONS') onBearer?.(bearer);
		if (request.method === 'OPTIONS') {
			response.writeHead(204, {
				'access-control-allow-origin': origin,
				'access-control-allow-methods': CORS_ALLOW_METHODS.join(', '),
				'access-control-allow-headers': CORS_ALLOW_HEADERS.join(', '),
				'access-control-max-age': '600',
				vary: 'Origin'
			});
			response.end();
			return;
		}
		const upstream = httpRequest(
			{ host: '127.0.0.1', port: registryPort, method: request.method, path: request.url, headers: request.headers },
			(reply) => {
				response.writeHead(reply.statusCode ?? 502, reply.rawHeaders);
				reply.pipe(response);
			}
		);
		upstream.on('error', () => request.socket.destroy());
		request.pipe(upstream);
	});
}

// ── token service (Docker token spec: distribution/docs/spec/auth/token.md, jwt.md, scope.md) ─────


/** @param {import('node:http').Server} server @param {number} port @returns {Promise<void>} */
function _listen(server, port) {
	return new Promise((resolve, reject) => {
		server.once('error', reject);
		server.listen(port, '127.0.0.1', () => {
			server.off('error', reject);
			resolve();
		});
	});
}

/** @param {import('node:http').Server} server @returns {Promise<void>} */
function _close(server) {
	const closed = new Promise((resolve) => server.close(() => resolve(undefined)));
	server.closeAllConnections();
	return /** @type {Promise<void>} */ (closed);
}

/**
 * `count` distinct ports free right now: each is held open until all are picked, so none repeats.
 * @param {number} count @returns {Promise<number[]>}
 */
async function _freePorts(count) {
	/** @type {import('node:net').Server[]} */
	const servers = [];
	try {
		for (let index = 0; index < count; index++) {
			const server = createNetServer();
			servers.push(server);
			await new Promise((resolve, reject) => {
				server.once('error', reject);
				server.listen(0, '127.0.0.1', () => resolve(undefined));
			});
		}
		return servers.map((server) => {
			const address = server.address();
			return typeof address === 'object' && address ? address.port : 0;
		});
	} finally {
		await Promise.all(servers.map((server) => new Promise((resolve) => (server.listening ? server.close(() => resolve(undefined)) : resolve(undefined)))));
	}
}

/** @param {string} url @returns {Promise<void>} */
function _get(url) {
	return new Promise((resolve, reject) => {
		httpRequest(url, (response) => response.resume().once('end', resolve)).once('error', reject).end();
	});
}

/** @param {() => boolean} condition @param {number} timeout @param {string} what */
async function _waitFor(condition, timeout, what) {
	const deadline = Date.now() + timeout;
	while (!condition()) {
		if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}.`);
		await new Promise((resolve) => setTimeout(resolve, 10));
	}
}

/** @param {import('node:stream').Readable | null} stream @param {(line: string) => void} onLine */
function _eachLine(stream, onLine) {
	if (!stream) return;
	let pending = '';
	stream.setEncoding('utf8');
	stream.on('data', (/** @type {string} */ chunk) => {
		pending += chunk;
		const lines = pending.split('\n');
		pending = lines.pop() ?? '';
		for (const line of lines) onLine(line);
	});
}

/** @param {string} message @returns {never} */
function _fail(message) {
	console.error(message);
	process.exit(1);
}

if (import.meta.url === `file://${process.argv[1]}`) console.log(ensureRegistry());
