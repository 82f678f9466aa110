// The zip reader: zips written by others (BentoML's exporter, Python's zipfile streaming with data
// descriptors, crafted ZIP64 and CP437 archives) and every refusal, by `code` and `details.reason`.
// Hostile archives are built byte by byte in zip-craft.ts, never hand-edited.
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { deflateRawSync } from 'node:zlib';
import { deflateSync } from 'fflate';
import { afterAll, describe, expect, it } from 'vitest';
import { DEFAULT_BUNDLE_LIMITS } from '../../src/lib/core/bundle/bundle-errors.ts';
import { crc32 } from 'node:zlib';
import { readZipDirectory, type ZipEntry } from '../../src/lib/core/bundle/zip-directory.ts';
import { readZipEntry, zipEntryData } from '../../src/lib/core/bundle/zip-reader.ts';
import { ZipWriter } from '../../src/lib/core/bundle/zip-writer.ts';
import { concatBytes } from '../../src/lib/core/byte-streams.ts';
import { decodeCp437, encodeUtf8, writeU16 } from '../../src/lib/core/bundle/zip-format.ts';
import { collect, craftZip, expectSameBytes, fileSource, memorySink, memorySource, python, pythonBytes, randomBytes, refusal, type CraftEntry } from './zip-craft.ts';

