// Issue 19: other tools' model artifacts pull onto the shelf. Debian's skopeo copies OCI layouts written by
// tests/fixtures/oci-layouts/make_layouts.py (ModelPack, Docker Model Runner GGUF, KitOps with tar+gzip,
// tar+zstd and plain tar layers, plain ORAS, and hostile ones) into a real Distribution; the app pulls them through its worker
// API. Files are checked by path and SHA-256 against expected.json, the version's fields against the proposal.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, request as httpRequest, type Server } from 'node:http';
import { join } from 'node:path';
import { expect, test, type Browser, type Page } from '@playwright/test';
import { corruptBlob, useRegistry } from './registry-harness.ts';
import { openShelf, shelfError } from './shelf-page.ts';
import { expectNoSeriousAxeViolations, openApp } from './ui-helpers.ts';
import { storedBlobs } from './stored-blobs.ts';

const registry = useRegistry();
const NAMESPACE = 'formats';
const LAYOUTS = new URL('../fixtures/oci-layouts/', import.meta.url).pathname;
const EXPECTED = JSON.parse(readFileSync(join(LAYOUTS, 'expected.json'), 'utf8')) as Record<string, { manifest: string; files: Record<string, string> }>;
const TAGS: Record<string, string> = { modelpack: 'v1', 'docker-model': 'q8', kitops: 'v2', oras: '1.0', 'hostile-traversal': 'v2', 'hostile-diffids': 'v1', 'hostile-duplicate': '1.0', 'hostile-corrupt': '1.0', index: 'multi' };

test.describe.configure({ mode: 'serial' });

/** Copies one committed layout into the registry as `formats/<repository>:<tag>`, with skopeo. */
function copyLayout(layout: string, repository: string, tag = TAGS[layout]!) {
	const host = new URL(registry().directUrl).host;
	execFileSync('/usr/bin/skopeo', ['copy', '--all', '--dest-tls-verify=false', `oci:${join(LAYOUTS, layout)}:${tag}`, `docker://${host}/${NAMESPACE}/${repository}:${tag}`], { stdio: 'pipe' });
}

async function freshShelf(browser: Browser) {
	const context = await browser.newContext();
	const page = await context.newPage();
	await openShelf(page);
	await page.evaluate(({ url, namespace }) => window.modelShelf!.api.setRemote({ url, namespace }), { url: registry().url, namespace: NAMESPACE });
	return { context, page };
}

/** Path → sha256 of every file of a stored version, hashed in the page from the bytes the shelf gives back. */
async function storedFiles(page: Page, tag: string): Promise<Record<string, string>> {
	return page.evaluate(async (tag) => {
		const record = await window.modelShelf!.api.get({ tag });
		const out: Record<string, string> = {};
		for (const file of record.files) {
			const bytes = await (await window.modelShelf!.api.readFile({ tag, path: file.path })).arrayBuffer();
			out[file.path] = `sha256:${[...new Uint8Array(await crypto.subtle.digest('SHA-256', bytes))].map((b) => b.toString(16).padStart(2, '0')).join('')}`;
		}
		return out;
	}, tag);
}

/** Nothing stored: no version, no blob, nothing for fsck to clean. */
async function expectNothingStored(page: Page) {
	expect((await page.evaluate(() => window.modelShelf!.api.list())).items).toEqual([]);
	expect(await storedBlobs(page)).toEqual([]);
	const { now } = await page.evaluate(() => window.modelShelf!.api.fsck());
	expect(now).toMatchObject({ orphanBlobsRemoved: [], missingBlobs: [] });
}

const CASES = [
	{
		layout: 'modelpack',
		format: 'modelpack',
		name: 'tiny-llama',
		proposal: {
			labels: { license: 'Apache-2.0', family: 'llama', vendor: 'acme' },
			creationTime: '2025-02-03T04:05:06+00:00',
			context: { frameworkName: 'gguf', extra: { architecture: 'transformer', precision: 'fp16', quantization: 'q8_0', param_size: '1m' } }
		}
	},
	{
		layout: 'docker-model',
		format: 'docker-model',
		name: 'smollm',
		proposal: { labels: {}, creationTime: '2025-01-01T00:00:00+00:00', context: { frameworkName: 'gguf', extra: { architecture: 'llama', quantization: 'Q8_0', param_size: '7.50 K' } } }
	},
	{ layout: 'kitops', format: 'kitops', name: 'kit', proposal: { labels: { license: 'MIT', authors: 'Ann' }, context: { frameworkName: 'onnx', extra: {} } } },
	{ layout: 'oras', format: 'oras', name: 'rocket', proposal: { labels: { license: 'BSD-3-Clause' }, creationTime: '2025-05-06T07:08:09+00:00', context: { frameworkName: '', extra: {} } } }
] as const;

