// Issue 23, "Try it": a version holding an ONNX model runs in the app, with onnxruntime-web (WebAssembly) in a worker
// of its own, loaded only when asked for and offline afterwards. Models and expected outputs are the fixtures
// python3-onnx and numpy wrote (tests/fixtures/onnx/make-onnx.py); they are saved through the Save page.
import { expect, test, type Page } from '@playwright/test';
import { readFileSync } from 'node:fs';
import { expectNoSeriousAxeViolations, openApp, waitForServiceWorker } from './ui-helpers.ts';

const FIXTURES = 'tests/fixtures/onnx/';
const mlp = JSON.parse(readFileSync(`${FIXTURES}expected.json`, 'utf8')) as { x: number[]; x_dims: number[]; y: number[][]; y_dims: number[] };
const conv = JSON.parse(readFileSync(`${FIXTURES}expected-image.json`, 'utf8')) as { scores: number[][]; scores_dims: number[] };
const file = (name: string, path = name) => ({ name, mimeType: 'application/octet-stream', buffer: readFileSync(FIXTURES + path) });

/** Saves files as `name:1` through the Save page; ends on the version's page. */
async function save(page: Page, name: string, files: ReturnType<typeof file>[]) {
	await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Save' }).click();
	await page.getByLabel('Name', { exact: true }).fill(name);
	await page.getByLabel('Version (optional)').fill('1');
	await page.getByLabel('Choose files…').setInputFiles(files);
	await page.getByRole('button', { name: 'Save version' }).click();
	await expect(page.getByTestId('version-tag')).toHaveText(`${name}:1`);
}

/** Presses Run and answers the output's dims and values as shown (7 significant digits). */
async function run(page: Page, output: string) {
	await page.getByRole('button', { name: 'Run', exact: true }).click();
	const row = page.locator(`[data-testid="try-it-output"][data-name="${output}"]`);
	await expect(row).toBeVisible({ timeout: 60_000 });
	await expect(page.getByTestId('try-it-time')).toContainText(/run in \d[\d,]* ms/);
	const dims = (await row.locator('td').nth(2).textContent())!.split(' × ').map(Number);
	const values = (await row.getByTestId('output-values').textContent())!.split(', ').map(Number);
	return { dims, values };
}

function expectClose(actual: number[], expected: number[], what: string) {
	expect(actual, what).toHaveLength(expected.length);
	actual.forEach((value, index) => expect(value, `${what}[${index}]`).toBeCloseTo(expected[index]!, 5));
}

const tryIt = (page: Page) => page.getByTestId('try-it');
const inputBox = (page: Page, name: string) => tryIt(page).getByRole('textbox', { name: new RegExp(`^${name} `) });
const shownError = (page: Page) => page.getByTestId('try-it-error');

