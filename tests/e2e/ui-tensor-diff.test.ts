// Issue 17: the version page's Compare section diffs tensors. Two versions of one model, each with real-format
// safetensors files built here (8-byte little-endian header length, JSON header, data): between v1 and v2 one
// tensor changes dtype, one changes shape, one is added, one removed, one keeps dtype and shape in a rewritten
// file (same shape, bytes not proven), and shared.safetensors is byte-identical in both (its tensors: same bytes).
import { expect, test, type Page } from '@playwright/test';
import { expectNoSeriousAxeViolations, openApp } from './ui-helpers.ts';

type Spec = Record<string, { dtype: 'F32' | 'F16' | 'BF16' | 'I64'; shape: number[] }>;
const DTYPE_BYTES = { F32: 4, F16: 2, BF16: 2, I64: 8 } as const;

/** A safetensors file as the spec lays it out; the data bytes count up from `seed`. */
function safetensors(spec: Spec, seed: number): Uint8Array {
	const header: Record<string, unknown> = {};
	let offset = 0;
	for (const [name, { dtype, shape }] of Object.entries(spec)) {
		const length = elements(shape) * DTYPE_BYTES[dtype];
		header[name] = { dtype, shape, data_offsets: [offset, offset + length] };
		offset += length;
	}
	// The spec lets the header be padded with spaces; 8-byte alignment as the Rust writer does.
	let json = JSON.stringify(header);
	json += ' '.repeat((8 - (json.length % 8)) % 8);
	const head = new TextEncoder().encode(json);
	const file = new Uint8Array(8 + head.length + offset);
	new DataView(file.buffer).setBigUint64(0, BigInt(head.length), true);
	file.set(head, 8);
	for (let i = 0; i < offset; i++) file[8 + head.length + i] = (seed + i) & 0xff;
	return file;
}

const elements = (shape: number[]) => shape.reduce((product, dim) => product * dim, 1);
const parameters = (...specs: Spec[]) => specs.flatMap((spec) => Object.values(spec)).reduce((sum, { shape }) => sum + elements(shape), 0);

const SHARED: Spec = { 'encoder.embed': { dtype: 'F32', shape: [4, 2] }, 'encoder.ids': { dtype: 'I64', shape: [3] } };
const MODEL_V1: Spec = {
	'head.cast': { dtype: 'F32', shape: [2, 2] },
	'head.grown': { dtype: 'F32', shape: [2, 2] },
	'head.kept': { dtype: 'F32', shape: [3] },
	'head.gone': { dtype: 'F32', shape: [4] }
};
const MODEL_V2: Spec = {
	'head.cast': { dtype: 'F16', shape: [2, 2] },
	'head.grown': { dtype: 'F32', shape: [2, 3] },
	'head.kept': { dtype: 'F32', shape: [3] },
	'head.fresh': { dtype: 'BF16', shape: [5] }
};

/** Saves a version through the worker API with the given files' bytes (setting up, not under test). */
async function saveVersion(page: Page, version: string, creationTime: string, files: Record<string, Uint8Array>) {
	const sent = Object.entries(files).map(([path, bytes]) => ({ path, bytes: [...bytes] }));
	await page.evaluate(
		async ({ version, creationTime, sent }) => {
			const files = sent.map(({ path, bytes }) => ({ path, data: new File([new Uint8Array(bytes)], path) }));
			await window.modelShelf!.api.save({ name: 'encoder', version, creationTime, files } as never);
		},
		{ version, creationTime, sent }
	);
}

const tensorDiff = (page: Page) => page.getByTestId('tensor-diff');
const rowOf = (page: Page, table: string, name: string) => tensorDiff(page).getByRole('table', { name: table }).getByRole('row').filter({ has: page.getByRole('rowheader', { name, exact: true }) });

