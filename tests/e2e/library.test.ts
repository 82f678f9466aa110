// Issue 23 (the library): plain Vite apps depend on the built package the way npm links a `file:../..` dependency.
// examples/onnx-app keeps two tiny ONNX models (tests/fixtures/onnx, written by python3-onnx) on its own shelf and
// runs them through the onnxruntime-web adapter on the WebAssembly backend, served by the app itself.
// examples/adapters-app loads a Hugging Face model through the transformers.js cache (model-shelf/transformers) and a
// TF.js Layers model (tests/fixtures/tfjs, written with numpy) through the IOHandler (model-shelf/tfjs).
// Outputs must match what numpy computed; second runs are offline; no request ever leaves localhost.
import { expect, test, type BrowserContext } from '@playwright/test';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, mkdirSync, readFileSync, symlinkSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import { resolve } from 'node:path';
import { serveStatic } from '../../scripts/serve.mjs';

const EXAMPLE = 'examples/onnx-app';
const ADAPTERS = 'examples/adapters-app';
const expected = JSON.parse(readFileSync('tests/fixtures/onnx/expected.json', 'utf8')) as { y: number[][]; y_dims: number[] };
/** The Hugging Face repository the adapters app's "hub" serves: a config.json and the ONNX fixture as onnx/model.onnx. */
const HUB_FILES = { 'config.json': 'tests/fixtures/transformers/config.json', 'onnx/model.onnx': 'tests/fixtures/onnx/mlp.onnx' };

const servers: Server[] = [];
let origin: string;
let adaptersOrigin: string;

/** What `npm install` in an example would do (the link is npm's for a file: dependency; the rest is found by walking up), then tsc and vite build. */
function buildExample(folder: string): void {
	rmSync(`${folder}/node_modules`, { recursive: true, force: true });
	mkdirSync(`${folder}/node_modules`);
	symlinkSync('../../..', `${folder}/node_modules/model-shelf`);
	// The example type-checks against the package's declarations, then builds.
	// The repository's own binaries, by path: npx could otherwise go to the registry from the example's folder.
	execFileSync(resolve('node_modules/.bin/tsc'), ['-p', `${folder}/tsconfig.json`], { stdio: 'inherit' });
	execFileSync(resolve('node_modules/.bin/vite'), ['build', '--logLevel', 'warn'], { cwd: folder, stdio: 'inherit' });
}

async function serve(root: string): Promise<string> {
	const { server, url } = await serveStatic({ root, port: 0 });
	servers.push(server);
	return url;
}

/** Lets requests to this machine through and records (and aborts) every other. */
async function localOnly(context: BrowserContext): Promise<string[]> {
	const outside: string[] = [];
	await context.route('**/*', (route) => {
		const url = new URL(route.request().url());
		if (url.hostname === 'localhost' || url.hostname === '127.0.0.1') return route.continue();
		outside.push(url.href);
		return route.abort();
	});
	return outside;
}

test.beforeAll(async () => {
	test.setTimeout(300_000);
	// Offline, in seconds: the library once, then both examples against it.
	execFileSync('npm', ['run', 'build:lib', '--silent'], { stdio: 'inherit' });
	buildExample(EXAMPLE);
	cpSync('tests/fixtures/onnx', `${EXAMPLE}/dist/samples`, { recursive: true });
	origin = await serve(`${EXAMPLE}/dist`);
	buildExample(ADAPTERS);
	cpSync('tests/fixtures/tfjs', `${ADAPTERS}/dist/samples/tfjs`, { recursive: true });
	for (const model of ['shelf-tests/mlp', 'shelf-tests/unpinned']) {
		for (const [file, from] of Object.entries(HUB_FILES)) cpSync(from, `${ADAPTERS}/dist/hub/${model}/resolve/main/${file}`);
	}
	adaptersOrigin = await serve(`${ADAPTERS}/dist`);
});

test.afterAll(() => Promise.all(servers.map((server) => new Promise<void>((done) => server.close(() => done())))));

