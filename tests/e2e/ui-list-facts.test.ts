// Issue 17 on the Models page: filter by model format and by parameter range (both kept in the URL), the
// parameter count of each version, and a pickle that would run code flagged in its row and when imported.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { expect, test, type Page } from '@playwright/test';
import { formatParameters } from '../../src/lib/core/inspect/facts.ts';
import { expectNoSeriousAxeViolations, expectTags, importThroughPicker, openApp, versionRows } from './ui-helpers.ts';

const models = fileURLToPath(new URL('../fixtures/models/', import.meta.url));
const readJson = <T>(path: string) => JSON.parse(readFileSync(models + path, 'utf8')) as T;
type Tensors = Record<string, { tensors: Array<{ elements: number }> }>;
const elements = (file: { tensors: Array<{ elements: number }> }) => file.tensors.reduce((sum, tensor) => sum + tensor.elements, 0);

// Parameter counts as the writing libraries reported them (expected.json), never typed in here.
const PARAMETERS = {
	gguf: elements(readJson<Tensors>('gguf/expected.json')['tiny-llama-v3.gguf']!),
	onnx: readJson<{ models: Record<string, { parameters: number }> }>('onnx/expected.json').models['mlp.onnx']!.parameters,
	safetensors: elements(readJson<Tensors>('safetensors/expected.json')['tiny.safetensors']!)
};
const PICKLES = readJson<{ files: Record<string, { dangerous?: string[]; verdict: string }> }>('pickle/expected.json').files;

/** One version per fixture format plus one of plain text (no model format, no parameters). */
const VERSIONS = [
	{ tag: 'llm:v1', path: 'gguf/tiny-llama-v3.gguf', parameters: PARAMETERS.gguf },
	{ tag: 'mlp:v1', path: 'onnx/mlp.onnx', parameters: PARAMETERS.onnx },
	{ tag: 'embed:v1', path: 'safetensors/tiny.safetensors', parameters: PARAMETERS.safetensors },
	{ tag: 'notes:v1', path: null, parameters: null }
] as const;

/** Saves a version through the worker with the fixture files' real bytes (setting up, not under test). */
async function saveFixtures(page: Page, tag: string, files: Array<{ path: string; fixture?: string; text?: string }>) {
	const sent = files.map(({ path, fixture, text }) => ({ path, base64: fixture ? readFileSync(models + fixture).toString('base64') : null, text: text ?? '' }));
	await page.evaluate(
		async ({ tag, files }) => {
			const [name, version] = tag.split(':');
			const data = (base64: string | null, text: string) => new File([base64 === null ? text : Uint8Array.from(atob(base64), (c) => c.charCodeAt(0))], 'file');
			await window.modelShelf!.api.save({ name: name!, version, files: files.map((file) => ({ path: file.path, data: data(file.base64, file.text) })) });
		},
		{ tag, files: sent }
	);
}

async function shelfOfFormats(page: Page) {
	await openApp(page);
	// Oldest first in the list: saved in reverse, newest first shows them in VERSIONS order.
	for (const version of [...VERSIONS].reverse()) {
		const path = version.path ? version.path.split('/').at(-1)! : 'README.txt';
		await saveFixtures(page, version.tag, [version.path ? { path, fixture: version.path } : { path, text: 'Notes, no weights.' }]);
	}
	await page.reload();
	await expectTags(page, VERSIONS.map((version) => version.tag));
}

const formatButton = (page: Page) => page.getByRole('button', { name: /^Format/ });
const formatBox = (page: Page, format: string) => page.getByRole('group', { name: 'Model formats' }).getByRole('checkbox', { name: format, exact: true });
const minBox = (page: Page) => page.getByRole('textbox', { name: 'Minimum parameters' });
const maxBox = (page: Page) => page.getByRole('textbox', { name: 'Maximum parameters' });
const rowOf = (page: Page, tag: string) => versionRows(page).filter({ has: page.getByRole('link', { name: tag, exact: true }) });

