// Helpers for the UI suites (ui-*.test.ts): they drive the pages as a user would, through labels and roles.
import { PYTHON } from '../tools.ts';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import AxeBuilder from '@axe-core/playwright';
import { expect, type Page } from '@playwright/test';

const bentomlFixtures = fileURLToPath(new URL('../fixtures/bentoml/', import.meta.url));

/** BentoML-written bundles and what they hold (see tests/fixtures/bentoml/README.md). */
export const expected = JSON.parse(readFileSync(`${bentomlFixtures}expected.json`, 'utf8')) as {
	bundles: Array<{ tag: string; file: string; created: string; labels: Record<string, string>; metadata: Record<string, unknown>; files: Array<{ path: string; size: number; sha256: string }> }>;
};
/** The two fixture bundles: `fraud_detector` (zip, stage=production) and `speech_encoder` (.bentomodel, stage=dev). */
export const [FRAUD, SPEECH] = expected.bundles as [(typeof expected.bundles)[0], (typeof expected.bundles)[0]];
/** Absolute paths of the fixture bundles, for `setInputFiles`. */
export const bundlePaths = expected.bundles.map((bundle) => bentomlFixtures + bundle.file);

/** Opens a page of the app and waits until its worker API is reachable. */
export async function openApp(page: Page, path = '/') {
	await page.goto(path);
	await page.waitForFunction(() => window.modelShelf !== undefined);
}

/** Waits until a service worker controls the page, so it opens offline from now on. */
export async function waitForServiceWorker(page: Page) {
	await page.waitForFunction(async () => {
		await navigator.serviceWorker.ready;
		return navigator.serviceWorker.controller !== null;
	});
}

/** The header's import picker (a file input whose accessible name contains "Import"). */
export const importPicker = (page: Page) => page.getByLabel('Import bundles…');
/** The label-selector box on the Models page. */
export const selectorBox = (page: Page) => page.getByRole('textbox', { name: /label selector/i });
/** The search box on the Models page. */
export const searchBox = (page: Page) => page.getByRole('searchbox', { name: /Search/ });
/** The rows of the versions table. */
export const versionRows = (page: Page) => page.getByRole('table', { name: 'Model versions' }).getByTestId('version-row');

/** Imports bundles through the picker and waits until every job has an outcome. */
export async function importThroughPicker(page: Page, paths: string[]) {
	await importPicker(page).setInputFiles(paths);
	await expect(page.getByTestId('import-job').filter({ hasText: /Imported as|Already present|Failed|Cancelled/ })).toHaveCount(paths.length);
}

/** Expects the tags shown in the versions table, in order. */
export async function expectTags(page: Page, tags: string[]) {
	await expect(versionRows(page).getByRole('link')).toHaveText(tags);
}

/** Runs axe on the page and fails on any serious or critical violation (listing them). */
export async function expectNoSeriousAxeViolations(page: Page, what: string) {
	const results = await new AxeBuilder({ page }).analyze();
	const serious = results.violations
		.filter((violation) => violation.impact === 'serious' || violation.impact === 'critical')
		.map((violation) => ({ id: violation.id, impact: violation.impact, nodes: violation.nodes.map((node) => node.target.join(' ')).slice(0, 5) }));
	expect(serious, `axe on ${what}`).toEqual([]);
}

/** Reads a zip with Python's zipfile (an independent reader): every file's path, size and SHA-256. */
export function readZipWithPython(path: string): Array<{ path: string; size: number; sha256: string }> {
	const script = `
import hashlib, json, sys, zipfile
with zipfile.ZipFile(sys.argv[1]) as z:
    assert z.testzip() is None
    print(json.dumps([{"path": i.filename, "size": i.file_size, "sha256": hashlib.sha256(z.read(i)).hexdigest()} for i in z.infolist() if not i.is_dir()]))
`;
	return JSON.parse(execFileSync(PYTHON, ['-c', script, path], { encoding: 'utf8' })) as Array<{ path: string; size: number; sha256: string }>;
}

/** Sorts file lists by path, for comparisons. */
export const byPath = <T extends { path: string }>(files: T[]) => [...files].sort((a, b) => a.path.localeCompare(b.path));
