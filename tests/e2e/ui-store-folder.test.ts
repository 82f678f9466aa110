// Issue 18, "Open a folder" and "Remember the folder": the BENTOML_HOME fixture (tests/fixtures/bentoml-store,
// laid out by make_store.py as BentoML's store.py lays it out) opened in the built app — copied into OPFS and
// handed over as a real FileSystemDirectoryHandle (what showDirectoryPicker gives), and through the folder input
// that browsers without a directory picker use. Every version and field is checked against expected.json, and
// the model.yaml bytes against the fixture's. Then a remembered folder's "Check for new versions", and a cancel.
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, test, type Page } from '@playwright/test';
import { opfsFiles } from './shelf-page.ts';
import { expectNoSeriousAxeViolations, openApp, versionRows } from './ui-helpers.ts';

const FIXTURE = fileURLToPath(new URL('../fixtures/bentoml-store/', import.meta.url));
const HOME = join(FIXTURE, 'home');
const expected = JSON.parse(readFileSync(join(FIXTURE, 'expected.json'), 'utf8')) as {
	versions: Array<{ tag: string; folder: string; manifest: string; labels: Record<string, string>; creation_time: string; files: Array<{ path: string; size: number; sha256: string }> }>;
	latest: Array<{ name: string; bentoml: string; newest: string }>;
	skipped: Array<{ path: string; reason: string }>;
	not_imported: string[];
};
/** The OPFS folder the fixture is copied into. */
const OPFS_HOME = 'test-bentoml-home';

/** Every file of the fixture, path relative to home/ → bytes. */
function fixtureTree(): Map<string, Buffer> {
	const tree = new Map<string, Buffer>();
	for (const entry of readdirSync(HOME, { recursive: true, withFileTypes: true })) {
		if (entry.isFile()) tree.set(relative(HOME, join(entry.parentPath, entry.name)).split(sep).join('/'), readFileSync(join(entry.parentPath, entry.name)));
	}
	return tree;
}

/** Writes files (path → bytes) under an OPFS folder, sub-folders created. */
async function writeOpfs(page: Page, root: string, files: Map<string, Buffer>) {
	const base64 = Object.fromEntries([...files].map(([path, bytes]) => [path, bytes.toString('base64')]));
	await page.evaluate(
		async ({ root, base64 }) => {
			for (const [path, data] of Object.entries(base64)) {
				const parts = `${root}/${path}`.split('/');
				let dir = await navigator.storage.getDirectory();
				for (const part of parts.slice(0, -1)) dir = await dir.getDirectoryHandle(part, { create: true });
				const writable = await (await dir.getFileHandle(parts.at(-1)!, { create: true })).createWritable();
				await writable.write(Uint8Array.from(atob(data), (char) => char.charCodeAt(0)));
				await writable.close();
			}
		},
		{ root, base64 }
	);
}

/** Checks every version of expected.json on the shelf: files, labels, creation time, model.yaml bytes. */
async function expectEveryVersion(page: Page, tree: Map<string, Buffer>) {
	for (const version of expected.versions) {
		const { record, manifest } = await page.evaluate(async (tag) => ({ record: await window.modelShelf!.api.get({ tag }), manifest: await window.modelShelf!.api.manifest({ tag }) }), version.tag);
		expect(record.files.map(({ path, size, sha256 }) => ({ path, size, sha256 })), version.tag).toEqual(version.files);
		expect(record.info.labels, version.tag).toEqual(version.labels);
		expect(record.info.creationTime, version.tag).toBe(version.creation_time);
		expect(Buffer.from(manifest, 'utf8').equals(tree.get(version.manifest)!), `${version.tag}: model.yaml bytes`).toBe(true);
	}
	const tags = await page.evaluate(async () => (await window.modelShelf!.api.list({ limit: 1000 })).items.map((item) => item.tag));
	expect(tags.sort()).toEqual(expected.versions.map((version) => version.tag).sort());
}

const byPath = <T extends { path: string }>(items: T[]) => [...items].sort((a, b) => (a.path < b.path ? -1 : 1));
const summary = (page: Page) => page.getByTestId('folder-summary');

/** A new version of the fixture's text_encoder, newer than all: its model.yaml made from an existing one. */
function addedVersion(tree: Map<string, Buffer>) {
	const source = expected.versions.find((version) => version.tag.startsWith('text_encoder:'))!;
	const version = 'addedlater000001';
	const yaml = tree.get(source.manifest)!.toString('utf8').replace(/^version: .*$/m, `version: ${version}`).replace(/^creation_time: .*$/m, "creation_time: '2026-02-01T12:00:00+00:00'");
	const folder = `models/text_encoder/${version}`;
	return { tag: `text_encoder:${version}`, files: new Map([[`${folder}/model.yaml`, Buffer.from(yaml)], [`${folder}/model.bin`, Buffer.from('weights added later')]]) };
}

