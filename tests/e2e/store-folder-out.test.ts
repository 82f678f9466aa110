// Issue 18, "Write back": versions written by the built app's worker into a BentoML store folder (an OPFS folder
// handle, the same code path as a picked folder), copied out of the browser and read with PyYAML the way BentoML's
// store reads it (check_bentoml_store.py): every model.yaml, every file hash, and `latest` moved by BentoML's rule.
// Also: an existing tag is refused and left untouched, a cancel or a damaged blob leaves no half-written folder,
// and the UI's "Save to BentoML store…" on a version, on a selection, and in a browser that cannot write folders.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, test, type Page } from '@playwright/test';
import { DEBIAN_PYTHON } from '../tools.ts';
import { manifestText, MiB } from './fault-helpers.ts';
import { save } from './shelf-page.ts';
import { expectNoSeriousAxeViolations, openApp, versionRows } from './ui-helpers.ts';
import { damageBlob } from './stored-blobs.ts';

const CHECKER = fileURLToPath(new URL('./check_bentoml_store.py', import.meta.url));
const sha256 = (data: string | Uint8Array) => createHash('sha256').update(data).digest('hex');

/** What check_bentoml_store.py prints. */
interface StoreReport {
	models: Record<string, { latest_raw: string | null; latest: string | null; latest_resolves: boolean; newest: string | null; versions: Record<string, PyVersion> }>;
	problems: string[];
}
interface PyVersion {
	name: string;
	version: string;
	labels: Record<string, string>;
	metadata: Record<string, unknown>;
	creation_time: string;
	model_yaml_sha256: string;
	files: Record<string, string>;
}

/** Lays out text files under the OPFS folder `root` (sub-folders created). */
async function layOut(page: Page, root: string, files: Record<string, string>) {
	await page.evaluate(
		async ({ root, files }) => {
			for (const [path, text] of Object.entries(files)) {
				const parts = `${root}/${path}`.split('/');
				let dir = await navigator.storage.getDirectory();
				for (const part of parts.slice(0, -1)) dir = await dir.getDirectoryHandle(part, { create: true });
				const writable = await (await dir.getFileHandle(parts.at(-1)!, { create: true })).createWritable();
				await writable.write(text);
				await writable.close();
			}
		},
		{ root, files }
	);
}

/** Every file under the OPFS folder `root`, path → base64 of its bytes (`bytes: false`: path → size). */
async function opfsTree(page: Page, root: string, bytes = true): Promise<Record<string, string | number>> {
	return page.evaluate(
		async ({ root, bytes }) => {
			const tree: Record<string, string | number> = {};
			let dir = await navigator.storage.getDirectory();
			for (const part of root.split('/')) dir = await dir.getDirectoryHandle(part);
			await walk(dir, '');
			return tree;

			async function walk(dir: FileSystemDirectoryHandle, prefix: string) {
				for await (const handle of (dir as unknown as { values(): AsyncIterable<FileSystemHandle> }).values()) {
					if (handle.kind === 'directory') await walk(handle as FileSystemDirectoryHandle, `${prefix}${handle.name}/`);
					else {
						const file = await (handle as FileSystemFileHandle).getFile();
						if (!bytes) tree[prefix + handle.name] = file.size;
						else {
							let binary = '';
							for (const byte of new Uint8Array(await file.arrayBuffer())) binary += String.fromCharCode(byte);
							tree[prefix + handle.name] = btoa(binary);
						}
					}
				}
			}
		},
		{ root, bytes }
	);
}

/** Copies the OPFS folder `root` out of the browser into `dir` and reads `dir/store` with check_bentoml_store.py. */
async function readWithPython(page: Page, root: string, dir: string, store = '.'): Promise<StoreReport> {
	rmSync(dir, { recursive: true, force: true });
	for (const [path, base64] of Object.entries(await opfsTree(page, root))) {
		mkdirSync(dirname(`${dir}/${path}`), { recursive: true });
		writeFileSync(`${dir}/${path}`, Buffer.from(base64 as string, 'base64'));
	}
	return JSON.parse(execFileSync(DEBIAN_PYTHON, [CHECKER, `${dir}/${store}`], { encoding: 'utf8' })) as StoreReport;
}

/** `exportToFolder` into the OPFS folder `root`: its result, or the error's code. */
async function exportInto(page: Page, root: string, tags: string[]) {
	return page.evaluate(
		async ({ root, tags }) => {
			let folder = await navigator.storage.getDirectory();
			for (const part of root.split('/')) folder = await folder.getDirectoryHandle(part, { create: true });
			try {
				return await window.modelShelf!.api.exportToFolder({ tags, folder });
			} catch (error) {
				return { code: (error as { code: string }).code };
			}
		},
		{ root, tags }
	);
}