for (const { layout, format, name, proposal } of CASES) {
	test(`a ${format} artifact copied in by skopeo is proposed as a version and pulls with every file`, async ({ browser }) => {
		copyLayout(layout, name);
		const tag = TAGS[layout]!;
		const { context, page } = await freshShelf(browser);
		try {
			const remote = await page.evaluate((reference) => window.modelShelf!.api.inspectRemote({ reference }), `${name}:${tag}`);
			const digest = EXPECTED[layout]!.manifest;
			expect(remote).toMatchObject({ format, digest, proposal: { name, version: tag, ...proposal } });
			expect(remote.proposal!.metadata).toMatchObject({ source: `${new URL(registry().url).host}/${NAMESPACE}/${name}:${tag}`, source_digest: digest, source_format: format });
			const result = await page.evaluate((reference) => window.modelShelf!.api.pull({ reference }), `${name}:${tag}`);
			expect(result).toMatchObject({ status: 'created', digest });
			expect(await storedFiles(page, `${name}:${tag}`)).toEqual(EXPECTED[layout]!.files);
			const stored = await page.evaluate((tag) => window.modelShelf!.api.get({ tag }), `${name}:${tag}`);
			expect(stored.info).toMatchObject({ name, version: tag, labels: proposal.labels, context: { frameworkName: proposal.context.frameworkName, extra: proposal.context.extra }, metadata: { source_digest: digest } });
			if ('creationTime' in proposal) expect(stored.info.creationTime).toBe(proposal.creationTime);
			// Pulling the same manifest again changes nothing.
			expect(await page.evaluate((reference) => window.modelShelf!.api.pull({ reference }), `${name}:${tag}`)).toMatchObject({ status: 'unchanged' });
		} finally {
			await context.close();
		}
	});
}

test('an image index: the model manifest is chosen (and named), not the image beside it', async ({ browser }) => {
	copyLayout('index', 'bundle');
	const { context, page } = await freshShelf(browser);
	try {
		const remote = await page.evaluate(() => window.modelShelf!.api.inspectRemote({ reference: 'bundle:multi' }));
		expect(remote).toMatchObject({ format: 'modelpack', digest: EXPECTED.index!.manifest, index: { digest: EXPECTED.index!.manifest } });
		// skopeo 1.9 drops `artifactType` from index entries when it copies, so the platform rule picks here.
		expect(remote.index!.reason).toBe('the only entry without a platform');
		await page.evaluate(() => window.modelShelf!.api.pull({ reference: 'bundle:multi' }));
		expect(await storedFiles(page, 'bundle:multi')).toEqual(EXPECTED.index!.files);
	} finally {
		await context.close();
	}
});

test('the Remote page shows what a Docker Model Runner artifact becomes, and pulls it as edited', async ({ browser }) => {
	copyLayout('docker-model', 'smolui');
	const context = await browser.newContext();
	const page = await context.newPage();
	try {
		await openApp(page, '/remote');
		await page.getByLabel('Registry address').fill(registry().url);
		await page.getByLabel('Namespace').fill(NAMESPACE);
		await page.getByRole('button', { name: 'Save and connect' }).click();
		await expect(page.getByTestId('remote-status')).toContainText('Connected');
		await page.getByRole('list', { name: 'Models' }).getByRole('button', { name: 'smolui' }).click();
		await page.getByRole('list', { name: 'Versions of smolui' }).getByRole('button', { name: 'q8' }).click();
		const form = page.getByTestId('pull-proposal');
		await expect(form.getByTestId('proposal-format')).toHaveText('Docker Model Runner');
		await expect(form.getByLabel('Name')).toHaveValue('smolui');
		await expect(form.getByLabel('Version')).toHaveValue('q8');
		await expect(form.getByTestId('proposal-facts')).toContainText('2025-01-01T00:00:00+00:00');
		await expect(form.getByTestId('proposal-facts')).toContainText('Q8_0');
		await expect(form.getByRole('table', { name: 'Layers of smolui:q8' })).toContainText('model.gguf');
		await expect(form.getByRole('table', { name: 'Layers of smolui:q8' })).toContainText('application/vnd.docker.ai.license');
		await expectNoSeriousAxeViolations(page, 'the Remote page proposing a foreign artifact');

		await form.getByLabel('Name').fill('Bad Name!');
		await expect(form.getByRole('button', { name: /^Pull as/ })).toBeDisabled();
		await form.getByLabel('Name').fill('smol');
		await form.getByLabel(/Labels/).fill('stage=dev\nsource=docker');
		await form.getByRole('button', { name: 'Pull as smol:q8' }).click();
		const outcome = page.getByTestId('pull-outcome');
		await expect(outcome).toHaveAttribute('data-status', 'created', { timeout: 30_000 });
		await expect(outcome.getByRole('link', { name: 'smol:q8' })).toBeVisible();
		const stored = await page.evaluate(() => window.modelShelf!.api.get({ tag: 'smol:q8' }));
		expect(stored.info).toMatchObject({ labels: { stage: 'dev', source: 'docker' }, creationTime: '2025-01-01T00:00:00+00:00', context: { frameworkName: 'gguf' } });
		expect(await storedFiles(page, 'smol:q8')).toEqual(EXPECTED['docker-model']!.files);
	} finally {
		await context.close();
	}
});