test('the parameters column shows each version\'s count, exact in its title, and "—" without tensors', async ({ page }) => {
	await shelfOfFormats(page);
	for (const { tag, parameters } of VERSIONS) {
		const cell = rowOf(page, tag).getByTestId('parameters');
		if (parameters === null) {
			await expect(cell).toHaveText('—');
			await expect(cell).not.toHaveAttribute('title');
		} else {
			await expect(cell).toHaveText(formatParameters(parameters));
			await expect(cell).toHaveAttribute('title', `${parameters.toLocaleString('en')} parameters`);
		}
	}
	await expect(page.getByRole('columnheader', { name: 'Parameters' })).toBeVisible();
	await expect(rowOf(page, 'llm:v1').getByTestId('formats')).toHaveText('Formats: gguf');
	await expect(rowOf(page, 'notes:v1').getByTestId('formats')).toHaveCount(0);
});

test('filter by format: exactly the versions holding a picked format, kept in the URL across a reload', async ({ page }) => {
	await shelfOfFormats(page);
	await formatButton(page).click();
	await formatBox(page, 'gguf').check();
	await expect(page).toHaveURL(/\?format=gguf$/);
	await expectTags(page, ['llm:v1']);
	await formatBox(page, 'onnx').check();
	await expect(page).toHaveURL(/\?format=gguf,onnx$/);
	await expectTags(page, ['llm:v1', 'mlp:v1']);

	await page.reload();
	await expectTags(page, ['llm:v1', 'mlp:v1']);
	await expect(formatButton(page)).toHaveAccessibleName('Format gguf, onnx');
	await formatButton(page).click();
	await expect(formatBox(page, 'gguf')).toBeChecked();
	await expect(formatBox(page, 'safetensors')).not.toBeChecked();
	await formatBox(page, 'gguf').uncheck();
	await formatBox(page, 'onnx').uncheck();
	await formatBox(page, 'safetensors').check();
	await expectTags(page, ['embed:v1']);
	// A format no version holds: nothing matches, and clearing the filters brings every version back.
	await formatBox(page, 'safetensors').uncheck();
	await formatBox(page, 'keras').check();
	await expect(page.getByTestId('no-match')).toBeVisible();
	await page.keyboard.press('Escape');
	await page.getByRole('button', { name: 'Clear filters' }).click();
	await expectTags(page, VERSIONS.map((version) => version.tag));
	await expect(page).toHaveURL(/\/$/);
});

test('filter by parameter range: bounds inclusive, either end open, versions without a count never match, kept in the URL', async ({ page }) => {
	const { gguf, onnx, safetensors } = PARAMETERS;
	// What the bounds below rely on (the fixtures' sizes), checked rather than assumed.
	expect(onnx < safetensors && safetensors < gguf).toBe(true);
	const thousands = Math.floor(gguf / 1000);
	expect(thousands * 1000 > safetensors && thousands * 1000 <= gguf).toBe(true);

	await shelfOfFormats(page);
	await minBox(page).fill(String(onnx));
	await maxBox(page).fill(String(safetensors));
	await expect(page).toHaveURL(`/?params=${onnx}..${safetensors}`);
	await expectTags(page, ['mlp:v1', 'embed:v1']);

	await maxBox(page).fill('');
	await minBox(page).fill(`${thousands}k`);
	await expect(page).toHaveURL(`/?params=${thousands}k..`);
	await expectTags(page, ['llm:v1']);
	await page.reload();
	await expect(minBox(page)).toHaveValue(`${thousands}k`);
	await expectTags(page, ['llm:v1']);

	await minBox(page).fill('');
	await maxBox(page).fill(String(safetensors - 1));
	await expect(page).toHaveURL(`/?params=..${safetensors - 1}`);
	await expectTags(page, ['mlp:v1']);
	// From zero up: every version with a count, never the one without tensors.
	await maxBox(page).fill('');
	await minBox(page).fill('0');
	await expectTags(page, ['llm:v1', 'mlp:v1', 'embed:v1']);

	// A count that cannot be read says so inline, where it goes wrong, and the list keeps the last valid range.
	await minBox(page).fill('7X');
	const problem = page.getByTestId('params-problem');
	await expect(problem).toContainText('"7X" is not a parameter count');
	await expect(problem.locator('mark')).toHaveText('X');
	await expect(minBox(page)).toHaveAttribute('aria-invalid', 'true');
	await page.waitForTimeout(400); // past the debounce: nothing may change
	await expect(page).toHaveURL('/?params=0..');
	await expectTags(page, ['llm:v1', 'mlp:v1', 'embed:v1']);
	// Typing elsewhere meanwhile keeps the invalid text in its box.
	await page.getByRole('searchbox', { name: /Search/ }).fill('mlp');
	await expect(page).toHaveURL('/?q=mlp&params=0..');
	await expect(minBox(page)).toHaveValue('7X');
	await expectTags(page, ['mlp:v1']);

	// A minimum above the maximum is refused too; a hand-edited range without ".." is not guessed at.
	await minBox(page).fill('10B');
	await maxBox(page).fill('1M');
	await expect(problem).toContainText('above the maximum');
	await page.goto('/?params=7B');
	await expect(problem).toContainText('"7B" is not a range');
	await expectTags(page, VERSIONS.map((version) => version.tag));
});

