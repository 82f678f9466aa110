// Issue 25: the sample models. From a fresh profile, offline after the first visit, "Try with sample models" imports
// the bundles static/samples/make_samples.py wrote (scikit-learn → ONNX, torch → safetensors, numpy → GGUF); every
// version's page shows the facts the generator wrote down in expected.json, the alias and the sample badge show, Help's
// selector examples each match some samples and exactly what the Models list shows, Try it runs the iris classifier
// (offline too, once onnxruntime's .wasm is cached), and "Remove sample models" leaves an empty shelf.
import { expect, test, type Page } from '@playwright/test';
import { readFileSync } from 'node:fs';
import { expectNoSeriousAxeViolations, expectTags, openApp, versionRows, waitForServiceWorker } from './ui-helpers.ts';

type Io = { name: string; type: string; shape: Array<string | number> };
type Tensor = { name: string; dtype: string; shape: number[] };
/** One sample version as the generator describes it. */
interface Expected {
	tag: string;
	file: string;
	created: string;
	labels: Record<string, string>;
	metadata: Record<string, unknown>;
	kind: 'onnx' | 'safetensors' | 'gguf';
	parameters: number;
	inputs?: Io[];
	outputs?: Io[];
	operators?: Record<string, number>;
	tensors?: Tensor[];
	architecture?: string;
	contextLength?: number;
	quantization?: string;
	try?: { input: number[]; probabilities: number[]; label: number };
}

const SAMPLES = 'static/samples/';
const index = JSON.parse(readFileSync(`${SAMPLES}index.json`, 'utf8')) as { bundles: Array<{ tag: string }>; aliases: Array<{ name: string; alias: string; version: string }> };
const { versions } = JSON.parse(readFileSync(`${SAMPLES}expected.json`, 'utf8')) as { versions: Expected[] };
const newestFirst = [...versions].sort((a, b) => Date.parse(b.created) - Date.parse(a.created)).map((version) => version.tag);
const [ALIAS] = index.aliases as [(typeof index.aliases)[0]];

const trySamples = (page: Page) => page.getByRole('button', { name: 'Try with sample models' });
const shape = (dims: ReadonlyArray<string | number>) => dims.map((dim) => (typeof dim === 'number' ? dim.toLocaleString('en') : dim)).join(' × ');
const versionPath = (tag: string) => `/models/${tag.replace(':', '/')}`;

/** Checks a version's page against what the generator wrote. */
async function expectFacts(page: Page, version: Expected) {
	await page.goto(versionPath(version.tag));
	await expect(page.getByTestId('version-tag')).toHaveText(version.tag);
	await expect(page.getByTestId('sample-badge')).toBeVisible();
	await expect(page.getByTestId('facts-formats')).toHaveText(version.kind);
	await expect(page.getByTestId('facts-parameters')).toHaveAttribute('title', `${version.parameters.toLocaleString('en')} parameters`);
	const cells = (row: ReturnType<Page['getByTestId']>) => row.locator('td').allTextContents();
	if (version.kind === 'onnx') {
		const io = [...version.inputs!, ...version.outputs!].map((value) => [value.name, value.type, shape(value.shape)]);
		await expect(page.getByTestId('io-row')).toHaveCount(io.length);
		expect(await Promise.all((await page.getByTestId('io-row').all()).map(cells))).toEqual(io);
		// The operator histogram is in the file's header, which the worker reads for the page's inspection.
		const operators = await page.evaluate(async (tag) => {
			const header = await window.modelShelf!.api.inspect({ tag, path: 'saved_model.onnx' });
			return header.format === 'onnx' ? header.header.operators : null;
		}, version.tag);
		expect(operators).toEqual(version.operators);
	} else {
		await expect(page.getByTestId('facts-tensor-count')).toHaveText(String(version.tensors!.length));
		await page.getByRole('button', { name: 'Show tensors' }).click();
		await expect(page.getByTestId('tensor-row')).toHaveCount(version.tensors!.length);
		const shown = await Promise.all((await page.getByTestId('tensor-row').all()).map(async (row) => (await cells(row)).slice(0, 3)));
		expect(shown.sort()).toEqual(version.tensors!.map((tensor) => [tensor.name, tensor.dtype, shape(tensor.shape)]).sort());
		await expect(page.getByTestId('dtype-row').locator('th')).toHaveText([...new Set(version.tensors!.map((tensor) => tensor.dtype))]);
	}
	if (version.kind === 'gguf') {
		await expect(page.getByTestId('facts-architecture')).toHaveText(version.architecture!);
		await expect(page.getByTestId('facts-context-length')).toHaveText(`${version.contextLength!.toLocaleString('en')} tokens`);
		await expect(page.getByTestId('facts-quantization')).toHaveText(version.quantization!);
	}
}

