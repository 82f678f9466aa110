// A real 4 GiB + 1 MiB archive of random bytes written to a temporary file; our reader, Python's
// `zipfile.testzip()` and `unzip -t` read every byte back. About a minute on two cores; needs ~4.1 GB of
// free disk, deleted afterwards. Not in `npm test`: run it with `npm run test:long`.
import { createCipheriv, createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { crc32 as zlibCrc32 } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { ZipWriter } from '../../src/lib/core/bundle/zip-writer.ts';
import { readZipDirectory } from '../../src/lib/core/bundle/zip-directory.ts';
import { readZipEntry } from '../../src/lib/core/bundle/zip-reader.ts';
import { encodeUtf8 } from '../../src/lib/core/bundle/zip-format.ts';
import { fileSource, python } from '../unit/zip-craft.ts';

const MiB = 1024 * 1024;
const GiB = 1024 * MiB;
const work = mkdtempSync(join(tmpdir(), 'shelf-zip64-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));
const yaml = encodeUtf8('name: fraud_detector\nversion: 6st47ifytwe2p45h\nmodule: bentoml.sklearn\n'.repeat(20));

describe('ZipWriter ZIP64 on disk', () => {
	it('streams 4 GiB + 1 MiB of random bytes to disk, and our reader, Python testzip() and unzip -t read every byte back', async () => {
		const size = 4 * GiB + MiB;
		// AES-CTR over zeros: a reproducible random stream, generated twice (CRC-32 goes in the header before the data).
		const stream = async function* () {
			const cipher = createCipheriv('aes-128-ctr', Buffer.alloc(16, 7), Buffer.alloc(16, 0));
			const zero = new Uint8Array(8 * MiB);
			for (let done = 0; done < size; done += zero.length) yield new Uint8Array(cipher.update(zero.subarray(0, Math.min(zero.length, size - done))));
		};
		let crc = 0;
		const hash = createHash('sha256');
		for await (const chunk of stream()) (crc = zlibCrc32(chunk, crc)), hash.update(chunk);
		const digest = hash.digest('hex');
		const path = join(work, 'random-4gib.zip');
		const fd = openSync(path, 'w');
		let started = performance.now();
		const writer = new ZipWriter({ write: async (chunk) => void writeSync(fd, chunk) });
		await writer.addEntry({ path: 'model.yaml', size: yaml.length, crc32: zlibCrc32(yaml), data: yaml });
		await writer.addEntry({ path: 'weights.bin', size, crc32: crc, sha256: digest, data: stream() });
		await writer.addEntry({ path: 'after.txt', size: 5, crc32: zlibCrc32(encodeUtf8('after')), data: encodeUtf8('after') });
		await writer.finish();
		closeSync(fd);
		const timings: Record<string, number> = { write: (performance.now() - started) / 1000 };
		const source = await fileSource(path);
		try {
			started = performance.now();
			const entries = await readZipDirectory(source);
			const weights = entries.find((entry) => entry.path === 'weights.bin')!;
			expect(weights.sha256).toBe(digest);
			let readCrc = 0;
			const readHash = createHash('sha256');
			for await (const chunk of readZipEntry(source, weights)) (readCrc = zlibCrc32(chunk, readCrc)), readHash.update(chunk);
			timings.read = (performance.now() - started) / 1000;
			expect([readCrc, readHash.digest('hex')]).toEqual([crc, digest]);
		} finally {
			await source.close();
		}
		started = performance.now();
		expect(python<[null, number]>(`import json, sys, zipfile\nz = zipfile.ZipFile(sys.argv[1]); print(json.dumps([z.testzip(), z.getinfo("weights.bin").file_size]))`, path)).toEqual([null, size]);
		timings.python = (performance.now() - started) / 1000;
		started = performance.now();
		expect(execFileSync('unzip', ['-t', path], { encoding: 'utf8' })).toContain('No errors detected');
		timings.unzip = (performance.now() - started) / 1000;
		console.log('4 GiB + 1 MiB round trip, seconds (write includes generating the bytes; read includes SHA-256 and CRC-32):', timings);
		rmSync(path);
	}, 20 * 60_000);
});
