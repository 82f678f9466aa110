// Labels, metadata and file names are shown as text, never as HTML.
import { PYTHON } from '../tools.ts';
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { expect, test, type Page } from '@playwright/test';
import { save } from './shelf-page.ts';
import { importThroughPicker, openApp, versionRows } from './ui-helpers.ts';
import { damageBlob } from './stored-blobs.ts';

const SCRIPT = '<script>window.__pwned = "script"</script>';
const IMG = '<img src=x onerror="window.__pwned = \'img\'">';

test('hostile labels, metadata and file names render inert, as the text they are', async ({ page }) => {
	const dialogs: string[] = [];
	page.on('dialog', (dialog) => void dialog.dismiss().then(() => dialogs.push(dialog.message())));
	await openApp(page);
	await save(page, {
		name: 'hostile',
		version: 'v1',
		creationTime: '2025-01-01T00:00:00+00:00',
		labels: { note: SCRIPT, [IMG]: 'key-is-html' },
		metadata: { [SCRIPT]: IMG, nested: { html: IMG, list: [SCRIPT, IMG] } },
		files: [
			{ path: `${IMG}.bin`, text: 'a' },
			{ path: '<script>alert(1)<!--/x.bin', text: 'b' }
		]
	});
	await save(page, { name: 'hostile', version: 'v2', labels: { note: IMG }, metadata: { [SCRIPT]: 'changed' }, files: [{ path: `${IMG}.bin`, text: 'changed' }] });

	const pages = ['/', '/?view=grouped', '/models/hostile', '/models/hostile/v1', '/models/hostile/v2?compare=v1'];
	for (const path of pages) {
		await page.goto(path);
		await expect(page.getByText(IMG).first()).toBeVisible();
		expect(await page.evaluate(() => (window as unknown as { __pwned?: string }).__pwned), path).toBeUndefined();
		// No element was made from the hostile text: only our own markup is in <main>.
		expect(await page.locator('main img, main script').count(), path).toBe(0);
	}
	await page.goto('/models/hostile/v1');
	await expect(page.getByRole('table', { name: 'Files' })).toContainText(`${IMG}.bin`);
	await expect(page.getByRole('table', { name: 'Files' })).toContainText('<script>alert(1)<!--/x.bin');
	await expect(page.locator('main')).toContainText(SCRIPT);

	// A chip whose value cannot be written as a selector says so instead of breaking the filter.
	await page.goto('/');
	await versionRows(page).filter({ hasText: 'hostile:v1' }).getByRole('button', { name: `Add note=${SCRIPT} to the label selector` }).click();
	await expect(page.getByRole('alert')).toContainText('cannot be written as a selector');
	await expect(page.getByRole('textbox', { name: /label selector/ })).toHaveValue('');
	expect(dialogs).toEqual([]);
});

// Issue 8: the four classic payloads, each setting a flag only it would set, wherever outside text reaches the screen.
const PAYLOADS = {
	script: '<script>window.__pwned = "script"</script>',
	img: '<img src=x onerror="window.__pwned = \'img\'">',
	url: 'javascript:window.__pwned=\'url\'',
	svg: '"><svg onload="window.__pwned = \'svg\'">'
};

/** Fails when a payload ran, or made an element: no flag, no handler attributes, no javascript: links, no injected script. */
async function expectInert(page: Page, where: string) {
	const found = await page.evaluate(() => ({
		pwned: (window as unknown as { __pwned?: string }).__pwned ?? null,
		handlers: [...document.querySelectorAll('body *')].filter((element) => [...element.attributes].some((attribute) => attribute.name.startsWith('on'))).length,
		scriptLinks: document.querySelectorAll('a[href^="javascript:" i], [src^="javascript:" i]').length,
		injected: document.querySelectorAll('main img, main svg[onload], main script, [role="status"] img, [role="alert"] img, body > svg').length
	}));
	expect(found, where).toEqual({ pwned: null, handlers: 0, scriptLinks: 0, injected: 0 });
}

/** A zip bundle whose model.yaml carries the payloads in every free-text field, written by Python's zipfile. */
function hostileBundle(path: string, manifest: string, files: Record<string, string>) {
	const script = 'import json, sys, zipfile\nwith zipfile.ZipFile(sys.argv[1], "w") as z:\n    for name, text in json.loads(sys.argv[2]).items(): z.writestr(name, text)';
	execFileSync(PYTHON, ['-c', script, path, JSON.stringify({ 'model.yaml': manifest, ...files })]);
}

