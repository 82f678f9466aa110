import { PYTHON } from '../tools.ts';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { expect, test } from '@playwright/test';
import { parseModelYaml } from '../../src/lib/core/manifest.ts';
import { importFiles, openShelf, save } from './shelf-page.ts';
import { storedBlobs } from './stored-blobs.ts';

const bentomlFixtures = fileURLToPath(new URL('../fixtures/bentoml/', import.meta.url));
const expected = JSON.parse(readFileSync(`${bentomlFixtures}expected.json`, 'utf8')) as {
	bundles: Array<{ tag: string; file: string; created: string; labels: Record<string, string>; metadata: Record<string, unknown>; files: Array<{ path: string; size: number; sha256: string }> }>;
};
const fixtureFiles = expected.bundles.map((bundle) => bentomlFixtures + bundle.file);

/** Reads a zip with Python's zipfile (an independent reader): model.yaml text and every file's size and SHA-256. */
function readZipWithPython(path: string) {
	const script = `
import hashlib, json, sys, zipfile
with zipfile.ZipFile(sys.argv[1]) as z:
    assert z.testzip() is None
    files = [{"path": i.filename, "size": i.file_size, "sha256": hashlib.sha256(z.read(i)).hexdigest()} for i in z.infolist() if not i.is_dir() and i.filename != "model.yaml"]
    print(json.dumps({"files": files, "manifest": z.read("model.yaml").decode()}))
`;
	return JSON.parse(execFileSync(PYTHON, ['-c', script, path], { encoding: 'utf8' })) as { files: Array<{ path: string; size: number; sha256: string }>; manifest: string };
}

test.describe('bundles: import and export', () => {
	test("imports BentoML's own zip and .bentomodel exports with every field", async ({ page }) => {
		await openShelf(page);
		const outcomes = await importFiles(page, fixtureFiles);
		expect(outcomes).toEqual(expected.bundles.map((bundle) => ({ name: bundle.file, status: 'created', tag: bundle.tag })));
		for (const bundle of expected.bundles) {
			const record = await page.evaluate((tag) => window.modelShelf!.api.get({ tag }), bundle.tag);
			expect(record.info.labels).toEqual(bundle.labels);
			expect(record.info.metadata).toEqual(bundle.metadata);
			expect(record.info.creationTime).toBe(bundle.created);
			expect(record.files.map(({ path, size, sha256 }) => ({ path, size, sha256 }))).toEqual([...bundle.files].sort((a, b) => a.path.localeCompare(b.path)));
		}
		const production = await page.evaluate(() => window.modelShelf!.api.list({ selector: 'stage=production' }));
		expect(production.items.map((item) => item.tag)).toEqual(['fraud_detector:6st47ifytwe2p45h']);
	});

	test('re-importing an identical bundle is a no-op; the same tag with other content is TAG_EXISTS', async ({ page }) => {
		await openShelf(page);
		await importFiles(page, [fixtureFiles[0]!]);
		expect(await importFiles(page, [fixtureFiles[0]!])).toEqual([{ name: expected.bundles[0]!.file, status: 'unchanged', tag: expected.bundles[0]!.tag }]);
		// A version saved under the same tag with different bytes blocks the import, which stores nothing.
		const other = await save(page, { name: 'speech_encoder', version: 'kls3cagggc4amo3b', files: [{ path: 'saved_model.onnx', text: 'different' }] });
		expect(other.status).toBe('created');
		const blobsBefore = await storedBlobs(page);
		const [refused] = await importFiles(page, [fixtureFiles[1]!]);
		expect(refused).toMatchObject({ code: 'TAG_EXISTS' });
		expect(await storedBlobs(page)).toEqual(blobsBefore);
	});

	test('exports a version as <name>-<version>.zip that unzips to the same files and model.yaml', async ({ page }, testInfo) => {
		await openShelf(page);
		await importFiles(page, fixtureFiles);
		for (const bundle of expected.bundles) {
			const downloading = page.waitForEvent('download');
			await page.evaluate(async (tag) => {
				const { file, name } = await window.modelShelf!.api.exportBundle({ tag });
				const link = Object.assign(document.createElement('a'), { href: URL.createObjectURL(file!), download: name });
				link.click();
			}, bundle.tag);
			const download = await downloading;
			expect(download.suggestedFilename()).toBe(`${bundle.tag.replace(':', '-')}.zip`);
			const path = testInfo.outputPath(download.suggestedFilename());
			await download.saveAs(path);
			const unzipped = readZipWithPython(path);
			expect(unzipped.files.sort((a, b) => a.path.localeCompare(b.path))).toEqual([...bundle.files].sort((a, b) => a.path.localeCompare(b.path)));
			const record = await page.evaluate((tag) => window.modelShelf!.api.get({ tag }), bundle.tag);
			expect(parseModelYaml(unzipped.manifest)).toEqual(record.info);
			if (bundle.file.endsWith('.zip')) {
				// BentoML's own model.yaml comes back byte for byte.
				expect(unzipped.manifest).toBe(readZipWithPython(bentomlFixtures + bundle.file).manifest);
			}
		}
	});

	test('an exported bundle imports into a fresh shelf as the identical version', async ({ page, browser }, testInfo) => {
		await openShelf(page);
		const saved = await save(page, { name: 'roundtrip', version: 'v1', labels: { stage: 'dev' }, metadata: { accuracy: 0.93 }, files: [{ path: 'weights/w.bin', size: 6 << 20, seed: 5 }, { path: 'config.json', text: '{"layers": 12}' }] });
		const downloading = page.waitForEvent('download');
		await page.evaluate(async () => {
			const { file, name } = await window.modelShelf!.api.exportBundle({ tag: 'roundtrip:v1' });
			Object.assign(document.createElement('a'), { href: URL.createObjectURL(file!), download: name }).click();
		});
		const path = testInfo.outputPath('roundtrip-v1.zip');
		await (await downloading).saveAs(path);
		const fresh = await browser.newContext();
		const other = await fresh.newPage();
		await openShelf(other);
		expect(await importFiles(other, [path])).toEqual([{ name: 'roundtrip-v1.zip', status: 'created', tag: 'roundtrip:v1' }]);
		const imported = await other.evaluate(() => window.modelShelf!.api.get({ tag: 'roundtrip:v1' }));
		expect(imported.files).toEqual(saved.record.files);
		expect(imported.info).toEqual(saved.record.info);
		await fresh.close();
	});
});