/** Expects each written version, as Python read it, to be what the shelf holds: model.yaml bytes, fields, file hashes. */
async function expectAsOnShelf(page: Page, report: StoreReport, tags: string[]) {
	for (const tag of tags) {
		const [name, version] = tag.split(':') as [string, string];
		const { record, manifest } = await page.evaluate(async (tag) => ({ record: await window.modelShelf!.api.get({ tag }), manifest: await window.modelShelf!.api.manifest({ tag }) }), tag);
		const read = report.models[name]?.versions[version];
		expect(read, tag).toEqual({
			name,
			version,
			labels: record.info.labels,
			metadata: record.info.metadata,
			creation_time: record.info.creationTime,
			model_yaml_sha256: sha256(manifest),
			files: Object.fromEntries(record.files.map((file) => [file.path, file.sha256]))
		});
	}
}

test('versions written into BENTOML_HOME read back with PyYAML as on the shelf; latest moves by BentoML’s rule; a tag there is never overwritten', async ({ page }, testInfo) => {
	await openApp(page);
	// BENTOML_HOME: models/ (iris:v2 theirs, latest with a newline; churn's latest names a version that is gone) and bentos/.
	const theirs = { 'models/iris/v2/model.yaml': manifestText('iris', 'v2', '2025-02-01T00:00:00+00:00'), 'models/iris/v2/keep.txt': 'theirs', 'models/iris/latest': 'v2\n' };
	await layOut(page, 'home', { ...theirs, 'models/churn/b/model.yaml': manifestText('churn', 'b', '2025-06-01T00:00:00+00:00'), 'models/churn/latest': 'gone', 'bentos/readme.txt': 'bentos' });
	await save(page, {
		name: 'iris', version: 'v1', labels: { stage: 'dev', team: 'ml' }, metadata: { accuracy: 0.91, nested: { k: [1, 2] } }, creationTime: '2025-01-01T00:00:00.123456+00:00',
		files: [{ path: 'weights.bin', size: 300_000, seed: 3 }, { path: 'config.json', text: '{"a": 1}' }, { path: 'extra/deep/notes.txt', text: 'notes' }]
	});
	await save(page, { name: 'iris', version: 'v2', creationTime: '2025-02-15T00:00:00+00:00', files: [{ path: 'weights.bin', text: 'ours' }] });
	await save(page, { name: 'iris', version: 'v3', labels: { stage: 'prod' }, creationTime: '2025-03-01T00:00:00+00:00', files: [{ path: 'weights.bin', size: 2 * MiB, seed: 4 }, { path: 'sub/a.txt', text: 'a' }] });
	await save(page, { name: 'churn', version: 'a', creationTime: '2025-05-01T00:00:00+00:00', files: [{ path: 'model/saved_model.pb', text: 'churn' }] });
	await save(page, { name: 'mnist', version: 'x1', creationTime: '2025-01-01T00:00:00+00:00', files: [{ path: 'w.bin', text: 'mnist' }] });

	const first = await exportInto(page, 'home', ['iris:v1', 'iris:v2', 'churn:a', 'ghost:v1', 'mnist', 'mnist:x1']);
	expect(first).toEqual({
		written: ['iris/v1', 'churn/a', 'mnist/x1'],
		refused: [expect.objectContaining({ tag: 'ghost:v1', code: 'NOT_FOUND' }), expect.objectContaining({ tag: 'iris:v2', code: 'TAG_EXISTS' })],
		latest: { iris: 'v2', churn: 'b', mnist: 'x1' }
	});
	let report = await readWithPython(page, 'home', testInfo.outputPath('first'), 'models');
	expect(report.problems).toEqual([]);
	await expectAsOnShelf(page, report, ['iris:v1', 'churn:a', 'mnist:x1']);
	// iris:v1 is older than v2: latest untouched (its newline kept). churn's latest named nothing: BentoML rewrote
	// it as the newest (b), and a is older than b. mnist is new: latest is the version, no newline.
	expect(report.models.iris).toMatchObject({ latest_raw: 'v2\n', latest_resolves: true });
	expect(report.models.churn).toMatchObject({ latest_raw: 'b', latest_resolves: true, newest: 'b' });
	expect(report.models.mnist).toMatchObject({ latest_raw: 'x1', newest: 'x1' });
	// The existing version is theirs, untouched; the rest of BENTOML_HOME too, and nothing lands beside models/.
	expect(report.models.iris!.versions.v2).toMatchObject({ files: { 'keep.txt': sha256('theirs') }, model_yaml_sha256: sha256(theirs['models/iris/v2/model.yaml']) });
	expect(Object.keys(await opfsTree(page, 'home', false)).filter((path) => !path.startsWith('models/'))).toEqual(['bentos/readme.txt']);

	// iris:v3 is newer than v2: latest moves to it.
	expect(await exportInto(page, 'home', ['iris:v3', 'iris:v3'])).toEqual({ written: ['iris/v3'], refused: [], latest: { iris: 'v3' } });
	report = await readWithPython(page, 'home', testInfo.outputPath('second'), 'models');
	expect(report.problems).toEqual([]);
	await expectAsOnShelf(page, report, ['iris:v1', 'iris:v3', 'churn:a', 'mnist:x1']);
	expect(report.models.iris).toMatchObject({ latest_raw: 'v3', newest: 'v3' });
	expect(Object.keys(report.models.iris!.versions)).toEqual(['v1', 'v2', 'v3']);
	// Each use is recorded as an export.
	const uses = () => page.evaluate(async () => Object.fromEntries((await window.modelShelf!.api.space()).models.flatMap((model) => model.versions.map((v) => [v.tag, v.lastUsed?.how ?? null]))));
	await expect.poll(uses).toMatchObject({ 'iris:v1': 'exported', 'iris:v3': 'exported', 'iris:v2': null });
});

