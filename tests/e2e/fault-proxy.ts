// A fault-injecting HTTP proxy of ours in front of the real Distribution (registry-harness.ts): per rule set
// by a test it answers 429 or 5xx, cuts a connection after some bytes of a download or an upload, holds a
// response (before its headers or mid-body), lies in Content-Length, expires bearer tokens, or redirects a
// blob download to a second origin (the S3 pattern) that logs the headers it was sent. Everything else is
// passed through untouched, so what the app meets is the real registry plus exactly one misbehaviour.
import { createServer, request as httpRequest, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { CORS_EXPOSE_HEADERS, TOKEN_SERVICE } from '../../scripts/registry.mjs';
import type { Registry } from './registry-harness.ts';

/** What a rule does to the requests it matches. */
export type Fault =
	| { kind: 'status'; status: number; retryAfter?: string }
	/** Cut the connection after this many body bytes: of the response for a GET, of the request for an upload. */
	| { kind: 'reset'; afterBytes: number }
	/** Hold the response (before its headers without `afterBytes`) until `release()` or the client gives up. */
	| { kind: 'stall'; afterBytes?: number }
	/** Declare `Content-Length` off by `delta`, send min(real, declared) bytes and close. */
	| { kind: 'length'; delta: number }
	/** Every bearer token seen so far is refused from now on with Distribution's `invalid_token` challenge. */
	| { kind: 'expire-token' }
	/** 307 to the blob origin, which serves the blob and logs what it was sent. */
	| { kind: 'redirect' }
	/** The registry does the request, and its answer never reaches the app (held until the client gives up). */
	| { kind: 'lose-answer' };

/** Which requests a rule applies to: `after` matches pass first, then `times` matches get the fault. */
export interface FaultRule {
	method: string;
	path: RegExp;
	fault: Fault;
	after?: number;
	times?: number;
}

/** One request the proxy saw (preflights excluded). */
export interface ProxiedRequest {
	method: string;
	path: string;
	range?: string;
	fault?: Fault['kind'];
	/** The status the app was sent, once the answer finished. */
	status?: number;
}

export interface FaultProxy {
	/** Give this to the app as the registry's address. */
	url: string;
	/** The second origin blob downloads are redirected to. */
	blobOrigin: string;
	/** Adds a rule; the returned object counts the requests it faulted. */
	add(rule: FaultRule): { fired: number };
	/** Removes every rule and releases held responses. */
	clear(): void;
	requests(): ProxiedRequest[];
	/** Requests the blob origin got, with their header names (lower case). */
	blobOriginRequests(): { path: string; headers: Record<string, string> }[];
	/** Resolves once `stall` rules have held `count` responses since the proxy started. */
	held(count?: number): Promise<void>;
	/** How many responses `stall` rules have held since the proxy started. */
	heldCount(): number;
	/** Lets held responses go on. */
	release(): void;
	close(): Promise<void>;
}

/**
 * Starts the proxy before `registry`, for the app at `origin`.
 * @example
 * const proxy = await startFaultProxy(registry(), appOrigin());
 * proxy.add({ method: 'GET', path: /\/blobs\//, fault: { kind: 'status', status: 503 }, times: 2 });
 */
export async function startFaultProxy(registry: Registry, origin: string): Promise<FaultProxy> {
	const upstream = new URL(registry.url);
	const rules: { rule: FaultRule; seen: number; counter: { fired: number } }[] = [];
	const log: ProxiedRequest[] = [];
	const blobLog: { path: string; headers: Record<string, string> }[] = [];
	const redirects = new Map<string, { path: string; headers: IncomingMessage['headers'] }>();
	const expired = new Set<string>();
	const seenTokens = new Set<string>();
	const sockets = new Set<Socket>();
	let releases: (() => void)[] = [];
	let heldWaiters: (() => void)[] = [];
	let heldCount = 0;
	const cors = { 'access-control-allow-origin': origin, 'access-control-expose-headers': [...CORS_EXPOSE_HEADERS, 'Retry-After'].join(', '), vary: 'Origin' };

	const forward = (request: IncomingMessage, path: string, headers: IncomingMessage['headers'], onReply: (reply: IncomingMessage) => void) => {
		// The Host header stays the proxy's, so the upload locations Distribution writes lead back through the proxy.
		const out = httpRequest({ host: upstream.hostname, port: upstream.port, method: request.method, path, headers }, onReply);
		out.on('error', () => request.socket.destroy());
		return out;
	};
	const hold = () =>
		new Promise<void>((resolve) => {
			heldCount++;
			releases.push(resolve);
			for (const wake of heldWaiters.splice(0)) wake();
		});

	const proxy = createServer((request, response) => {
		const path = request.url ?? '/';
		if (request.method === 'OPTIONS') return void request.pipe(forward(request, path, request.headers, (reply) => _relay(reply, response)));
		const entry: ProxiedRequest = { method: request.method ?? 'GET', path: path.split('?')[0]!, ...(request.headers.range ? { range: request.headers.range } : {}) };
		log.push(entry);
		response.on('finish', () => (entry.status = response.statusCode));
		const bearer = /^Bearer (\S+)$/i.exec(request.headers.authorization ?? '')?.[1];
		const active = rules.find((item) => item.rule.method === entry.method && item.rule.path.test(entry.path) && ++item.seen > (item.rule.after ?? 0) && item.counter.fired < (item.rule.times ?? 1));
		if (bearer) seenTokens.add(bearer);
		if (active?.rule.fault.kind === 'expire-token') {
			active.counter.fired++;
			for (const token of seenTokens) expired.add(token);
		}
		if (bearer && expired.has(bearer)) {
			entry.fault = 'expire-token';
			const repository = /^\/v2\/(.+?)\/(?:blobs|manifests|tags)\//.exec(entry.path)?.[1] ?? '';
			const challenge = `Bearer realm="${registry.tokenRealm}",service="${TOKEN_SERVICE}",scope="repository:${repository}:pull,push",error="invalid_token"`;
			request.resume();
			request.on('end', () => _answer(response, 401, { ...cors, 'www-authenticate': challenge }, '{"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]}'));
			return;
		}
		const fault = active && active.rule.fault.kind !== 'expire-token' ? active.rule.fault : undefined;
		if (!fault) return void request.pipe(forward(request, path, request.headers, (reply) => _relay(reply, response)));
		active!.counter.fired++;
		entry.fault = fault.kind;
		if (fault.kind === 'status') {
			request.resume();
			request.on('end', () =>
				_answer(response, fault.status, { ...cors, ...(fault.retryAfter === undefined ? {} : { 'retry-after': fault.retryAfter }) }, `{"errors":[{"code":"UNKNOWN","message":"injected ${fault.status}"}]}`)
			);
		} else if (fault.kind === 'redirect') {
			const id = String(redirects.size + 1);
			redirects.set(id, { path, headers: request.headers });
			request.resume();
			request.on('end', () => _answer(response, 307, { ...cors, location: `${blobOrigin}/blob/${id}` }, ''));
		} else if (fault.kind === 'lose-answer') {
			request.pipe(forward(request, path, request.headers, (reply) => reply.resume()));
		} else if (fault.kind === 'stall' && fault.afterBytes === undefined) {
			void hold().then(() => request.pipe(forward(request, path, request.headers, (reply) => _relay(reply, response))));
		} else if (fault.kind === 'reset' && entry.method !== 'GET') {
			// An upload cut mid-body: what arrived reaches the registry (as over a real broken link), then both sides close.
			const out = forward(request, path, request.headers, () => undefined);
			let bytes = 0;
			request.on('data', (chunk: Buffer) => {
				if (bytes >= fault.afterBytes) return;
				out.write(chunk.subarray(0, fault.afterBytes - bytes));
				bytes += chunk.byteLength;
				if (bytes >= fault.afterBytes) {
					out.destroy();
					request.socket.destroy();
				}
			});
		} else {
			request.pipe(
				forward(request, path, request.headers, (reply) => {
					const size = Number(reply.headers['content-length'] ?? NaN);
					const declared = fault.kind === 'length' ? size + fault.delta : size;
					const limit = fault.kind === 'length' ? Math.min(size, declared) : fault.afterBytes ?? Infinity;
					response.writeHead(reply.statusCode ?? 502, { ..._headers(reply), 'content-length': String(declared) });
					let sent = 0;
					reply.on('data', (chunk: Buffer) => {
						if (sent >= limit) return;
						const part = chunk.subarray(0, limit - sent);
						sent += part.byteLength;
						// A cut comes after the bytes before it left (destroying at once dropped them unsent, so a
						// fresh-clone run saw the cut before any byte and no Range request to resume from).
						const written = new Promise<void>((resolve) => response.write(part, () => resolve()));
						if (sent < limit) return;
						if (fault.kind === 'length') {
							// Declared more than sent: the connection closes short, as a server that lied would leave it.
							response.end();
							response.on('finish', () => response.socket?.destroy());
						} else if (fault.kind === 'stall') {
							reply.pause();
							void hold().then(() => {
								reply.on('data', (more: Buffer) => response.write(more));
								reply.on('end', () => response.end());
								reply.resume();
							});
						} else {
							reply.destroy();
							void written.then(() => response.socket?.destroy());
						}
					});
					reply.on('end', () => sent < limit && response.end());
				})
			);
		}
	});

	const blobServer = createServer((request, response) => {
		blobLog.push({ path: request.url ?? '/', headers: Object.fromEntries(Object.entries(request.headers).map(([name, value]) => [name, String(value)])) });
		const open = { 'access-control-allow-origin': '*', 'access-control-allow-headers': 'Authorization, Range', 'access-control-allow-methods': 'GET' };
		if (request.method === 'OPTIONS') return _answer(response, 204, open, '');
		const target = redirects.get(/^\/blob\/(\d+)$/.exec(request.url ?? '')?.[1] ?? '');
		if (!target) return _answer(response, 404, open, '');
		// The blob origin reaches the registry itself, with the credentials the app sent to the registry (an S3
		// pre-signed URL plays that part in real life); the browser must not send them here.
		const headers = { ...target.headers, ...(request.headers.range ? { range: request.headers.range } : {}) };
		forward(request, target.path, headers, (reply) => {
			response.writeHead(reply.statusCode ?? 502, { ..._headers(reply), ...open });
			reply.pipe(response);
		}).end();
	});

	for (const server of [proxy, blobServer]) server.on('connection', (socket: Socket) => (sockets.add(socket), socket.on('close', () => sockets.delete(socket))));
	const [proxyPort, blobPort] = await Promise.all([_listen(proxy), _listen(blobServer)]);
	const blobOrigin = `http://127.0.0.1:${blobPort}`;
	const releaseAll = () => {
		for (const release of releases.splice(0)) release();
	};
	return {
		url: `http://127.0.0.1:${proxyPort}`,
		blobOrigin,
		add(rule) {
			const counter = { fired: 0 };
			rules.push({ rule, seen: 0, counter });
			return counter;
		},
		clear() {
			rules.length = 0;
			expired.clear();
			releaseAll();
		},
		requests: () => [...log],
		blobOriginRequests: () => [...blobLog],
		held: async (count = 1) => {
			while (heldCount < count) await new Promise<void>((resolve) => heldWaiters.push(resolve));
		},
		heldCount: () => heldCount,
		release: releaseAll,
		async close() {
			releaseAll();
			heldWaiters = [];
			releases = [];
			for (const socket of sockets) socket.destroy();
			await Promise.all([proxy, blobServer].map((server) => new Promise((resolve) => server.close(resolve))));
		}
	};
}

// ---------------------------------------------------------------------------

/** Upstream headers minus hop-by-hop ones (Node frames the body itself). */
function _headers(reply: IncomingMessage): Record<string, string | string[]> {
	const { connection: _c, 'keep-alive': _k, 'transfer-encoding': _t, ...rest } = reply.headers as Record<string, string | string[]>;
	return rest;
}

function _relay(reply: IncomingMessage, response: ServerResponse) {
	response.writeHead(reply.statusCode ?? 502, _headers(reply));
	reply.pipe(response);
}

function _answer(response: ServerResponse, status: number, headers: Record<string, string>, body: string) {
	response.writeHead(status, { ...headers, 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)) });
	response.end(body);
}

function _listen(server: ReturnType<typeof createServer>): Promise<number> {
	return new Promise((resolve, reject) => {
		server.once('error', reject);
		server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port));
	});
}
