import { describe, it, expect } from 'vitest';
import { ShelfError } from '../../src/lib/core/errors.ts';
import {
	LATEST,
	TAG_MAX_LENGTH,
	formatTag,
	isLatest,
	newVersion,
	normalizeTag,
	parseExactTag,
	parseTag,
	validateTagPart,
	versionFromUuid1,
	type Tag,
	type TagPart,
	type TagProblem
} from '../../src/lib/core/tags.ts';

/** Runs `fn` and returns the ShelfError it throws (fails the test when it does not throw one). */
function thrown(fn: () => unknown): ShelfError {
	try {
		fn();
	} catch (error) {
		expect(error).toBeInstanceOf(ShelfError);
		return error as ShelfError;
	}
	throw new Error('expected a ShelfError, nothing was thrown');
}

const a63 = 'a'.repeat(63);
const a64 = 'a'.repeat(64);

// Expected results were checked by running BentoML's own src/bentoml/_internal/tag.py (Tag.from_str) in CPython 3.11.
const VALID: [string, string, Tag][] = [
	['a bare name means the latest version (version null)', 'iris', { name: 'iris', version: null }],
	['"name:latest" keeps the word latest for the store to resolve', 'iris:latest', { name: 'iris', version: 'latest' }],
	['a name with a version splits at the colon', 'iris:v1', { name: 'iris', version: 'v1' }],
	['upper case in the name is lower-cased, not refused', 'Iris', { name: 'iris', version: null }],
	['upper case in name and version is lower-cased', 'IRIS:V1', { name: 'iris', version: 'v1' }],
	['underscores, dots and dashes are allowed inside', 'my_model.v-2:rc.1_x-y', { name: 'my_model.v-2', version: 'rc.1_x-y' }],
	['repeated punctuation inside is allowed', 'a..b:c__d--e', { name: 'a..b', version: 'c__d--e' }],
	['a single character is enough', 'a:1', { name: 'a', version: '1' }],
	['63 characters in both halves is the limit and passes', `${a63}:${'b'.repeat(63)}`, { name: a63, version: 'b'.repeat(63) }],
	['"latest" is a valid name too', 'latest', { name: 'latest', version: null }],
	['the Kelvin sign lower-cases to "k", as Python str.lower does', '\u212Aelvin:\u212A', { name: 'kelvin', version: 'k' }],
	['a generated version is a valid version', 'iris:yizkwaeucsz4rh3l', { name: 'iris', version: 'yizkwaeucsz4rh3l' }],
	// BentoML's own tests: tests/unit/_internal/test_store.py, bento/test_bento.py, bento/test_service_serialization.py, models/test_model.py
	['BentoML test_store: test:version1', 'test:version1', { name: 'test', version: 'version1' }],
	['BentoML test_store: test:otherprefix', 'test:otherprefix', { name: 'test', version: 'otherprefix' }],
	['BentoML test_store: test1:version1', 'test1:version1', { name: 'test1', version: 'version1' }],
	['BentoML test_bento: model_a:v1', 'model_a:v1', { name: 'model_a', version: 'v1' }],
	['BentoML test_service_serialization: test.simplebento:1.0', 'test.simplebento:1.0', { name: 'test.simplebento', version: '1.0' }],
	['BentoML test_model: tag', 'tag', { name: 'tag', version: null }],
	// BentoML's tests/unit/_internal/runner/test_runner.py (runner names go through validate_tag_str)
	['BentoML test_runner: UPPERCASE_name becomes uppercase_name', 'UPPERCASE_name', { name: 'uppercase_name', version: null }],
	['BentoML test_runner: test-name', 'test-name', { name: 'test-name', version: null }],
	['BentoML test_runner: test_name', 'test_name', { name: 'test_name', version: null }],
	['BentoML test_runner: test.name', 'test.name', { name: 'test.name', version: null }],
	['BentoML test_runner: a', 'a', { name: 'a', version: null }],
	['BentoML test_runner: 50 characters', 'a'.repeat(50), { name: 'a'.repeat(50), version: null }],
	['BentoML test_runner: 63 characters (boundary)', a63, { name: a63, version: null }],
	['BentoML test_runner: 9dummyrunnable', '9dummyrunnable', { name: '9dummyrunnable', version: null }],
	['BentoML test_runner: dummyrunnable9', 'dummyrunnable9', { name: 'dummyrunnable9', version: null }],
	['BentoML test_runner: 9dummyrunnable9', '9dummyrunnable9', { name: '9dummyrunnable9', version: null }]
];