test('offline after the first visit, the sample models import in one click and every version shows its facts; Remove leaves an empty shelf', async ({ page, context }) => {
	test.setTimeout(240_000);
	await openApp(page);
	await waitForServiceWorker(page);
	await expect(page.getByTestId('empty-shelf').getByTestId('way-samples')).toContainText('sample=true');
	await expectNoSeriousAxeViolations(page, 'the empty shelf with "Try with sample models"');

	await context.setOffline(true);
	await page.reload();
	await trySamples(page).click();
	await expectTags(page, newestFirst);
	await expect(versionRows(page).getByTestId('sample-badge')).toHaveCount(versions.length);
	const aliased = versionRows(page).filter({ hasText: `${ALIAS.name}:${ALIAS.version}` });
	await expect(aliased.getByTestId('alias-badge')).toHaveText(`@${ALIAS.alias}`);
	await expect(page.getByTestId('samples-bar')).toBeVisible();
	await expectNoSeriousAxeViolations(page, 'the Models list of the samples');

	// The metrics the model pages chart, as the list ordered by accuracy shows them.
	await page.goto('/?sort=accuracy');
	const withAccuracy = versions.filter((version) => typeof version.metadata.accuracy === 'number');
	await expect(page.getByTestId('metric-value')).toHaveCount(versions.length);
	const accuracies = withAccuracy.map((version) => version.metadata.accuracy as number).sort((a, b) => b - a);
	expect((await page.getByTestId('metric-value').allTextContents()).slice(0, accuracies.length)).toEqual(accuracies.map((value) => value.toLocaleString('en', { maximumFractionDigits: 6 })));

	for (const version of versions) await expectFacts(page, version);
	await page.goto(`/models/${ALIAS.name}/@${ALIAS.alias}`);
	await expect(page.getByTestId('version-tag')).toHaveText(`${ALIAS.name}:${ALIAS.version}`);

	// Help's examples against the samples: each matches some of them, not all, and exactly what Models lists.
	await page.goto('/help#selectors');
	await expect(page.getByTestId('help-live-alias')).toContainText(`${ALIAS.name}@${ALIAS.alias} points at ${ALIAS.name}:${ALIAS.version}`);
	const examples = await page.getByTestId('selector-example-text').allTextContents();
	const seen: Record<string, string[]> = {};
	for (const example of examples) {
		await page.getByRole('textbox', { name: 'Try a selector' }).fill(example);
		await expect(page.getByTestId('try-it-count')).toBeVisible();
		seen[example] = await page.getByRole('list', { name: 'Matching versions' }).getByRole('listitem').allTextContents();
		expect(seen[example]!.length, example).toBeGreaterThan(0);
		expect(seen[example]!.length, example).toBeLessThan(versions.length);
	}
	for (const example of examples) {
		await page.goto(`/?selector=${encodeURIComponent(example)}`);
		await expectTags(page, seen[example]!);
	}

	// Importing again changes nothing: every tag is already there, and the alias stays where it points.
	const again = await page.evaluate(() => window.modelShelf!.api.importSamples({}));
	expect(again).toEqual({ created: [], unchanged: index.bundles.map((bundle) => bundle.tag), skipped: [], aliases: [] });

	// Remove: every sample version goes for good (nothing in the trash), and the shelf is empty again.
	await page.goto('/');
	await page.getByRole('button', { name: 'Remove sample models' }).click();
	await expect(page.getByTestId('empty-shelf')).toBeVisible();
	await expect(trySamples(page)).toBeVisible();
	expect((await page.evaluate(() => window.modelShelf!.api.listTrash())).items).toEqual([]);
	expect(await page.evaluate(() => window.modelShelf!.api.aliases())).toEqual([]);
});

