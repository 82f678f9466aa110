import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { mkdtempSync, openAsBlob, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readTar, type TarEntry } from '../../src/lib/core/bundle/tar-reader.ts';
import { DEFAULT_BUNDLE_LIMITS } from '../../src/lib/core/bundle/bundle-errors.ts';
import { decompressedChunks } from '../../src/lib/worker/bundle/decompress.ts';
import { END, chunked, concat, paxEntry, refusal, summarize, tarEntry, tarHeader, writePythonTars, type EntrySummary } from './tar-fixtures.ts';

// Fixtures:
// - tests/fixtures/bentoml/speech_encoder-kls3cagggc4amo3b.bentomodel: written by BentoML's exporter
//   (tar.xz, PAX, "./" prefixes); expected.json beside it has its files' sizes and SHA-256.
// - tests/fixtures/manifests/speech_encoder.model.yaml: that bundle's model.yaml, extracted unchanged.
// - PAX, GNU and USTAR tars written by Python's tarfile at test time (tar-fixtures.ts), and hostile
//   tars crafted header by header.

const here = (path: string): string => fileURLToPath(new URL(path, import.meta.url));
const BENTOML = '../fixtures/bentoml/';
const sha256 = (bytes: Uint8Array | string): string => createHash('sha256').update(bytes).digest('hex');

