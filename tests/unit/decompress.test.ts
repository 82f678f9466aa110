import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, openAsBlob, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readTar } from '../../src/lib/core/bundle/tar-reader.ts';
import { decompressedChunks, detectArchive, type ArchiveKind } from '../../src/lib/worker/bundle/decompress.ts';
import { python, refusal, summarize, tarHeader, writePythonTars, type EntrySummary } from './tar-fixtures.ts';

// Fixtures: BentoML-format exports in tests/fixtures/bentoml (see its README.md), and tars, tar.gz,
// tar.xz and tar.bz2 written by Python's tarfile at test time (tar-fixtures.ts).

const here = (path: string): string => fileURLToPath(new URL(path, import.meta.url));
const BENTOML = '../fixtures/bentoml/';
const MiB = 1024 * 1024;

let dir: string;
let expected: Record<string, EntrySummary[]>;
beforeAll(() => {
	dir = mkdtempSync(join(tmpdir(), 'decompress-'));
	expected = writePythonTars(dir);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const bytesOf = (name: string): Uint8Array => readFileSync(join(dir, name));

/** A Blob of a copy of `bytes` (Blob wants ArrayBuffer-backed views). */
const blobOf = (bytes: Uint8Array): Blob => new Blob([Uint8Array.from(bytes)]);

/** Reads every compressed chunk and throws what decompressedChunks throws. */
async function drain(bytes: Uint8Array, kind: Exclude<ArchiveKind, 'zip'>): Promise<number> {
	let total = 0;
	for await (const chunk of decompressedChunks(blobOf(bytes), kind)) total += chunk.length;
	return total;
}

/** A copy of `bytes` with one byte inverted. */
function flipped(bytes: Uint8Array, at: number): Uint8Array {
	const copy = Uint8Array.from(bytes);
	copy[at] = copy[at]! ^ 0xff;
	return copy;
}

describe('detectArchive', () => {
	const text = new TextEncoder().encode('Model notes.\n'.repeat(60));
	const ascii = (s: string) => new TextEncoder().encode(s);
	it.each([
		['zip magic', ascii('PK\u0003\u0004rest'), 'model.bin', 'zip'],
		['an empty zip', ascii('PK\u0005\u0006'), 'empty.zip', 'zip'],
		['gzip magic under a .bentomodel name', Uint8Array.of(0x1f, 0x8b, 8, 0), 'x.bentomodel', 'tar.gz'],
		['xz magic without an extension', Uint8Array.of(0xfd, 0x37, 0x7a, 0x58, 0x5a, 0, 0, 4), 'speech_encoder', 'tar.xz'],
		['bzip2 magic', ascii('BZh91AY&SY'), 'x.bz2', 'tar.bz2'],
		['a ustar header under a .zip name', tarHeader({ name: 'a' }), 'x.zip', 'tar'],
		['a GNU header', tarHeader({ name: 'a', magic: 'gnu' }), 'x', 'tar'],
		['a v7 header (no magic, valid checksum)', tarHeader({ name: 'a', magic: 'v7' }), 'old.tar', 'tar'],
		['a text file', text, 'notes.txt', null],
		['a text file named like an export', text, 'notes.bentomodel', null],
		['a short text file named .bentomodel', ascii('abc'), 'm.bentomodel', null],
		['a short text file named .tar.gz', ascii('abc'), 'm.tar.gz', null],
		['an empty file', new Uint8Array(0), 'm.tar', null]
	])('%s', (_, head, _name, kind) => {
		expect(detectArchive(head.subarray(0, 512))).toBe(kind);
	});

	it("names BentoML's own exports from their bytes", () => {
		expect(detectArchive(readFileSync(here(`${BENTOML}speech_encoder-kls3cagggc4amo3b.bentomodel`)).subarray(0, 512))).toBe('tar.xz');
		expect(detectArchive(readFileSync(here(`${BENTOML}fraud_detector-6st47ifytwe2p45h.zip`)).subarray(0, 512))).toBe('zip');
	});

	it('names every file Python wrote', () => {
		const kinds = ['gnu.tar', 'model.tar.gz', 'model.tar.xz', 'model.tar.bz2'].map((name) => detectArchive(bytesOf(name).subarray(0, 512)));
		expect(kinds).toEqual(['tar', 'tar.gz', 'tar.xz', 'tar.bz2']);
	});
});

describe('decompressedChunks', () => {
	it.each([
		['model.tar.gz', 'tar.gz'],
		['model.tar.xz', 'tar.xz'],
		['pax.tar', 'tar']
	] as const)('streams %s into the entries Python wrote', async (name, kind) => {
		const file = await openAsBlob(join(dir, name));
		expect(await summarize(readTar(decompressedChunks(file, kind)))).toEqual(expected[name]);
	});

	it('accepts a byte stream as well as a file', async () => {
		const stream = blobOf(bytesOf('model.tar.gz')).stream();
		expect(await summarize(readTar(decompressedChunks(stream, 'tar.gz')))).toEqual(expected['model.tar.gz']);
	});

	it('refuses bzip2 (no streaming decoder fit for a worker)', async () => {
		const error = await refusal(() => drain(bytesOf('model.tar.bz2'), 'tar.bz2'));
		expect([error.code, error.details?.reason]).toEqual(['BAD_BUNDLE', 'unsupported-method']);
	});

	it.each([
		['xz cut in half', 'model.tar.xz', 'tar.xz', (b: Uint8Array) => b.subarray(0, b.length >> 1), 'truncated'],
		['xz missing its last byte', 'model.tar.xz', 'tar.xz', (b: Uint8Array) => b.subarray(0, b.length - 1), 'truncated'],
		['xz with only its magic', 'model.tar.xz', 'tar.xz', (b: Uint8Array) => b.subarray(0, 6), 'truncated'],
		['an empty xz file', 'model.tar.xz', 'tar.xz', (b: Uint8Array) => b.subarray(0, 0), 'truncated'],
		['xz with a damaged byte', 'model.tar.xz', 'tar.xz', (b: Uint8Array) => flipped(b, b.length >> 1), 'corrupt'],
		['xz with a damaged header', 'model.tar.xz', 'tar.xz', (b: Uint8Array) => flipped(b, 8), 'corrupt'],
		['gzip cut in half', 'model.tar.gz', 'tar.gz', (b: Uint8Array) => b.subarray(0, b.length >> 1), 'truncated'],
		['gzip missing its last byte', 'model.tar.gz', 'tar.gz', (b: Uint8Array) => b.subarray(0, b.length - 1), 'truncated'],
		['gzip with a damaged byte', 'model.tar.gz', 'tar.gz', (b: Uint8Array) => flipped(b, b.length >> 1), 'corrupt'],
		['gzip with a damaged CRC', 'model.tar.gz', 'tar.gz', (b: Uint8Array) => flipped(b, b.length - 6), 'corrupt']
	] as const)('classifies %s', async (_, name, kind, damage, reason) => {
		const error = await refusal(() => drain(damage(bytesOf(name)), kind));
		expect([error.code, error.details?.reason]).toEqual(['BAD_BUNDLE', reason]);
		expect(error.cause).toBeDefined();
	});

	it('catches a damaged gzip CRC through readTar, after the last entry', async () => {
		const bytes = bytesOf('model.tar.gz');
		const error = await refusal(() => summarize(readTar(decompressedChunks(blobOf(flipped(bytes, bytes.length - 6)), 'tar.gz'))));
		expect([error.code, error.details?.reason]).toEqual(['BAD_BUNDLE', 'corrupt']);
	});

	it('frees the xz decoder when the reader stops early, so the next xz file decodes', async () => {
		// xz-decompress decodes one stream at a time; an abandoned one would block every later import.
		const file = await openAsBlob(here(`${BENTOML}speech_encoder-kls3cagggc4amo3b.bentomodel`));
		for await (const entry of readTar(decompressedChunks(file, 'tar.xz'))) if (entry.type === 'file') break;
		await expect(drain(bytesOf('model.tar.xz'), 'tar.xz')).resolves.toBeGreaterThan(0);
	});

	it('streams 256 MiB of xz-compressed zeros through readTar with flat memory', async () => {
		// A tar header, 256 MiB of zeros and the end blocks, as concatenated xz streams (valid .xz, and
		// quick to make: xz-compressing 256 MiB in one go would take Python several seconds).
		const path = join(dir, 'zeros.tar.xz');
		python(
			String.raw`
import lzma, sys, tarfile
info = tarfile.TarInfo('zeros.bin'); info.size = 256 * 1024 * 1024
zeros = lzma.compress(bytes(16 * 1024 * 1024), preset=0)
with open(sys.argv[1], 'wb') as f:
    f.write(lzma.compress(info.tobuf(tarfile.PAX_FORMAT)) + zeros * 16 + lzma.compress(bytes(10240 - 512)))
`,
			path
		);
		const file = await openAsBlob(path);
		const before = process.memoryUsage().rss;
		let peak = before;
		let total = 0;
		let chunks = 0;
		for await (const entry of readTar(decompressedChunks(file, 'tar.xz'))) {
			expect([entry.path, entry.size]).toEqual(['zeros.bin', 256 * MiB]);
			for await (const chunk of entry.data) {
				total += chunk.length;
				if (++chunks % 64 === 0) peak = Math.max(peak, process.memoryUsage().rss);
			}
		}
		expect(total).toBe(256 * MiB);
		expect(peak - before).toBeLessThan(96 * MiB);
	}, 30_000);
});