test('Try it runs the sample iris classifier as scikit-learn predicted, and offline once its runtime is cached', async ({ page, context }) => {
	test.setTimeout(180_000);
	const iris = versions.find((version) => version.tag === `${ALIAS.name}:${ALIAS.version}`)!;
	await openApp(page);
	await waitForServiceWorker(page);
	await trySamples(page).click();
	await expectTags(page, newestFirst);

	const run = async () => {
		await page.getByTestId('try-it').getByRole('textbox', { name: /^float_input / }).fill(JSON.stringify(iris.try!.input));
		await page.getByRole('button', { name: 'Run', exact: true }).click();
		const row = page.locator('[data-testid="try-it-output"][data-name="probabilities"]');
		await expect(row).toBeVisible({ timeout: 60_000 });
		const values = (await row.getByTestId('output-values').textContent())!.split(', ').map(Number);
		iris.try!.probabilities.forEach((p, i) => expect(values[i], `probabilities[${i}]`).toBeCloseTo(p, 5));
		await expect(page.locator('[data-testid="try-it-output"][data-name="label"]').getByTestId('output-values')).toHaveText(String(iris.try!.label));
	};
	await page.goto(`/models/${ALIAS.name}/@${ALIAS.alias}`);
	await run();
	// onnxruntime's .wasm is cached at its first use (not precached): from then on Try it runs offline as well.
	await context.setOffline(true);
	await page.reload();
	await expect(page.getByTestId('version-tag')).toHaveText(iris.tag);
	await run();
});

test('a cancelled or failed sample import is a typed error, shown on the page; what was imported before it stays whole', async ({ browser }) => {
	// No service worker here, so the samples' requests reach the network, where this test answers them.
	const context = await browser.newContext({ serviceWorkers: 'block' });
	const page = await context.newPage();
	await openApp(page);
	const importSamples = (opId: string) =>
		page.evaluate((id) => window.modelShelf!.api.importSamples({ opId: id }).then(() => null, (error: { code?: string }) => error.code ?? 'none'), opId);
	// Cancelled before it starts (the page cancels by operation id): ABORTED, and nothing stored.
	await page.evaluate(() => window.modelShelf!.api.cancel({ opId: 'samples-1' }));
	expect(await importSamples('samples-1')).toBe('ABORTED');
	expect((await page.evaluate(() => window.modelShelf!.api.list())).items).toEqual([]);

	// A bundle that is not the one the index lists: INTEGRITY, shown in words on the page.
	await context.route('**/samples/*.zip', (route) => route.fulfill({ status: 200, body: 'not the bundle' }));
	await trySamples(page).click();
	await expect(page.getByRole('alert').filter({ hasText: 'Could not import the sample models' })).toContainText("is not the file the samples' index lists");
	// The bundles before the first zip (the iris .bentomodel files) were imported whole and stay, the list shows them.
	const before = versions.filter((version) => version.file.endsWith('.bentomodel')).map((version) => version.tag);
	await expectTags(page, newestFirst.filter((tag) => before.includes(tag)));
	expect(await importSamples('samples-2')).toBe('INTEGRITY');
	await context.close();
});