test('script, img onerror, javascript: and svg onload payloads stay text in model.yaml values, errors and toasts', async ({ page }, testInfo) => {
	test.setTimeout(120_000);
	await openApp(page);
	const yamlString = (text: string) => JSON.stringify(text); // JSON strings are YAML strings
	const manifest = [
		'name: xss', 'version: v1', `module: ${yamlString(PAYLOADS.svg)}`,
		'labels:', `  note: ${yamlString(PAYLOADS.url)}`, `  ${yamlString(PAYLOADS.img)}: plain`,
		'options: {}', 'metadata:', `  link: ${yamlString(PAYLOADS.url)}`, `  ${yamlString(PAYLOADS.svg)}:`, `    - ${yamlString(PAYLOADS.script)}`,
		'context:', `  framework_name: ${yamlString(PAYLOADS.img)}`, '  framework_versions: {}', "  bentoml_version: '1.4.0'", "  python_version: '3.11'",
		'signatures: {}', 'api_version: v1', "creation_time: '2025-01-01T00:00:00+00:00'", ''
	].join('\n');
	const good = testInfo.outputPath('xss-v1.zip');
	hostileBundle(good, manifest, { [`${PAYLOADS.svg}.bin`]: 'weights' });
	// A bundle refused for a climbing path, whose error names that path; and a non-bundle with a hostile file name.
	const climbing = testInfo.outputPath('climbing.zip');
	hostileBundle(climbing, manifest.replace('version: v1', 'version: v2'), { [`../${PAYLOADS.img}`]: 'x' });
	const junk = testInfo.outputPath(`${PAYLOADS.img.replaceAll('/', '_')}.zip`);
	writeFileSync(junk, 'not a bundle at all');

	await importThroughPicker(page, [good, climbing, junk]);
	await expect(page.getByTestId('import-job').filter({ hasText: 'Imported as xss:v1' })).toHaveCount(1);
	await expect(page.getByTestId('import-job').filter({ hasText: 'Failed' })).toHaveCount(2);
	await expect(page.getByTestId('import-job').filter({ hasText: PAYLOADS.img })).toHaveCount(2);
	await expectInert(page, 'import panel');

	for (const path of ['/', '/?view=grouped', '/models/xss', '/models/xss/v1']) {
		await page.goto(path);
		await expect(page.getByText(PAYLOADS.url).first()).toBeVisible();
		await expectInert(page, path);
	}
	await expect(page.locator('main')).toContainText(PAYLOADS.svg);
	await expect(page.locator('main')).toContainText(PAYLOADS.script);

	// Error messages that echo what was asked for: a hostile version in the URL, a bad selector, a bad name on the Save page.
	await page.goto(`/models/xss/${encodeURIComponent(PAYLOADS.svg)}`);
	await expect(page.getByRole('alert')).toBeVisible();
	await expectInert(page, 'unknown version');
	await page.goto(`/?selector=${encodeURIComponent(`note in (${PAYLOADS.svg}`)}`);
	await expect(page.locator('main')).toContainText(PAYLOADS.svg);
	await expectInert(page, 'selector error');
	await page.goto('/save');
	await page.getByLabel('Name', { exact: true }).fill(PAYLOADS.svg);
	await page.getByLabel('Labels').fill(`note=${PAYLOADS.img}`);
	await page.getByLabel('Metadata (JSON)').fill(JSON.stringify({ [PAYLOADS.script]: PAYLOADS.url }));
	await page.getByRole('button', { name: 'Save version' }).click();
	await expect(page.locator('[aria-invalid="true"]').first()).toBeVisible();
	await expectInert(page, 'save page errors');

	// An error toast naming a hostile file: damage its blob, then export (INTEGRITY names the path).
	const record = await page.evaluate(() => window.modelShelf!.api.get({ tag: 'xss:v1' }));
	await damageBlob(page, record.files[0]!.sha256, 0, [0]);
	await page.goto('/models/xss/v1');
	await page.getByRole('button', { name: 'Export bundle' }).click();
	await expect(page.getByRole('alert').or(page.getByRole('status')).filter({ hasText: `${PAYLOADS.svg}.bin` }).first()).toBeVisible();
	await expectInert(page, 'export error toast');
});
