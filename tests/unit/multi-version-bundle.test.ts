// Issue 16: several versions in one zip, in BentoML's store layout (`<name>/<version>/model.yaml` and the
// version's files beside it), exported from one shelf and imported into another as several versions.
// The store is the worker's own (memory blob store, fake-indexeddb catalogue); archives are checked with
// Info-ZIP's unzip and zip, as a user's tools would see them.
import 'fake-indexeddb/auto';
import { IDBFactory } from 'fake-indexeddb';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { strToU8, zipSync } from 'fflate';
import { afterAll, describe, expect, it } from 'vitest';
import { bundlesFileName } from '../../src/lib/core/bundle/bundle-name.ts';
import { readZipDirectory, type ZipEntry } from '../../src/lib/core/bundle/zip-directory.ts';
import { isShelfError, ShelfError } from '../../src/lib/core/errors.ts';
import { newModelInfo, serializeModelYaml } from '../../src/lib/core/manifest.ts';
import type { Progress } from '../../src/lib/worker/contract.ts';
import { createMemoryBlobStore } from '../../src/lib/worker/blobs/memory-blob-store.ts';
import { writeBundle, writeBundles } from '../../src/lib/worker/bundle/export.ts';
import { importBundle } from '../../src/lib/worker/bundle/import.ts';
import { openCatalogue } from '../../src/lib/worker/catalogue/idb-catalogue.ts';
import { blobSource } from '../../src/lib/worker/store/chunks.ts';
import { localCoordination } from '../../src/lib/worker/store/coordination.ts';
import { ModelStore } from '../../src/lib/worker/store/model-store.ts';