test('Try it runs ONNX models from the shelf: typed tensors, external data, an image; offline after the first load', async ({ page, context }) => {
	test.setTimeout(150_000);
	const wasmRequests: string[] = [];
	context.on('request', (request) => void (/ort-wasm[^/]*\.wasm$/.test(request.url()) && wasmRequests.push(request.url())));
	await openApp(page);
	await waitForServiceWorker(page);
	await save(page, 'mlp', [file('mlp.onnx')]);

	// The inputs come from the inspection facts; nothing of onnxruntime is loaded before Run.
	await expect(inputBox(page, 'x')).toBeVisible();
	await expect(tryIt(page).getByText('(FLOAT, batch × 4)')).toBeVisible();
	const loaded = () => page.evaluate(() => performance.getEntriesByType('resource').map((entry) => entry.name).filter((name) => /inference-worker|ort-wasm|onnxruntime/.test(name)));
	expect(await loaded()).toEqual([]);

	// A wrong shape is refused before onnxruntime starts, naming the input.
	await inputBox(page, 'x').fill('[[1, 2, 3], [4, 5, 6]]');
	await page.getByRole('button', { name: 'Run', exact: true }).click();
	await expect(shownError(page)).toHaveAttribute('data-code', 'INVALID_INPUT');
	await expect(shownError(page)).toContainText('Input "x" has dims [2, 3]');
	await inputBox(page, 'x').fill('[1, 2, 3]');
	await page.getByRole('button', { name: 'Run', exact: true }).click();
	await expect(shownError(page)).toContainText('Input "x" got 3 values, but its shape [batch, 4] needs a multiple of 4');
	await inputBox(page, 'x').fill('[1, 2, 3, "four"]');
	await page.getByRole('button', { name: 'Run', exact: true }).click();
	await expect(shownError(page)).toContainText('Input "x" is FLOAT, but value 3 ("four") is not a finite number');
	await inputBox(page, 'x').fill('[1, 2,');
	await page.getByRole('button', { name: 'Run', exact: true }).click();
	await expect(shownError(page)).toContainText('Input "x" is not JSON');
	expect(wasmRequests).toEqual([]);

	// The fixed inputs as a nested list: numpy's outputs, and the times taken.
	const rows = Array.from({ length: mlp.x_dims[0]! }, (_, row) => mlp.x.slice(row * mlp.x_dims[1]!, (row + 1) * mlp.x_dims[1]!));
	await inputBox(page, 'x').fill(JSON.stringify(rows));
	const started = Date.now();
	const first = await run(page, 'y');
	console.log(`Try it: Run pressed to outputs shown, onnxruntime-web's start and session creation included (tiny MLP): ${Date.now() - started} ms; ${await page.getByTestId('try-it-time').textContent()}`);
	await expect(shownError(page)).toHaveCount(0);
	expect(first.dims).toEqual(mlp.y_dims);
	expectClose(first.values, mlp.y.flat(), 'y');
	expect(wasmRequests.length).toBeGreaterThan(0);
	// The page started the worker; onnxruntime and its .wasm were loaded by the worker alone.
	expect(await loaded()).toEqual([expect.stringMatching(/\/inference-worker-[^/]*\.js$/)]);
	await expectNoSeriousAxeViolations(page, 'a version page with Try it and its outputs');

	// Offline: the app, the worker and onnxruntime's .wasm come from the service worker's caches (the .wasm from the
	// one filled at its first use), not from the browser's HTTP cache, which is emptied first (it may be evicted any time).
	const cached = await page.evaluate(async () => (await (await caches.open('onnxruntime-wasm')).keys()).map((request) => request.url));
	expect(cached).toEqual([expect.stringMatching(/\/ort-wasm[^/]*\.wasm$/)]);
	await (await context.newCDPSession(page)).send('Network.clearBrowserCache');
	await context.setOffline(true);
	await page.reload();
	await expect(page.getByTestId('version-tag')).toHaveText('mlp:1');
	// A flat list: the symbolic batch dim is taken from the count (12 values, 4 per row).
	await inputBox(page, 'x').fill(JSON.stringify(mlp.x));
	const offline = await run(page, 'y');
	expect(offline.dims).toEqual(mlp.y_dims);
	expectClose(offline.values, mlp.y.flat(), 'y offline');

	// A graph with its weights in an external-data file: onnxruntime gets both from the shelf.
	await save(page, 'mlp-external', [file('mlp.onnx', 'external/mlp.onnx'), file('mlp.onnx.data', 'external/mlp.onnx.data')]);
	await inputBox(page, 'x').fill(JSON.stringify(mlp.x));
	expectClose((await run(page, 'y')).values, mlp.y.flat(), 'y external');

	// One image-like input (N × 3 × 8 × 8): a PNG, decoded in the worker and scaled to 0..1, gives numpy's scores.
	await save(page, 'conv', [file('conv.onnx')]);
	await expect(tryIt(page)).toContainText('each value scaled to 0..1 (NCHW)');
	await tryIt(page).getByLabel('Or an image for image').setInputFiles({ name: 'pixels.png', mimeType: 'image/png', buffer: readFileSync(`${FIXTURES}pixels.png`) });
	const scores = await run(page, 'scores');
	expect(scores.dims).toEqual(conv.scores_dims);
	expectClose(scores.values, conv.scores.flat(), 'scores');
	await expect(tryIt(page)).toContainText('Top 4: #1');
	// A file that is not an image: refused by name.
	await tryIt(page).getByLabel('Or an image for image').setInputFiles({ name: 'notes.png', mimeType: 'image/png', buffer: Buffer.from('not a picture') });
	await page.getByRole('button', { name: 'Run', exact: true }).click();
	await expect(shownError(page)).toHaveAttribute('data-code', 'INVALID_INPUT');
	await expect(shownError(page)).toContainText('The file picked for input "image" is not an image');

	// A graph saved without the external-data file it names: refused by name before onnxruntime is asked.
	await save(page, 'lonely', [file('mlp.onnx', 'external/mlp.onnx')]);
	await inputBox(page, 'x').fill(JSON.stringify(mlp.x));
	await page.getByRole('button', { name: 'Run', exact: true }).click();
	await expect(shownError(page)).toHaveAttribute('data-code', 'NOT_FOUND');
	await expect(shownError(page)).toContainText('keeps weights in mlp.onnx.data, which the version does not hold');

	// A graph onnxruntime refuses (an operator it does not know; the header still reads): a specific error, not INTERNAL.
	const unknownOp = Buffer.from(readFileSync(`${FIXTURES}mlp.onnx`).toString('latin1').replace('Relu', 'Rexu'), 'latin1');
	await save(page, 'refused', [{ name: 'mlp.onnx', mimeType: 'application/octet-stream', buffer: unknownOp }]);
	await inputBox(page, 'x').fill(JSON.stringify(mlp.x));
	await page.getByRole('button', { name: 'Run', exact: true }).click();
	await expect(shownError(page)).toHaveAttribute('data-code', 'BAD_MODEL_FILE', { timeout: 60_000 });
	await expect(shownError(page)).toContainText('onnxruntime-web could not load mlp.onnx from refused:1');
});