test('an app loads versioned models from its own shelf through the onnxruntime-web adapter, offline after the first load', async ({ page, context }) => {
	test.setTimeout(180_000);
	const outside = await localOnly(context);
	const status = page.locator('#status');
	await page.goto(origin);
	await page.getByRole('button', { name: 'Import the samples' }).click();
	await expect(status).toHaveText('Done.', { timeout: 60_000 });

	const run = async () => {
		await page.getByRole('button', { name: 'Run from the shelf' }).click();
		await expect(status).toHaveText('Done.', { timeout: 60_000 });
		return JSON.parse(await page.locator('#output').textContent() ?? 'null') as Record<string, { y: number[]; dims: number[]; ms: number }>;
	};
	const check = (results: Record<string, { y: number[]; dims: number[] }>) => {
		for (const name of ['mlp', 'mlp-external']) {
			expect(results[name]!.dims, name).toEqual(expected.y_dims);
			results[name]!.y.forEach((value, index) => expect(value, `${name} y[${index}]`).toBeCloseTo(expected.y.flat()[index]!, 5));
		}
	};
	const first = await run();
	check(first);
	console.log(`library: shelf to first inference, onnxruntime's start included (tiny MLP, one run): ${Math.round(first.mlp!.ms)} ms`);

	// The file helpers hand out the stored bytes: as a File, a stream and an object URL that stops working once revoked.
	await page.getByRole('button', { name: 'Read a stored file' }).click();
	await expect(status).toHaveText('Done.');
	const model = readFileSync('tests/fixtures/onnx/mlp.onnx');
	expect(JSON.parse(await page.locator('#output').textContent() ?? 'null')).toEqual({
		tags: ['mlp:1', 'mlp:1', 'mlp:1'],
		name: 'mlp.onnx',
		size: model.byteLength,
		sha256: createHash('sha256').update(model).digest('hex'),
		streamed: model.byteLength,
		fetched: model.byteLength,
		revoked: true,
		listed: ['mlp-external:1', 'mlp:1']
	});

	// Versions the adapter cannot load say why, as ShelfErrors with details, through the package.
	const refusals = await page.evaluate(async () => {
		// The example's `window.example`, typed here as far as this test uses it (the test does not compile the example).
		type Shelf = { save(request: { name: string; version: string; files: { path: string; data: Blob }[] }): Promise<unknown> };
		const { shelf, createSession } = (window as unknown as { example: { shelf: Shelf; createSession(shelf: Shelf, reference: string): Promise<unknown> } }).example;
		const graph = await (await fetch('./samples/external/mlp.onnx')).blob();
		await shelf.save({ name: 'lonely', version: '1', files: [{ path: 'mlp.onnx', data: graph }] });
		await shelf.save({ name: 'two', version: '1', files: [{ path: 'a.onnx', data: graph }, { path: 'b.onnx', data: graph }] });
		const attempt = (reference: string) => createSession(shelf, reference).then(
			() => 'loaded',
			(error: { code?: string; details?: unknown; message: string }) => ({ code: error.code, details: error.details, message: error.message })
		);
		return { lonely: await attempt('lonely'), two: await attempt('two'), nothing: await attempt('mlp@nope') };
	});
	expect(refusals.lonely).toMatchObject({ code: 'NOT_FOUND', details: { tag: 'lonely:1', path: 'mlp.onnx.data' } });
	expect(refusals.lonely).toHaveProperty('message', expect.stringContaining('save the external-data files with the model'));
	expect(refusals.two).toMatchObject({ code: 'UNSUPPORTED', details: { kind: 'several-onnx' } });
	expect(refusals.two).toHaveProperty('message', expect.stringContaining('pass the one to load as { path }'));
	expect(refusals.nothing).toMatchObject({ code: 'NOT_FOUND' });

	// Offline: the samples cannot be fetched any more, and both models still load from the shelf and run.
	await context.setOffline(true);
	expect(await page.evaluate(() => fetch('./samples/mlp.onnx').then(() => 'fetched', () => 'offline'))).toBe('offline');
	check(await run());
	expect(outside).toEqual([]);
});

