// Issue 8, hostile input beyond the bundle corpus: huge selectors, longest tags, deep and huge values,
// sent through the worker API as a script in DevTools would. Each ends in a specific error code or a
// correct result, and a refused input stores nothing.
import { expect, test } from '@playwright/test';
import { manifestText, MiB, seededFile, serveFile, writeBundle } from './fault-helpers.ts';
import { opfsFiles, openShelf, save, shelfError } from './shelf-page.ts';
import { storedBlobs } from './stored-blobs.ts';

const tally = { tried: 0, rejected: [] as string[], accepted: 0 };
test.afterAll(() => console.log(`hostile inputs: ${tally.tried} tried, ${tally.rejected.length} rejected (${tally.rejected.join(', ')}), ${tally.accepted} accepted correctly`));
const rejected = (code: string) => (tally.tried++, tally.rejected.push(code));
const accepted = () => (tally.tried++, tally.accepted++);

test('selectors of 10,000 characters end in INVALID_SELECTOR or the right versions', async ({ page }) => {
	await openShelf(page);
	await save(page, { name: 'sel', version: 'v1', labels: { k: 'v4999', a: 'x' }, files: [{ path: 'w.bin', text: 'w' }] });
	const list = (selector: string) => page.evaluate((selector) => window.modelShelf!.api.list({ selector }), selector);
	for (const selector of [`a=${'x'.repeat(9998)}`, '('.repeat(10_000), `k in (${'v,'.repeat(4998)}`, `${'a,'.repeat(4999)}=`]) {
		expect(selector.length).toBeGreaterThanOrEqual(9998);
		expect(await shelfError(page, 'list', { selector }), selector.slice(0, 20)).toMatchObject({ code: 'INVALID_SELECTOR', details: { position: expect.any(Number) } });
		rejected('INVALID_SELECTOR');
	}
	const values = Array.from({ length: 5000 }, (_, index) => `v${index}`).join(',');
	expect((await list(`k in (${values})`)).items.map((item) => item.tag)).toEqual(['sel:v1']);
	expect((await list(`k notin (${values})`)).items).toEqual([]);
	expect((await list(`${'a,'.repeat(4999)}a`)).items.map((item) => item.tag)).toEqual(['sel:v1']);
	expect((await list(`${'!b,'.repeat(3333)}a`)).items.map((item) => item.tag)).toEqual(['sel:v1']);
	for (let i = 0; i < 4; i++) accepted();
	expect(await shelfError(page, 'get', { tag: 'a'.repeat(10_000) })).toMatchObject({ code: 'INVALID_TAG' });
	rejected('INVALID_TAG');
});

test('a 63-character name and version are a valid tag; 64 are refused and store nothing', async ({ page }) => {
	await openShelf(page);
	const [name, version] = ['n'.repeat(62) + '1', 'v'.repeat(62) + '2'];
	const saved = await save(page, { name, version, files: [{ path: 'w.bin', text: 'w' }] });
	expect(saved.record.tag).toBe(`${name}:${version}`);
	expect((await page.evaluate((name) => window.modelShelf!.api.get({ tag: `${name}:latest` }), name)).tag).toBe(saved.record.tag);
	expect((await page.evaluate((tag) => window.modelShelf!.api.exportBundle({ tag }), saved.record.tag)).name).toBe(`${name}-${version}.zip`);
	accepted();
	for (const [field, spec] of [['name', { name: 'n'.repeat(64), version: 'v1' }], ['version', { name: 'ok', version: 'v'.repeat(64) }]] as const) {
		expect(await shelfError(page, 'save', { ...spec, files: [] })).toMatchObject({ code: 'INVALID_MANIFEST', details: { field, reason: 'invalid-tag' } });
		rejected('INVALID_MANIFEST/invalid-tag');
	}
	expect((await page.evaluate(() => window.modelShelf!.api.list({}))).items.map((item) => item.tag)).toEqual([saved.record.tag]);
});