const INVALID: [string, string, TagPart, TagProblem][] = [
	['an empty string has an empty name', '', 'name', 'empty'],
	['a tag starting with ":" has an empty name', ':v1', 'name', 'empty'],
	['"name:" has an empty version (BentoML: "contains trailing \':\'")', 'iris:', 'version', 'trailing-colon'],
	['a lone ":" is reported as a trailing colon, as BentoML checks that first', ':', 'version', 'trailing-colon'],
	['two colons put a ":" inside the version', 'a:b:c', 'version', 'invalid-characters'],
	['64 characters in the name is one too many', a64, 'name', 'too-long'],
	['64 characters in the version is one too many', `x:${'b'.repeat(64)}`, 'version', 'too-long'],
	['a leading dash', '-iris', 'name', 'invalid-edge'],
	['a trailing dash', 'iris-', 'name', 'invalid-edge'],
	['a leading dot', '.iris', 'name', 'invalid-edge'],
	['a trailing dot', 'iris.', 'name', 'invalid-edge'],
	['a lone dash', '-', 'name', 'invalid-edge'],
	['a version starting with a dash', 'iris:-v1', 'version', 'invalid-edge'],
	['a version ending with a dot', 'iris:v1.', 'version', 'invalid-edge'],
	['a space inside', 'my model', 'name', 'invalid-characters'],
	['a leading space (nothing is trimmed)', ' iris', 'name', 'invalid-characters'],
	['a space after the colon', 'iris: v1', 'version', 'invalid-characters'],
	['an accented letter', 'café', 'name', 'invalid-characters'],
	['a German sharp s', 'straße', 'name', 'invalid-characters'],
	['a capital I with dot, which lower-cases to i + U+0307', '\u0130ris', 'name', 'invalid-characters'],
	['an emoji', 'iris🌸', 'name', 'invalid-characters'],
	['a slash', 'team/iris', 'name', 'invalid-characters'],
	['an at sign in the version', 'iris:v1@2', 'version', 'invalid-characters'],
	['a trailing line feed (BentoML lets it through; we do not)', 'iris\n', 'name', 'invalid-characters'],
	// BentoML's tests/unit/_internal/runner/test_runner.py
	['BentoML test_runner: invalid name', 'invalid name', 'name', 'invalid-characters'],
	['BentoML test_runner: invalid弁当name', 'invalid弁当name', 'name', 'invalid-characters'],
	['BentoML test_runner: invalid!name', 'invalid!name', 'name', 'invalid-characters'],
	['BentoML test_runner: 100 characters', 'a'.repeat(100), 'name', 'too-long'],
	['BentoML test_runner: 64 characters (boundary)', a64, 'name', 'too-long'],
	['BentoML test_runner: _dummyrunnable', '_dummyrunnable', 'name', 'invalid-edge'],
	['BentoML test_runner: dummyrunnable_', 'dummyrunnable_', 'name', 'invalid-edge'],
	['BentoML test_runner: _dummyrunnable_', '_dummyrunnable_', 'name', 'invalid-edge']
];

describe('parseTag', () => {
	it.each(VALID)('accepts %s', (_, text, expected) => {
		expect(parseTag(text)).toEqual(expected);
	});

	it.each(INVALID)('refuses %s', (_, text, part, reason) => {
		const error = thrown(() => parseTag(text));
		expect(error.code).toBe('INVALID_TAG');
		expect(error.details).toEqual({ tag: text, part, reason });
	});

	it('gives a message that names the tag and carries a hint', () => {
		const error = thrown(() => parseTag('iris:'));
		expect(error.message).toContain('"iris:"');
		expect(error.message).toContain('Hint:');
	});

	it('counts the length limit after lower-casing, with 63 the largest allowed', () => {
		expect(TAG_MAX_LENGTH).toBe(63);
		expect(parseTag('A'.repeat(63)).name).toBe(a63);
		expect(thrown(() => parseTag('A'.repeat(64))).details).toMatchObject({ reason: 'too-long' });
	});
});