test("a shelf whose worker's code cannot be fetched fails its calls with REMOTE_UNREACHABLE instead of waiting forever", async ({ page, context }) => {
	// What an app without a service worker meets when its page is open but the worker's script does not arrive
	// (offline, or a deploy replaced it): the browser fires a plain `error` event on the Worker and nothing answers.
	await context.route(/\/assets\/worker-[^/]*\.js$/, (route) => route.abort('internetdisconnected'));
	await page.goto(origin);
	await page.getByRole('button', { name: 'Import the samples' }).click();
	await expect(page.locator('#status')).toHaveText(/^Failed: REMOTE_UNREACHABLE: The shelf's worker could not start: its code did not load/);
	const failure = await page.evaluate(() => (window as unknown as { example: { shelf: { list(): Promise<unknown> } } }).example.shelf.list().then(() => null, (error: { code: string; details?: unknown }) => ({ code: error.code, details: error.details })));
	expect(failure).toEqual({ code: 'REMOTE_UNREACHABLE', details: { offline: false } });
});

/** Clicks a button of the example and reads what it printed (`Done.`), or fails with the status it showed. */
async function press(page: import('@playwright/test').Page, name: string): Promise<unknown> {
	await page.getByRole('button', { name }).click();
	await expect(page.locator('#status')).toHaveText('Done.', { timeout: 60_000 });
	return JSON.parse((await page.locator('#output').textContent()) ?? 'null');
}

/** The adapters example's `window.example`, typed here as far as this test uses it (the test does not compile the example). */
type AdaptersWindow = {
	example: {
		shelf: {
			resolve(reference: string): Promise<{ files: { path: string }[]; info: { metadata?: unknown } }>;
			save(request: { name: string; version: string; files: { path: string; data: Blob }[] }): Promise<unknown>;
		};
		cache: { match(request: string): Promise<Response | undefined>; put(request: string, response: Response): Promise<void>; staged(): Record<string, string[]> };
		shelfCache(shelf: unknown, pins: Record<string, string>): unknown;
		shelfIOHandler(shelf: unknown, reference: string): { load?(): Promise<unknown> };
		loadHubModel(model?: string): Promise<unknown>;
		env: { remoteHost: string };
	};
};

type HubLoad = { files: { file: string; size: number; sha256: string; fromCache: boolean; contentLength: string | null }[]; committed: { model: string; tag: string; status: string }[] };

test('transformers.js cache: the first load saves the downloaded files as the pinned version, later loads are answered by the shelf offline with the same bytes', async ({ page, context }) => {
	test.setTimeout(120_000);
	const outside = await localOnly(context);
	const hub: string[] = [];
	page.on('request', (request) => {
		if (new URL(request.url()).pathname.startsWith('/hub/')) hub.push(request.url());
	});
	const files = Object.entries(HUB_FILES).map(([file, from]) => {
		const bytes = readFileSync(from);
		return { file, size: bytes.byteLength, sha256: createHash('sha256').update(bytes).digest('hex') };
	});
	await page.goto(adaptersOrigin);

	// First load: both files come from the (local) hub and become hf-mlp:1, the pinned version, in one save.
	const first = (await press(page, 'Load the Hugging Face model')) as HubLoad;
	expect(first.files).toMatchObject(files.map((file) => ({ ...file, fromCache: false })));
	expect(first.committed).toEqual([{ model: 'shelf-tests/mlp', tag: 'hf-mlp:1', status: 'created' }]);
	expect(hub).toHaveLength(2);

	const facts = await page.evaluate(async () => {
		const { shelf, cache, shelfCache, env } = (window as unknown as AdaptersWindow).example;
		const record = await shelf.resolve('hf-mlp:1');
		// Both forms transformers.js asks for (the revision is not consulted: the pin decides), and a model it does not pin.
		const remote = await cache.match(`${env.remoteHost}shelf-tests/mlp/resolve/v2/config.json`);
		const local = await cache.match('/models/shelf-tests/mlp/onnx/model.onnx');
		const unpinned = await cache.match(`${env.remoteHost}shelf-tests/unpinned/resolve/main/config.json`);
		await cache.put(`${env.remoteHost}shelf-tests/unpinned/resolve/main/config.json`, new Response('{}'));
		let refused: unknown = null;
		try {
			shelfCache(shelf, { 'a/b': 'b' });
		} catch (error) {
			refused = { code: (error as { code?: string }).code, details: (error as { details?: unknown }).details };
		}
		return {
			files: record.files.map((file) => file.path),
			metadata: record.info.metadata,
			remote: remote && { type: remote.headers.get('content-type'), length: remote.headers.get('content-length'), text: await remote.text() },
			localLength: local?.headers.get('content-length'),
			unpinned: unpinned === undefined,
			staged: cache.staged(),
			refused
		};
	});
	expect(facts).toMatchObject({ files: ['config.json', 'onnx/model.onnx'], metadata: { hf_model_id: 'shelf-tests/mlp' }, unpinned: true, staged: {} });
	expect(facts.remote).toEqual({ type: 'application/json', length: String(files[0]!.size), text: readFileSync(HUB_FILES['config.json'], 'utf8') });
	expect(facts.localLength).toBe(String(files[1]!.size));
	expect(facts.refused).toMatchObject({ code: 'INVALID_TAG', details: { reason: 'version-required' } });

	// A model it does not pin passes through: downloaded on every load, never stored.
	for (let round = 0; round < 2; round++) {
		const unpinned = (await page.evaluate(() => (window as unknown as AdaptersWindow).example.loadHubModel('shelf-tests/unpinned'))) as HubLoad;
		expect(unpinned.files.map((file) => file.fromCache)).toEqual([false, false]);
		expect(unpinned.committed).toEqual([]);
	}
	expect(hub).toHaveLength(6);

	// A new page (a fresh cache object): the shelf answers both files, same bytes, Content-Length set, nothing fetched;
	// then the same offline (the example has no service worker: its code is loaded before going offline).
	await page.reload();
	const answered = files.map((file) => ({ ...file, fromCache: true, contentLength: String(file.size) }));
	const second = (await press(page, 'Load the Hugging Face model')) as HubLoad;
	expect(second).toEqual({ files: answered, committed: [] });
	await context.setOffline(true);
	expect(await page.evaluate(() => fetch('./samples/tfjs/model.json').then(() => 'fetched', () => 'offline'))).toBe('offline');
	const third = (await press(page, 'Load the Hugging Face model')) as HubLoad;
	expect(third).toEqual({ files: answered, committed: [] });
	expect(hub).toHaveLength(6);
	expect(outside).toEqual([]);
});

test('TF.js IOHandler: a Layers model with two weight shards loads from the shelf and predicts what numpy computed; model.save stores a new version', async ({ page, context }) => {
	test.setTimeout(120_000);
	const outside = await localOnly(context);
	const numpy = JSON.parse(readFileSync('tests/fixtures/tfjs/expected.json', 'utf8')) as { y: number[][] };
	await page.goto(adaptersOrigin);
	await press(page, 'Import the TF.js model');
	const result = (await press(page, 'Predict with TF.js')) as { prod: number[][]; saved: string[]; copy: number[][] };
	for (const [name, y] of [['dense@prod', result.prod], ['dense:2', result.copy]] as const) {
		expect(y.length, name).toBe(numpy.y.length);
		y.flat().forEach((value, index) => expect(value, `${name} y[${index}]`).toBeCloseTo(numpy.y.flat()[index]!, 5));
	}
	expect(result.saved).toContain('model.json');
	expect(result.saved.filter((path) => path.endsWith('.bin')).length).toBeGreaterThan(0);

	// A version missing a shard, or holding no model.json, says so with the file's name.
	const refusals = await page.evaluate(async () => {
		const { shelf, shelfIOHandler } = (window as unknown as AdaptersWindow).example;
		const json = await (await fetch('./samples/tfjs/model.json')).blob();
		const shard = await (await fetch('./samples/tfjs/group1-shard1of2.bin')).blob();
		await shelf.save({ name: 'half', version: '1', files: [{ path: 'model.json', data: json }, { path: 'group1-shard1of2.bin', data: shard }] });
		const attempt = (reference: string) => shelfIOHandler(shelf, reference).load!().then(
			() => 'loaded',
			(error: { code?: string; details?: unknown }) => ({ code: error.code, details: error.details })
		);
		return { half: await attempt('half:1'), none: await attempt('hf-nothing:1') };
	});
	expect(refusals.half).toMatchObject({ code: 'NOT_FOUND', details: { tag: 'half:1', path: 'group1-shard2of2.bin' } });
	expect(refusals.none).toMatchObject({ code: 'NOT_FOUND' });
	expect(outside).toEqual([]);
});