const MiB = 1024 * 1024;
const fixtures = new URL('../fixtures/bentoml/', import.meta.url);
const work = mkdtempSync(join(tmpdir(), 'shelf-zip-reader-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));
const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');
const file = (name: string | Uint8Array, text = 'x'): CraftEntry => ({ name, data: encodeUtf8(text) });
const entryNamed = (entries: ZipEntry[], path: string) => entries.find((entry) => entry.path === path)!;

describe('readZipDirectory on zips written by others', () => {
	it("reads BentoML's fixture export: names, folder entry, sizes and SHA-256 of the inflated bytes", async () => {
		const expected = JSON.parse(readFileSync(new URL('expected.json', fixtures), 'utf8')) as { bundles: { file: string; files: { path: string; size: number; sha256: string }[] }[] };
		const bundle = expected.bundles.find((candidate) => candidate.file.endsWith('.zip'))!;
		const source = await fileSource(fileURLToPath(new URL(bundle.file, fixtures)));
		try {
			const entries = await readZipDirectory(source);
			expect(entries.map((entry) => [entry.name, entry.path, entry.isDirectory])).toEqual([
				['extra/', 'extra', true],
				['model.yaml', 'model.yaml', false],
				['saved_model.txt', 'saved_model.txt', false],
				['extra/thresholds.json', 'extra/thresholds.json', false]
			]);
			for (const expectedFile of bundle.files) {
				const entry = entryNamed(entries, expectedFile.path);
				expect(entry.method).toBe(8);
				const data = await collect(readZipEntry(source, entry));
				expect({ path: entry.path, size: data.length, sha256: sha256(data) }).toEqual(expectedFile);
				expect(crc32(data)).toBe(entry.crc32);
			}
			const yaml = new TextDecoder().decode(await collect(readZipEntry(source, entryNamed(entries, 'model.yaml'))));
			expect(yaml).toMatch(/^name: fraud_detector\n/);
		} finally {
			await source.close();
		}
	});

	it('reads what Python zipfile streams with data descriptors, whose stored bytes hold PK\\x07\\x08 and PK\\x01\\x02 (fflate Unzip truncates these)', async () => {
		const zip = pythonBytes(
			`import os, random, sys, zipfile
r = random.Random(42); out = sys.argv[1]
signatures = [b"PK\\x07\\x08", b"PK\\x01\\x02", b"PK\\x03\\x04", b"PK\\x05\\x06"]
def payload(n):
    data = bytearray(r.randbytes(n))
    for i, at in enumerate(range(97, n - 16, max(n // 11, 20))): data[at:at + 4] = signatures[i % 4]
    return bytes(data)
# A pipe is not seekable, so zipfile sets flag bit 3 and writes a data descriptor after each entry.
with zipfile.ZipFile(sys.stdout.buffer, "w") as z:
    for name, method, size, force64 in [("weights.bin", zipfile.ZIP_STORED, 300000, False), ("nested/b.bin", zipfile.ZIP_STORED, 4096, True),
                                        ("config.json", zipfile.ZIP_DEFLATED, 5000, False), ("empty.bin", zipfile.ZIP_STORED, 0, False)]:
        data = payload(size)
        open(os.path.join(out, name.replace("/", "_")), "wb").write(data)
        info = zipfile.ZipInfo(name, (2025, 11, 3, 10, 15, 0)); info.compress_type = method
        with z.open(info, "w", force_zip64=force64) as f: f.write(data)`,
			work
		);
		const source = memorySource(zip);
		const entries = await readZipDirectory(source);
		expect(entries.map((entry) => [entry.path, entry.flags & 8, entry.method])).toEqual([
			['weights.bin', 8, 0],
			['nested/b.bin', 8, 0],
			['config.json', 8, 8],
			['empty.bin', 8, 0]
		]);
		for (const entry of entries) {
			const expected = new Uint8Array(readFileSync(join(work, entry.path.replace('/', '_'))));
			if (expected.length > 1000) expect(Buffer.from(expected).includes('PK\x07\x08')).toBe(true);
			expectSameBytes(await collect(readZipEntry(source, entry, { chunkSize: 65_536 })), expected);
		}
	});

	it('decodes names without flag bit 11 as CP437, as Python and Info-ZIP do', async () => {
		const zip = craftZip([{ ...file(Uint8Array.of(0x63, 0x61, 0x66, 0x82, 0x20, 0xe1, 0x2e, 0x74, 0x78, 0x74)), flags: 0 }]);
		const [entry] = await readZipDirectory(memorySource(zip));
		expect([entry!.name, entry!.path]).toEqual(['café ß.txt', 'café ß.txt']);
		const everyByte = decodeCp437(Uint8Array.from({ length: 256 }, (_, n) => n));
		expect(everyByte.length).toBe(256);
		writeFileSync(join(work, 'cp437.zip'), zip);
		const script = 'import json, sys, zipfile; print(json.dumps([bytes(range(256)).decode("cp437"), zipfile.ZipFile(sys.argv[1]).namelist()]))';
		expect(python<unknown>(script, join(work, 'cp437.zip'))).toEqual([everyByte, ['café ß.txt']]);
	});

	it('takes sizes and offsets from ZIP64 extra fields and the ZIP64 end record, as Python does', async () => {
		const deflated = deflateSync(encodeUtf8('z'.repeat(1000)));
		const zip = craftZip(
			[
				{ ...file('a.bin', 'hello'), zip64: true },
				{ name: 'b.txt', method: 8, data: deflated, uncompressedSize: 1000, crc32: crc32(encodeUtf8('z'.repeat(1000))), zip64: true }
			],
			{ zip64End: true, comment: 'ZIP64 end record' }
		);
		const source = memorySource(zip);
		const entries = await readZipDirectory(source);
		expect(entries.map((entry) => [entry.path, entry.compressedSize, entry.uncompressedSize, entry.localHeaderOffset])).toEqual([
			['a.bin', 5, 5, 0],
			['b.txt', deflated.length, 1000, 30 + 5 + 5]
		]);
		expect(new TextDecoder().decode(await collect(readZipEntry(source, entries[1]!)))).toBe('z'.repeat(1000));
		writeFileSync(join(work, 'zip64.zip'), zip);
		const seen = python<unknown>('import json, sys, zipfile; z = zipfile.ZipFile(sys.argv[1]); print(json.dumps([z.testzip(), [[i.filename, i.file_size, i.header_offset] for i in z.infolist()]]))', join(work, 'zip64.zip'));
		expect(seen).toEqual([null, [['a.bin', 5, 0], ['b.txt', 1000, 40]]]);
	});

	it('accepts a root folder entry, folders before their files, an archive comment and an empty archive', async () => {
		const zip = craftZip([{ name: './', externalAttributes: (0o040755 << 16) >>> 0 }, { name: 'a/' }, file('a/b.txt')], { comment: 'PK\x05\x06 in a comment' });
		expect((await readZipDirectory(memorySource(zip))).map((entry) => [entry.path, entry.isDirectory])).toEqual([
			['', true],
			['a', true],
			['a/b.txt', false]
		]);
		expect(await readZipDirectory(memorySource(craftZip([])))).toEqual([]);
	});

	it('reads only the end and the central directory, never the data, to list entries', async () => {
		const sink = memorySink();
		const writer = new ZipWriter(sink);
		const big = new Uint8Array(20 * MiB);
		await writer.addEntry({ path: 'weights.bin', size: big.length, crc32: crc32(big), data: big });
		await writer.finish();
		const source = memorySource(sink.bytes());
		await readZipDirectory(source);
		expect(source.bytesRead).toBeLessThan(70_000);
	});
});

describe('readZipEntry', () => {
	it.each([
		['stored', 0, 4096, [4096, 4096, 1808]],
		['deflated', 8, 4000, [4000, 4000, 2000]]
	])('yields %s bytes in chunks of at most chunkSize', async (_, method, chunkSize, sizes) => {
		const data = method === 0 ? randomBytes(10_000) : encodeUtf8('abcdefghij'.repeat(1000));
		const entry: CraftEntry = method === 0 ? { name: 'a.bin', data } : { name: 'a.bin', method: 8, data: deflateSync(data), uncompressedSize: data.length, crc32: crc32(data) };
		const source = memorySource(craftZip([entry]));
		const [found] = await readZipDirectory(source);
		const chunks: Uint8Array[] = [];
		for await (const chunk of readZipEntry(source, found!, { chunkSize })) chunks.push(chunk);
		expect(chunks.map((chunk) => chunk.length)).toEqual(sizes);
		expectSameBytes(await collect(readZipEntry(source, found!)), data);
	});

	it('reads compressed bytes in bounded pieces and hands out a stored entry as an offset for zero-copy slicing', async () => {
		const data = randomBytes(3 * MiB);
		const deflated = deflateSync(data, { level: 0 });
		const source = memorySource(craftZip([{ name: 'w.bin', data }, { name: 'd.bin', method: 8, data: deflated, uncompressedSize: data.length, crc32: crc32(data) }]));
		const [stored, compressed] = await readZipDirectory(source);
		const { offset } = await zipEntryData(source, stored!);
		expectSameBytes(await source.read(offset, stored!.compressedSize), data);
		source.maxRead = 0;
		expectSameBytes(await collect(readZipEntry(source, compressed!)), data);
		expect(source.maxRead).toBeLessThanOrEqual(MiB);
	});
});

describe('readZipDirectory refusals', () => {
	const mode = (bits: number) => (bits << 16) >>> 0;
	it.each<[string, CraftEntry[], string]>([
		['an encrypted entry (flag bit 0)', [{ ...file('a.bin'), flags: 0x801 }], 'encrypted'],
		['an AES-encrypted entry (method 99)', [{ ...file('a.bin'), method: 99 }], 'encrypted'],
		['a bzip2 entry (method 12)', [{ ...file('a.bin'), method: 12 }], 'unsupported-method'],
		['a symbolic link', [{ ...file('link', 'target'), externalAttributes: mode(0o120777) }], 'link-entry'],
		['a FIFO', [{ ...file('fifo', ''), externalAttributes: mode(0o010644) }], 'link-entry'],
		['a path that climbs out with ..', [file('../evil')], 'unsafe-path'],
		['an absolute path', [file('/etc/passwd')], 'unsafe-path'],
		['a Windows path', [file('C:\\evil')], 'unsafe-path'],
		['a name that is not UTF-8 although flag bit 11 says so', [file(Uint8Array.of(0x61, 0xc0, 0xaf))], 'unsafe-path'],
		['a name longer than the limit', [file('n'.repeat(5000))], 'unsafe-path'],
		['two entries with one path', [file('a.bin'), file('a.bin')], 'duplicate-entry'],
		['two paths equal ignoring case', [file('Weights.bin'), file('weights.BIN')], 'duplicate-entry'],
		['two paths equal after normalization', [file('a.bin'), file('./a.bin')], 'duplicate-entry'],
		['a file inside a file', [file('a'), file('a/b')], 'duplicate-entry'],
		['a folder entry with a file\u2019s path', [file('a'), { name: 'A/' }], 'duplicate-entry'],
		['two central records pointing at one local header', [file('a.bin'), { ...file('b.bin'), localHeaderOf: 0 }], 'overlapping-entries'],
		['an entry whose data runs over the next entry', [{ ...file('a.bin'), compressedSize: 50, uncompressedSize: 50 }, file('b.bin')], 'overlapping-entries'],
		['an entry whose data runs into the central directory', [{ ...file('a.bin'), compressedSize: 5000, uncompressedSize: 5000 }], 'corrupt'],
		['a stored entry with two different sizes', [{ ...file('a.bin'), uncompressedSize: 2 }], 'corrupt'],
		['a folder with a size', [{ name: 'd/', method: 8, data: deflateSync(encodeUtf8('x')), uncompressedSize: 1 }], 'corrupt'],
		['a ZIP64 sentinel without a ZIP64 field', [{ ...file('a.bin'), compressedSize: 0xffffffff, uncompressedSize: 0xffffffff }], 'corrupt']
	])('refuses %s', async (_, entries, reason) => {
		expect(await refusal(readZipDirectory(memorySource(craftZip(entries))))).toEqual({ code: 'BAD_BUNDLE', reason });
	});

	it.each<[string, Uint8Array, Partial<typeof DEFAULT_BUNDLE_LIMITS>, string]>([
		['more entries than the limit', craftZip([file('a'), file('b'), file('c')]), { maxEntries: 2 }, 'too-many-entries'],
		['declared sizes above the total limit', craftZip(['a', 'b'].map((name) => ({ name, method: 8, data: deflateSync(new Uint8Array(600)), uncompressedSize: 600 }))), { maxTotalBytes: 1000 }, 'too-large'],
		['a name longer than a custom limit', craftZip([file('n'.repeat(41))]), { maxNameBytes: 40 }, 'unsafe-path'],
		['an end record declaring more entries than the directory holds', craftZip([file('a'), file('b')], { declaredEntries: 3 }), {}, 'corrupt'],
		['an end record declaring fewer entries than the directory holds', craftZip([file('a'), file('b')], { declaredEntries: 1 }), {}, 'corrupt'],
		['an archive cut short (last 100 bytes missing)', craftZip([file('a.bin', 'y'.repeat(500)), file('b.bin')]).subarray(0, -100), {}, 'truncated'],
		['an archive missing its first bytes', craftZip([file('a.bin', 'y'.repeat(500)), file('b.bin')]).subarray(10), {}, 'truncated'],
		['a local header signature and nothing else', Uint8Array.of(0x50, 0x4b, 0x03, 0x04, 0, 0), {}, 'truncated'],
		['random bytes', randomBytes(100_000, 99), {}, 'not-an-archive'],
		['an empty file', new Uint8Array(0), {}, 'not-an-archive']
	])('refuses %s', async (_, zip, limits, reason) => {
		expect(await refusal(readZipDirectory(memorySource(zip), { ...DEFAULT_BUNDLE_LIMITS, ...limits }))).toEqual({ code: 'BAD_BUNDLE', reason });
	});
});

describe('readZipEntry refusals', () => {
	async function firstEntry(zip: Uint8Array, shrinkTo?: number) {
		const source = memorySource(zip, shrinkTo);
		const [entry] = await readZipDirectory(source);
		return { source, entry: entry! };
	}
	const deflated = (data: Uint8Array, extra: Partial<CraftEntry> = {}): CraftEntry => ({ name: 'a.bin', method: 8, data: deflateSync(data), uncompressedSize: data.length, crc32: crc32(data), ...extra });

	it('stops a zip bomb (10 MiB of zeros declared as 1 KiB) before yielding more than declared', async () => {
		const bomb = new Uint8Array(deflateRawSync(new Uint8Array(10 * MiB), { level: 9 }));
		const { source, entry } = await firstEntry(craftZip([{ name: 'bomb.bin', method: 8, data: bomb, uncompressedSize: 1024 }]));
		expect(bomb.length).toBeLessThan(11_000);
		let yielded = 0;
		const result = refusal(async () => {
			for await (const chunk of readZipEntry(source, entry)) yielded += chunk.length;
		});
		expect(await result).toEqual({ code: 'BAD_BUNDLE', reason: 'size-mismatch' });
		expect(yielded).toBeLessThanOrEqual(1024);
	});

	it.each<[string, CraftEntry, string]>([
		['data that inflates to fewer bytes than declared', deflated(randomBytes(2000), { uncompressedSize: 3000 }), 'size-mismatch'],
		['invalid deflate data', { name: 'a.bin', method: 8, data: Uint8Array.of(0x07, 0, 0, 0), uncompressedSize: 10 }, 'corrupt'],
		['a deflate stream cut in half', ((d: Uint8Array) => ({ name: 'a.bin', method: 8, data: d.subarray(0, d.length >> 1), uncompressedSize: 50_000 }))(deflateSync(randomBytes(50_000))), 'corrupt'],
		['megabytes of bytes after the end of the deflate stream', { name: 'a.bin', method: 8, data: concatBytes([deflateSync(encodeUtf8('hello')), new Uint8Array(2 * MiB)]), uncompressedSize: 5 }, 'corrupt']
	])('refuses %s', async (_, craft, reason) => {
		const { source, entry } = await firstEntry(craftZip([craft]));
		expect(await refusal(collect(readZipEntry(source, entry)))).toEqual({ code: 'BAD_BUNDLE', reason });
	});

	it('refuses a damaged local header signature', async () => {
		const zip = craftZip([file('a.bin', 'hello')]);
		const { source, entry } = await firstEntry(zip);
		zip[0] = 0;
		expect(await refusal(collect(readZipEntry(source, entry)))).toEqual({ code: 'BAD_BUNDLE', reason: 'corrupt' });
	});

	it('refuses a local extra field that pushes the data into the next entry', async () => {
		const zip = craftZip([file('a.bin', 'hello'), file('b.bin', 'world')]);
		const { source, entry } = await firstEntry(zip);
		writeU16(zip, 28, 8);
		expect(await refusal(zipEntryData(source, entry))).toEqual({ code: 'BAD_BUNDLE', reason: 'corrupt' });
	});

	it('refuses an archive that shrinks while it is read', async () => {
		const zip = craftZip([file('a.bin', 'y'.repeat(100_000)), file('b.bin')]);
		const { source, entry } = await firstEntry(zip);
		const shrunk = memorySource(zip, 50_000);
		expect(await refusal(collect(readZipEntry(shrunk, entry)))).toEqual({ code: 'BAD_BUNDLE', reason: 'truncated' });
		expect(await collect(readZipEntry(source, entry))).toHaveLength(100_000);
	});
});
