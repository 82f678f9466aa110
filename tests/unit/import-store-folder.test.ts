// Issue 18: opening a BentoML store folder — the BENTOML_HOME fixture written by make_store.py as BentoML's
// store.py lays it out — through the folder-input source (`{ name, files }`): every version stored as a bundle
// would be (model.yaml bytes kept, files hashed), one version's failure refused on its own, bentos/envs/tmp and
// strays passed over, BentoML's latest files compared with the creation times, `onlyNew`, progress and cancel.
import 'fake-indexeddb/auto';
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { IDBFactory } from 'fake-indexeddb';
import { describe, expect, it } from 'vitest';
import type { ShelfError } from '../../src/lib/core/errors.ts';
import type { Progress, StoreFolderSource } from '../../src/lib/worker/contract.ts';
import { createMemoryBlobStore } from '../../src/lib/worker/blobs/memory-blob-store.ts';
import { walkFolder } from '../../src/lib/worker/bundle/folder-walk.ts';
import { importStoreFolder } from '../../src/lib/worker/bundle/import-store-folder.ts';
import { openCatalogue } from '../../src/lib/worker/catalogue/idb-catalogue.ts';
import { localCoordination } from '../../src/lib/worker/store/coordination.ts';
import { ModelStore } from '../../src/lib/worker/store/model-store.ts';

const FIXTURE = fileURLToPath(new URL('../fixtures/bentoml-store/', import.meta.url));
const HOME = join(FIXTURE, 'home');
const expected = JSON.parse(readFileSync(join(FIXTURE, 'expected.json'), 'utf8')) as {
	versions: Array<{ tag: string; folder: string; manifest: string; labels: Record<string, string>; creation_time: string; files: Array<{ path: string; size: number; sha256: string }> }>;
	latest: Array<{ name: string; bentoml: string; newest: string }>;
	skipped: Array<{ path: string; reason: string }>;
	not_imported: string[];
};

/** Every file under `root` as a folder input hands it over: paths relative to the picked folder. */
function readTree(root: string): Map<string, Uint8Array<ArrayBuffer>> {
	const tree = new Map<string, Uint8Array<ArrayBuffer>>();
	for (const entry of readdirSync(root, { recursive: true, withFileTypes: true })) {
		if (!entry.isFile()) continue;
		const full = join(entry.parentPath, entry.name);
		tree.set(relative(root, full).split(sep).join('/'), new Uint8Array(readFileSync(full)));
	}
	return tree;
}

function source(name: string, tree: Map<string, Uint8Array<ArrayBuffer>>, under = ''): StoreFolderSource {
	const prefix = under === '' ? '' : `${under}/`;
	const files = [...tree].filter(([path]) => path.startsWith(prefix)).map(([path, bytes]) => ({ path: path.slice(prefix.length), file: new File([bytes], path.split('/').at(-1)!) }));
	return { name, files };
}

/**
 * A directory handle over a file tree, as OPFS or the File System Access API hands one over; every folder it
 * lists is noted in `listed`, so a test can tell what the walk entered.
 */
function fakeHandle(name: string, tree: Map<string, Uint8Array<ArrayBuffer>>, listed: string[], at = ''): FileSystemDirectoryHandle {
	const prefix = at === '' ? '' : `${at}/`;
	return {
		kind: 'directory',
		name,
		async *entries() {
			listed.push(at);
			const children = new Map<string, 'file' | 'directory'>();
			for (const path of tree.keys()) {
				if (!path.startsWith(prefix)) continue;
				const [child, ...rest] = path.slice(prefix.length).split('/');
				children.set(child!, rest.length > 0 ? 'directory' : 'file');
			}
			for (const [child, kind] of children) {
				const path = `${prefix}${child}`;
				yield [child, kind === 'directory' ? fakeHandle(child, tree, listed, path) : ({ kind: 'file', name: child, getFile: async () => new File([tree.get(path)!], child) } as unknown as FileSystemFileHandle)];
			}
		}
	} as unknown as FileSystemDirectoryHandle;
}

