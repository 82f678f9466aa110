// Issue 22, item 6: each defect the parser fuzzing (and reading the parsers it drives) found, as a named, deterministic test (the fuzz files
// find new ones; these keep the old ones fixed). The assertion is the fuzzing property (fuzz-kit.ts
// `checkInput`: an answer or a ShelfError of the documented codes, within HANG_MS), plus what the fix
// must preserve, checked against the code it replaced.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { parseDocument } from 'yaml';
import { newModelInfo, parseModelYaml, serializeModelYaml } from '../../src/lib/core/manifest.ts';
import { ShelfError } from '../../src/lib/core/errors.ts';
import { fromBase64, readPem, writePem, type PemBlock } from '../../src/lib/core/signing/pem.ts';
import { readPickle } from '../../src/lib/core/inspect/pickle-vm.ts';
import { scanPickle } from '../../src/lib/core/inspect/pickle-scan.ts';
import { badBundle } from '../../src/lib/core/bundle/bundle-errors.ts';
import { concatBytes } from '../../src/lib/core/byte-streams.ts';
import { MAX_ZSTD_WINDOW, zstdChunks } from '../../src/lib/worker/bundle/decompress.ts';
import { FUZZ_SEED, checkInput, drain, fixtureText, fuzzParser, textFrom } from './fuzz-kit.ts';
import { inPieces } from './zip-craft.ts';

/** The PEM reader before issue 22: one regex with a back-reference, rescanning the text from every BEGIN. */
function regexReadPem(text: string): { label: string; der: number[] }[] {
	const blocks: { label: string; der: number[] }[] = [];
	for (const match of text.matchAll(/-----BEGIN ([A-Z0-9 ]+)-----([\s\S]*?)-----END \1-----/g)) {
		const der = fromBase64(match[2]!);
		if (der && der.length > 0) blocks.push({ label: match[1]!, der: [...der] });
	}
	return blocks;
}
const plain = (blocks: PemBlock[]) => blocks.map((block) => ({ label: block.label, der: [...block.der] }));

describe('issue 22: PEM text with many BEGIN lines', () => {
	it('1 MiB of BEGIN lines without an END is read in linear time (the regex took minutes)', async () => {
		await checkInput('-----BEGIN P-----'.repeat(60_000), [], readPem);
		await checkInput(Array.from({ length: 40_000 }, (_, i) => `-----BEGIN K${i}-----`).join('\n'), [], readPem);
	}, 60_000);

	it('still reads the blocks the regex read: labels, bodies, nesting, unmatched BEGIN and END lines', () => {
		const key = writePem('PUBLIC KEY', Uint8Array.of(1, 2, 3, 4, 5));
		const seeds = [key, `-----BEGIN A-----\n${key}-----END A-----\n${key}`, `x-----END PUBLIC KEY-----${key}-----BEGIN PUBLIC KEY-----`, writePem('EC PRIVATE KEY', Uint8Array.of(9)) + key];
		fc.assert(
			fc.property(textFrom(seeds, fc.constantFrom('-----BEGIN PUBLIC KEY-----', '-----END PUBLIC KEY-----', '-----END A-----', 'AAAA', '\n', '=')), (text) => {
				expect(plain(readPem(text))).toEqual(regexReadPem(text));
			}),
			{ numRuns: 500, seed: FUZZ_SEED }
		);
	}, 60_000);
});

describe('issue 22: model.yaml mappings with many keys', () => {
	const manyKeys = (count: number) => serializeModelYaml(newModelInfo({ name: 'iris', version: 'v1' })).replace('metadata: {}\n', `metadata:\n${Array.from({ length: count }, (_, i) => `  k${i}: ${i}\n`).join('')}`);

	it('60,000 metadata keys load in linear time (the yaml package compared every key with every earlier one)', async () => {
		let keys = 0;
		// ~1.3 s of CPU alone and 2.1 s on a loaded machine (the default bound once failed there); comparing every key
		// with every earlier one, 1.8 billion comparisons, takes minutes.
		await checkInput(manyKeys(60_000), ['INVALID_MANIFEST'], (text) => (keys = Object.keys(parseModelYaml(text).metadata).length), 10_000);
		expect(keys).toBe(60_000);
	}, 60_000);

	it('a key given twice is refused where the yaml package found it: the same field, line and column', () => {
		const seeds = [fixtureText('manifests/text_classifier.model.yaml'), 'name: a\nversion: b\nlabels: {x: 1, y: 2}\nmetadata:\n  runs:\n    - {a: 1, b: 2}\n    - c: 3\n      d: 4\n'];
		const lines = seeds.flatMap((seed) => seed.split('\n').filter((line) => line.includes(':')));
		let compared = 0;
		fc.assert(
			fc.property(fc.nat({ max: seeds.length - 1 }), fc.nat(), fc.nat({ max: lines.length - 1 }), (seed, at, line) => {
				// A line of a seed inserted at the start of another line: often a duplicate key, at some depth.
				const text = seeds[seed]!;
				const starts = [0, ...[...text.matchAll(/\n/g)].map((match) => match.index + 1)];
				const cut = starts[at % starts.length]!;
				const mutated = `${text.slice(0, cut)}${lines[line]}\n${text.slice(cut)}`;
				// Only documents whose sole problems are duplicates: in a broken one, which problem is named first may differ.
				const errors = parseDocument(mutated, { version: '1.1', uniqueKeys: true }).errors;
				const stock = errors[0];
				if (stock === undefined || errors.some((error) => error.code !== 'DUPLICATE_KEY')) return;
				compared++;
				const error = (() => {
					try {
						parseModelYaml(mutated);
					} catch (caught) {
						return caught;
					}
				})();
				expect(error).toBeInstanceOf(ShelfError);
				const { reason, field, line: row = 0, column = 0 } = (error as ShelfError<'INVALID_MANIFEST'>).details!;
				expect(reason).toBe('duplicate-key');
				// The key named is at the line and column given: where the yaml package pointed, or (for a key after an
				// empty value, where it pointed at the end of the line before) the key itself.
				expect(mutated.split('\n')[row - 1]!.slice(column - 1).startsWith(`${field.split('.').at(-1)}:`)).toBe(true);
				const [stockAt] = stock.linePos!;
				expect(row === stockAt.line ? column === stockAt.col : row === stockAt.line + 1).toBe(true);
			}),
			{ numRuns: 400, seed: FUZZ_SEED }
		);
		expect(compared).toBeGreaterThan(30);
	}, 60_000);
});