test('a cancel mid-write removes the version being written and keeps those finished', async ({ page }) => {
	await openApp(page);
	await save(page, { name: 'small', version: 'v1', creationTime: '2025-01-01T00:00:00+00:00', files: [{ path: 'w.bin', size: 1024, seed: 1 }] });
	await save(page, { name: 'big', version: 'v1', creationTime: '2025-01-02T00:00:00+00:00', files: [{ path: 'a.txt', text: 'first' }, { path: 'weights/w.bin', size: 64 * MiB, seed: 2 }] });
	const outcome = await page.evaluate(async () => {
		const { api, callback } = window.modelShelf!;
		const folder = await (await navigator.storage.getDirectory()).getDirectoryHandle('cancel-store', { create: true });
		const opId = 'cancel-store-test';
		const seen: Array<{ item?: string; index?: number; count?: number }> = [];
		const onProgress = callback((progress: { item?: string; loaded: number; file?: { index: number; count: number } }) => {
			seen.push({ item: progress.item, index: progress.file?.index, count: progress.file?.count });
			if (progress.item === 'big/v1/weights/w.bin') void api.cancel({ opId });
		});
		try {
			await api.exportToFolder({ tags: ['small:v1', 'big:v1'], folder, opId }, onProgress);
			return { code: 'finished', seen };
		} catch (error) {
			return { code: (error as { code: string }).code, seen };
		}
	});
	expect(outcome.code).toBe('ABORTED');
	expect(outcome.seen).toContainEqual({ item: 'big/v1/weights/w.bin', index: 1, count: 2 });
	// small was finished and stays; big, half-written, is gone with the name folder this write created.
	expect(Object.keys(await opfsTree(page, 'cancel-store', false)).sort()).toEqual(['small/latest', 'small/v1/model.yaml', 'small/v1/w.bin']);
	// Nothing of big is left over to block writing it again.
	expect(await exportInto(page, 'cancel-store', ['big:v1'])).toEqual({ written: ['big/v1'], refused: [], latest: { big: 'v1' } });
	expect(await opfsTree(page, 'cancel-store/big', false)).toMatchObject({ 'v1/weights/w.bin': 64 * MiB, latest: 2 });
});

test('a version whose blob is damaged is refused with INTEGRITY and its folder removed; the next is written', async ({ page }) => {
	await openApp(page);
	const saved = await save(page, { name: 'broken', version: 'v1', files: [{ path: 'ok.txt', text: 'fine' }, { path: 'weights/w.bin', size: 10 * MiB, seed: 9 }] });
	await save(page, { name: 'fine', version: 'v1', files: [{ path: 'w.bin', text: 'fine' }] });
	const sha = saved.record.files.find((file) => file.path === 'weights/w.bin')!.sha256;
	// Damaged past the first chunk: earlier bytes are written before the digest fails.
	await damageBlob(page, sha, 9 * 1024 * 1024, [0xde, 0xad]);
	expect(await exportInto(page, 'damage-store', ['broken:v1', 'fine:v1'])).toEqual({
		written: ['fine/v1'],
		refused: [expect.objectContaining({ tag: 'broken:v1', code: 'INTEGRITY' })],
		latest: { fine: 'v1' }
	});
	expect(Object.keys(await opfsTree(page, 'damage-store', false)).sort()).toEqual(['fine/latest', 'fine/v1/model.yaml', 'fine/v1/w.bin']);
	// One model's folder is not a store: writing there is refused before anything is written.
	expect(await exportInto(page, 'damage-store/fine', ['broken:v1'])).toEqual({ code: 'UNSUPPORTED' });
	expect(Object.keys(await opfsTree(page, 'damage-store/fine', false)).sort()).toEqual(['latest', 'v1/model.yaml', 'v1/w.bin']);
});