const scratch = mkdtempSync(join(tmpdir(), 'multi-version-bundle-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

async function openStore() {
	return new ModelStore(await openCatalogue({ factory: new IDBFactory() }), createMemoryBlobStore(), localCoordination());
}

/** Bytes that do not compress (so they are stored), seeded. */
function noise(length: number, seed: number): Uint8Array {
	const bytes = new Uint8Array(length);
	let state = seed >>> 0 || 1;
	for (let i = 0; i < length; i++) {
		// xorshift32: no pattern deflate could use
		state ^= state << 13;
		state ^= state >>> 17;
		state ^= state << 5;
		state >>>= 0;
		bytes[i] = state & 0xff;
	}
	return bytes;
}

const SHARED_WEIGHTS = noise(5 * 1024 * 1024, 1); // above the deflate limit: a stored entry, streamed
const TAGS = ['iris:v1', 'iris:v2', 'churn:a'];

/** Three versions of two names; iris:v2 shares its weights' bytes with iris:v1. */
async function seededStore() {
	const store = await openStore();
	const blob = (bytes: Uint8Array | string) => new Blob([bytes as BlobPart]);
	await store.save({ name: 'iris', version: 'v1', labels: { stage: 'dev' }, creationTime: '2025-01-01T10:00:00.123456+00:00', files: [
		{ path: 'weights.bin', data: blob(SHARED_WEIGHTS) },
		{ path: 'config.json', data: blob('{"layers": [1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1]}\n'.repeat(20)) }
	] });
	await store.save({ name: 'iris', version: 'v2', metadata: { accuracy: 0.93 }, creationTime: '2025-02-01T10:00:00+00:00', files: [
		{ path: 'weights.bin', data: blob(SHARED_WEIGHTS) },
		{ path: 'extra/notes.txt', data: blob('second try') }
	] });
	await store.save({ name: 'churn', version: 'a', creationTime: '2025-03-01T10:00:00+00:00', files: [
		{ path: 'model/saved_model.pb', data: blob(noise(70_000, 2)) },
		{ path: 'empty.txt', data: blob('') }
	] });
	return store;
}

/** Runs an export into memory and returns the zip's bytes. */
async function intoMemory(write: (sink: { write(chunk: Uint8Array): Promise<void> }) => Promise<unknown>): Promise<Uint8Array> {
	const chunks: Uint8Array[] = [];
	await write({ write: async (chunk) => void chunks.push(chunk.slice()) });
	return new Uint8Array(Buffer.concat(chunks));
}

function onDisk(name: string, bytes: Uint8Array): string {
	const path = join(scratch, name);
	writeFileSync(path, bytes);
	return path;
}

/** Every file under a folder, relative path → bytes. */
function tree(folder: string): Map<string, Buffer> {
	const files = new Map<string, Buffer>();
	const walk = (dir: string) => {
		for (const name of readdirSync(dir)) {
			const path = join(dir, name);
			if (statSync(path).isDirectory()) walk(path);
			else files.set(relative(folder, path), readFileSync(path));
		}
	};
	walk(folder);
	return new Map([...files].sort(([a], [b]) => a.localeCompare(b)));
}

function unzipInto(zip: string, folder: string): void {
	mkdirSync(folder, { recursive: true });
	execFileSync('unzip', ['-q', zip, '-d', folder]);
}

async function entriesOf(bytes: Uint8Array): Promise<ZipEntry[]> {
	return readZipDirectory(blobSource(new Blob([bytes as BlobPart])));
}

async function failure(promise: Promise<unknown>): Promise<ShelfError> {
	const error = await promise.then(
		() => null,
		(caught: unknown) => caught
	);
	expect(error).toBeInstanceOf(ShelfError);
	return error as ShelfError;
}

/** A hand-made bundle of version folders: path → text or bytes. */
function handMade(entries: Record<string, string | Uint8Array>): File {
	const zip = zipSync(Object.fromEntries(Object.entries(entries).map(([path, data]) => [path, typeof data === 'string' ? strToU8(data) : data])));
	return new File([zip as BlobPart], 'hand-made.zip');
}

/** Each case exports and imports over 10 MB through unzip and zip: generous under a loaded machine. */
const SLOW = { timeout: 30_000 };

const manifest = (name: string, version: string) => serializeModelYaml(newModelInfo({ name, version, creationTime: '2025-01-01T00:00:00+00:00' }));

describe('exporting several versions into one zip', SLOW, () => {
	it("lays every version out in its own <name>/<version>/ folder, as unzip lists it, named models-<count>.zip", async () => {
		const store = await seededStore();
		const records = await Promise.all(TAGS.map((tag) => store.get(tag)));
		const zip = onDisk(bundlesFileName(records.length), await intoMemory((sink) => writeBundles(store, records, sink)));
		expect(zip.endsWith('models-3.zip')).toBe(true);
		const listing = execFileSync('unzip', ['-Z1', zip], { encoding: 'utf8' }).trim().split('\n');
		expect(listing).toEqual([
			'iris/v1/model.yaml', 'iris/v1/config.json', 'iris/v1/weights.bin',
			'iris/v2/model.yaml', 'iris/v2/extra/notes.txt', 'iris/v2/weights.bin',
			'churn/a/model.yaml', 'churn/a/empty.txt', 'churn/a/model/saved_model.pb'
		]);
		expect(execFileSync('unzip', ['-tq', zip], { encoding: 'utf8' })).toMatch(/No errors detected/);
	});

	it('holds in each folder exactly what the single export of that version holds at its root, byte for byte', async () => {
		const store = await seededStore();
		const records = await Promise.all(TAGS.map((tag) => store.get(tag)));
		const many = await intoMemory((sink) => writeBundles(store, records, sink));
		unzipInto(onDisk('many.zip', many), join(scratch, 'many'));
		const manyEntries = new Map((await entriesOf(many)).map((entry) => [entry.path, entry]));
		for (const record of records) {
			const single = await intoMemory((sink) => writeBundle(store, record, sink));
			const folder = join(scratch, `single-${record.name}-${record.version}`);
			unzipInto(onDisk(`${record.name}-${record.version}.zip`, single), folder);
			// What BentoML reads from its store folder: the same files with the same bytes.
			const extracted = tree(join(scratch, 'many', record.name, record.version));
			expect([...extracted.keys()]).toEqual([...tree(folder).keys()]);
			for (const [path, bytes] of tree(folder)) expect(extracted.get(path)!.equals(bytes), path).toBe(true);
			expect(extracted.get('model.yaml')!.toString('utf8')).toBe(await store.manifestText(record.tag));
			// And the same zip entries: method, sizes, CRC-32, the SHA-256 extra field.
			for (const entry of await entriesOf(single)) {
				const twin = manyEntries.get(`${record.name}/${record.version}/${entry.path}`)!;
				expect({ method: twin.method, size: twin.uncompressedSize, compressed: twin.compressedSize, crc: twin.crc32, sha: twin.sha256 }, entry.path).toEqual({
					method: entry.method, size: entry.uncompressedSize, compressed: entry.compressedSize, crc: entry.crc32, sha: entry.sha256
				});
			}
		}
		expect(manyEntries.get('iris/v1/weights.bin')!.method).toBe(0);
		expect(manyEntries.get('iris/v1/config.json')!.method).toBe(8);
		expect(manyEntries.get('churn/a/model/saved_model.pb')!.method).toBe(0);
		expect(manyEntries.get('iris/v2/weights.bin')!.sha256).toBe(manyEntries.get('iris/v1/weights.bin')!.sha256);
	});

	it('reports one progress over all bytes, naming the tag being written, and writes a tag listed twice once', async () => {
		const store = await seededStore();
		const records = await Promise.all([...TAGS, 'iris:v1'].map((tag) => store.get(tag)));
		const reports: Progress[] = [];
		const zip = await intoMemory((sink) => writeBundles(store, records, sink, { report: (progress) => void reports.push(progress) }));
		const total = records.slice(0, 3).reduce((sum, record) => sum + record.size, 0);
		expect(reports.every((report) => report.phase === 'exporting' && report.total === total)).toBe(true);
		expect(reports.map((report) => report.loaded)).toEqual([...reports.map((report) => report.loaded)].sort((a, b) => a - b));
		expect(reports.at(-1)!.loaded).toBe(total);
		expect([...new Set(reports.map((report) => report.item))]).toEqual(TAGS);
		expect((await entriesOf(zip)).filter((entry) => entry.path === 'iris/v1/model.yaml')).toHaveLength(1);
	});

	it('stops with ABORTED when cancelled between chunks', async () => {
		const store = await seededStore();
		const records = await Promise.all(TAGS.map((tag) => store.get(tag)));
		const controller = new AbortController();
		const report = (progress: Progress) => progress.item === 'iris:v2' && controller.abort();
		const error = await failure(intoMemory((sink) => writeBundles(store, records, sink, { report, signal: controller.signal })));
		expect(error.code).toBe('ABORTED');
	});
});

describe('importing a zip of several versions', SLOW, () => {
	it('gives back every version with the same tags, files and creation times, in the bundle order, with one progress', async () => {
		const source = await seededStore();
		const records = await Promise.all(TAGS.map((tag) => source.get(tag)));
		const zip = await intoMemory((sink) => writeBundles(source, records, sink));
		const target = await openStore();
		const reports: Progress[] = [];
		const result = await importBundle(target, new File([zip as BlobPart], 'models-3.zip'), { report: (progress) => void reports.push(progress) });
		expect(result.versions.map((version) => [version.record.tag, version.status])).toEqual(TAGS.map((tag) => [tag, 'created']));
		expect(result.record.tag).toBe('iris:v1');
		for (const record of records) {
			const imported = await target.get(record.tag);
			expect(imported.files).toEqual(record.files);
			expect(imported.info).toEqual(record.info);
			expect(imported.info.creationTime).toBe(record.info.creationTime);
			expect(await target.manifestText(record.tag)).toBe(await source.manifestText(record.tag));
		}
		expect((await target.get('iris')).tag).toBe('iris:v2');
		const total = records.reduce((sum, record) => sum + record.size, 0);
		expect(reports.every((report) => report.total === total && report.file?.count === 3)).toBe(true);
		expect(reports.map((report) => report.loaded)).toEqual([...reports.map((report) => report.loaded)].sort((a, b) => a - b));
		expect(reports.at(-1)!.loaded).toBe(total);
		expect(new Set(reports.map((report) => report.file!.index))).toEqual(new Set([0, 1, 2]));
		expect(reports.some((report) => report.item === 'churn/a/model/saved_model.pb')).toBe(true);

		const again = await importBundle(target, new File([zip as BlobPart], 'models-3.zip'));
		expect(again.versions.map((version) => version.status)).toEqual(['unchanged', 'unchanged', 'unchanged']);
		expect(again.status).toBe('unchanged');
	});

	it("imports a zip of a BentoML store folder made by Info-ZIP (folder entries, no checksums, the store's latest files)", async () => {
		const store = await seededStore();
		const records = await Promise.all(TAGS.map((tag) => store.get(tag)));
		const folder = join(scratch, 'bentoml-store');
		unzipInto(onDisk('for-store.zip', await intoMemory((sink) => writeBundles(store, records, sink))), folder);
		writeFileSync(join(folder, 'iris', 'latest'), 'v2');
		writeFileSync(join(folder, 'churn', 'latest'), 'a');
		const zip = join(scratch, 'store-by-info-zip.zip');
		execFileSync('zip', ['-qr', zip, '.'], { cwd: folder });
		const target = await openStore();
		const result = await importBundle(target, new File([readFileSync(zip)], 'store.zip'));
		expect(result.versions.map((version) => version.record.tag).sort()).toEqual([...TAGS].sort());
		for (const record of records) expect((await target.get(record.tag)).files).toEqual(record.files);
	});

	it('still imports a single-version bundle as one version', async () => {
		const store = await seededStore();
		const single = await intoMemory(async (sink) => writeBundle(store, await store.get('churn:a'), sink));
		const result = await importBundle(await openStore(), new File([single as BlobPart], 'churn-a.zip'));
		expect(result.versions).toEqual([{ status: 'created', record: result.record }]);
		expect(result.record.tag).toBe('churn:a');
	});
});

describe('a hostile or broken zip of several versions stores nothing', () => {
	const cases: [string, Record<string, string | Uint8Array>, string, Record<string, unknown>][] = [
		['a path that climbs out of its version folder', { 'iris/v1/model.yaml': manifest('iris', 'v1'), 'iris/v1/../../etc/passwd': 'x' }, 'unsafe-path', {}],
		['a file beside the version folders', { 'iris/v1/model.yaml': manifest('iris', 'v1'), 'iris/v1/w.bin': 'w', 'README.md': 'hi' }, 'unsafe-path', { entry: 'README.md' }],
		['a file in a name folder that is not a version', { 'iris/v1/model.yaml': manifest('iris', 'v1'), 'iris/notes.txt': 'hi' }, 'unsafe-path', { entry: 'iris/notes.txt' }],
		['a folder whose model.yaml names another version', { 'iris/v1/model.yaml': manifest('iris', 'v1'), 'iris/v9/model.yaml': manifest('iris', 'v1') }, 'invalid-manifest', { field: 'version', entry: 'iris/v9/model.yaml' }],
		['a folder whose model.yaml names another model', { 'iris/v1/model.yaml': manifest('iris', 'v1'), 'rose/v2/model.yaml': manifest('iris', 'v2') }, 'invalid-manifest', { field: 'name' }],
		['a version folder without model.yaml', { 'iris/v1/model.yaml': manifest('iris', 'v1'), 'iris/v2/w.bin': 'w' }, 'missing-manifest', { entry: 'iris/v2/' }],
		['a folder whose model.yaml is not valid', { 'iris/v1/model.yaml': manifest('iris', 'v1'), 'iris/v2/model.yaml': 'name: [' }, 'invalid-manifest', { entry: 'iris/v2/model.yaml' }]
	];
	it.each(cases)('%s: BAD_BUNDLE', async (_, entries, reason, details) => {
		const store = await openStore();
		const error = await failure(importBundle(store, handMade(entries)));
		expect(error.code).toBe('BAD_BUNDLE');
		expect(error.details).toMatchObject({ reason, ...details });
		expect((await store.list()).items).toEqual([]);
	});
});

describe('a failure part way through a zip of several versions', SLOW, () => {
	it('keeps the versions stored before it, and says which they are', async () => {
		const source = await seededStore();
		const zip = await intoMemory(async (sink) => writeBundles(source, await Promise.all(TAGS.map((tag) => source.get(tag))), sink));
		const target = await openStore();
		await target.save({ name: 'churn', version: 'a', files: [{ path: 'other.bin', data: new Blob(['not the same']) }] });
		const error = await failure(importBundle(target, new File([zip as BlobPart], 'models-3.zip')));
		expect(error.code).toBe('TAG_EXISTS');
		expect(error.message).toContain('iris:v1, iris:v2');
		expect((await target.get('iris:v1')).files).toEqual((await source.get('iris:v1')).files);
		expect((await target.get('iris:v2')).files).toEqual((await source.get('iris:v2')).files);
	});

	it('stops with ABORTED on cancel, keeping the versions already committed', async () => {
		const source = await seededStore();
		const zip = await intoMemory(async (sink) => writeBundles(source, await Promise.all(TAGS.map((tag) => source.get(tag))), sink));
		const target = await openStore();
		const controller = new AbortController();
		const report = (progress: Progress) => progress.file?.index === 1 && controller.abort();
		const error = await failure(importBundle(target, new File([zip as BlobPart], 'models-3.zip'), { report, signal: controller.signal }));
		expect(isShelfError(error, 'ABORTED')).toBe(true);
		expect((await target.list()).items.map((record) => record.tag)).toEqual(['iris:v1']);
	});

	it('names the version folder of a damaged file', async () => {
		const source = await seededStore();
		const zip = await intoMemory(async (sink) => writeBundles(source, await Promise.all(TAGS.map((tag) => source.get(tag))), sink));
		const entry = (await entriesOf(zip)).find((candidate) => candidate.path === 'churn/a/model/saved_model.pb')!;
		const damaged = zip.slice();
		damaged[entry.nextOffset - 1]! ^= 0xff; // the entry's last data byte
		const error = await failure(importBundle(await openStore(), new File([damaged as BlobPart], 'models-3.zip')));
		expect(error.code).toBe('BAD_BUNDLE');
		expect(error.details).toMatchObject({ reason: 'crc-mismatch' });
		expect(error.message).toContain('churn/a/model/saved_model.pb');
		expect(error.message).toContain('iris:v1, iris:v2');
	});
});
