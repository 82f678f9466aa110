// Issue 17, the version page's Model section: what real model files' headers say (parameters and dtypes,
// ONNX inputs and outputs, GGUF architecture and context length), the pickle safety verdicts with the banner
// for a dangerous one, and a tensor table that stays light with 50,000 tensors. Every expected value comes
// from the fixtures' expected.json (written by the libraries that wrote the files) or from the file built here.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { expect, test, type Page } from '@playwright/test';
import { formatParameters } from '../../src/lib/core/inspect/facts.ts';
import { expectNoSeriousAxeViolations, openApp } from './ui-helpers.ts';

const fixtures = fileURLToPath(new URL('../fixtures/models/', import.meta.url));
const fixture = (path: string) => new Uint8Array(readFileSync(fixtures + path));
const expectedOf = <T>(folder: string) => JSON.parse(readFileSync(`${fixtures}${folder}/expected.json`, 'utf8')) as T;

type Tensor = { name: string; dtype: string; shape: number[]; elements: number };
type Io = { name: string; elemType?: string; type: string; shape: Array<number | string> | null };

/** Saves a version holding these bytes straight through the worker (setting up, not under test). */
async function saveVersion(page: Page, name: string, version: string, files: Array<{ path: string; bytes: Uint8Array }>) {
	const sent = files.map(({ path, bytes }) => ({ path, base64: Buffer.from(bytes).toString('base64') }));
	await page.evaluate(
		async ({ name, version, sent }) => {
			const files = sent.map(({ path, base64 }) => ({ path, data: new Blob([Uint8Array.from(atob(base64), (char) => char.charCodeAt(0))]) }));
			await window.modelShelf!.api.save({ name, version, files } as never);
		},
		{ name, version, sent }
	);
}

/** The dims as the page writes them: `N × 4`, `scalar`, `unknown`. */
const shapeText = (shape: Array<number | string> | null) => (shape === null ? 'unknown' : shape.length === 0 ? 'scalar' : shape.map((dim) => (typeof dim === 'number' ? dim.toLocaleString('en') : dim)).join(' × '));
const sum = (values: number[]) => values.reduce((total, value) => total + value, 0);

test('a safetensors version shows its parameter count and parameters per dtype as the file declares them', async ({ page }) => {
	const { tensors } = expectedOf<Record<string, { tensors: Tensor[] }>>('safetensors')['tiny.safetensors']!;
	const total = sum(tensors.map((tensor) => tensor.elements));
	const byDtype = new Map<string, number>();
	for (const tensor of tensors) byDtype.set(tensor.dtype, (byDtype.get(tensor.dtype) ?? 0) + tensor.elements);

	await openApp(page);
	await saveVersion(page, 'tiny', 'v1', [{ path: 'model.safetensors', bytes: fixture('safetensors/tiny.safetensors') }]);
	await page.goto('/models/tiny/v1');

	const parameters = page.getByTestId('facts-parameters');
	await expect(parameters).toHaveText(formatParameters(total));
	await expect(parameters).toHaveAttribute('title', `${total.toLocaleString('en')} parameters`);
	await expect(page.getByTestId('facts-tensor-count')).toHaveText(tensors.length.toLocaleString('en'));
	await expect(page.getByTestId('facts-formats')).toHaveText('safetensors');

	const legend = page.getByRole('table', { name: 'Parameters by dtype' });
	await expect(legend.getByTestId('dtype-row')).toHaveCount(byDtype.size);
	for (const [dtype, count] of byDtype) {
		const row = legend.getByTestId('dtype-row').filter({ has: page.getByRole('rowheader', { name: dtype, exact: true }) });
		await expect(row.getByTestId('dtype-count'), dtype).toHaveText(count.toLocaleString('en'));
	}
	// The bar names every dtype for people who cannot see it.
	const bar = page.getByRole('img', { name: /^Parameters by dtype:/ });
	for (const dtype of byDtype.keys()) await expect(bar).toHaveAccessibleName(new RegExp(`[:,] ${dtype} `));

	// Its tensor table, read on demand, lists every tensor with its dtype and dims.
	await page.getByRole('button', { name: 'Show tensors' }).click();
	const rows = page.getByRole('table', { name: 'Tensors' }).getByTestId('tensor-row');
	await expect(rows).toHaveCount(tensors.length);
	for (const tensor of tensors) {
		const row = rows.filter({ has: page.getByRole('cell', { name: tensor.name, exact: true }) });
		await expect(row.getByRole('cell')).toHaveText([tensor.name, tensor.dtype, shapeText(tensor.shape), tensor.elements.toLocaleString('en'), 'model.safetensors']);
	}
	await expect(page.getByTestId('dangerous-pickle-banner')).toHaveCount(0);
	await expectNoSeriousAxeViolations(page, 'the version page with model facts and tensors');
});

