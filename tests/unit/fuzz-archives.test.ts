// Fuzzing the bundle readers (issue 22, item 6): zip (central directory, local headers, ZIP64, inflate), tar
// (ustar, PAX, GNU), the gzip/xz streams in front of it, and a pull's tar+zstd/tar+gzip layers. Each input is read to the end, every entry's data
// included, the way an import reads it. See fuzz-kit.ts for the property.
import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { describe, it } from 'vitest';
import fc from 'fast-check';
import { readTar } from '../../src/lib/core/bundle/tar-reader.ts';
import { readZipDirectory } from '../../src/lib/core/bundle/zip-directory.ts';
import { readZipEntry } from '../../src/lib/core/bundle/zip-reader.ts';
import { deflateSmall } from '../../src/lib/core/bundle/zip-writer.ts';
import type { LayerPacking } from '../../src/lib/core/oci/modelpack-types.ts';
import { unpackTarLayer } from '../../src/lib/worker/remote/pull-tar.ts';
import type { VersionDraft } from '../../src/lib/worker/store/model-store.ts';
import { decompressedChunks, detectArchive, type ArchiveKind } from '../../src/lib/worker/bundle/decompress.ts';
import { xz } from '../fixtures/bundles/codecs.ts';
import { FUZZ_RUNS, bytesFrom, bytesSource, drain, fixture, fuzzParser, pieces, reportInputs, testTimeout } from './fuzz-kit.ts';
import { END, concat, paxEntry, tarEntry } from './tar-fixtures.ts';
import { craftZip } from './zip-craft.ts';

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

/** Lying values for a size or offset field: small, off by one, sentinels, huge. */
const sizeField = fc.oneof(fc.nat({ max: 5000 }), fc.constantFrom(0, 1, 0xffff, 0xfffffffe, 0xffffffff, 2 ** 32, 2 ** 40, Number.MAX_SAFE_INTEGER));

/** Structure-aware zips: craftZip with every header field free to lie (sizes, CRC, method, flags, ZIP64, shared headers, counts). */
const craftedZips = fc
	.tuple(
		fc.array(
			fc.record(
				{
					name: fc.oneof(fc.constantFrom('model.yaml', 'w/a.bin', 'w/', '../x', 'A.BIN', 'a.bin'), fc.string({ maxLength: 12 })),
					data: fc.uint8Array({ maxLength: 300 }),
					method: fc.constantFrom(0, 0, 8, 8, 8, 12, 99),
					flags: fc.constantFrom(0x800, 0x800, 0x800, 0, 0x808, 0x801, 0x2000),
					crc32: fc.nat({ max: 0xffffffff }),
					compressedSize: sizeField,
					uncompressedSize: sizeField,
					zip64: fc.boolean(),
					localHeaderOf: fc.nat({ max: 3 }),
					externalAttributes: fc.constantFrom((0o100644 << 16) >>> 0, (0o100644 << 16) >>> 0, (0o120777 << 16) >>> 0, (0o040755 << 16) >>> 0)
				},
				{ requiredKeys: ['name'] }
			),
			{ minLength: 1, maxLength: 5 }
		),
		fc.record({ declaredEntries: fc.nat({ max: 0xffff }), zip64End: fc.boolean(), comment: fc.string({ maxLength: 8 }) }, { requiredKeys: [] })
	)
	.map(([entries, options]) => {
		// A shared local header must point at an earlier entry's; an entry that deflates gets real deflate bytes half the time.
		const fixed = entries.map((entry, i) => ({
			...entry,
			localHeaderOf: entry.localHeaderOf !== undefined && entry.localHeaderOf < i ? entry.localHeaderOf : undefined,
			data: entry.method === 8 && entry.data && entry.data.length % 2 === 0 ? deflateSmall(entry.data) ?? entry.data : entry.data
		}));
		return craftZip(fixed, options);
	});

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
			await fuzzParser('zip-crafted', craftedZips, ['BAD_BUNDLE'], readWholeZip, FUZZ_RUNS * 2);
		},
		testTimeout(FUZZ_RUNS * 4)
	);

	it(
		'tar: ustar, PAX and GNU headers, fed in chunks of any size',
		async () => {
			const input = fc.tuple(tarBytes, fc.integer({ min: 1, max: 2048 }));
			await fuzzParser('tar', input, ['BAD_BUNDLE'], ([bytes, piece]) => readWholeTar(pieces(bytes, piece)), FUZZ_RUNS * 2);
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

	it(
		'tar+zstd and tar+gzip layers, as a pull unpacks them',
		async () => {
			const layers: [LayerPacking, Uint8Array][] = [
				['tar+zstd', fixture('oci-layouts/kitops/blobs/sha256/ce4ec538fa3424c0896fbd8974e50bdc4b674e2865ee572945b62b0aeccfad8b')],
				['tar+gzip', fixture('oci-layouts/kitops/blobs/sha256/e297d61d2253f33ccfe38cff34a7b4c63616f64dcdca96957b9cf709e4583a18')]
			];
			// A zstd frame header declares the window the decoder allocates (byte 5 of this frame): mutated on its own too.
			const window = fc.nat({ max: 255 }).map((value) => Uint8Array.from(layers[0]![1], (byte, at) => (at === 5 ? value : byte)));
			for (const [packing, seed] of layers) {
				const inputs = packing === 'tar+zstd' ? fc.oneof({ arbitrary: bytesFrom([seed]), weight: 4 }, { arbitrary: window, weight: 1 }) : bytesFrom([seed]);
				await fuzzParser(packing, inputs, ['BAD_BUNDLE', 'INVALID_PATH'], (bytes) => unpackLayer(bytes, packing));
			}
		},
		testTimeout(FUZZ_RUNS * 2)
	);
});

/** Unpacks `bytes` as layer 0 of a pull (its digest made to match, so only the unpacking can refuse it), draining each file. */
async function unpackLayer(bytes: Uint8Array, packing: LayerPacking): Promise<void> {
	const digest = `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
	const layer = { index: 0, descriptor: { mediaType: `application/vnd.kitops.modelkit.docs.v1.${packing}`, digest, size: bytes.length }, packing, path: '' };
	// The draft's side (storing files) is not under test: this one reads every byte the tar reader yields.
	const draft = { addFile: async ({ data }: { data: AsyncIterable<Uint8Array> }) => void (await drain(data)) } as unknown as VersionDraft;
	await unpackTarLayer(draft, layer, pieces(bytes, 64), new Map(), undefined, () => {});
}

reportInputs('archives');
