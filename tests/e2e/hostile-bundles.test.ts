import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { expect, test } from '@playwright/test';
import { importFiles, opfsFiles, openShelf } from './shelf-page.ts';
import { storedBlobs } from './stored-blobs.ts';

// The corpus is built by tests/fixtures/bundles/make-bundles.ts (a unit test keeps the files in step).
const corpusDir = fileURLToPath(new URL('../fixtures/bundles/corpus/', import.meta.url));
type Expectation = { ok: true; tag: string; files: Array<{ path: string; size: number; sha256: string }> } | { code: string; reason?: string };
const corpus = Object.entries(JSON.parse(readFileSync(`${corpusDir}expected.json`, 'utf8')) as Record<string, { expect: Expectation; note: string }>);
const hostile = corpus.filter(([, entry]) => !('ok' in entry.expect));
const valid = corpus.filter(([, entry]) => 'ok' in entry.expect);

test.describe('the bundle corpus in a real browser', () => {
	test.setTimeout(180_000);

	test(`rejects each of the ${hostile.length} hostile or broken bundles with its code and stores nothing`, async ({ page }) => {
		await openShelf(page);
		const outcomes = await importFiles(page, hostile.map(([file]) => corpusDir + file));
		for (const [file, entry] of hostile) {
			const outcome = outcomes.find((candidate) => candidate.name === file)!;
			const expected = entry.expect as { code: string; reason?: string };
			expect({ file, code: outcome.code, reason: outcome.reason }, entry.note).toEqual({ file, code: expected.code, reason: expected.reason });
		}
		expect((await page.evaluate(() => window.modelShelf!.api.list({}))).items).toEqual([]);
		expect(await storedBlobs(page)).toEqual([]);
		expect(await opfsFiles(page, 'tmp')).toEqual([]);
	});

	for (const [file, entry] of valid) {
		test(`imports ${file} with the right files`, async ({ page }) => {
			// TODO(issue 7): 10,001 tiny files take ~19 ms each (four OPFS calls per blob); small blobs belong in IndexedDB.
			if (file.includes('10001')) test.setTimeout(600_000);
			await openShelf(page);
			const expected = entry.expect as Extract<Expectation, { ok: true }>;
			const [outcome] = await importFiles(page, [corpusDir + file]);
			expect(outcome, entry.note).toMatchObject({ status: 'created', tag: expected.tag });
			const record = await page.evaluate((tag) => window.modelShelf!.api.get({ tag }), expected.tag);
			const byPath = (a: { path: string }, b: { path: string }) => (a.path < b.path ? -1 : 1);
			expect(record.files.map(({ path, size, sha256 }) => ({ path, size, sha256 })).sort(byPath)).toEqual([...expected.files].sort(byPath));
		});
	}
});
