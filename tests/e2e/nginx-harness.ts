// Debian's nginx in front of the test registry, configured with exactly the nginx lines README.md shows
// (between `<!-- nginx-cors:start -->` and `<!-- nginx-cors:end -->`), so README and the tests cannot drift.
// Only README's placeholders change: the app's origin and the upstream addresses. nginx runs in the
// foreground as a child process with its pid, logs and temporary files in a folder of its own.
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Registry } from './registry-harness.ts';

const NGINX_PATH = '/usr/sbin/nginx';
const README = fileURLToPath(new URL('../../README.md', import.meta.url));

/** README's placeholders, each replaced by the running address. */
export const README_PLACEHOLDERS = {
	origin: 'https://shelf.example.com',
	registry: 'http://127.0.0.1:5000',
	tokenService: 'http://127.0.0.1:5001'
} as const;

/** One line of nginx's access log, as the harness's `log_format` writes it. */
export interface NginxRequest {
	method: string;
	path: string;
	status: number;
}

export interface Nginx {
	/** nginx's origin: what the app is told the registry is. */
	url: string;
	/** The configuration nginx runs, README's lines in it. */
	conf: string;
	/** Every request nginx answered so far, oldest first (read from its access log). */
	requests(): NginxRequest[];
	/** Stops nginx and deletes its folder. */
	close(): Promise<void>;
}

/**
 * The nginx blocks of README's registry-configuration section, joined, exactly as written.
 * @throws when the markers or the placeholders are gone, so a README edit cannot silently skip the test
 */
export function readmeNginxLines(): string {
	const readme = readFileSync(README, 'utf8');
	const section = /<!-- nginx-cors:start[^>]*-->([\s\S]*?)<!-- nginx-cors:end -->/.exec(readme)?.[1];
	if (!section) throw new Error('README.md has no <!-- nginx-cors:start --> … <!-- nginx-cors:end --> section.');
	const blocks = [...section.matchAll(/```nginx\n([\s\S]*?)```/g)].map((match) => match[1] ?? '');
	if (blocks.length === 0) throw new Error("README.md's nginx-cors section holds no ```nginx block.");
	const lines = blocks.join('\n');
	for (const placeholder of [README_PLACEHOLDERS.origin, README_PLACEHOLDERS.registry]) {
		if (!lines.includes(placeholder)) throw new Error(`README.md's nginx lines no longer mention ${placeholder}; update README_PLACEHOLDERS.`);
	}
	return lines;
}

/**
 * Starts nginx on a free port of 127.0.0.1 in front of a running registry, with README's lines.
 * @param options `registry` the harness registry (nginx talks to `directUrl`, bypassing the harness's
 *   own preflight proxy); `origin` the app's origin; `tokenService` where README's token-service
 *   lines send their requests (an address nothing listens on when omitted)
 * @example
 * const nginx = await startNginx({ registry, origin: appOrigin(), tokenService: 'http://127.0.0.1:5001' });
 * await fetch(`${nginx.url}/v2/`, { method: 'OPTIONS' }); // 204, answered by nginx
 */
export async function startNginx(options: { registry: Pick<Registry, 'directUrl'>; origin: string; tokenService?: string }): Promise<Nginx> {
	if (!existsSync(NGINX_PATH)) throw new Error(`${NGINX_PATH} is missing: npm test installs Debian's nginx (scripts/ensure-tools.mjs).`);
	const prefix = mkdtempSync(join(tmpdir(), 'shelf-nginx-'));
	// nginx's workers run as `nobody` when started by root: they must reach the temporary folders.
	chmodSync(prefix, 0o755);
	const port = await _freePort();
	const tokenService = options.tokenService ?? `http://127.0.0.1:${await _freePort()}`;
	const lines = readmeNginxLines()
		.replaceAll(README_PLACEHOLDERS.origin, options.origin)
		.replaceAll(README_PLACEHOLDERS.registry, options.registry.directUrl)
		.replaceAll(README_PLACEHOLDERS.tokenService, tokenService);
	const conf = _conf({ prefix, port, lines });
	const confPath = join(prefix, 'nginx.conf');
	writeFileSync(confPath, conf);
	const accessLog = join(prefix, 'access.log');
	// -e: nginx opens its compiled-in error log (/var/log/nginx) before reading the configuration.
	const child = spawn(NGINX_PATH, ['-e', 'stderr', '-c', confPath, '-p', prefix], { stdio: ['ignore', 'ignore', 'pipe'] });
	_running.add(child);
	child.once('exit', () => _running.delete(child));
	let stderr = '';
	child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
	try {
		await _waitForPort(port, child, () => stderr);
	} catch (error) {
		child.kill('SIGKILL');
		rmSync(prefix, { recursive: true, force: true });
		throw error;
	}
	return {
		url: `http://127.0.0.1:${port}`,
		conf,
		requests: () =>
			(existsSync(accessLog) ? readFileSync(accessLog, 'utf8') : '')
				.split('\n')
				.filter(Boolean)
				.map((line) => {
					const [method = '', path = '', status = '0'] = line.split(' ');
					return { method, path, status: Number(status) };
				}),
		async close() {
			if (child.exitCode === null && child.signalCode === null) {
				const exited = new Promise((resolve) => child.once('exit', resolve));
				// SIGQUIT: nginx's graceful stop; its workers go with the master.
				child.kill('SIGQUIT');
				await exited;
			}
			rmSync(prefix, { recursive: true, force: true });
		}
	};
}

