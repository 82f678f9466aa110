// `npm start`'s server sends the build's text files compressed (brotli, else gzip) with the same headers
// as uncompressed, and never serves a compressed copy older than its file.
import { mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { request, type IncomingHttpHeaders } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { precompressDir } from '../../scripts/compress.mjs';
import { serveStatic } from '../../scripts/serve.mjs';

const POLICY = "default-src 'self'";
const SCRIPT = `export const shelf = ${JSON.stringify('model '.repeat(2000))};\n`;
let root: string;
let server: { close(): void };
let url: string;

/** A raw request: node's http never decodes, so the test sees the bytes and headers as sent. */
function get(path: string, acceptEncoding: string | null, method = 'GET'): Promise<{ status: number; headers: IncomingHttpHeaders; body: Buffer }> {
	return new Promise((resolve, reject) => {
		const req = request(`${url}${path}`, { method, headers: acceptEncoding === null ? {} : { 'accept-encoding': acceptEncoding } }, (res) => {
			const chunks: Buffer[] = [];
			res.on('data', (chunk: Buffer) => chunks.push(chunk));
			res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
		});
		req.on('error', reject);
		req.end();
	});
}

beforeAll(async () => {
	root = mkdtempSync(join(tmpdir(), 'shelf-serve-'));
	writeFileSync(join(root, 'index.html'), `<html><head><meta http-equiv="content-security-policy" content="${POLICY}"></head><body>${'<p>shelf</p>'.repeat(200)}</body></html>`);
	writeFileSync(join(root, 'app.js'), SCRIPT);
	writeFileSync(join(root, 'tiny.js'), 'export {};\n');
	await precompressDir(root);
	({ server, url } = await serveStatic({ root, port: 0 }));
});

afterAll(() => {
	server.close();
	rmSync(root, { recursive: true, force: true });
});

describe('scripts/serve.mjs compression', () => {
	it('sends brotli when accepted, gzip otherwise, identity when neither, always the same bytes', async () => {
		const br = await get('/app.js', 'gzip, deflate, br, zstd');
		expect(br.headers['content-encoding']).toBe('br');
		expect(brotliDecompressSync(br.body).toString()).toBe(SCRIPT);
		expect(br.body.length).toBeLessThan(SCRIPT.length / 10);

		const gzip = await get('/app.js', 'gzip');
		expect(gzip.headers['content-encoding']).toBe('gzip');
		expect(gunzipSync(gzip.body).toString()).toBe(SCRIPT);

		const refused = await get('/app.js', 'gzip;q=0');
		expect(refused.headers['content-encoding']).toBeUndefined();
		expect(refused.body.toString()).toBe(SCRIPT);

		const plain = await get('/app.js', null);
		expect(plain.headers['content-encoding']).toBeUndefined();
		expect(plain.body.toString()).toBe(SCRIPT);
		for (const response of [br, gzip, refused, plain]) {
			expect(response.headers.vary).toBe('Accept-Encoding');
			expect(response.headers['content-type']).toBe('text/javascript; charset=utf-8');
			expect(response.headers['content-security-policy']).toBe(POLICY);
		}
	});

	it('compresses the app shell for client-side routes, and HEAD sends the headers alone', async () => {
		const deepLink = await get('/storage', 'br');
		expect(deepLink.headers['content-encoding']).toBe('br');
		expect(brotliDecompressSync(deepLink.body).toString()).toContain('<p>shelf</p>');
		const head = await get('/storage', 'br', 'HEAD');
		expect(head.status).toBe(200);
		expect(head.headers['content-encoding']).toBe('br');
		expect(head.headers['content-security-policy']).toBe(POLICY);
		expect(head.body.length).toBe(0);
	});

	it('sends files too small to gain as they are, and never a compressed copy older than its file', async () => {
		expect((await get('/tiny.js', 'br')).headers['content-encoding']).toBeUndefined();
		const changed = `export const changed = true;\n${SCRIPT}`;
		writeFileSync(join(root, 'app.js'), changed);
		const later = new Date(Date.now() + 60_000);
		utimesSync(join(root, 'app.js'), later, later);
		const response = await get('/app.js', 'br, gzip');
		expect(response.headers['content-encoding']).toBeUndefined();
		expect(response.body.toString()).toBe(changed);
	});
});
