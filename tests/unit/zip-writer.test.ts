// The zip writer, checked by our reader and by independent ones: fflate's unzipSync, Python's zipfile
// and Info-ZIP's unzip; `npm test` installs both when missing.
// The 4 GiB round trip on disk is in tests/long/zip64-4gib.test.ts (`npm run test:long`).
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inflateSync, unzipSync } from 'fflate';
import { afterAll, describe, expect, it } from 'vitest';
import { ShelfError } from '../../src/lib/core/errors.ts';
import { ZipWriter, deflateSmall, type ZipWriterEntry } from '../../src/lib/core/bundle/zip-writer.ts';
import { crc32 } from 'node:zlib';
import { readZipDirectory } from '../../src/lib/core/bundle/zip-directory.ts';
import { readZipEntry, zipEntryData } from '../../src/lib/core/bundle/zip-reader.ts';
import { encodeUtf8, readU16, readU32 } from '../../src/lib/core/bundle/zip-format.ts';
import { collect, crc32OfZeros, expectSameBytes, fileSource, inPieces, memorySink, memorySource, python, randomBytes, refusal } from './zip-craft.ts';

const MiB = 1024 * 1024;
const GiB = 1024 * MiB;
const work = mkdtempSync(join(tmpdir(), 'shelf-zip-writer-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');
const yaml = encodeUtf8('name: fraud_detector\nversion: 6st47ifytwe2p45h\nmodule: bentoml.sklearn\n'.repeat(20));
const weights = randomBytes(300_000, 7);
const deflatedYaml = deflateSmall(yaml)!;

/** Several kinds of entries: deflated, stored in one piece, streamed, empty, nested, unicode, a folder. */
async function sampleArchive(): Promise<{ bytes: Uint8Array; files: Map<string, Uint8Array> }> {
	const files = new Map<string, Uint8Array>([
		['model.yaml', yaml],
		['saved_model.bin', weights],
		['empty.txt', new Uint8Array(0)],
		['extra/deep/thresholds.json', encodeUtf8('{"t": 0.5}')],
		['données/模型 🧠.onnx', randomBytes(5_000, 3)]
	]);
	const sink = memorySink();
	const writer = new ZipWriter(sink, { comment: 'Model Shelf export' });
	await writer.addEntry({ path: 'model.yaml', size: yaml.length, crc32: crc32(yaml), method: 'deflate', data: deflatedYaml, compressedSize: deflatedYaml.length, sha256: sha256(yaml) });
	await writer.addEntry({ path: 'saved_model.bin', size: weights.length, crc32: crc32(weights), sha256: sha256(weights), data: inPieces(weights, 65_536), modified: new Date(2025, 10, 3, 10, 15, 0) });
	await writer.addEntry({ path: 'empty.txt', size: 0, crc32: 0, data: new Uint8Array(0) });
	await writer.addDirectory('extra');
	for (const path of ['extra/deep/thresholds.json', 'données/模型 🧠.onnx']) {
		const data = files.get(path)!;
		await writer.addEntry({ path, size: data.length, crc32: crc32(data), sha256: sha256(data), data });
	}
	const result = await writer.finish();
	const bytes = sink.bytes();
	expect(result).toEqual({ bytesWritten: bytes.length, entries: 6 });
	return { bytes, files };
}

describe('ZipWriter round trips', () => {
	it('writes entries that our reader gives back byte for byte, with their SHA-256 extra field', async () => {
		const { bytes, files } = await sampleArchive();
		const source = memorySource(bytes);
		const entries = await readZipDirectory(source);
		expect(entries.map((entry) => [entry.path, entry.isDirectory, entry.method])).toEqual([
			['model.yaml', false, 8],
			['saved_model.bin', false, 0],
			['empty.txt', false, 0],
			['extra', true, 0],
			['extra/deep/thresholds.json', false, 0],
			['données/模型 🧠.onnx', false, 0]
		]);
		for (const entry of entries.filter((e) => !e.isDirectory)) {
			const data = await collect(readZipEntry(source, entry));
			expectSameBytes(data, files.get(entry.path));
			expect(entry.crc32).toBe(crc32(data));
			if (entry.path !== 'empty.txt') expect(entry.sha256).toBe(sha256(data));
			expect(entry.flags).toBe(0x800);
			expect(entry.externalAttributes >>> 16).toBe(0o100644);
			expect(entry.madeBy).toBe((3 << 8) | 45);
		}
		expect(entries[3]!.externalAttributes >>> 0).toBe(((0o040755 << 16) | 0x10) >>> 0);
	});

	it('never sets the data-descriptor flag, and puts real sizes and CRC-32 in every local header', async () => {
		const { bytes } = await sampleArchive();
		const entries = await readZipDirectory(memorySource(bytes));
		for (const entry of entries) {
			const at = entry.localHeaderOffset;
			expect(readU16(bytes, at + 6)).toBe(0x800);
			expect([readU32(bytes, at + 14), readU32(bytes, at + 18), readU32(bytes, at + 22)]).toEqual([entry.crc32, entry.compressedSize, entry.uncompressedSize]);
			expect(readU16(bytes, at + 4)).toBe(20);
		}
	});

	it('is read identically by fflate unzipSync', async () => {
		const { bytes, files } = await sampleArchive();
		const unzipped = unzipSync(bytes);
		expect(Object.keys(unzipped).sort()).toEqual([...files.keys(), 'extra/'].sort());
		for (const [path, data] of files) expectSameBytes(unzipped[path], data);
	});

	it('passes Python zipfile testzip() with the same names, sizes and CRC-32', async () => {
		const { bytes, files } = await sampleArchive();
		const path = join(work, 'sample.zip');
		writeFileSync(path, bytes);
		const seen = python<{ bad: string | null; comment: string; infos: [string, number, number][]; sha: Record<string, string> }>(
			`import hashlib, json, sys, zipfile
z = zipfile.ZipFile(sys.argv[1])
print(json.dumps({"bad": z.testzip(), "comment": z.comment.decode(), "infos": [[i.filename, i.file_size, i.CRC] for i in z.infolist()],
  "sha": {i.filename: hashlib.sha256(z.read(i)).hexdigest() for i in z.infolist() if not i.is_dir()}}))`,
			path
		);
		expect(seen.bad).toBeNull();
		expect(seen.comment).toBe('Model Shelf export');
		expect(seen.infos).toContainEqual(['extra/', 0, 0]);
		for (const [name, data] of files) {
			expect(seen.infos).toContainEqual([name, data.length, crc32(data)]);
			expect(seen.sha[name]).toBe(sha256(data));
		}
	});

	it('passes unzip -t', async () => {
		const { bytes } = await sampleArchive();
		const path = join(work, 'sample-unzip.zip');
		writeFileSync(path, bytes);
		expect(execFileSync('unzip', ['-t', path], { encoding: 'utf8' })).toContain('No errors detected');
	});
});

describe('deflateSmall', () => {
	it('deflates compressible bytes and declines incompressible or empty ones', () => {
		expect(inflateSync(deflateSmall(yaml)!)).toEqual(yaml);
		expect(deflateSmall(randomBytes(10_000))).toBeNull();
		expect(deflateSmall(new Uint8Array(0))).toBeNull();
	});
});

describe('ZipWriter refusals', () => {
	const data = encodeUtf8('0123456789');
	const entry: ZipWriterEntry = { path: 'a.bin', size: 10, crc32: crc32(data), data };
	it.each<[string, Partial<ZipWriterEntry>, string]>([
		['in-memory data shorter than its size', { size: 11 }, 'INTEGRITY'],
		['a wrong CRC-32 for in-memory data', { crc32: 1 }, 'INTEGRITY'],
		['a malformed SHA-256', { sha256: 'abc' }, 'INTEGRITY'],
		['deflated bytes that expand to another size', { method: 'deflate', data: deflateSmall(yaml)!, size: 10 }, 'INTEGRITY'],
		['a compressedSize that is not the data length', { method: 'deflate', data: deflatedYaml, size: yaml.length, crc32: crc32(yaml), compressedSize: 3 }, 'INTEGRITY'],
		['deflate with streamed data', { method: 'deflate', data: inPieces(deflatedYaml, 10), size: yaml.length, crc32: crc32(yaml) }, 'INTERNAL'],
		['a path that climbs out', { path: '../evil' }, 'INVALID_PATH']
	])('refuses %s before writing a byte, and stays usable', async (_, change, code) => {
		const sink = memorySink();
		const writer = new ZipWriter(sink);
		expect((await refusal(writer.addEntry({ ...entry, ...change }))).code).toBe(code);
		expect(sink.bytes().length).toBe(0);
		await writer.addEntry(entry);
		await writer.finish();
		expect((await readZipDirectory(memorySource(sink.bytes()))).map((e) => e.path)).toEqual(['a.bin']);
	});

	it.each([
		['streams more bytes than declared', inPieces(encodeUtf8('0123456789AB'), 4)],
		['streams fewer bytes than declared', inPieces(encodeUtf8('01234'), 4)]
	])('throws INTEGRITY when the data %s, then refuses further use', async (_, stream) => {
		const writer = new ZipWriter(memorySink());
		expect(await refusal(writer.addEntry({ ...entry, data: stream }))).toEqual({ code: 'INTEGRITY', reason: undefined });
		expect((await refusal(writer.finish())).code).toBe('INTERNAL');
	});

	it.each([
		[['a.bin', 'a.bin'], 'duplicate'],
		[['W.bin', 'w.bin'], 'duplicate'],
		[['a', 'a/b.bin'], 'duplicate'],
		[['a/b.bin', 'a'], 'duplicate']
	])('refuses paths %j that collide (%s)', async (paths, reason) => {
		const writer = new ZipWriter(memorySink());
		await writer.addEntry({ ...entry, path: paths[0]! });
		expect(await refusal(writer.addEntry({ ...entry, path: paths[1]! }))).toEqual({ code: 'INVALID_PATH', reason });
	});

	it('refuses further use after the sink fails mid-entry, passing the sink\'s error on', async () => {
		let writes = 0;
		const writer = new ZipWriter({
			write: async () => {
				if (++writes === 2) throw new ShelfError('STORAGE_FULL', 'No space left.');
			}
		});
		expect((await refusal(writer.addEntry(entry))).code).toBe('STORAGE_FULL');
		expect((await refusal(writer.addDirectory('more'))).code).toBe('INTERNAL');
	});

	it('refuses a second entry while one is being written', async () => {
		const writer = new ZipWriter(memorySink());
		const first = writer.addEntry(entry);
		expect((await refusal(writer.addEntry({ ...entry, path: 'b.bin' }))).code).toBe('INTERNAL');
		await first;
	});
});

describe('ZipWriter ZIP64', () => {
	it('writes 70,000 entries with a ZIP64 end record that our reader, Python and unzip -t all accept', async () => {
		const sink = memorySink();
		const writer = new ZipWriter(sink);
		for (let index = 0; index < 70_000; index++) {
			const data = encodeUtf8(String(index));
			await writer.addEntry({ path: `f/${index}.txt`, size: data.length, crc32: crc32(data), data });
		}
		expect((await writer.finish()).entries).toBe(70_000);
		const bytes = sink.bytes();
		const end = bytes.length - 22;
		expect(readU16(bytes, end + 10)).toBe(0xffff);
		expect(readU32(bytes, end - 20)).toBe(0x07064b50);
		const entries = await readZipDirectory(memorySource(bytes));
		expect(entries.length).toBe(70_000);
		expect(await collect(readZipEntry(memorySource(bytes), entries[69_999]!))).toEqual(encodeUtf8('69999'));
		const path = join(work, 'many.zip');
		writeFileSync(path, bytes);
		const script = 'import json, sys, zipfile\nz = zipfile.ZipFile(sys.argv[1]); names = z.namelist()\nprint(json.dumps([len(names), names[-1], z.read(names[-1]).decode()]))';
		expect(python<unknown>(script, path)).toEqual([70_000, 'f/69999.txt', '69999']);
		expect(execFileSync('unzip', ['-tq', path], { encoding: 'utf8' })).toContain('No errors detected');
	}, 30_000);

	it('writes an entry over 4 GiB and entries after it (ZIP64 sizes, offsets and end record) that our reader, Python and unzip read', async () => {
		// A sparse file: the 64 MiB zero block is skipped, never written, so this takes well under a second.
		const zeros = new Uint8Array(64 * MiB);
		const path = join(work, 'sparse-4gib.zip');
		const fd = openSync(path, 'w');
		let position = 0;
		const writer = new ZipWriter({
			write: async (chunk) => {
				if (chunk !== zeros) writeSync(fd, chunk, 0, chunk.length, position);
				position += chunk.length;
			}
		});
		const bigSize = 4 * GiB + 12_345;
		const big = async function* () {
			for (let done = 0; done < bigSize; done += zeros.length) yield done + zeros.length <= bigSize ? zeros : new Uint8Array(bigSize - done);
		};
		const after = encodeUtf8('{"after": "the 4 GiB entry"}');
		try {
			await writer.addEntry({ path: 'model.yaml', size: yaml.length, crc32: crc32(yaml), method: 'deflate', data: deflatedYaml });
			await writer.addEntry({ path: 'weights.bin', size: bigSize, crc32: crc32OfZeros(bigSize), data: big() });
			await writer.addEntry({ path: 'after.json', size: after.length, crc32: crc32(after), data: after, sha256: sha256(after) });
			await writer.addDirectory('later');
			await writer.finish();
		} finally {
			closeSync(fd);
		}
		const source = await fileSource(path);
		try {
			const [, weights, afterEntry, later] = await readZipDirectory(source);
			expect([weights!.uncompressedSize, weights!.compressedSize]).toEqual([bigSize, bigSize]);
			expect(afterEntry!.localHeaderOffset).toBeGreaterThan(4 * GiB);
			expect(later!.localHeaderOffset).toBeGreaterThan(4 * GiB);
			const { offset } = await zipEntryData(source, weights!);
			expect(offset + bigSize).toBe(afterEntry!.localHeaderOffset);
			// The local header carries both sizes in its ZIP64 field: 20 extra bytes after the name.
			const local = await source.read(weights!.localHeaderOffset, 30 + 11 + 20);
			expect([readU16(local, 4), readU32(local, 18), readU32(local, 22), readU16(local, 28)]).toEqual([45, 0xffffffff, 0xffffffff, 20]);
			expect(await collect(readZipEntry(source, afterEntry!))).toEqual(after);
			expect(afterEntry!.sha256).toBe(sha256(after));
		} finally {
			await source.close();
		}
		const seen = python<unknown[]>(
			`import json, sys, zipfile
z = zipfile.ZipFile(sys.argv[1]); i = {x.filename: x for x in z.infolist()}
print(json.dumps([i["weights.bin"].file_size, i["weights.bin"].compress_size, i["after.json"].header_offset > 2**32, z.read("after.json").decode(), len(z.read("model.yaml")), sorted(i)]))`,
			path
		);
		expect(seen).toEqual([bigSize, bigSize, true, '{"after": "the 4 GiB entry"}', yaml.length, ['after.json', 'later/', 'model.yaml', 'weights.bin']]);
		expect(execFileSync('unzip', ['-l', path], { encoding: 'utf8' })).toMatch(new RegExp(`${bigSize}\\s+1980-01-01 00:00\\s+weights\\.bin`));
		expect(execFileSync('unzip', ['-p', path, 'after.json'], { encoding: 'utf8' })).toBe('{"after": "the 4 GiB entry"}');
	}, 30_000);
});
