// Issue 14 in the real app: BentoML's model.yaml goes through import and export byte for byte, and a version
// made on the Save page (floats typed as 1.0, non-ASCII labels) exports a model.yaml that PyYAML, as BentoML
// uses it, reads in an ASCII locale with the types typed. Most cases are unit tests (model-yaml-fidelity.test.ts).
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { expect, test, type Page, type TestInfo } from '@playwright/test';
import { unzipSync } from 'fflate';
import { pyFloat, type PyValue } from '../../src/lib/core/pyyaml-dump.ts';
import { runOracle } from '../unit/py-oracle.ts';
import { importFiles, openShelf } from './shelf-page.ts';

const fixtures = fileURLToPath(new URL('../fixtures/bentoml/', import.meta.url));
type Expected = { tag: string; file: string };
const expected = JSON.parse(readFileSync(`${fixtures}expected.json`, 'utf8')) as { bundles: Expected[]; fidelity: Expected[] };
const bundles = [...expected.bundles, ...expected.fidelity];

/** Exports a version through the app's download and returns the zip's entries and its path. */
async function exportZip(page: Page, testInfo: TestInfo, tag: string) {
	const downloading = page.waitForEvent('download');
	await page.evaluate(async (tag) => {
		const { file, name } = await window.modelShelf!.api.exportBundle({ tag });
		Object.assign(document.createElement('a'), { href: URL.createObjectURL(file!), download: name }).click();
	}, tag);
	const download = await downloading;
	const path = testInfo.outputPath(download.suggestedFilename());
	await download.saveAs(path);
	return { path, entries: unzipSync(readFileSync(path)) };
}

test.describe('model.yaml fidelity (issue 14)', () => {
	test("BentoML's model.yaml is exported exactly as it was imported, for zip, .bentomodel and .tar.gz", async ({ page }, testInfo) => {
		await openShelf(page);
		const outcomes = await importFiles(page, bundles.map((bundle) => fixtures + bundle.file));
		expect(outcomes.map((outcome) => outcome.status)).toEqual(bundles.map(() => 'created'));
		const originals = runOracle({ archives: bundles.map((bundle) => fixtures + bundle.file) }).archives;
		for (const [index, bundle] of bundles.entries()) {
			const { entries } = await exportZip(page, testInfo, bundle.tag);
			expect(Buffer.from(entries['model.yaml']!).toString('base64'), bundle.file).toBe(originals[index]);
		}
	});

	test('a version saved on the Save page keeps 1.0 a float and non-ASCII readable in an ASCII locale', async ({ page }, testInfo) => {
		await openShelf(page, '/save');
		await page.getByLabel('Name', { exact: true }).fill('typed_by_hand');
		await page.getByLabel('Version (optional)').fill('v1');
		await page.getByLabel('Labels').fill('city=Zürich\nowner=José');
		await page.getByLabel('Metadata (JSON)').fill('{"C": 1.0, "alpha": 0.0, "shift": -2.0, "weights": [1.0, 2, 0.5], "epochs": 12, "note": "entraîné à Zürich 😀"}');
		await page.getByLabel('Choose files…').setInputFiles([{ name: 'saved_model.bin', mimeType: 'application/octet-stream', buffer: Buffer.from('weights') }]);
		await page.getByRole('button', { name: 'Save version' }).click();
		await expect(page.getByTestId('version-tag')).toHaveText('typed_by_hand:v1');

		const { path, entries } = await exportZip(page, testInfo, 'typed_by_hand:v1');
		const yaml = entries['model.yaml']!;
		expect(yaml.every((byte) => byte < 0x80)).toBe(true);
		const record = await page.evaluate(() => window.modelShelf!.api.get({ tag: 'typed_by_hand:v1' }));
		const python: { [key: string]: PyValue } = {
			name: 'typed_by_hand',
			version: 'v1',
			module: '',
			labels: { city: 'Zürich', owner: 'José' },
			options: {},
			metadata: { C: pyFloat(1), alpha: pyFloat(0), shift: pyFloat(-2), weights: [pyFloat(1), 2, 0.5], epochs: 12, note: 'entraîné à Zürich 😀' },
			context: { framework_name: '', framework_versions: {}, bentoml_version: '', python_version: '' },
			signatures: {},
			api_version: 'v1',
			creation_time: record.info.creationTime
		};
		const manifest = testInfo.outputPath('model.yaml');
		writeFileSync(manifest, yaml);
		const answer = runOracle({ dump: [python], files: [{ path: manifest, expect: python }], archives: [path] });
		expect(answer.encoding).toBe('ANSI_X3.4-1968');
		expect(answer.files[0]).toMatchObject({ loaded: true, difference: null, creation_time_stable: true, context: { bentoml_version: '', python_version: '' } });
		expect(new TextDecoder().decode(yaml)).toBe(answer.dump[0]);
		expect(record.info.creationTime).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{6})?\+00:00$/);
	});

	test('a version saved through the API with a whole float and files in sub-folders exports them as given', async ({ page }, testInfo) => {
		await openShelf(page);
		await page.evaluate(() =>
			window.modelShelf!.api.save({
				name: 'typed_by_api',
				version: 'v1',
				// pyFloat(1) is a boxed Number: it crosses to the worker as one (structured clone keeps it).
				metadata: { C: Object(1) as number, list: [Object(0) as number, 1] },
				signatures: { predict: { batchable: true, batchDim: 1 } },
				files: [{ path: 'weights/layer/w.bin', data: new Blob(['w']) }, { path: 'config.json', data: new Blob(['{}']) }]
			} as never)
		);
		const { entries } = await exportZip(page, testInfo, 'typed_by_api:v1');
		expect(new TextDecoder().decode(entries['weights/layer/w.bin'])).toBe('w');
		expect(new TextDecoder().decode(entries['config.json'])).toBe('{}');
		const text = new TextDecoder().decode(entries['model.yaml']);
		expect(text).toContain('\nmetadata:\n  C: 1.0\n  list:\n  - 0.0\n  - 1\n');
		expect(text).toContain('\nsignatures:\n  predict:\n    batchable: true\n    batch_dim:\n    - 1\n    - 1\n');
	});

	test("creation times stamped in the worker have digits below the millisecond (Chromium's clock: 100 µs steps)", async ({ page }) => {
		await openShelf(page);
		const times = await page.evaluate(async () => {
			const stamped: string[] = [];
			for (let i = 0; i < 4; i++) {
				const { record } = await window.modelShelf!.api.save({ name: 'clock', version: `v${i}`, files: [{ path: 'w', data: new Blob(['w']) }] } as never);
				stamped.push(record.info.creationTime);
			}
			return stamped;
		});
		for (const time of times) expect(time).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{6})?\+00:00$/);
		expect(times.some((time) => /\.\d{6}\+/.test(time) && !/000\+/.test(time))).toBe(true);
	});
});