test('Try it offline before onnxruntime was ever loaded says to run it once online, and then runs', async ({ page, context }) => {
	test.setTimeout(90_000);
	await openApp(page);
	await waitForServiceWorker(page);
	await save(page, 'mlp', [file('mlp.onnx')]);
	await context.setOffline(true);
	await inputBox(page, 'x').fill(JSON.stringify(mlp.x));
	await page.getByRole('button', { name: 'Run', exact: true }).click();
	await expect(shownError(page)).toHaveAttribute('data-code', 'REMOTE_UNREACHABLE', { timeout: 60_000 });
	await expect(shownError(page)).toContainText('Run it once while online');
	await context.setOffline(false);
	expectClose((await run(page, 'y')).values, mlp.y.flat(), 'y');
});

test.describe('cancel', () => {
	// No service worker, so the route below sees the worker's own request for the .wasm.
	test.use({ serviceWorkers: 'block' });

	test('a load held while onnxruntime is fetched can be cancelled, and the next Run loads afresh and runs', async ({ page, context }) => {
		test.setTimeout(90_000);
		await openApp(page);
		await save(page, 'mlp', [file('mlp.onnx')]);
		// The .wasm's answer waits until the cancel has been seen: the cancel always lands mid-load, whatever the machine.
		let release!: () => void;
		const cancelled = new Promise<void>((resolve) => (release = resolve));
		let requested!: () => void;
		const fetching = new Promise<void>((resolve) => (requested = resolve));
		const wasm = /ort-wasm[^/]*\.wasm$/;
		await context.route(wasm, async (route) => {
			requested();
			await cancelled;
			await route.continue().catch(() => undefined); // the worker asking may be gone
		});
		await inputBox(page, 'x').fill(JSON.stringify(mlp.x));
		await page.getByRole('button', { name: 'Run', exact: true }).click();
		await fetching;
		await expect(tryIt(page).getByText('Loading the model…')).toBeVisible();
		await tryIt(page).getByRole('button', { name: 'Cancel' }).click();
		await expect(tryIt(page)).toContainText('Cancelled.');
		await expect(page.getByTestId('try-it-output')).toHaveCount(0);
		await expect(shownError(page)).toHaveCount(0);
		release();
		await context.unroute(wasm);
		expectClose((await run(page, 'y')).values, mlp.y.flat(), 'y after a cancelled load');
	});
});