let dir: string;
let expected: Record<string, EntrySummary[]>;
beforeAll(() => {
	dir = mkdtempSync(join(tmpdir(), 'tar-reader-'));
	expected = writePythonTars(dir);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Reads a whole crafted archive, data included. */
const readAll = (bytes: Uint8Array, limits = DEFAULT_BUNDLE_LIMITS): Promise<EntrySummary[]> => summarize(readTar(chunked(bytes, 512), limits));

/** The `{ code, reason }` a crafted archive is refused with. */
async function refused(bytes: Uint8Array, limits = DEFAULT_BUNDLE_LIMITS): Promise<{ code: string; reason: unknown }> {
	const error = await refusal(() => readAll(bytes, limits));
	return { code: error.code, reason: error.details?.reason };
}

describe('readTar', () => {
	it("reads BentoML's own export: './', './model.yaml' and './saved_model.onnx' with their bytes", async () => {
		const bundles = JSON.parse(readFileSync(here(`${BENTOML}expected.json`), 'utf8')).bundles as { file: string; files: EntrySummary[] }[];
		const bundle = bundles.find((b) => b.file.endsWith('.bentomodel'))!;
		const onnx = bundle.files.find((f) => f.path === 'saved_model.onnx')!;
		const yaml = readFileSync(here('../fixtures/manifests/speech_encoder.model.yaml'));
		const file = await openAsBlob(here(`${BENTOML}${bundle.file}`));
		const names: string[] = [];
		const entries = summarize(
			(async function* () {
				for await (const entry of readTar(decompressedChunks(file, 'tar.xz'))) {
					names.push(entry.name);
					yield entry;
				}
			})()
		);
		expect(await entries).toEqual([
			{ path: '', type: 'directory', size: 0 },
			{ path: 'model.yaml', type: 'file', size: yaml.length, sha256: sha256(yaml) },
			{ path: 'saved_model.onnx', type: 'file', size: onnx.size, sha256: onnx.sha256 }
		]);
		expect(names).toEqual(['./', './model.yaml', './saved_model.onnx']);
	});

	describe.each(['pax.tar', 'gnu.tar', 'ustar.tar'])("a %s written by Python's tarfile", (name) => {
		it.each([1, 7, 512, 513, 64 * 1024])('reads the same entries in chunks of %i bytes', async (size) => {
			const bytes = readFileSync(join(dir, name));
			expect(await summarize(readTar(chunked(bytes, size)))).toEqual(expected[name]);
		});
	});

	it('keeps the long path (> 100 characters) and the non-ASCII names of every format', async () => {
		const paths = expected['pax.tar']!.map((row) => row.path);
		expect(paths.some((path) => path.length > 100)).toBe(true);
		expect(paths).toContain('café/naïve.txt');
		for (const name of ['gnu.tar', 'ustar.tar']) expect(expected[name]!.map((row) => row.path)).toEqual(paths);
	});

	it('gives the raw name, mode and mtime of each entry', async () => {
		const bytes = concat(tarEntry({ name: './a/', type: '5' }), tarEntry({ name: './a/b.bin' }, 'xyz'), END);
		const seen: Omit<TarEntry, 'data'>[] = [];
		for await (const { data, ...entry } of readTar(chunked(bytes, 100))) seen.push(entry);
		expect(seen).toEqual([
			{ name: './a/', path: 'a', type: 'directory', size: 0, mode: 0o644, mtime: 1_700_000_000 },
			{ name: './a/b.bin', path: 'a/b.bin', type: 'file', size: 3, mode: 0o644, mtime: 1_700_000_000 }
		]);
	});

	it('skips the data of entries the consumer does not read, whole or in part', async () => {
		const big = new Uint8Array(5000).fill(7);
		const bytes = concat(tarEntry({ name: 'a.bin' }, big), tarEntry({ name: 'b.bin' }, big), tarEntry({ name: 'c.txt' }, 'last'), END);
		const texts: string[] = [];
		for await (const entry of readTar(chunked(bytes, 700))) {
			if (entry.path === 'b.bin') for await (const _ of entry.data) break;
			if (entry.path === 'c.txt') for await (const chunk of entry.data) texts.push(Buffer.from(chunk).toString());
		}
		expect(texts.join('')).toBe('last');
	});

	it('refuses to hand out data after the next entry was requested (INTERNAL)', async () => {
		const entries = readTar(chunked(concat(tarEntry({ name: 'a' }, 'aaa'), tarEntry({ name: 'b' }, 'bbb'), END), 512));
		const first = (await entries.next()).value as TarEntry;
		await entries.next();
		const error = await refusal(async () => {
			for await (const _ of first.data);
		});
		expect(error.code).toBe('INTERNAL');
	});

	it("honours a PAX 'size' that overrides the ustar size field, and a GNU base-256 size", async () => {
		const data = new Uint8Array(1000).map((_, i) => i % 256);
		const pax = concat(paxEntry({ size: '1000' }), tarHeader({ name: 'w.bin', size: 0 }), data, new Uint8Array(24), END);
		expect(await readAll(pax)).toEqual([{ path: 'w.bin', type: 'file', size: 1000, sha256: sha256(data) }]);
		const base256 = new Uint8Array(12);
		base256[0] = 0x80;
		base256[10] = 1000 >> 8;
		base256[11] = 1000 & 0xff;
		const gnu = concat(tarHeader({ name: 'w.bin', sizeField: base256, magic: 'gnu' }), data, new Uint8Array(24), END);
		expect(await readAll(gnu)).toEqual([{ path: 'w.bin', type: 'file', size: 1000, sha256: sha256(data) }]);
	});

	it('accepts signed header checksums, v7 headers, GNU long names and an archive without end blocks', async () => {
		const long = `${'x'.repeat(150)}/é.bin`;
		const gnuLong = concat(tarEntry({ name: '././@LongLink', type: 'L', magic: 'gnu' }, `${long}\0`), tarHeader({ name: 'short', magic: 'gnu' }));
		const bytes = concat(tarEntry({ name: 'é.txt', signedChecksum: true }, 'a'), tarEntry({ name: 'v7.txt', magic: 'v7' }, 'b'), gnuLong);
		const rows = await readAll(bytes);
		expect(rows.map((row) => row.path)).toEqual(['é.txt', 'v7.txt', long]);
	});

	it('ignores PAX global headers and unknown PAX keywords', async () => {
		const bytes = concat(paxEntry({ comment: 'hi' }, 'g'), paxEntry({ 'SCHILY.xattr.user.x': 'y', mtime: '1.5' }), tarEntry({ name: 'a' }, 'z'), END);
		const entries = readTar(chunked(bytes, 512));
		const first = (await entries.next()).value as TarEntry;
		expect([first.path, first.mtime]).toEqual(['a', 1.5]);
	});

	describe('refuses', () => {
		const file = (name: string) => tarEntry({ name }, 'data');
		it.each([
			['a symbolic link', concat(tarEntry({ name: 'evil', type: '2', linkname: '/etc/passwd' }), END), 'link-entry'],
			['a hard link', concat(file('a'), tarEntry({ name: 'b', type: '1', linkname: 'a' }), END), 'link-entry'],
			['a character device', concat(tarEntry({ name: 'tty', type: '3' }), END), 'link-entry'],
			['a FIFO', concat(tarEntry({ name: 'pipe', type: '6' }), END), 'link-entry'],
			['a GNU sparse file', concat(tarEntry({ name: 'sparse', type: 'S', magic: 'gnu' }), END), 'unsupported-method'],
			['a path climbing out with ../x', concat(file('../x'), END), 'unsafe-path'],
			['an absolute path', concat(file('/abs'), END), 'unsafe-path'],
			['a PAX path climbing out', concat(paxEntry({ path: 'a/../../x' }), file('fine'), END), 'unsafe-path'],
			['two entries equal ignoring case and "./"', concat(file('./W.bin'), file('w.bin'), END), 'duplicate-entry'],
			['a file that is also a folder', concat(file('a'), file('a/b'), END), 'duplicate-entry'],
			['an oversized PAX path record', concat(paxEntry({ path: 'p'.repeat(5000) }), file('x'), END), 'unsafe-path'],
			['an oversized GNU long name', concat(tarEntry({ name: '././@LongLink', type: 'L' }, 'n'.repeat(5000)), file('x'), END), 'unsafe-path'],
			['a PAX header claiming 2 MiB', concat(tarHeader({ name: 'PaxHeader', type: 'x', size: 2 * 1024 * 1024 }), END), 'corrupt'],
			['a malformed PAX record', concat(tarEntry({ name: 'PaxHeader', type: 'x' }, '99 path=x\n'), file('x'), END), 'corrupt'],
			['extended headers followed by no entry', concat(paxEntry({ path: 'x' }), END), 'corrupt'],
			['an empty stream', new Uint8Array(0), 'truncated']
		])('%s', async (_, bytes, reason) => {
			expect(await refused(bytes)).toEqual({ code: 'BAD_BUNDLE', reason });
		});

		it('a header with a bad checksum', async () => {
			const bytes = concat(file('a'), END);
			bytes[3] = 0x41;
			expect(await refused(bytes)).toEqual({ code: 'BAD_BUNDLE', reason: 'corrupt' });
		});

		it('an unsafe path with its INVALID_PATH cause', async () => {
			const error = await refusal(() => readAll(concat(file('../x'), END)));
			expect((error.cause as { code?: string }).code).toBe('INVALID_PATH');
		});

		it.each([
			['in a header', 512 + 512 + 100],
			['in the data', 512 + 512 + 512 + 2000],
			['in the padding', 512 + 512 + 512 + 5000 + 10]
		])('an archive truncated %s', async (_, cut) => {
			const bytes = concat(file('a'), tarEntry({ name: 'b' }, new Uint8Array(5000)), END).subarray(0, cut);
			expect(await refused(bytes)).toEqual({ code: 'BAD_BUNDLE', reason: 'truncated' });
		});

		it('an archive truncated in the data of an entry that is skipped', async () => {
			const bytes = concat(tarEntry({ name: 'b' }, new Uint8Array(5000)), END).subarray(0, 3000);
			const error = await refusal(async () => {
				for await (const _ of readTar(chunked(bytes, 512)));
			});
			expect([error.code, error.details?.reason]).toEqual(['BAD_BUNDLE', 'truncated']);
		});

		it('more entries than limits.maxEntries', async () => {
			const bytes = concat(file('a'), file('b'), file('c'), END);
			expect(await refused(bytes, { ...DEFAULT_BUNDLE_LIMITS, maxEntries: 2 })).toEqual({ code: 'BAD_BUNDLE', reason: 'too-many-entries' });
			expect(await readAll(bytes, { ...DEFAULT_BUNDLE_LIMITS, maxEntries: 3 })).toHaveLength(3);
		});

		it('more bytes than limits.maxTotalBytes, from the headers alone', async () => {
			const bytes = concat(file('a'), tarHeader({ name: 'huge', size: 2 ** 33 - 1 }));
			expect(await refused(bytes, { ...DEFAULT_BUNDLE_LIMITS, maxTotalBytes: 2 ** 32 })).toEqual({ code: 'BAD_BUNDLE', reason: 'too-large' });
		});
	});
});