test('an edited proposal (as) is what gets stored: name, version, labels, creation time', async ({ browser }) => {
	copyLayout('kitops', 'kit');
	const { context, page } = await freshShelf(browser);
	try {
		const as = { name: 'my-kit', version: 'first', labels: { stage: 'dev' }, creationTime: '2024-06-07T08:09:10Z' };
		const result = await page.evaluate((as) => window.modelShelf!.api.pull({ reference: 'kit:v2', as }), as);
		expect(result.record.tag).toBe('my-kit:first');
		const stored = await page.evaluate(() => window.modelShelf!.api.get({ tag: 'my-kit:first' }));
		expect(stored.info).toMatchObject({ name: 'my-kit', version: 'first', labels: { stage: 'dev' }, creationTime: '2024-06-07T08:09:10+00:00' });
		expect(await storedFiles(page, 'my-kit:first')).toEqual(EXPECTED.kitops!.files);
		expect((await shelfError(page, 'pull', { reference: 'kit:v2', as: { name: 'bad name!' } })).code).toBe('INVALID_TAG');
	} finally {
		await context.close();
	}
});

test('hostile artifacts are refused with a typed error and leave nothing behind', async ({ browser }) => {
	copyLayout('hostile-traversal', 'traversal');
	copyLayout('hostile-diffids', 'diffids');
	copyLayout('hostile-duplicate', 'duplicate');
	copyLayout('hostile-corrupt', 'corrupt');
	corruptBlob(registry(), EXPECTED['hostile-corrupt']!.files['unique.bin']!);
	await _pushBigConfig('bigconfig', 'v1');
	const { context, page } = await freshShelf(browser);
	try {
		const traversal = await shelfError(page, 'pull', { reference: 'traversal:v2' });
		expect([traversal.code, traversal.details]).toMatchObject(['BAD_BUNDLE', { reason: 'unsafe-path' }]);
		await expectNothingStored(page);
		const diffids = await shelfError(page, 'pull', { reference: 'diffids:v1' });
		expect([diffids.code, diffids.details]).toMatchObject(['INTEGRITY', { expected: `sha256:${'0'.repeat(64)}` }]);
		await expectNothingStored(page);
		const duplicate = await shelfError(page, 'pull', { reference: 'duplicate:1.0' });
		expect([duplicate.code, duplicate.details]).toMatchObject(['INVALID_PATH', { reason: 'duplicate' }]);
		await expectNothingStored(page);
		const corrupt = await shelfError(page, 'pull', { reference: 'corrupt:1.0' });
		expect([corrupt.code, corrupt.details]).toMatchObject(['INTEGRITY', { path: 'unique.bin' }]);
		await expectNothingStored(page);
		const before = (await registry().requests()).length;
		const bigConfig = await shelfError(page, 'pull', { reference: 'bigconfig:v1' });
		expect([bigConfig.code, bigConfig.details]).toMatchObject(['INVALID_MANIFEST', { where: 'config', size: 100_000_000 }]);
		// Refused from the descriptor: the config blob was never asked for.
		const asked = (await registry().requests()).slice(before).map((request) => request.path);
		expect(asked.filter((path) => path.includes('/blobs/'))).toEqual([]);
		await expectNothingStored(page);
	} finally {
		await context.close();
	}
});

