// The token service of the harness's token-auth registry (scripts/registry.mjs): a minimal, honest
// implementation of the Docker token spec (distribution's docs/spec/auth/token.md) that the real
// Distribution verifies. Facts measured against 2.8.2: docs/registry.md, "Token auth".
import { execFileSync } from 'node:child_process';
import { createHash, createPrivateKey, randomUUID, sign, timingSafeEqual, X509Certificate } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { join } from 'node:path';
import { CORS_ALLOW_HEADERS, CORS_EXPOSE_HEADERS, OPENSSL_PATH, TOKEN_ISSUER, TOKEN_SERVICE } from './registry.mjs';

/**
 * @typedef {import('./registry.mjs').Credentials} Credentials
 * @typedef {import('./registry.mjs').TokenAuth} TokenAuth
 * @typedef {import('./registry.mjs').TokenRequest} TokenRequest
 * @typedef {import('./registry.mjs').ResourceActions} ResourceActions
 */

/**
 * A self-signed ECDSA P-256 certificate and its key, made with openssl (Node's crypto can read
 * certificates but not make them). The registry trusts it through `rootcertbundle`; every token carries
 * it in `x5c`, and Distribution 2.8 verifies the chain up to that bundle (`parseAndVerifyCertChain`).
 * @param {string} dir where to write `token-cert.pem` and `token-key.pem`
 * @returns {{ certPath: string, keyPem: string, certDer: Buffer }}
 */
export function makeSigningCertificate(dir) {
	if (!existsSync(OPENSSL_PATH)) throw new Error(`startRegistry: ${OPENSSL_PATH} is missing; run ensureRegistry() (Debian's openssl) first.`);
	const certPath = join(dir, 'token-cert.pem');
	const keyPath = join(dir, 'token-key.pem');
	execFileSync(OPENSSL_PATH, [
		'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '2',
		'-subj', `/CN=${TOKEN_ISSUER}`, '-keyout', keyPath, '-out', certPath
	], { stdio: ['ignore', 'ignore', 'pipe'] });
	return { certPath, keyPem: readFileSync(keyPath, 'utf8'), certDer: new X509Certificate(readFileSync(certPath)).raw };
}

/**
 * The token endpoint: `GET /token?service=…&scope=…&scope=…`, HTTP basic optional. Each `scope`
 * parameter is one entry (token.md: "specified multiple times if there is more than one"); a value
 * holding several space-separated entries is not a scope and grants nothing, as in Distribution's own
 * contrib/token-server (GET splits no spaces; only its OAuth2 POST form does). The one known user with the right password gets pull, push and
 * delete on every repository and the catalog; anyone else (no credentials, or another user name) gets
 * pull only, and an empty grant is a token all the same: "a subset of the requested access must not be
 * considered an error" (token.md). The known user with a wrong password is 401, as auth.docker.io does.
 * CORS allows the app's origin: the browser fetches this from the app's worker.
 * @param {{ auth: TokenAuth, origin: string, keyPem: string, certDer: Buffer, log: TokenRequest[] }} options
 * @returns {import('node:http').Server}
 */