test('a pickle that would run code is flagged when its bundle is imported through the picker, and in its row', async ({ page }, testInfo) => {
	const malicious = 'malicious-os-system-proto0.pkl';
	const dangerous = PICKLES[malicious]!.dangerous!;
	expect(PICKLES['sklearn-logreg.pkl']!.verdict).toBe('safe');
	await openApp(page);
	// Bundles made by the app itself: save, export, then delete for good so the import creates them again.
	const bundles: string[] = [];
	for (const [tag, fixture] of [
		['fraud:v1', malicious],
		['churn:v1', 'sklearn-logreg.pkl']
	] as const) {
		await saveFixtures(page, tag, [
			{ path: 'custom_objects.pkl', fixture: `pickle/${fixture}` },
			{ path: 'model.txt', text: tag }
		]);
		const downloading = page.waitForEvent('download');
		await page.evaluate(async (tag) => {
			const api = window.modelShelf!.api;
			const { file, name } = await api.exportBundle({ tag });
			Object.assign(document.createElement('a'), { href: URL.createObjectURL(file!), download: name }).click();
			await api.delete({ tag });
			await api.emptyTrash();
		}, tag);
		const path = testInfo.outputPath((await downloading).suggestedFilename());
		await (await downloading).saveAs(path);
		bundles.push(path);
	}
	await page.reload();
	await expect(page.getByTestId('empty-shelf')).toBeVisible();

	await importThroughPicker(page, bundles);
	const warnings = page.getByTestId('import-warning');
	await expect(warnings).toHaveCount(1);
	await expect(warnings).toHaveText(`⚠ Imported fraud:v1 — its pickle custom_objects.pkl would import ${dangerous.join(', ')} when loaded.`);
	await expect(page.getByTestId('import-job').filter({ hasText: 'fraud-v1.zip' })).toContainText('Imported as fraud:v1');

	await expectTags(page, ['churn:v1', 'fraud:v1']);
	const flag = rowOf(page, 'fraud:v1').getByRole('note', { name: `Unsafe pickle: custom_objects.pkl would import ${dangerous.join(', ')} when loaded` });
	await expect(flag).toHaveText('⚠ unsafe pickle');
	await expect(flag).toHaveAttribute('title', new RegExp(dangerous.join(', ').replaceAll('.', '\\.')));
	await expect(rowOf(page, 'churn:v1').getByTestId('unsafe-pickle')).toHaveCount(0);
	await expect(rowOf(page, 'fraud:v1').getByTestId('formats')).toHaveText('Formats: pickle');
	await expectNoSeriousAxeViolations(page, 'Models with an unsafe pickle and the import panel');
});

test("hovering a version's age shows its exact creation time (made on hover, not at first paint)", async ({ page }) => {
	await shelfOfFormats(page);
	const age = rowOf(page, 'llm:v1').locator('time').first();
	await expect(age).not.toHaveAttribute('title');
	await age.hover();
	const exact = await age.evaluate((time) => new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'long' }).format(new Date(time.getAttribute('datetime')!)));
	await expect(age).toHaveAttribute('title', exact);
});
