import { PYTHON } from '../tools.ts';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ShelfError } from '../../src/lib/core/errors.ts';
import { parseModelYaml } from '../../src/lib/core/manifest.ts';
import { sha256Hex } from '../fixtures/bundles/corpus-kit.ts';
import { makeCorpus, type CorpusBundle } from '../fixtures/bundles/make-bundles.ts';
import { zipChecks, tarChecks, type Facts } from './bundle-corpus-checks.ts';

const corpusDir = fileURLToPath(new URL('../fixtures/bundles/corpus/', import.meta.url));
const inspector = fileURLToPath(new URL('../fixtures/bundles/inspect-bundles.py', import.meta.url));
const updating = process.env.UPDATE_CORPUS === '1';
const corpus = makeCorpus();
const valid = corpus.filter((bundle) => 'ok' in bundle.expect);
const hostile = corpus.filter((bundle) => !('ok' in bundle.expect));
const ALL_REASONS = ['not-an-archive', 'truncated', 'corrupt', 'encrypted', 'unsupported-method', 'duplicate-entry', 'unsafe-path', 'link-entry', 'too-many-entries', 'too-large', 'size-mismatch', 'overlapping-entries', 'crc-mismatch', 'missing-manifest', 'invalid-manifest'];

describe('the bundle corpus', () => {
	// UPDATE_CORPUS=1 writes the generator's output first; the test below then checks what was written.
	beforeAll(() => {
		if (!updating) return;
		rmSync(corpusDir, { recursive: true, force: true });
		mkdirSync(corpusDir, { recursive: true });
		for (const bundle of corpus) writeFileSync(join(corpusDir, bundle.file), bundle.bytes);
		writeFileSync(join(corpusDir, 'expected.json'), _expectedJson(corpus));
	}, 60_000);

	it('is the same bytes every time it is built', () => {
		expect(makeCorpus().map(_fingerprint)).toEqual(corpus.map(_fingerprint));
	}, 60_000);

	it('matches the committed corpus byte for byte (regenerate with UPDATE_CORPUS=1)', () => {
		expect(existsSync(corpusDir), 'corpus/ is missing: run UPDATE_CORPUS=1 npx vitest run tests/unit/bundle-corpus.test.ts').toBe(true);
		expect(readdirSync(corpusDir).sort()).toEqual([...corpus.map((bundle) => bundle.file), 'expected.json'].sort());
		for (const bundle of corpus) expect(sha256Hex(readFileSync(join(corpusDir, bundle.file))), bundle.file).toBe(sha256Hex(bundle.bytes));
		expect(readFileSync(join(corpusDir, 'expected.json'), 'utf8')).toBe(_expectedJson(corpus));
	}, 60_000);

	it('has a row in tests/fixtures/bundles/README.md for every file', () => {
		const readme = readFileSync(fileURLToPath(new URL('../fixtures/bundles/README.md', import.meta.url)), 'utf8');
		const rows = new Set([...readme.matchAll(/^\| `([^`]+)` \|/gm)].map((match) => match[1]));
		expect(corpus.map((bundle) => bundle.file).filter((file) => !rows.has(file))).toEqual([]);
	});

	it('stays under 20 MiB and names every refusal reason at least once', () => {
		expect(corpus.reduce((sum, bundle) => sum + bundle.bytes.length, 0)).toBeLessThan(20 * 1024 ** 2);
		const reasons = new Set(hostile.flatMap((bundle) => ('reason' in bundle.expect ? [bundle.expect.reason] : [])));
		expect([...reasons].sort()).toEqual([...ALL_REASONS].sort());
		expect(hostile.some((bundle) => 'code' in bundle.expect && bundle.expect.code === 'INTEGRITY')).toBe(true);
	});
});

describe("Python's readers (zipfile, tarfile, gzip, lzma, PyYAML) on the corpus", () => {
	let facts: Record<string, Facts> = {};
	let scratch = '';

	beforeAll(() => {
		scratch = mkdtempSync(join(tmpdir(), 'bundle-corpus-'));
		for (const bundle of corpus) writeFileSync(join(scratch, bundle.file), bundle.bytes);
		const output = execFileSync(PYTHON, [inspector, scratch, ...corpus.map((bundle) => bundle.file)], { encoding: 'utf8', maxBuffer: 256 * 1024 ** 2 });
		facts = JSON.parse(output) as Record<string, Facts>;
	}, 120_000);

	afterAll(() => {
		if (scratch) rmSync(scratch, { recursive: true, force: true });
	});

	it.each(valid.map((bundle) => [bundle.file, bundle] as const))('reads %s with exactly the expected files and digests', (file, bundle) => {
		if (!('ok' in bundle.expect)) throw new Error('not a valid bundle');
		const seen = facts[file]!;
		const digest = _filesDigest(bundle.expect.files);
		if (file.endsWith('.zip')) {
			expect(seen.zip?.error).toBeNull();
			expect(seen.zip?.readErrors).toBe(0);
			expect(seen.zip?.testzip?.firstBad ?? null).toBeNull();
			expect(seen.zip?.digest).toBe(digest);
			expect(`${seen.zip?.manifest?.name}:${seen.zip?.manifest?.version}`).toBe(bundle.expect.tag);
		} else {
			expect(seen.stream?.error ?? null).toBeNull();
			expect(seen.tar?.error).toBeNull();
			expect(seen.tar?.digest).toBe(digest);
			expect(seen.tar?.members?.[0]).toMatchObject({ name: '.', type: '5' });
			expect(`${seen.tar?.manifest?.name}:${seen.tar?.manifest?.version}`).toBe(bundle.expect.tag);
		}
	});

	it.each(corpus.map((bundle) => [bundle.file, bundle] as const))('%s: Python sees what was crafted', (file, bundle) => {
		const check = zipChecks[file] ?? tarChecks[file];
		expect(check, `no cross-check written for ${file}`).toBeDefined();
		check!(facts[file]!, bundle);
	});

	it('finds a manifest the shelf accepts in every bundle but the manifest-* ones', () => {
		for (const bundle of corpus) {
			const manifest = facts[bundle.file]?.zip?.manifest ?? facts[bundle.file]?.tar?.manifest;
			if (bundle.file.startsWith('manifest-')) {
				expect(_manifestRefusal(manifest?.text ?? ''), bundle.file).toBe('INVALID_MANIFEST');
			} else if (manifest?.text !== undefined) {
				const info = parseModelYaml(manifest.text);
				const tag = `${info.name}:${info.version}`;
				if ('ok' in bundle.expect) expect(tag, bundle.file).toBe(bundle.expect.tag);
				else expect(tag, bundle.file).toMatch(/^hostile-[a-z0-9-]+:v1$/);
			}
		}
	}, 60_000);
});

// ---------------------------------------------------------------------------

function _fingerprint(bundle: CorpusBundle) {
	return { file: bundle.file, size: bundle.bytes.length, sha256: sha256Hex(bundle.bytes), expect: bundle.expect };
}

function _expectedJson(bundles: CorpusBundle[]): string {
	const entries = bundles.map((bundle) => [bundle.file, { expect: bundle.expect, note: bundle.note, size: bundle.bytes.length, sha256: sha256Hex(bundle.bytes) }]);
	return `${JSON.stringify(Object.fromEntries(entries), null, '\t')}\n`;
}

/** The inspector's digest of many files: SHA-256 over "path<TAB>size<TAB>sha256" lines. */
function _filesDigest(files: Array<{ path: string; size: number; sha256: string }>): string {
	return createHash('sha256')
		.update(files.map((f) => `${f.path}\t${f.size}\t${f.sha256}\n`).join(''))
		.digest('hex');
}

function _manifestRefusal(text: string): string {
	try {
		parseModelYaml(text);
	} catch (error) {
		return error instanceof ShelfError ? error.code : String(error);
	}
	return 'accepted';
}