async function shelf(quotaBytes?: number) {
	return new ModelStore(await openCatalogue({ factory: new IDBFactory() }), createMemoryBlobStore(quotaBytes === undefined ? {} : { quotaBytes }), localCoordination());
}

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');
const text = (value: string) => new TextEncoder().encode(value);
const byPath = <T extends { path: string }>(items: T[]) => [...items].sort((a, b) => (a.path < b.path ? -1 : 1));
const byFolder = <T extends { folder: string }>(items: T[]) => [...items].sort((a, b) => (a.folder < b.folder ? -1 : 1));
/** The version folders in the order a walk of the folder meets them (by path). */
const inFolderOrder = byFolder(expected.versions);

describe('importing a BentoML store folder', () => {
	it('stores every version of BENTOML_HOME with its files, labels, creation time and model.yaml bytes; passes over the rest', async () => {
		const store = await shelf();
		const tree = readTree(HOME);
		const result = await importStoreFolder(store, { folder: source('home', tree) });

		expect(result.kind).toBe('home');
		expect(result.refused).toEqual([]);
		expect(result.versions.map((version) => [version.folder, version.tag, version.status]).sort()).toEqual(expected.versions.map((version) => [version.folder, version.tag, 'created']).sort());
		for (const version of expected.versions) {
			const record = await store.get(version.tag);
			expect(record.files.map(({ path, size, sha256 }) => ({ path, size, sha256 }))).toEqual(version.files);
			expect(record.info.labels).toEqual(version.labels);
			expect(record.info.creationTime).toBe(version.creation_time);
			expect(text(await store.manifestText(version.tag))).toEqual(tree.get(version.manifest));
			for (const file of version.files) expect(sha256(new Uint8Array(await (await store.readFile(version.tag, file.path)).arrayBuffer()))).toBe(file.sha256);
		}
		expect((await store.list({})).items.map((record) => record.tag).sort()).toEqual(expected.versions.map((version) => version.tag).sort());
		for (const tag of expected.not_imported) expect(await store.catalogue.get(tag)).toBeUndefined();
		expect(byPath(result.skipped)).toEqual(byPath(expected.skipped));
		expect(result.latest).toEqual(expected.latest);
	});

	it('reports every version unchanged when the folder is opened again', async () => {
		const store = await shelf();
		const tree = readTree(HOME);
		await importStoreFolder(store, { folder: source('home', tree) });
		const again = await importStoreFolder(store, { folder: source('home', tree) });
		expect(again.versions.map((version) => version.status)).toEqual(expected.versions.map(() => 'unchanged'));
	});

	it('reads the models folder, one model folder, or one version folder on its own', async () => {
		const tree = readTree(HOME);
		const [iris] = expected.versions;
		const models = await importStoreFolder(await shelf(), { folder: source('models', tree, 'models') });
		expect([models.kind, models.versions.length, models.skipped]).toEqual(['models', expected.versions.length, [{ path: 'notes', reason: 'not-a-version' }]]);
		const model = await importStoreFolder(await shelf(), { folder: source('iris_classifier', tree, 'models/iris_classifier') });
		expect(model.kind).toBe('model');
		expect(model.versions.map((version) => version.tag).sort()).toEqual(expected.versions.filter((version) => version.tag.startsWith('iris_classifier:')).map((version) => version.tag).sort());
		const single = await importStoreFolder(await shelf(), { folder: source('anything', tree, iris!.folder) });
		expect([single.kind, single.versions]).toEqual(['version', [{ folder: '', tag: iris!.tag, status: 'created' }]]);
	});

	it('walks a directory handle only where versions can be: not into bentos/, envs/, tmp/ or hidden folders, all of a version', async () => {
		const tree = readTree(HOME);
		const [first] = expected.versions;
		tree.set(`${first!.folder}/.hidden/notes.txt`, text('part of the model'));
		tree.set('models/.cache/iris_classifier/v1/model.yaml', text('not read'));
		const listed: string[] = [];
		const walked = await walkFolder({ handle: fakeHandle('home', tree, listed) }, { maxEntries: 1000 });
		expect(listed.filter((path) => /^(bentos|envs|tmp)(\/|$)|(^|\/)\.cache/.test(path))).toEqual([]);
		expect(listed).toContain(`${first!.folder}/.hidden`);

		const store = await shelf();
		const result = await importStoreFolder(store, { folder: { handle: fakeHandle('home', tree, []) } });
		expect(result.versions.map((version) => version.status)).toEqual(expected.versions.map(() => 'created'));
		expect(byPath(result.skipped)).toEqual(byPath([...expected.skipped, { path: 'models/.cache', reason: 'hidden' }]));
		expect((await store.get(first!.tag)).files.map((file) => file.path)).toContain('.hidden/notes.txt');
		// Listed (so the summary can name them), never entered.
		expect(walked.entries.filter((entry) => /^(bentos|envs|tmp|models\/\.cache)(\/|$)/.test(entry.path)).map((entry) => entry.path).sort()).toEqual(['bentos', 'envs', 'models/.cache', 'tmp']);
	});

	it("refuses every version of a model folder whose name is not its versions' model name", async () => {
		const tree = readTree(HOME);
		const result = await importStoreFolder(await shelf(), { folder: source('iris_renamed', tree, 'models/iris_classifier') });
		expect(result.kind).toBe('model');
		expect(result.versions).toEqual([]);
		expect(new Set(result.refused.map(({ code, details }) => `${code} ${details.field}`))).toEqual(new Set(['INVALID_MANIFEST name']));
	});

	it('refuses a version whose model.yaml is invalid or names another version, and stores the others', async () => {
		const store = await shelf();
		const tree = readTree(HOME);
		const [first, second] = expected.versions;
		tree.set(first!.manifest, text('name: [unclosed\n'));
		const renamed = `${second!.folder.slice(0, second!.folder.lastIndexOf('/'))}/renamedversion`;
		for (const [path, bytes] of [...tree]) if (path.startsWith(`${second!.folder}/`)) tree.set(path.replace(second!.folder, renamed), bytes);
		const result = await importStoreFolder(store, { folder: source('home', tree) });

		expect(byFolder(result.refused.map(({ folder, code, details }) => ({ folder, code, field: details.field })))).toEqual(
			byFolder([
				{ folder: first!.folder, code: 'INVALID_MANIFEST', field: '(document)' },
				{ folder: renamed, code: 'INVALID_MANIFEST', field: 'version' }
			])
		);
		expect(result.versions.filter((version) => version.status === 'created')).toHaveLength(expected.versions.length - 1); // the second, from its own folder
		expect(await store.catalogue.get(first!.tag)).toBeUndefined();
	});

	it('refuses a tag the shelf holds with other bytes (TAG_EXISTS), and one in the trash, without stopping', async () => {
		const store = await shelf();
		const tree = readTree(HOME);
		await importStoreFolder(store, { folder: source('home', tree) });
		const [changed, trashed] = expected.versions;
		tree.set(`${changed!.folder}/${changed!.files[0]!.path}`, text('other bytes'));
		await store.delete(trashed!.tag);
		const result = await importStoreFolder(store, { folder: source('home', tree) });
		expect(byFolder(result.refused.map(({ folder, code, details }) => ({ folder, code, trashed: details.trashed })))).toEqual(
			byFolder([
				{ folder: changed!.folder, code: 'TAG_EXISTS', trashed: undefined },
				{ folder: trashed!.folder, code: 'TAG_EXISTS', trashed: true }
			])
		);
		expect(result.versions.map((version) => version.status)).toEqual(expected.versions.slice(2).map(() => 'unchanged'));
	});

	it('with onlyNew, stores only versions the shelf lacks: the others (a trashed one too) are present and not read', async () => {
		const store = await shelf();
		const tree = readTree(HOME);
		await importStoreFolder(store, { folder: source('home', tree) });
		const [first, trashed] = expected.versions;
		await store.delete(trashed!.tag);
		// A file the import would fail on if it read it: present versions are not read.
		tree.set(`${first!.folder}/${first!.files[0]!.path}`, text('changed on disk'));
		const added = `${first!.folder.slice(0, first!.folder.lastIndexOf('/'))}/addedlater00001`;
		const yaml = new TextDecoder().decode(tree.get(first!.manifest)).replace(/^version: .*$/m, 'version: addedlater00001').replace(/^creation_time: .*$/m, "creation_time: '2026-01-01T00:00:00+00:00'");
		tree.set(`${added}/model.yaml`, text(yaml));
		tree.set(`${added}/saved_model.bin`, text('new weights'));
		const result = await importStoreFolder(store, { folder: source('home', tree), onlyNew: true });

		expect(result.refused).toEqual([]);
		expect(result.versions.filter((version) => version.status !== 'present')).toEqual([{ folder: added, tag: first!.tag.replace(/:.*/, ':addedlater00001'), status: 'created' }]);
		expect(result.versions.filter((version) => version.status === 'present')).toHaveLength(expected.versions.length);
		// The new version is the newest by creation time, so now two latest files are behind.
		expect(result.latest.map((latest) => latest.name).sort()).toEqual([first!.tag.replace(/:.*/, ''), ...expected.latest.map((latest) => latest.name)].sort());
	});

	it('reports a latest file naming no version folder as null', async () => {
		const tree = readTree(HOME);
		const [iris] = expected.versions;
		const name = iris!.tag.replace(/:.*/, '');
		tree.set(`models/${name}/latest`, text('  gone0000000000  \n'));
		const result = await importStoreFolder(await shelf(), { folder: source('home', tree) });
		const newest = expected.versions.filter((version) => version.tag.startsWith(`${name}:`)).sort((a, b) => Date.parse(a.creation_time) - Date.parse(b.creation_time)).at(-1)!;
		expect(result.latest).toContainEqual({ name, bentoml: null, newest: newest.tag.replace(/.*:/, '') });
	});

	it('reports one progress over the whole folder: bytes of every version, item and version index of count', async () => {
		const reports: Progress[] = [];
		await importStoreFolder(await shelf(), { folder: source('home', readTree(HOME)) }, { report: (progress) => void reports.push(progress) });
		const total = expected.versions.reduce((sum, version) => sum + version.files.reduce((size, file) => size + file.size, 0), 0);
		expect(reports.every((report) => report.total === total && report.file?.count === expected.versions.length)).toBe(true);
		expect(reports.map((report) => report.loaded)).toEqual([...reports.map((report) => report.loaded)].sort((a, b) => a - b));
		expect(reports.at(-1)!.loaded).toBe(total);
		expect(new Set(reports.map((report) => report.file!.index))).toEqual(new Set(expected.versions.map((_, index) => index)));
		expect(reports.some((report) => report.item === `${expected.versions[0]!.folder}/${expected.versions[0]!.files[0]!.path}`)).toBe(true);
	});

	it('stops on cancel: the versions finished before stay, whole; none is half stored', async () => {
		const store = await shelf();
		const controller = new AbortController();
		const report = (progress: Progress) => {
			if (progress.file!.index === 2) controller.abort();
		};
		const error = await importStoreFolder(store, { folder: source('home', readTree(HOME)) }, { report, signal: controller.signal }).catch((caught: ShelfError) => caught);
		expect((error as ShelfError).code).toBe('ABORTED');
		const stored = (await store.list({})).items;
		expect(stored.length).toBeLessThan(expected.versions.length);
		for (const record of stored) expect(record.files.map((file) => file.sha256)).toEqual(expected.versions.find((version) => version.tag === record.tag)!.files.map((file) => file.sha256));
	});

	it('stops when the disk is full, naming the versions stored before', async () => {
		// Room for the first version only: the second cannot be stored.
		const first = inFolderOrder[0]!.files.reduce((size, file) => size + file.size, 0);
		const store = await shelf(first + 1);
		const error = (await importStoreFolder(store, { folder: source('home', readTree(HOME)) }).catch((caught: ShelfError) => caught)) as ShelfError;
		expect(error.code).toBe('STORAGE_FULL');
		const stored = (await store.list({})).items.map((record) => record.tag);
		expect(stored).toEqual([inFolderOrder[0]!.tag]);
		expect(error.message).toContain(inFolderOrder[0]!.tag);
	});
});