describe('name and name:latest', () => {
	it('treats both "iris" and "iris:latest" as asking for the latest version', () => {
		expect(isLatest(parseTag('iris'))).toBe(true);
		expect(isLatest(parseTag('iris:latest'))).toBe(true);
		expect(isLatest(parseTag('iris:LATEST'))).toBe(true);
		expect(LATEST).toBe('latest');
	});

	it('treats a concrete version as not latest', () => {
		expect(isLatest(parseTag('iris:v1'))).toBe(false);
		expect(isLatest(parseTag('iris:latest2'))).toBe(false);
	});

	it('keeps the two spellings apart when formatting', () => {
		expect(formatTag(parseTag('iris'))).toBe('iris');
		expect(formatTag(parseTag('iris:latest'))).toBe('iris:latest');
	});

	it('lets parseExactTag accept only a concrete version', () => {
		expect(parseExactTag('Iris:V1')).toEqual({ name: 'iris', version: 'v1' });
		for (const text of ['iris', 'iris:latest', 'iris:Latest']) {
			const error = thrown(() => parseExactTag(text));
			expect(error.code).toBe('INVALID_TAG');
			expect(error.details).toEqual({ tag: text, part: 'version', reason: 'version-required' });
		}
		expect(thrown(() => parseExactTag('iris:')).details).toMatchObject({ reason: 'trailing-colon' });
	});
});

describe('formatTag, normalizeTag and validateTagPart', () => {
	it.each(VALID)('round-trips %s', (_, text) => {
		const tag = parseTag(text);
		expect(parseTag(formatTag(tag))).toEqual(tag);
		expect(formatTag(tag)).toBe(text.toLowerCase());
	});

	it('lower-cases a tag object like BentoML\'s Tag(name, version) and leaves the argument alone', () => {
		const tag = { name: 'Iris', version: 'V1' };
		expect(normalizeTag(tag)).toEqual({ name: 'iris', version: 'v1' });
		expect(formatTag(tag)).toBe('iris:v1');
		expect(tag).toEqual({ name: 'Iris', version: 'V1' });
	});

	it('refuses to format an invalid tag object', () => {
		const error = thrown(() => formatTag({ name: 'my model', version: null }));
		expect(error.code).toBe('INVALID_TAG');
		expect(error.details).toEqual({ tag: 'my model', part: 'name', reason: 'invalid-characters' });
		expect(thrown(() => normalizeTag({ name: 'iris', version: '' })).details).toMatchObject({ part: 'version', reason: 'empty' });
		expect(thrown(() => formatTag({ name: 'iris', version: 'a:b' })).details).toMatchObject({ part: 'version' });
	});

	it('validates one part on its own and returns it lower-cased', () => {
		expect(validateTagPart('My_Model', 'name')).toBe('my_model');
		expect(validateTagPart('V1.0', 'version')).toBe('v1.0');
		expect(thrown(() => validateTagPart('v1_', 'version')).details).toEqual({ tag: 'v1_', part: 'version', reason: 'invalid-edge' });
		expect(thrown(() => validateTagPart('a:b', 'name')).details).toMatchObject({ reason: 'invalid-characters' });
	});
});

describe('versionFromUuid1 (BentoML Tag.make_new_version encoding)', () => {
	it('encodes the RFC 9562 appendix A.1 uuid1 as worked out by hand', () => {
		// C232AB00-9414-11EC-B3C8-9F6BDECED846 (2022-02-22T19:22:22Z, clock seq 0x33C8).
		// Keep bytes 0-5 and 8-11: c2 32 ab 00 94 14 | b3 c8 9f 6b. In 5-bit groups:
		// c2 32 ab 00 94 -> 11000 01000 11001 01010 10110 00000 00100 10100 = 24 8 25 10 22 0 4 20 = y i z k w a e u
		// 14 b3 c8 9f 6b -> 00010 10010 11001 11100 10001 00111 11011 01011 = 2 18 25 28 17 7 27 11 = c s z 4 r h 3 l
		expect(versionFromUuid1('C232AB00-9414-11EC-B3C8-9F6BDECED846')).toBe('yizkwaeucsz4rh3l');
	});

	it.each([
		// Same values from CPython: base64.b32encode(uuid.UUID(u).bytes[:6] + uuid.UUID(u).bytes[8:12]).lower()
		['00000000-0000-1000-8000-000000000000', 'aaaaaaaaacaaaaaa'],
		['ffffffff-ffff-1fff-bfff-ffffffffffff', '7777777776777777'],
		['1e2d3c4b-5a69-11ee-8a7b-0242ac120002', 'dywtys22ngfhwasc'],
		['1e2d3c4b5a6911ee8a7b0242ac120002', 'dywtys22ngfhwasc']
	])('gives what BentoML gives for %s', (uuid, expected) => {
		expect(versionFromUuid1(uuid)).toBe(expected);
	});

	it('drops time_hi and the last four node bytes, as BentoML does', () => {
		expect(versionFromUuid1('c232ab00-9414-0000-b3c8-9f6b00000000')).toBe('yizkwaeucsz4rh3l');
	});

	it('refuses text that is not a UUID', () => {
		expect(thrown(() => versionFromUuid1('not-a-uuid')).details).toMatchObject({ reason: 'invalid-uuid' });
		expect(thrown(() => versionFromUuid1('c232ab00-9414-11ec-b3c8-9f6bdeced84')).code).toBe('INVALID_TAG');
	});
});

