// The bench's ZIP64 bundles (bench/make-bundles.mjs): the 4 GiB run of issue 21 needs them, and a broken
// layout would only show after writing 8 GiB. Forced ZIP64 on a few MiB puts every ZIP64 record in place
// (both sizes in the local field, sizes and offset in the central one, the ZIP64 end record and locator
// with every classic end field at its sentinel), then Info-ZIP's unzip, Python's zipfile and the app's
// own import read it back.
import 'fake-indexeddb/auto';
import { IDBFactory } from 'fake-indexeddb';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { makeBundles } from '../../bench/make-bundles.mjs';
import { createMemoryBlobStore } from '../../src/lib/worker/blobs/memory-blob-store.ts';
import { importBundle } from '../../src/lib/worker/bundle/import.ts';
import { openCatalogue } from '../../src/lib/worker/catalogue/idb-catalogue.ts';
import { localCoordination } from '../../src/lib/worker/store/coordination.ts';
import { ModelStore } from '../../src/lib/worker/store/model-store.ts';
import { PYTHON } from '../tools.ts';

const SIZE = 3 * 1024 * 1024 + 7;
const scratch = mkdtempSync(join(tmpdir(), 'bench-zip64-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));
type Bundles = { payload: string; single: string; shards: string };
const forced: Bundles = makeBundles(scratch, SIZE, { forceZip64: true });
const plain: Bundles = makeBundles(scratch, SIZE);
const payload = readFileSync(forced.payload);
const sha = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

/** Every 64-bit field a reader must follow: the locator, the ZIP64 end record and the sentinels beside them. */
function endFacts(zip: Buffer) {
	const end = zip.length - 22;
	const locator = end - 20;
	const record = Number(zip.readBigUInt64LE(locator + 8));
	return {
		classic: [zip.readUInt16LE(end + 10), zip.readUInt32LE(end + 12), zip.readUInt32LE(end + 16)],
		locator: zip.readUInt32LE(locator),
		record: zip.readUInt32LE(record),
		entries: Number(zip.readBigUInt64LE(record + 32)),
		localVersion: zip.readUInt16LE(4)
	};
}

describe("the bench's ZIP64 bundles", () => {
	it('carry the ZIP64 end record, its locator and version 4.5 when forced, and none otherwise', () => {
		for (const [zip, entries] of [[forced.single, 2], [forced.shards, 201]] as const) {
			expect(endFacts(readFileSync(zip))).toEqual({ classic: [0xffff, 0xffffffff, 0xffffffff], locator: 0x07064b50, record: 0x06064b50, entries, localVersion: 45 });
		}
		for (const zip of [plain.single, plain.shards]) {
			const bytes = readFileSync(zip);
			expect(bytes.readUInt32LE(bytes.length - 42), basename(zip)).not.toBe(0x07064b50);
			expect(bytes.readUInt16LE(4)).toBe(20);
		}
	});

	it("pass Info-ZIP's unzip -t and Python's zipfile, every byte where it belongs", () => {
		const script = [
			'import hashlib, json, sys, zipfile',
			'out = []',
			'for path in sys.argv[1:]:',
			'    z = zipfile.ZipFile(path)',
			'    assert z.testzip() is None',
			'    out.append([[i.filename, i.file_size, i.header_offset, hashlib.sha256(z.read(i)).hexdigest()] for i in z.infolist()])',
			'print(json.dumps(out))'
		].join('\n');
		for (const zip of [forced.single, forced.shards]) expect(execFileSync('unzip', ['-tq', zip], { encoding: 'utf8' })).toMatch(/^No errors detected/);
		const [single, shards] = JSON.parse(execFileSync(PYTHON, ['-c', script, forced.single, forced.shards], { encoding: 'utf8' })) as [string, number, number, string][][];
		expect(single!.map(([name, size]) => [name, size])).toEqual([['model.yaml', expect.any(Number)], ['saved_model.bin', SIZE]]);
		expect(single![1]![3]).toBe(sha(payload));
		const part = Math.floor(SIZE / 200);
		expect(shards!.length).toBe(201);
		expect(shards!.at(-1)![1]).toBe(SIZE - 199 * part);
		expect(shards!.slice(1).map(([, , , digest], i) => digest === sha(payload.subarray(i * part, i === 199 ? SIZE : (i + 1) * part)))).not.toContain(false);
		expect(shards!.map(([, , offset]) => offset)).toEqual([...shards!.map(([, , offset]) => offset)].sort((a, b) => a - b));
	});

	it("import into the app's store with every file's bytes and digest", async () => {
		const store = new ModelStore(await openCatalogue({ factory: new IDBFactory() }), createMemoryBlobStore(), localCoordination());
		const one = await importBundle(store, new File([readFileSync(forced.single)], basename(forced.single)));
		expect(one.record.files.map((file) => [file.path, file.size, file.sha256])).toEqual([['saved_model.bin', SIZE, sha(payload)]]);
		expect(sha(new Uint8Array(await (await store.readFile(one.record.tag, 'saved_model.bin')).arrayBuffer()))).toBe(sha(payload));
		const many = await importBundle(store, new File([readFileSync(forced.shards)], basename(forced.shards)));
		expect(many.record.files).toHaveLength(200);
		expect(many.record.size).toBe(SIZE);
		const part = Math.floor(SIZE / 200);
		expect(many.record.files.at(-1)!.sha256).toBe(sha(payload.subarray(199 * part)));
	});
});