test.describe('Save to BentoML store… in the UI', () => {
	// Playwright cannot click a native picker: this one hands the app a real folder handle (OPFS), so the app's own
	// code path runs as with a folder the user picked.
	test.beforeEach(async ({ page }) => {
		await page.addInitScript(() => {
			(window as unknown as { showDirectoryPicker: () => Promise<FileSystemDirectoryHandle> }).showDirectoryPicker = async () =>
				(await navigator.storage.getDirectory()).getDirectoryHandle('picked-store', { create: true });
		});
		await openApp(page);
		await save(page, { name: 'iris', version: 'v1', creationTime: '2025-01-01T00:00:00+00:00', files: [{ path: 'w.bin', text: 'one' }, { path: 'sub/c.json', text: '{}' }] });
		await save(page, { name: 'iris', version: 'v2', creationTime: '2025-02-01T00:00:00+00:00', files: [{ path: 'w.bin', text: 'two' }] });
	});
	const summary = (page: Page) => page.getByRole('status', { name: 'Saved to BentoML store' });

	test('on a version: written into the picked folder with a summary, refused the second time, and the remembered folder offered', async ({ page }) => {
		await page.goto('/models/iris/v2');
		await page.getByRole('button', { name: 'Save to BentoML store…' }).click();
		await expect(summary(page)).toContainText('Wrote 1 version into picked-store: iris/v2');
		await expect(summary(page)).toContainText('Latest now: iris:v2');
		const tree = await opfsTree(page, 'picked-store');
		expect(Object.keys(tree).sort()).toEqual(['iris/latest', 'iris/v2/model.yaml', 'iris/v2/w.bin']);
		expect(Buffer.from(tree['iris/latest'] as string, 'base64').toString()).toBe('v2');
		expect(Buffer.from(tree['iris/v2/model.yaml'] as string, 'base64').toString()).toBe(await page.evaluate(() => window.modelShelf!.api.manifest({ tag: 'iris:v2' })));
		await expectNoSeriousAxeViolations(page, 'the version page with a save summary');

		// The tag is there now: refused, with the reason.
		await page.getByRole('button', { name: 'Save to BentoML store…' }).click();
		await expect(summary(page)).toContainText('Wrote 0 versions into picked-store');
		await expect(summary(page).getByRole('listitem')).toContainText(['iris:v2: iris:v2 already exists']);

		// A remembered folder is offered as the target.
		await page.evaluate(async () => {
			const handle = await (await navigator.storage.getDirectory()).getDirectoryHandle('remembered-store', { create: true });
			await window.modelShelf!.api.rememberFolder({ handle });
		});
		await page.goto('/models/iris/v1');
		await page.getByRole('button', { name: 'Save to remembered-store' }).click();
		await expect(summary(page)).toContainText('Wrote 1 version into remembered-store: iris/v1');
		expect(Object.keys(await opfsTree(page, 'remembered-store', false)).sort()).toEqual(['iris/latest', 'iris/v1/model.yaml', 'iris/v1/sub/c.json', 'iris/v1/w.bin']);
	});

	test('on a selection in the Models list: every selected version written, latest the newest', async ({ page }) => {
		await page.goto('/');
		await expect(versionRows(page)).toHaveCount(2);
		await page.getByRole('checkbox', { name: 'Select iris:v1' }).check();
		await page.getByRole('checkbox', { name: 'Select iris:v2' }).check();
		await page.getByRole('region', { name: 'Bulk actions' }).getByRole('button', { name: 'Save to BentoML store…' }).click();
		await expect(summary(page)).toContainText('Wrote 2 versions into picked-store: iris/v1, iris/v2');
		await expect(summary(page)).toContainText('Latest now: iris:v2');
		const tree = await opfsTree(page, 'picked-store', false);
		expect(Object.keys(tree).sort()).toEqual(['iris/latest', 'iris/v1/model.yaml', 'iris/v1/sub/c.json', 'iris/v1/w.bin', 'iris/v2/model.yaml', 'iris/v2/w.bin']);
	});
});

test('where the browser cannot write into folders, the control is disabled and says to use Export instead', async ({ page }) => {
	await page.addInitScript(() => {
		delete (window as { showDirectoryPicker?: unknown }).showDirectoryPicker;
		delete (Window.prototype as { showDirectoryPicker?: unknown }).showDirectoryPicker;
	});
	await openApp(page);
	await save(page, { name: 'iris', version: 'v1', files: [{ path: 'w.bin', text: 'one' }] });
	await page.goto('/models/iris/v1');
	const control = page.getByRole('button', { name: 'Save to BentoML store…' });
	await expect(control).toBeDisabled();
	await expect(control).toHaveAccessibleDescription(/cannot write into folders.*Export bundle/);
});