describe('newVersion', () => {
	// 9 characters of time bits, then 3 time bits + the uuid1 variant bits "10", then 6 random characters.
	const VERSION = /^[a-z2-7]{9}[cgkosw26][a-z2-7]{6}$/;

	it('makes 16 lower-case base32 characters that are a valid version', () => {
		const version = newVersion();
		expect(version).toMatch(VERSION);
		expect(validateTagPart(version, 'version')).toBe(version);
		expect(parseExactTag(`iris:${version}`).version).toBe(version);
	});

	it('stamps the time exactly as uuid1 does (RFC 9562 A.1 timestamp)', () => {
		// Only the clock sequence and node differ from the RFC's uuid, so the first 10 characters match.
		const version = newVersion(new Date('2022-02-22T19:22:22Z'));
		expect(version.slice(0, 10)).toBe('yizkwaeucs');
		expect(version).toMatch(VERSION);
	});

	it('stamps 2024-01-01T00:00:00Z like CPython uuid1 with that timestamp', () => {
		// timestamp 0x1eea838b4cc8000 -> BentoML version 'wtgiaafihc' + clock seq and node bits
		expect(newVersion(new Date('2024-01-01T00:00:00Z')).slice(0, 10)).toBe('wtgiaafihc');
	});

	it('makes 100,000 unique versions in a tight loop', () => {
		const versions = new Set<string>();
		for (let i = 0; i < 100_000; i++) versions.add(newVersion());
		expect(versions.size).toBe(100_000);
		for (const version of [...versions].slice(0, 1000)) expect(version).toMatch(VERSION);
	});

	it('makes 100,000 unique versions for one fixed millisecond (more than its 10,000 ticks)', () => {
		const date = new Date('2023-06-01T12:00:00.123Z');
		const versions = new Set<string>();
		for (let i = 0; i < 100_000; i++) versions.add(newVersion(date));
		expect(versions.size).toBe(100_000);
	});

	it('stays unique when the clock goes backwards', () => {
		const early = new Date('2021-03-04T05:06:07.008Z');
		const late = new Date('2021-03-04T05:06:07.009Z');
		const versions = [early, late, early, late, early].map((date) => newVersion(date));
		expect(new Set(versions).size).toBe(versions.length);
	});

	it('is NOT sortable by time: a version made one second later can sort first', () => {
		// time_low (which wraps every 429.5 s) comes first, and base32's "2" sorts before "x".
		const first = newVersion(new Date('2025-01-01T00:00:10Z'));
		const second = newVersion(new Date('2025-01-01T00:00:11Z'));
		expect(first.slice(0, 5)).toBe('lxzoc');
		expect(second.slice(0, 5)).toBe('l2fxp');
		expect(second < first).toBe(true);
	});

	it('is NOT sortable by time over hours either', () => {
		const start = Date.UTC(2025, 0, 1);
		const chronological = Array.from({ length: 48 }, (_, hour) => newVersion(new Date(start + hour * 3_600_000)));
		expect([...chronological].sort()).not.toEqual(chronological);
	});

	it('refuses an invalid date or one uuid1 cannot hold', () => {
		for (const date of [new Date(Number.NaN), new Date('1582-10-14T23:59:59Z'), new Date('6000-01-01T00:00:00Z')]) {
			const error = thrown(() => newVersion(date));
			expect(error.code).toBe('INVALID_TAG');
			expect(error.details).toMatchObject({ part: 'version', reason: 'invalid-date' });
		}
		expect(newVersion(new Date('1582-10-15T00:00:00Z'))).toMatch(/^aaaaaaaaac/);
	});
});