test('a BENTOML_HOME handed over as a directory handle: every version and field, BentoML folders passed over, the stale latest reported', async ({ page }) => {
	await openApp(page);
	const tree = fixtureTree();
	await writeOpfs(page, OPFS_HOME, tree);
	const result = await page.evaluate(async (root) => {
		const handle = await (await navigator.storage.getDirectory()).getDirectoryHandle(root);
		return window.modelShelf!.api.importFolder({ folder: { handle } });
	}, OPFS_HOME);

	expect(result.kind).toBe('home');
	expect(result.refused).toEqual([]);
	expect(result.versions.map(({ folder, tag, status }) => ({ folder, tag, status }))).toEqual(
		[...expected.versions].sort((a, b) => (a.folder < b.folder ? -1 : 1)).map(({ folder, tag }) => ({ folder, tag, status: 'created' }))
	);
	expect(byPath(result.skipped)).toEqual(byPath(expected.skipped));
	expect(result.latest).toEqual(expected.latest);
	await expectEveryVersion(page, tree);
	for (const tag of expected.not_imported) {
		const code = await page.evaluate((tag) => window.modelShelf!.api.get({ tag }).then(() => 'found', (error: { code: string }) => error.code), tag);
		expect(code, `${tag} lives in bentos/ or tmp/ only`).toBe('NOT_FOUND');
	}
	// The shelf's latest stays the newest by creation time, whatever BentoML's latest file says.
	for (const stale of expected.latest) expect((await page.evaluate((name) => window.modelShelf!.api.get({ tag: name }), stale.name)).version).toBe(stale.newest);

	// Remembered through the API (the worker keeps the handle in IndexedDB), read back after a reload.
	await page.evaluate(async (root) => window.modelShelf!.api.rememberFolder({ handle: await (await navigator.storage.getDirectory()).getDirectoryHandle(root) }), OPFS_HOME);
	await page.reload();
	await page.waitForFunction(() => window.modelShelf !== undefined);
	expect(await page.evaluate(async () => (({ name, permission }) => ({ name, permission }))((await window.modelShelf!.api.rememberedFolder())!))).toEqual({ name: OPFS_HOME, permission: 'granted' });
	await expect(page.getByTestId('remembered-folder')).toContainText(OPFS_HOME);
});

