// Issue 25: the sample models' index as the worker reads it, the label that marks a sample, and Help's selector
// examples against the samples' labels (each must match some samples and not all, or it would show little).
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { isShelfError } from '../../src/lib/core/errors.ts';
import { isSample, parseSamplesIndex, SAMPLE_SELECTOR } from '../../src/lib/core/samples.ts';
import { matchesSelector } from '../../src/lib/core/selector-match.ts';
import { parseSelector } from '../../src/lib/core/selector.ts';
import { SELECTOR_EXAMPLES } from '../../src/routes/help/selector-examples.ts';

const read = (file: string) => JSON.parse(readFileSync(new URL(`../../static/samples/${file}`, import.meta.url), 'utf8')) as Record<string, unknown>;
const index = read('index.json');
const expected = read('expected.json') as { versions: Array<{ tag: string; labels: Record<string, string> }> };

/** The INVALID_MANIFEST field a broken index is refused with. */
function refusal(json: unknown): string | undefined {
	try {
		parseSamplesIndex(json);
	} catch (error) {
		if (isShelfError(error, 'INVALID_MANIFEST')) return error.details?.field;
		throw error;
	}
	return undefined;
}

describe('the samples index', () => {
	it('lists every bundle the generator wrote, with its size, and the alias to set', () => {
		const parsed = parseSamplesIndex(index);
		expect(parsed.bundles.map((bundle) => bundle.tag)).toEqual(expected.versions.map((version) => version.tag));
		expect(parsed.bytes).toBe(index.bytes);
		for (const bundle of parsed.bundles) expect(readFileSync(new URL(`../../static/samples/${bundle.file}`, import.meta.url)).length, bundle.file).toBe(bundle.size);
		expect(parsed.aliases).toEqual([{ name: 'iris_classifier', alias: 'production', version: expect.stringMatching(/^[a-z2-7]{16}$/) }]);
	});

	it('is refused field by field when it is not what the generator writes', () => {
		const bundle = (index.bundles as Array<Record<string, unknown>>)[0]!;
		const withBundle = (change: Record<string, unknown>) => ({ ...index, bundles: [{ ...bundle, ...change }] });
		expect(refusal([])).toBe('(document)');
		expect(refusal({ ...index, bundles: {} })).toBe('bundles');
		expect(refusal(withBundle({ file: '../secret.zip' }))).toBe('bundles.0.file');
		expect(refusal(withBundle({ sha256: 'abc' }))).toBe('bundles.0.sha256');
		expect(refusal(withBundle({ size: -1 }))).toBe('bundles.0.size');
		expect(refusal({ ...index, aliases: [{ name: 'iris_classifier', version: 'x' }] })).toBe('aliases.0.alias');
		expect(() => parseSamplesIndex(withBundle({ tag: 'iris_classifier' }))).toThrow(expect.objectContaining({ code: 'INVALID_TAG' }));
	});
});

describe('sample versions', () => {
	it('all carry the sample label, which the selector of "Remove sample models" matches', () => {
		const selector = parseSelector(SAMPLE_SELECTOR);
		for (const version of expected.versions) {
			expect(isSample(version.labels), version.tag).toBe(true);
			expect(matchesSelector(selector, version.labels), version.tag).toBe(true);
		}
		expect(isSample({ sample: 'yes' })).toBe(false);
	});

	it("give each of Help's selector examples some matches, never all", () => {
		for (const example of SELECTOR_EXAMPLES) {
			const selector = parseSelector(example.text);
			const matched = expected.versions.filter((version) => matchesSelector(selector, version.labels));
			expect(matched.length, example.text).toBeGreaterThan(0);
			expect(matched.length, example.text).toBeLessThan(expected.versions.length);
		}
	});
});