export function tokenService({ auth, origin, keyPem, certDer, log }) {
	const key = createPrivateKey(keyPem);
	const cors = { 'access-control-allow-origin': origin, vary: 'Origin' };
	return createServer((request, response) => {
		const url = new URL(request.url ?? '/', 'http://token.invalid');
		if (request.method === 'OPTIONS') {
			response.writeHead(204, { ...cors, 'access-control-allow-methods': 'GET', 'access-control-allow-headers': 'Authorization', 'access-control-max-age': '600' });
			response.end();
			return;
		}
		/** @param {number} status @param {object} body @param {Record<string, string>} [headers] */
		const answer = (status, body, headers = {}) => {
			response.writeHead(status, { ...cors, 'content-type': 'application/json', 'cache-control': 'no-store', ...headers });
			response.end(JSON.stringify(body));
		};
		if (request.method !== 'GET' || url.pathname !== '/token') return answer(404, { details: 'not found' });
		const service = url.searchParams.get('service');
		const scopes = url.searchParams.getAll('scope');
		const credentials = _basicCredentials(request.headers.authorization);
		/** @param {number} status @param {ResourceActions[]} granted @param {string | null} jti */
		const record = (status, granted, jti) => log.push({ user: credentials?.user ?? null, status, service, scopes, granted, jti });
		if (service !== TOKEN_SERVICE) {
			record(400, [], null);
			return answer(400, { details: `unknown service ${JSON.stringify(service)}` });
		}
		const known = credentials?.user === auth.user;
		if (known && !_sameText(credentials.password, auth.password)) {
			record(401, [], null);
			return answer(401, { details: 'incorrect username or password' }, { 'www-authenticate': 'Basic realm="model-shelf-test-token"' });
		}
		const granted = _grant(scopes, known);
		const now = Math.floor(Date.now() / 1000);
		const jti = randomUUID();
		const token = _signJwt(key, certDer, {
			iss: TOKEN_ISSUER,
			sub: known ? auth.user : '',
			// A string, not an array: 2.8's ClaimSet has `Audience string`, so an array is a malformed token.
			aud: TOKEN_SERVICE,
			exp: now + 300,
			nbf: now,
			iat: now,
			jti,
			access: granted
		});
		record(200, granted, jti);
		answer(200, { token, access_token: token, expires_in: 300, issued_at: new Date(now * 1000).toISOString() });
	});
}

/**
 * What a token grants: each requested scope (`type:name:actions`, the name may hold a `host:port`)
 * intersected with what the requester may do.
 * @param {string[]} scopes as sent
 * @param {boolean} known the known user with the right password
 * @returns {ResourceActions[]}
 */
function _grant(scopes, known) {
	/** @type {ResourceActions[]} */
	const granted = [];
	for (const scope of scopes) {
		const first = scope.indexOf(':');
		const last = scope.lastIndexOf(':');
		if (first < 0 || last === first || /\s/.test(scope)) continue;
		const type = scope.slice(0, first);
		const name = scope.slice(first + 1, last);
		const allowed = type === 'repository' ? (known ? ['pull', 'push', 'delete'] : ['pull']) : type === 'registry' && name === 'catalog' && known ? ['*'] : [];
		const actions = scope.slice(last + 1).split(',').filter((action) => allowed.includes(action));
		if (actions.length > 0) granted.push({ type, name, actions });
	}
	return granted;
}

/**
 * A compact JWS, ES256 (`ieee-p1363`: r‖s, as JWS wants, not DER), with the certificate in `x5c`.
 * @param {import('node:crypto').KeyObject} key @param {Buffer} certDer @param {object} claims
 */
function _signJwt(key, certDer, claims) {
	const encode = (/** @type {object} */ value) => Buffer.from(JSON.stringify(value)).toString('base64url');
	const input = `${encode({ typ: 'JWT', alg: 'ES256', x5c: [certDer.toString('base64')] })}.${encode(claims)}`;
	return `${input}.${sign('sha256', Buffer.from(input), { key, dsaEncoding: 'ieee-p1363' }).toString('base64url')}`;
}

/** @param {string | undefined} header @returns {Credentials | null} */
function _basicCredentials(header) {
	const encoded = /^Basic (\S+)$/i.exec(header ?? '')?.[1];
	if (!encoded) return null;
	const text = Buffer.from(encoded, 'base64').toString('utf8');
	const colon = text.indexOf(':');
	return colon < 0 ? null : { user: text.slice(0, colon), password: text.slice(colon + 1) };
}

/** Compares two secrets in constant time (by their hashes, so lengths do not leak either). */
function _sameText(/** @type {string} */ a, /** @type {string} */ b) {
	const hash = (/** @type {string} */ text) => createHash('sha256').update(text).digest();
	return timingSafeEqual(hash(a), hash(b));
}