describe('issue 22: zstd frames that declare a huge window', () => {
	/** A frame header: magic, descriptor (no single segment, no checksum), window descriptor, then one empty last raw block. */
	const frame = (window: number) => Uint8Array.of(0x28, 0xb5, 0x2f, 0xfd, 0x00, window, 0x01, 0x00, 0x00);
	const read = (bytes: Uint8Array) => drain(zstdChunks(inPieces(bytes, 5), 'Layer 0'));

	it('a 1.9 GB window is refused before it is allocated (fzstd allocated it from 29 bytes)', async () => {
		const before = process.memoryUsage().arrayBuffers;
		await checkInput(concatBytes([frame(0xa7), new Uint8Array(20)]), ['BAD_BUNDLE'], read);
		expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(64 * 1024 * 1024);
		await expect(read(frame(0xa7))).rejects.toMatchObject({ code: 'BAD_BUNDLE', details: { reason: 'too-large', size: 2013265920, limit: MAX_ZSTD_WINDOW } });
	});

	it('a huge window in a later frame, after a skippable one, is refused too; 128 MiB windows are read', async () => {
		const skippable = Uint8Array.of(0x50, 0x2a, 0x4d, 0x18, 3, 0, 0, 0, 7, 7, 7);
		await expect(read(concatBytes([frame(0x00), skippable, frame(0x98)]))).rejects.toMatchObject({ details: { reason: 'too-large', limit: MAX_ZSTD_WINDOW } });
		// 2^27 bytes (exponent 17), libzstd's default limit, is accepted (and allocated by fzstd: the frames are empty).
		expect(await read(concatBytes([frame(0x88), frame(0x00)]))).toBe(0);
	});
});

describe('the fuzzing property itself fails on what it is meant to catch', () => {
	it('another exception type, an undocumented code, a CPU-bound loop, a promise that never settles', async () => {
		await expect(checkInput(1, ['BAD_BUNDLE'], () => JSON.parse('{'))).rejects.toThrow(/threw SyntaxError/);
		await expect(checkInput(1, ['BAD_BUNDLE'], () => Promise.reject(new ShelfError('INTERNAL', 'x')))).rejects.toThrow(/ShelfError INTERNAL/);
		const spin = () => {
			const start = process.cpuUsage();
			while (process.cpuUsage(start).user < 300_000);
		};
		await expect(checkInput(1, [], spin, 100)).rejects.toThrow(/of CPU/);
		await expect(checkInput(1, [], () => new Promise(() => {}), 20)).rejects.toThrow(/stalled/);
		expect(await checkInput(1, ['BAD_BUNDLE'], () => Promise.reject(badBundle('corrupt', 'x')))).toBe('BAD_BUNDLE/corrupt');
	}, 60_000);

	it('a parser that keeps a buffer a length field asked for', async () => {
		const kept: Uint8Array[] = [];
		await expect(fuzzParser('allocator', fc.constant(300 * 1024 * 1024), [], (size) => void kept.push(new Uint8Array(size)), 1)).rejects.toThrow(/ArrayBuffers held while reading/);
		kept.length = 0;
	});
});

describe('issue 22: a protocol-0 pickle with a \\U escape past U+10FFFF', () => {
	const unicode = (escape: string) => new TextEncoder().encode(`V${escape}\n.`);

	it('is refused as a damaged argument (String.fromCodePoint threw a RangeError), as Python refuses it', async () => {
		await checkInput(unicode('\\U10020000'), ['BAD_MODEL_FILE'], readPickle);
		expect(() => readPickle(unicode('\\U00110000'))).toThrow(expect.objectContaining({ code: 'BAD_MODEL_FILE', details: expect.objectContaining({ reason: 'bad-value', offset: 0 }) }));
		expect(scanPickle(unicode('\\U00110000'))).toMatchObject({ verdict: 'unreadable', error: { reason: 'bad-value' } });
	});

	it('still reads the escapes Python reads, up to U+10FFFF', () => {
		expect(readPickle(unicode('a\\u00e9\\U0001F600\\U0010FFFF')).value).toBe('aé😀\u{10FFFF}');
	});
});
