// Fuzzing the bundle readers (issue 22, item 6): zip (central directory, local headers, ZIP64, inflate), tar
// (ustar, PAX, GNU) and the gzip/xz streams in front of it. Each input is read to the end, every entry's data
// included, the way an import reads it. See fuzz-kit.ts for the property.
import { gzipSync } from 'node:zlib';
import { describe, it } from 'vitest';
import fc from 'fast-check';
import { readTar } from '../../src/lib/core/bundle/tar-reader.ts';
import { readZipDirectory } from '../../src/lib/core/bundle/zip-directory.ts';
import { readZipEntry } from '../../src/lib/core/bundle/zip-reader.ts';
import { deflateSmall } from '../../src/lib/core/bundle/zip-writer.ts';
import { decompressedChunks, detectArchive, type ArchiveKind } from '../../src/lib/worker/bundle/decompress.ts';
import { xz } from '../fixtures/bundles/codecs.ts';
import { FUZZ_RUNS, bytesFrom, bytesSource, drain, fixture, fuzzParser, reportInputs, testTimeout } from './fuzz-kit.ts';
import { END, concat, paxEntry, tarEntry } from './tar-fixtures.ts';
import { craftZip, inPieces } from './zip-craft.ts';

const corpus = (name: string) => fixture(`bundles/corpus/${name}`);
const text = (s: string) => new TextEncoder().encode(s);
const yaml = text('name: iris\nversion: abcdefghijklmnop\nmodule: sklearn\nlabels:\n  stage: prod\n');

/** Zips: what BentoML and Python write (committed), and crafted ones with ZIP64 records and a deflated entry. */
const ZIP_SEEDS = [
	corpus('valid-data-descriptor.zip'),
	corpus('valid-unicode.zip'),
	corpus('valid-deflate-folders.zip'),
	corpus('corrupt-deflate.zip'),
	corpus('bomb-2tib.zip'),
	corpus('encrypted.zip'),
	fixture('bentoml/typed_metrics-q2b5lnxrgkyztf3w.zip'),
	craftZip([{ name: 'model.yaml', data: yaml, zip64: true }, { name: 'w/', zip64: true }], { zip64End: true }),
	craftZip([{ name: 'model.yaml', data: yaml }, { name: 'weights.bin', data: deflateSmall(new Uint8Array(4000).fill(7))!, method: 8, uncompressedSize: 4000, crc32: 0 }], { comment: 'c' })
];

/** Tars: Python's (committed), and crafted PAX, global PAX, GNU long names and a base-256 size. */
const TAR_SEEDS = [
	corpus('valid-bentoml.tar'),
	corpus('truncated-header.tar'),
	concat(paxEntry({ path: 'models/iris/model.yaml', size: '5', mtime: '1.5' }), tarEntry({ name: 'x' }, 'hello'), END),
	concat(paxEntry({ comment: 'g' }, 'g'), tarEntry({ name: './', type: '5' }), tarEntry({ name: 'a.bin', magic: 'gnu' }, 'abc'), END),
	concat(tarEntry({ name: '././@LongLink', type: 'L', magic: 'gnu' }, 'deep/'.repeat(30) + 'w.bin\0'), tarEntry({ name: 'short', magic: 'gnu' }, 'data'), END),
	concat(tarEntry({ name: 'big', sizeField: Uint8Array.of(0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 3) }, 'abc'), tarEntry({ name: 'v7', magic: 'v7' }, 'old'), END)
];

/** Recomputes the checksum of every ustar header block, so that edits to header fields get past the checksum. */
function withTarChecksums(bytes: Uint8Array): Uint8Array {
	const out = bytes.slice();
	for (let at = 0; at + 512 <= out.length; at += 512) {
		const block = out.subarray(at, at + 512);
		if (String.fromCharCode(...block.subarray(257, 262)) !== 'ustar') continue;
		block.fill(0x20, 148, 156);
		const sum = block.reduce((total, byte) => total + byte, 0);
		block.set(text(`${sum.toString(8).padStart(6, '0')}\0 `), 148);
	}
	return out;
}

/** Tar bytes: mutated, with their header checksums fixed half of the time. */
const tarBytes = fc.tuple(bytesFrom(TAR_SEEDS), fc.boolean()).map(([bytes, fix]) => (fix ? withTarChecksums(bytes) : bytes));

/** Reads a whole zip as an import does: the directory, then every entry's bytes (inflated, size-checked). */
async function readWholeZip(bytes: Uint8Array): Promise<void> {
	const source = bytesSource(bytes);
	for (const entry of await readZipDirectory(source)) await drain(readZipEntry(source, entry, { chunkSize: 4096 }));
}

/** Reads a whole tar stream: every entry, every data chunk. */
async function readWholeTar(chunks: AsyncIterable<Uint8Array>): Promise<void> {
	for await (const entry of readTar(chunks)) if (entry.type === 'file') await drain(entry.data);
}

describe('fuzzed bundles never crash, hang or believe a length field', () => {
	it(
		'zip: central directory, local headers, ZIP64 records and inflate',
		async () => {
			await fuzzParser('zip', bytesFrom(ZIP_SEEDS), ['BAD_BUNDLE'], readWholeZip, FUZZ_RUNS * 2);
		},
		testTimeout(FUZZ_RUNS * 2)
	);

	it(
		'tar: ustar, PAX and GNU headers, fed in chunks of any size',
		async () => {
			const input = fc.tuple(tarBytes, fc.integer({ min: 1, max: 2048 }));
			await fuzzParser('tar', input, ['BAD_BUNDLE'], ([bytes, piece]) => readWholeTar(inPieces(bytes, piece)), FUZZ_RUNS * 2);
		},
		testTimeout(FUZZ_RUNS * 2)
	);

	it('detectArchive names any first 512 bytes or none', async () => {
		await fuzzParser('detectArchive', bytesFrom([...ZIP_SEEDS, ...TAR_SEEDS].map((seed) => seed.subarray(0, 512)), 600), [], (head) => detectArchive(head));
	});

	const STREAMS: [Exclude<ArchiveKind, 'zip' | 'tar'>, Uint8Array[]][] = [
		['tar.gz', [corpus('valid-bentoml.tar.gz').subarray(0, 8192), fixture('bentoml/batched_signatures-t6xw3vbeqn7ks2ai.tar.gz')]],
		['tar.xz', [fixture('bentoml/unicode_labels-m4ha7ql2xfzdcnb6.bentomodel'), corpus('truncated.bentomodel')]]
	];
	for (const [kind, seeds] of STREAMS) {
		it(
			`${kind}: the decompressed stream and the tar inside it`,
			async () => {
				const read = (bytes: Uint8Array) => readWholeTar(decompressedChunks(new Blob([Uint8Array.from(bytes)]), kind));
				// Mutated streams, and mutated tars compressed whole (the tar reader behind the decoder).
				const compressed = tarBytes.map((bytes) => (kind === 'tar.gz' ? new Uint8Array(gzipSync(bytes)) : xz(bytes)));
				await fuzzParser(kind, fc.oneof(bytesFrom(seeds), compressed), ['BAD_BUNDLE'], read);
			},
			testTimeout()
		);
	}
});

reportInputs('archives');
