// Issue 16: several versions exported as one zip (BentoML's store layout, one `<name>/<version>/` folder
// each) by the built app's worker, then imported into an empty shelf through the Imports panel as several
// versions, identical to the ones that left.
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { expect, test, type Page } from '@playwright/test';
import { byPath, importPicker, openApp, readZipWithPython } from './ui-helpers.ts';

const TAGS = ['iris:v1', 'iris:v2', 'churn:a'];

/** What the page's worker holds for each tag: creation time, labels, files. */
function shelfState(page: Page) {
	return page.evaluate(async (tags) => {
		const api = window.modelShelf!.api;
		return Promise.all(
			tags.map(async (tag) => {
				const record = await api.get({ tag });
				return { tag: record.tag, created: record.info.creationTime, labels: record.info.labels, files: record.files.map(({ path, size, sha256 }) => ({ path, size, sha256 })) };
			})
		);
	}, TAGS);
}

test('three versions leave in one zip with a folder each, and come back as three versions', async ({ page, browser }, testInfo) => {
	test.setTimeout(90_000);
	await openApp(page);
	const exported = await page.evaluate(async (tags) => {
		const api = window.modelShelf!.api;
		const weights = new Uint8Array(300_000).map((_, index) => (index * 7919) % 251);
		await api.save({ name: 'iris', version: 'v1', labels: { stage: 'dev' }, creationTime: '2025-01-01T10:00:00.123456+00:00', files: [{ path: 'weights.bin', data: new Blob([weights]) }, { path: 'config.json', data: new Blob(['{"a": 1}']) }] });
		await api.save({ name: 'iris', version: 'v2', creationTime: '2025-02-01T10:00:00+00:00', files: [{ path: 'weights.bin', data: new Blob([weights]) }, { path: 'extra/notes.txt', data: new Blob(['second']) }] });
		await api.save({ name: 'churn', version: 'a', creationTime: '2025-03-01T10:00:00+00:00', files: [{ path: 'model/saved_model.pb', data: new Blob(['churn model']) }] });
		const result = await api.exportBundles({ tags });
		const bytes = new Uint8Array(await result.file!.arrayBuffer());
		let binary = '';
		for (const byte of bytes) binary += String.fromCharCode(byte);
		return { name: result.name, bytes: result.bytes, base64: btoa(binary) };
	}, TAGS);
	const before = await shelfState(page);

	// The zip: one folder per version, each holding model.yaml and that version's files, as unzip and Python read it.
	expect(exported.name).toBe('models-3.zip');
	const zip = testInfo.outputPath(exported.name);
	writeFileSync(zip, Buffer.from(exported.base64, 'base64'));
	expect(Buffer.from(exported.base64, 'base64').length).toBe(exported.bytes);
	expect(execFileSync('unzip', ['-Z1', zip], { encoding: 'utf8' }).trim().split('\n')).toEqual([
		'iris/v1/model.yaml', 'iris/v1/config.json', 'iris/v1/weights.bin',
		'iris/v2/model.yaml', 'iris/v2/extra/notes.txt', 'iris/v2/weights.bin',
		'churn/a/model.yaml', 'churn/a/model/saved_model.pb'
	]);
	const inZip = readZipWithPython(zip);
	for (const version of before) {
		const folder = version.tag.replace(':', '/');
		const files = inZip.filter((file) => file.path.startsWith(`${folder}/`) && file.path !== `${folder}/model.yaml`).map((file) => ({ ...file, path: file.path.slice(folder.length + 1) }));
		expect(byPath(files)).toEqual(byPath(version.files));
	}

	// An empty shelf imports it through the Imports panel as three versions, identical to the ones that left.
	const fresh = await browser.newContext();
	const other = await fresh.newPage();
	await openApp(other);
	await importPicker(other).setInputFiles(zip);
	const job = other.getByTestId('import-job').filter({ hasText: exported.name });
	await expect(job).toContainText('3 versions imported: iris:v1, iris:v2, churn:a.');
	await expect(job.getByRole('link', { name: 'churn:a' })).toHaveAttribute('href', /\/models\/churn\/a$/);
	expect(await shelfState(other)).toEqual(before);

	// Importing it again changes nothing, and says so.
	await other.getByRole('button', { name: 'Clear' }).click();
	await importPicker(other).setInputFiles(zip);
	await expect(other.getByTestId('import-job')).toContainText('All 3 versions were already on the shelf; nothing changed.');
	await fresh.close();
});