test('through the folder input (no directory picker): the summary lists what was imported, passed over and the stale latest', async ({ page }) => {
	await page.addInitScript(() => delete (window as { showDirectoryPicker?: unknown }).showDirectoryPicker);
	await openApp(page);
	await expect(page.getByTestId('empty-shelf')).toBeVisible();
	await expect(page.getByRole('checkbox', { name: 'Remember this folder' })).toHaveCount(0); // a folder input cannot be remembered
	await page.getByLabel('Open BentoML store…').setInputFiles(HOME);

	await expect(summary(page)).toContainText(`${expected.versions.length} versions imported`);
	await expect(summary(page)).toContainText('is a BentoML home');
	await expect(summary(page).getByTestId('folder-refused')).toHaveCount(0);
	const stale = expected.latest[0]!;
	await expect(summary(page).getByTestId('folder-latest')).toHaveCount(expected.latest.length);
	await expect(summary(page).getByTestId('folder-latest').first()).toContainText(`${stale.name}/latest names ${stale.bentoml}, but the newest by creation time is ${stale.newest}`);
	await summary(page).getByText(/^Passed over/).click();
	const skipped = await summary(page).getByTestId('folder-skipped').allTextContents();
	expect(skipped.map((text) => text.split(' — ')[0]).sort()).toEqual(expected.skipped.map((entry) => entry.path).sort());
	await summary(page).getByText(/^Versions \(/).click();
	await expect(summary(page).getByTestId('folder-version')).toHaveCount(expected.versions.length);
	await expectEveryVersion(page, fixtureTree());
	await expect(versionRows(page)).toHaveCount(expected.versions.length);
	await expectNoSeriousAxeViolations(page, 'the Models page with a folder import summary');
});

test('the picker path: remember the folder, then "Check for new versions" imports only the version added since', async ({ page }) => {
	// Playwright cannot click a native picker: this one answers with the OPFS copy, a real directory handle.
	await page.addInitScript((root) => {
		(window as unknown as { showDirectoryPicker: () => Promise<FileSystemDirectoryHandle> }).showDirectoryPicker = async () => (await navigator.storage.getDirectory()).getDirectoryHandle(root);
	}, OPFS_HOME);
	await openApp(page);
	const tree = fixtureTree();
	await writeOpfs(page, OPFS_HOME, tree);
	await page.getByRole('checkbox', { name: 'Remember this folder' }).check();
	await page.getByRole('button', { name: 'Open BentoML store…' }).click();
	await expect(summary(page)).toContainText(`${expected.versions.length} versions imported`);
	await expect(page.getByTestId('remembered-folder')).toContainText(OPFS_HOME);
	await expect(versionRows(page)).toHaveCount(expected.versions.length);

	const added = addedVersion(tree);
	await writeOpfs(page, OPFS_HOME, added.files);
	await page.reload();
	await page.waitForFunction(() => window.modelShelf !== undefined);
	await page.getByRole('button', { name: 'Check for new versions' }).click();
	await expect(summary(page)).toContainText(`1 version imported, ${expected.versions.length} already on the shelf`);
	await summary(page).getByText(/^Versions \(/).click();
	await expect(summary(page).getByTestId('folder-version').filter({ hasText: 'Imported' })).toHaveText([new RegExp(added.tag)]);
	await expect(versionRows(page)).toHaveCount(expected.versions.length + 1);
	const record = await page.evaluate((tag) => window.modelShelf!.api.get({ tag }), added.tag);
	expect(record.files.map((file) => file.path)).toEqual(['model.bin']);
	// text_encoder's latest file still names an older version; the shelf's latest is the one just added.
	await expect(summary(page).getByTestId('folder-latest').filter({ hasText: 'text_encoder/latest' })).toContainText(added.tag.split(':')[1]!);
	expect((await page.evaluate(() => window.modelShelf!.api.get({ tag: 'text_encoder' }))).tag).toBe(added.tag);

	await page.getByRole('button', { name: 'Forget' }).click();
	await expect(page.getByTestId('remembered-folder')).toHaveCount(0);
	expect(await page.evaluate(() => window.modelShelf!.api.rememberedFolder())).toBeNull();
});

test('a cancelled folder import leaves only whole versions, and no temporary file', async ({ page }) => {
	await openApp(page);
	const COUNT = 8;
	const FILES = 3;
	const SIZE = 8 << 20;
	// Versions big enough to cancel part-way, written in the page; each file's SHA-256 is noted as it is written.
	const written = await page.evaluate(
		async ({ COUNT, FILES, SIZE }) => {
			const root = await (await navigator.storage.getDirectory()).getDirectoryHandle('big-store', { create: true });
			const model = await root.getDirectoryHandle('big_model', { create: true });
			const versions: Array<{ tag: string; files: Array<{ path: string; size: number; sha256: string }> }> = [];
			for (let v = 0; v < COUNT; v++) {
				const version = `v${v}`;
				const folder = await model.getDirectoryHandle(version, { create: true });
				const yaml = `name: big_model\nversion: ${version}\nmodule: ''\nlabels: {}\noptions: {}\nmetadata: {}\ncontext:\n  framework_name: ''\n  framework_versions: {}\n  bentoml_version: 1.3.20\n  python_version: 3.11.7\nsignatures: {}\napi_version: v1\ncreation_time: '2025-11-0${v + 1}T00:00:00+00:00'\n`;
				const files = [];
				for (const [path, data] of [['model.yaml', new TextEncoder().encode(yaml)] as const, ...Array.from({ length: FILES }, (_, f) => [`part-${f}.bin`, bytes(SIZE, v * 10 + f + 1)] as const)]) {
					const writable = await (await folder.getFileHandle(path, { create: true })).createWritable();
					await writable.write(data);
					await writable.close();
					if (path !== 'model.yaml') files.push({ path, size: data.byteLength, sha256: [...new Uint8Array(await crypto.subtle.digest('SHA-256', data))].map((b) => b.toString(16).padStart(2, '0')).join('') });
				}
				versions.push({ tag: `big_model:${version}`, files });
			}
			return versions;

			function bytes(size: number, seed: number) {
				const data = new Uint8Array(size);
				const view = new Uint32Array(data.buffer);
				let state = seed;
				for (let i = 0; i < view.length; i++) view[i] = state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
				return data;
			}
		},
		{ COUNT, FILES, SIZE }
	);

	const outcome = await page.evaluate(async () => {
		const { api, callback } = window.modelShelf!;
		const handle = await (await navigator.storage.getDirectory()).getDirectoryHandle('big-store');
		const opId = 'folder-cancel';
		let cancelled = false;
		const onProgress = callback((progress: { file?: { index: number } }) => {
			if (!cancelled && (progress.file?.index ?? 0) >= 2) {
				cancelled = true;
				void api.cancel({ opId });
			}
		});
		return api.importFolder({ folder: { handle }, opId }, onProgress).then(
			() => 'finished',
			(error: { code: string }) => error.code
		);
	});
	expect(outcome).toBe('ABORTED');
	const stored = await page.evaluate(async () => (await window.modelShelf!.api.list({ limit: 100 })).items);
	expect(stored.length).toBeGreaterThanOrEqual(2);
	expect(stored.length).toBeLessThan(COUNT);
	for (const record of stored) {
		expect(record.files.map(({ path, size, sha256 }) => ({ path, size, sha256 })), `${record.tag} whole`).toEqual(written.find((version) => version.tag === record.tag)!.files);
	}
	expect(await opfsFiles(page, 'tmp')).toEqual([]);
	expect((await page.evaluate(() => window.modelShelf!.api.verify({}))).problems).toEqual([]);
});