/**
 * Points a token-auth harness registry's challenge (`auth.token.realm`) at another address, e.g. the
 * token-service location README's nginx lines add, and restarts the registry to read it. The harness
 * writes config.yml next to the registry's storage folder.
 * @param registry a registry started with `auth.kind: 'token'`
 * @param realm the new realm URL
 */
export async function moveTokenRealm(registry: Registry, realm: string): Promise<void> {
	const configPath = join(dirname(registry.storageDir), 'config.yml');
	const config = readFileSync(configPath, 'utf8');
	const moved = config.replace(/^(\s+realm: ).*$/m, (_, indent: string) => `${indent}${JSON.stringify(realm)}`);
	if (moved === config || !config.includes('token:')) throw new Error(`moveTokenRealm: no auth.token.realm in ${configPath}.`);
	writeFileSync(configPath, moved);
	await registry.restart();
}

// ── helpers ─────────────────────────────────────────────────────────────────────────────────────

const _running = new Set<ChildProcess>();
// A test process that ends without closing nginx must not leave it listening.
process.once('exit', () => {
	for (const child of _running) child.kill('SIGKILL');
});

function _conf({ prefix, port, lines }: { prefix: string; port: number; lines: string }): string {
	const indented = lines.trimEnd().split('\n').map((line) => `        ${line}`).join('\n');
	return `daemon off;
worker_processes 1;
pid ${prefix}/nginx.pid;
error_log stderr warn;
events { worker_connections 256; }
http {
    log_format shelf '$request_method $uri $status';
    access_log ${prefix}/access.log shelf;
    client_body_temp_path ${prefix}/client_body;
    proxy_temp_path ${prefix}/proxy;
    fastcgi_temp_path ${prefix}/fastcgi;
    uwsgi_temp_path ${prefix}/uwsgi;
    scgi_temp_path ${prefix}/scgi;
    server {
        listen 127.0.0.1:${port};
        # README's lines, as written there:
${indented}
    }
}
`;
}

function _freePort(): Promise<number> {
	return new Promise((resolve, reject) => {
		const server = createServer();
		server.once('error', reject);
		server.listen(0, '127.0.0.1', () => {
			const { port } = server.address() as { port: number };
			server.close(() => resolve(port));
		});
	});
}

/** Resolves once something accepts connections on the port; rejects with nginx's stderr if it exits. */
async function _waitForPort(port: number, child: ChildProcess, stderr: () => string): Promise<void> {
	const deadline = Date.now() + 10_000;
	while (Date.now() < deadline) {
		if (child.exitCode !== null) throw new Error(`nginx exited with ${child.exitCode}:\n${stderr()}`);
		const open = await new Promise<boolean>((resolve) => {
			const socket = new Socket();
			socket.once('connect', () => (socket.destroy(), resolve(true)));
			socket.once('error', () => resolve(false));
			socket.connect(port, '127.0.0.1');
		});
		if (open) return;
		await new Promise((resolve) => setTimeout(resolve, 50));
	}
	throw new Error(`nginx did not listen within 10 s:\n${stderr()}`);
}