test('an ONNX version shows its graph inputs and outputs, and a file it could not read as a note', async ({ page }) => {
	const expected = expectedOf<{ models: Record<string, { inputs: Io[]; outputs: Io[]; parameters: number }>; hostile: Record<string, string> }>('onnx');
	const mlp = expected.models['mlp.onnx']!;

	await openApp(page);
	await saveVersion(page, 'mlp', 'v1', [
		{ path: 'mlp.onnx', bytes: fixture('onnx/mlp.onnx') },
		{ path: 'broken/cut-in-half.onnx', bytes: fixture('onnx/cut-in-half.onnx') }
	]);
	await page.goto('/models/mlp/v1');

	for (const [caption, values] of [['Inputs', mlp.inputs], ['Outputs', mlp.outputs]] as const) {
		const rows = page.getByRole('table', { name: caption, exact: true }).getByTestId('io-row');
		await expect(rows).toHaveCount(values.length);
		for (const [i, value] of values.entries()) {
			await expect(rows.nth(i).getByRole('cell')).toHaveText([value.name, value.elemType ?? value.type, shapeText(value.shape)]);
		}
	}
	await expect(page.getByTestId('facts-parameters')).toHaveAttribute('title', `${mlp.parameters.toLocaleString('en')} parameters`);

	const problem = page.getByTestId('facts-problem');
	await expect(problem).toHaveCount(1);
	await expect(problem).toContainText('broken/cut-in-half.onnx');
	await expect(problem.getByTestId('problem-reason')).toHaveText(expected.hostile['cut-in-half.onnx']!);
	// A note, not a failure of the page.
	await expect(page.getByRole('alert')).toHaveCount(0);
});

test('a GGUF version shows its architecture and context length', async ({ page }) => {
	const gguf = expectedOf<Record<string, { metadata: Record<string, unknown>; tensors: Tensor[] }>>('gguf')['tiny-llama-v3.gguf']!;
	const architecture = gguf.metadata['general.architecture'] as string;
	const contextLength = gguf.metadata[`${architecture}.context_length`] as number;

	await openApp(page);
	await saveVersion(page, 'llama', 'q4', [{ path: 'tiny-llama-v3.gguf', bytes: fixture('gguf/tiny-llama-v3.gguf') }]);
	await page.goto('/models/llama/q4');

	await expect(page.getByTestId('facts-architecture')).toHaveText(architecture);
	await expect(page.getByTestId('facts-context-length')).toHaveText(`${contextLength.toLocaleString('en')} tokens`);
	await expect(page.getByTestId('facts-parameters')).toHaveAttribute('title', `${sum(gguf.tensors.map((tensor) => tensor.elements)).toLocaleString('en')} parameters`);
	await expect(page.getByTestId('facts-quantization')).not.toBeEmpty();
});

test('a dangerous pickle puts a warning at the top naming what it would run; a plain sklearn pickle is safe', async ({ page }) => {
	const files = expectedOf<{ files: Record<string, { verdict: string; globals: string[]; dangerous?: string[] }> }>('pickle').files;
	const malicious = files['malicious-os-system-proto0.pkl']!;
	const sklearn = files['sklearn-logreg.pkl']!;

	await openApp(page);
	await saveVersion(page, 'pickles', 'bad', [
		{ path: 'model.pkl', bytes: fixture('pickle/malicious-os-system-proto0.pkl') },
		{ path: 'notes.txt', bytes: new TextEncoder().encode('looks harmless') }
	]);
	await saveVersion(page, 'pickles', 'good', [{ path: 'classifier.pkl', bytes: fixture('pickle/sklearn-logreg.pkl') }]);

	await page.goto('/models/pickles/bad');
	const banner = page.getByRole('alert').filter({ has: page.getByTestId('banner-global') });
	await expect(banner).toBeVisible();
	await expect(banner).toContainText('model.pkl');
	await expect(banner.getByTestId('banner-global')).toHaveText(malicious.dangerous!);
	await expect(banner).toContainText('would run that code');
	// At the top: before the version's actions and every section.
	const bannerTop = (await banner.boundingBox())!.y;
	expect(bannerTop).toBeLessThan((await page.getByRole('group', { name: 'Version actions' }).boundingBox())!.y);

	const scanned = page.getByTestId('pickle');
	await expect(scanned).toHaveCount(1);
	await expect(scanned.getByTestId('pickle-verdict')).toHaveText(malicious.verdict);
	await expect(scanned.getByTestId('pickle-global')).toHaveText(malicious.globals);
	for (const name of malicious.dangerous!) await expect(scanned.getByTestId('pickle-global').filter({ hasText: name })).toHaveClass(/danger/);
	await expect(scanned.getByText('dangerous', { exact: true }).last()).toBeVisible();
	await expectNoSeriousAxeViolations(page, 'the version page warning of a dangerous pickle');

	await page.goto('/models/pickles/good');
	await expect(page.getByTestId('pickle-verdict')).toHaveText(sklearn.verdict);
	expect(sklearn.verdict).toBe('safe');
	await expect(page.getByTestId('pickle-global')).toHaveText(sklearn.globals);
	expect(sklearn.globals.some((name) => name.startsWith('sklearn.')) && sklearn.globals.some((name) => name.startsWith('numpy.'))).toBe(true);
	await expect(page.getByTestId('pickle-global').and(page.locator('.danger'))).toHaveCount(0);
	await expect(page.getByTestId('pickle').getByText('dangerous', { exact: true })).toHaveCount(0);
	await expect(page.getByTestId('dangerous-pickle-banner')).toHaveCount(0);
});