test('registry quirks on reading: /v2/ answering 404, manifests as text/plain, no Docker-Content-Digest, no Content-Length', async ({ browser }) => {
	copyLayout('modelpack', 'quirky');
	const { server, url } = await _quirkyProxy();
	const context = await browser.newContext();
	const page = await context.newPage();
	try {
		await openShelf(page);
		await page.evaluate(({ url, namespace }) => window.modelShelf!.api.setRemote({ url, namespace }), { url, namespace: NAMESPACE });
		// Like Ollama's registry: no answer at /v2/, yet the repositories under it are served.
		expect(await page.evaluate(() => window.modelShelf!.api.checkRemote())).toMatchObject({ ok: true, note: expect.stringContaining('404 at /v2/') });
		const remote = await page.evaluate(() => window.modelShelf!.api.inspectRemote({ reference: 'quirky:v1' }));
		// The digest is computed from the bytes, not taken from a header the registry left out.
		expect(remote).toMatchObject({ format: 'modelpack', digest: EXPECTED.modelpack!.manifest });
		expect(await page.evaluate(() => window.modelShelf!.api.pull({ reference: 'quirky:v1' }))).toMatchObject({ status: 'created', digest: EXPECTED.modelpack!.manifest });
		expect(await storedFiles(page, 'quirky:v1')).toEqual(EXPECTED.modelpack!.files);
	} finally {
		await context.close();
		await new Promise((resolve) => server.close(resolve));
	}
});

/**
 * A pass-through proxy in front of the registry that answers like the odder registries do: 404 at `/v2/`,
 * manifests as `text/plain`, no `Docker-Content-Digest`, and no `Content-Length` (bodies chunked; HEAD bare).
 */
async function _quirkyProxy(): Promise<{ server: Server; url: string }> {
	const target = new URL(registry().directUrl);
	const server = createServer((request, response) => {
		if (request.url === '/v2/' || request.url === '/v2') {
			// Readable by the app (the registry behind allows its origin; this answer must too).
			response.writeHead(404, { 'Content-Type': 'text/plain', 'Access-Control-Allow-Origin': request.headers.origin ?? '*' }).end('404 page not found\n');
			return;
		}
		const upstream = httpRequest({ host: target.hostname, port: target.port, method: request.method, path: request.url, headers: request.headers }, (reply) => {
			const headers = { ...reply.headers };
			delete headers['docker-content-digest'];
			delete headers['content-length'];
			if (request.url?.includes('/manifests/')) headers['content-type'] = 'text/plain; charset=utf-8';
			response.writeHead(reply.statusCode ?? 502, headers);
			reply.pipe(response);
		});
		upstream.on('error', () => request.socket.destroy());
		request.pipe(upstream);
	});
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	const address = server.address() as { port: number };
	return { server, url: `http://127.0.0.1:${address.port}` };
}

/**
 * Pushes a ModelPack manifest whose config is 100 MB straight through the registry API (skopeo itself refuses
 * configs over 4 MiB, so it cannot carry this one).
 */
async function _pushBigConfig(repository: string, tag: string): Promise<void> {
	const base = `${registry().directUrl}/v2/${NAMESPACE}/${repository}`;
	const put = async (bytes: Buffer) => {
		const digest = `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
		const start = await fetch(`${base}/blobs/uploads/`, { method: 'POST' });
		const location = new URL(start.headers.get('Location')!, registry().directUrl);
		location.searchParams.set('digest', digest);
		const done = await fetch(location, { method: 'PUT', body: new Uint8Array(bytes), headers: { 'Content-Type': 'application/octet-stream' } });
		expect(done.status).toBe(201);
		return { digest, size: bytes.byteLength };
	};
	const config = await put(Buffer.concat([Buffer.from('{"pad":"'), Buffer.alloc(100_000_000 - 10, 0x61), Buffer.from('"}')]));
	const layer = await put(Buffer.from('small'));
	const manifest = {
		schemaVersion: 2,
		mediaType: 'application/vnd.oci.image.manifest.v1+json',
		artifactType: 'application/vnd.cncf.model.manifest.v1+json',
		config: { mediaType: 'application/vnd.cncf.model.config.v1+json', ...config },
		layers: [{ mediaType: 'application/vnd.cncf.model.weight.v1.raw', ...layer, annotations: { 'org.cncf.model.filepath': 'w.bin' } }]
	};
	const response = await fetch(`${base}/manifests/${tag}`, { method: 'PUT', body: JSON.stringify(manifest), headers: { 'Content-Type': manifest.mediaType } });
	expect(response.status).toBe(201);
}