test('deeply nested metadata is stored up to 99 levels and refused as too-deep beyond, from a save or a model.yaml', async ({ page }, testInfo) => {
	await openShelf(page);
	const saveNested = (levels: number) =>
		page.evaluate(
			async (levels) => {
				let deep: unknown = 1;
				for (let i = 0; i < levels; i++) deep = { a: deep };
				const metadata = { deep } as unknown as Record<string, never>;
				try {
					const { record } = await window.modelShelf!.api.save({ name: 'nested', version: `l${levels}`, metadata, files: [{ path: 'w.bin', data: new Blob(['w']) }] });
					return { tag: record.tag, same: JSON.stringify(record.info.metadata) === JSON.stringify(metadata) };
				} catch (error) {
					const { code, details, name } = error as { code?: string; details?: { reason?: string; field?: string }; name: string };
					return { code: code ?? name, reason: details?.reason, field: details?.field };
				}
			},
			levels
		);
	expect(await saveNested(98)).toEqual({ tag: 'nested:l98', same: true });
	accepted();
	for (const levels of [100, 1000]) {
		expect(await saveNested(levels), `${levels} levels`).toEqual({ code: 'INVALID_MANIFEST', reason: 'too-deep', field: 'metadata' });
		rejected('INVALID_MANIFEST/too-deep');
	}
	// 5,000 levels never reach the worker: the browser's structured clone refuses them in the page.
	expect(await saveNested(5000)).toMatchObject({ code: 'RangeError' });
	rejected('RangeError (structured clone, in the page)');

	const yamlNested = `{deep: ${'['.repeat(150)}1${']'.repeat(150)}}`;
	const path = testInfo.outputPath('deep.zip');
	writeBundle(path, 'zip', manifestText('nested', 'fromyaml', '2025-01-01T00:00:00+00:00').replace('metadata: {}', `metadata: ${yamlNested}`), [seededFile('w.bin', 1024, 1)]);
	await serveFile(page, path);
	const imported = await page.evaluate(async () => {
		try {
			await window.modelShelf!.api.importBundle({ file: new File([await (await fetch('/__fault-files__/deep.zip')).blob()], 'deep.zip') });
		} catch (error) {
			const { code, details } = error as { code: string; details?: { reason?: string; field?: string } };
			return { code, reason: details?.reason, field: details?.field };
		}
	});
	// A bundle's model.yaml problems are BAD_BUNDLE/invalid-manifest naming the field (the corpus convention).
	expect(imported).toEqual({ code: 'BAD_BUNDLE', reason: 'invalid-manifest', field: 'metadata' });
	rejected('BAD_BUNDLE/invalid-manifest (model.yaml too deep)');
	expect(await page.evaluate(async () => (await window.modelShelf!.api.list({})).items.map((item) => item.tag))).toEqual(['nested:l98']);
	expect(await opfsFiles(page, 'tmp')).toEqual([]);
	expect(await storedBlobs(page)).toHaveLength(1);
});

test('huge label keys and values and a large metadata value are stored and read back exactly', async ({ page }) => {
	await openShelf(page);
	const saved = await page.evaluate(async (MiB) => {
		const labels = { note: 'x'.repeat(MiB), ['k'.repeat(1000)]: 'v' };
		const metadata = { blob: 'y'.repeat(4 * MiB) };
		await window.modelShelf!.api.save({ name: 'huge', version: 'v1', labels, metadata, files: [{ path: 'w.bin', data: new Blob(['w']) }] });
		const back = await window.modelShelf!.api.get({ tag: 'huge:v1' });
		const byKey = await window.modelShelf!.api.list({ selector: 'note' });
		return {
			labels: JSON.stringify(back.info.labels) === JSON.stringify(labels),
			metadata: back.info.metadata.blob === metadata.blob,
			byKey: byKey.items.map((item) => item.tag)
		};
	}, MiB);
	expect(saved).toEqual({ labels: true, metadata: true, byKey: ['huge:v1'] });
	for (let i = 0; i < 3; i++) accepted();
	// model.yaml carries them too, so an export is a bundle BentoML reads with the same labels.
	expect((await page.evaluate(() => window.modelShelf!.api.manifest({ tag: 'huge:v1' }))).length).toBeGreaterThan(5 * MiB);
});