test('the tensor table of 50,000 tensors renders only what is in view, scrolls to the last, searches and sorts', async ({ page }) => {
	const count = 50_000;
	const names = Array.from({ length: count }, (_, i) => `t${String(i).padStart(5, '0')}`);
	// One tensor far bigger than the rest, so sorting by parameters has a clear first row.
	const big = names[31_337]!;
	const shapes = names.map((name) => (name === big ? [64, 64] : [1]));
	await openApp(page);
	await saveVersion(page, 'wide', 'v1', [{ path: 'wide.safetensors', bytes: safetensorsFile(names, shapes) }]);
	await page.goto('/models/wide/v1');
	await expect(page.getByTestId('facts-tensor-count')).toHaveText(count.toLocaleString('en'));

	await page.getByRole('button', { name: 'Show tensors' }).click();
	const table = page.getByRole('table', { name: 'Tensors' });
	const rows = table.getByTestId('tensor-row');
	const firstName = rows.first().getByRole('cell').first();
	await expect(page.getByTestId('tensor-count')).toHaveText(`${count.toLocaleString('en')} tensors (${count.toLocaleString('en')} shown)`);
	await expect(firstName).toHaveText(names[0]!);
	expect(await table.locator('tr').count()).toBeLessThan(100);

	// To the bottom: the last tensor is there, and the DOM is still small.
	const scroller = page.getByTestId('tensor-scroller');
	await scroller.evaluate((element) => (element.scrollTop = element.scrollHeight));
	await expect(table.getByRole('cell', { name: names.at(-1)!, exact: true })).toBeVisible();
	expect(await table.locator('tr').count()).toBeLessThan(100);
	// Rows sit where the spacers say: the last row's bottom is the table's bottom.
	const [lastRow, tableBox] = [await rows.last().boundingBox(), await table.boundingBox()];
	expect(Math.abs(lastRow!.y + lastRow!.height - (tableBox!.y + tableBox!.height))).toBeLessThan(2);

	// Search narrows to the names holding the text.
	const needle = 't4999';
	const found = names.filter((name) => name.includes(needle));
	await page.getByRole('searchbox', { name: 'Search tensors' }).fill(needle);
	await expect(page.getByTestId('tensor-count')).toHaveText(`${count.toLocaleString('en')} tensors (${found.length.toLocaleString('en')} shown)`);
	await expect(rows.locator('td:first-child')).toHaveText(found);
	await page.getByRole('searchbox', { name: 'Search tensors' }).fill('');

	// Sorting: parameters (largest first), then name (A first, then Z first on a second click).
	const header = (name: string) => table.getByRole('columnheader', { name });
	await header('Parameters').getByRole('button').click();
	await expect(header('Parameters')).toHaveAttribute('aria-sort', 'descending');
	await expect(firstName).toHaveText(big);
	await header('Name').getByRole('button').click();
	await expect(header('Name')).toHaveAttribute('aria-sort', 'ascending');
	await expect(header('Parameters')).toHaveAttribute('aria-sort', 'none');
	await expect(firstName).toHaveText(names[0]!);
	await header('Name').getByRole('button').click();
	await expect(header('Name')).toHaveAttribute('aria-sort', 'descending');
	await expect(firstName).toHaveText(names.at(-1)!);
	expect(await table.locator('tr').count()).toBeLessThan(100);
});

/** A safetensors file: 8-byte little-endian header length, the JSON header, then each tensor's F32 bytes in turn. */
function safetensorsFile(names: string[], shapes: number[][]): Uint8Array {
	const header: Record<string, { dtype: string; shape: number[]; data_offsets: [number, number] }> = {};
	let offset = 0;
	for (const [i, name] of names.entries()) {
		const bytes = 4 * shapes[i]!.reduce((product, dim) => product * dim, 1);
		header[name] = { dtype: 'F32', shape: shapes[i]!, data_offsets: [offset, offset + bytes] };
		offset += bytes;
	}
	const json = new TextEncoder().encode(JSON.stringify(header));
	const file = new Uint8Array(8 + json.length + offset);
	new DataView(file.buffer).setBigUint64(0, BigInt(json.length), true);
	file.set(json, 8);
	return file;
}
