// Issue 23 (the library): a plain Vite app (examples/onnx-app) depends on the built package the way npm links a
// `file:../..` dependency, keeps two tiny ONNX models (tests/fixtures/onnx, written by python3-onnx) on its own
// shelf and runs them through the onnxruntime-web adapter on the WebAssembly backend, served by the app itself.
// Outputs must match what numpy computed; the second run is offline; no request ever leaves localhost.
import { expect, test } from '@playwright/test';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, mkdirSync, readFileSync, symlinkSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import { resolve } from 'node:path';
import { serveStatic } from '../../scripts/serve.mjs';

const EXAMPLE = 'examples/onnx-app';
const expected = JSON.parse(readFileSync('tests/fixtures/onnx/expected.json', 'utf8')) as { y: number[][]; y_dims: number[] };

let server: Server;
let origin: string;

test.beforeAll(async () => {
	test.setTimeout(300_000);
	// What `npm run build:lib` and `npm install` in the example would do (the link is npm's for a file: dependency;
	// onnxruntime-web and vite come from the repository's node_modules, found by walking up): offline, in seconds.
	execFileSync('npm', ['run', 'build:lib', '--silent'], { stdio: 'inherit' });
	rmSync(`${EXAMPLE}/node_modules`, { recursive: true, force: true });
	mkdirSync(`${EXAMPLE}/node_modules`);
	symlinkSync('../../..', `${EXAMPLE}/node_modules/model-shelf`);
	// The example type-checks against the package's declarations, then builds.
	// The repository's own binaries, by path: npx could otherwise go to the registry from the example's folder.
	execFileSync(resolve('node_modules/.bin/tsc'), ['-p', `${EXAMPLE}/tsconfig.json`], { stdio: 'inherit' });
	execFileSync(resolve('node_modules/.bin/vite'), ['build', '--logLevel', 'warn'], { cwd: EXAMPLE, stdio: 'inherit' });
	cpSync('tests/fixtures/onnx', `${EXAMPLE}/dist/samples`, { recursive: true });
	({ server, url: origin } = await serveStatic({ root: `${EXAMPLE}/dist`, port: 0 }));
});

test.afterAll(() => new Promise<void>((done) => (server ? server.close(() => done()) : done())));

test('an app loads versioned models from its own shelf through the onnxruntime-web adapter, offline after the first load', async ({ page, context }) => {
	test.setTimeout(180_000);
	const outside: string[] = [];
	await context.route('**/*', (route) => {
		const url = new URL(route.request().url());
		if (url.hostname === 'localhost' || url.hostname === '127.0.0.1') return route.continue();
		outside.push(url.href);
		return route.abort();
	});
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