test('comparing v2 with v1 lists changed, added and removed tensors, counts the rest, and shows the parameter change', async ({ page }) => {
	await openApp(page);
	const shared = safetensors(SHARED, 7);
	await saveVersion(page, 'v1', '2025-01-01T00:00:00+00:00', { 'model.safetensors': safetensors(MODEL_V1, 1), 'shared.safetensors': shared });
	await saveVersion(page, 'v2', '2025-02-01T00:00:00+00:00', { 'model.safetensors': safetensors(MODEL_V2, 1), 'shared.safetensors': shared });

	await page.goto('/models/encoder/v2');
	await page.getByRole('combobox', { name: 'Compare with version' }).fill('v1');
	await page.getByRole('button', { name: 'Compare', exact: true }).click();
	await expect(page).toHaveURL(/compare=v1/);
	await expect(page.getByTestId('comparison')).toBeVisible();

	await expect(tensorDiff(page).getByTestId('tensor-summary')).toHaveText('2 changed · 1 added · 1 removed · 2 same bytes · 1 same shape');
	const [before, after] = [parameters(MODEL_V1, SHARED), parameters(MODEL_V2, SHARED)];
	expect(after).toBeGreaterThan(before);
	await expect(tensorDiff(page).getByTestId('parameter-change')).toHaveText(`Parameters: ${before} → ${after} (+${after - before})`);

	// What differs, in the diff's order (changed, added, removed), each side's dtype and shape, the change marked.
	const differing = 'Changed, added and removed tensors';
	await expect(tensorDiff(page).getByRole('table', { name: differing }).getByRole('rowheader')).toHaveText(['head.cast', 'head.grown', 'head.fresh', 'head.gone']);
	const cast = rowOf(page, differing, 'head.cast');
	await expect(cast.getByRole('cell')).toHaveText(['dtype changed', 'F32 2 × 2', 'F16 2 × 2', 'model.safetensors']);
	await expect(cast.locator('.highlight')).toHaveText(['F32', 'F16']);
	const grown = rowOf(page, differing, 'head.grown');
	await expect(grown.getByRole('cell')).toHaveText(['shape changed', 'F32 2 × 2', 'F32 2 × 3', 'model.safetensors']);
	await expect(grown.locator('.highlight')).toHaveText(['2 × 2', '2 × 3']);
	await expect(rowOf(page, differing, 'head.fresh').getByRole('cell')).toHaveText(['added', '—', 'BF16 5', 'model.safetensors']);
	await expect(rowOf(page, differing, 'head.gone').getByRole('cell')).toHaveText(['removed', 'F32 4', '—', 'model.safetensors']);

	// The rest waits behind a toggle, with what "same bytes" and "same shape" prove.
	const unchanged = 'Unchanged tensors';
	await expect(tensorDiff(page).getByRole('table', { name: unchanged })).toHaveCount(0);
	await expect(tensorDiff(page)).toContainText('Same bytes: proven identical by file hashes. Same shape: dtype and shape equal, bytes not proven.');
	const toggle = tensorDiff(page).getByRole('button', { name: 'Show 3 unchanged' });
	await expect(toggle).toHaveAttribute('aria-expanded', 'false');
	await toggle.click();
	await expect(tensorDiff(page).getByRole('button', { name: 'Hide 3 unchanged' })).toHaveAttribute('aria-expanded', 'true');
	await expect(tensorDiff(page).getByRole('table', { name: unchanged }).getByRole('rowheader')).toHaveText(['head.kept', 'encoder.embed', 'encoder.ids']);
	await expect(rowOf(page, unchanged, 'head.kept').getByRole('cell')).toHaveText(['same shape', 'F32 3', 'F32 3', 'model.safetensors']);
	await expect(rowOf(page, unchanged, 'head.kept').getByRole('cell').first()).toHaveAttribute('title', /bytes differ/);
	await expect(rowOf(page, unchanged, 'encoder.embed').getByRole('cell')).toHaveText(['same bytes', 'F32 4 × 2', 'F32 4 × 2', 'shared.safetensors']);
	await expect(rowOf(page, unchanged, 'encoder.ids').getByRole('cell').first()).toHaveAttribute('title', /same SHA-256/);
	await expect(tensorDiff(page).locator('.highlight')).toHaveCount(4);
	await expectNoSeriousAxeViolations(page, 'the version page comparing tensors');
});

test('versions without model files say there are no tensors to compare', async ({ page }) => {
	await openApp(page);
	const text = (body: string) => ({ 'notes.txt': new TextEncoder().encode(body) });
	await saveVersion(page, 'v1', '2025-01-01T00:00:00+00:00', text('first'));
	await saveVersion(page, 'v2', '2025-02-01T00:00:00+00:00', text('second'));

	await page.goto('/models/encoder/v2?compare=v1');
	await expect(page.getByTestId('comparison')).toBeVisible();
	await expect(tensorDiff(page).getByTestId('tensor-summary')).toHaveText('No tensors to compare');
	await expect(tensorDiff(page).getByRole('table')).toHaveCount(0);
	await expect(tensorDiff(page).getByTestId('parameter-change')).toHaveCount(0);
});

test('a large diff renders the first 500 rows and shows the rest on request', async ({ page }) => {
	await openApp(page);
	const count = 520;
	const names = Array.from({ length: count }, (_, i) => `layers.${String(i).padStart(3, '0')}.weight`);
	const v1 = Object.fromEntries(names.map((name) => [name, { dtype: 'F32', shape: [2] }])) as Spec;
	const v2 = Object.fromEntries(names.map((name) => [name, { dtype: 'F16', shape: [2] }])) as Spec;
	await saveVersion(page, 'v1', '2025-01-01T00:00:00+00:00', { 'model.safetensors': safetensors(v1, 1) });
	await saveVersion(page, 'v2', '2025-02-01T00:00:00+00:00', { 'model.safetensors': safetensors(v2, 1) });

	await page.goto('/models/encoder/v2?compare=v1');
	await expect(tensorDiff(page).getByTestId('tensor-summary')).toHaveText(`${count} changed`);
	const rows = tensorDiff(page).getByRole('table', { name: 'Changed, added and removed tensors' }).getByTestId('tensor-row');
	await expect(rows).toHaveCount(500);
	await expect(tensorDiff(page)).toContainText(`Showing 500 of ${count} tensors.`);
	await tensorDiff(page).getByRole('button', { name: `Show ${count - 500} more` }).click();
	await expect(rows).toHaveCount(count);
	await expect(rows.last().getByRole('rowheader')).toHaveText(names.at(-1)!);
	await expect(tensorDiff(page).getByRole('button', { name: /more$/ })).toHaveCount(0);
});
