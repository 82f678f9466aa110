// Issue 14: dumpPyYaml writes what PyYAML 6's `yaml.safe_dump(data, sort_keys=False)` writes (BentoML's call),
// checked against PyYAML itself (Debian's python3-yaml, through pyyaml-oracle.py) on seeded random documents,
// and what it writes loads back under an ASCII locale with the exact Python types it was given.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { isShelfError } from '../../src/lib/core/errors.ts';
import { parsePyJson } from '../../src/lib/core/py-json.ts';
import { dumpPyYaml, isPyFloat, pyFloat, pyFloatText, type PyValue } from '../../src/lib/core/pyyaml-dump.ts';
import { runOracle, toPyJson } from './py-oracle.ts';
import { pyDocuments } from './py-values.ts';

const scratch = mkdtempSync(join(tmpdir(), 'pyyaml-dump-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('dumpPyYaml writes byte for byte what PyYAML writes', () => {
	// Each expected text is what PyYAML 6.0 wrote for the same Python data.
	const CASES: [string, { [key: string]: PyValue }, string][] = [
		['whole floats keep .0', { C: pyFloat(1), a: pyFloat(0), b: pyFloat(-2), z: -0, l: [pyFloat(1), 2] }, 'C: 1.0\na: 0.0\nb: -2.0\nz: -0.0\nl:\n- 1.0\n- 2\n'],
		['floats as Python repr', { a: 1e16, b: 1e-5, c: 1e-4, d: 1.5e-7, e: 1e20, f: Infinity, g: Number.NaN, h: 9007199254740993 }, 'a: 1.0e+16\nb: 1.0e-05\nc: 0.0001\nd: 1.5e-07\ne: 1.0e+20\nf: .inf\ng: .nan\nh: 9007199254740992.0\n'],
		['big ints', { a: 2n ** 63n, b: -(10n ** 30n), c: 12 }, 'a: 9223372036854775808\nb: -1000000000000000000000000000000\nc: 12\n'],
		['non-ASCII escaped', { city: 'Zürich', e: '😀', t: '東京' }, 'city: "Z\\xFCrich"\ne: "\\U0001F600"\nt: "\\u6771\\u4EAC"\n'],
		['strings that would read as something else are quoted', { a: 'yes', b: '1.0', c: '0x1f', d: '', e: '2024-06-01', f: '~', g: '1e5' }, "a: 'yes'\nb: '1.0'\nc: '0x1f'\nd: ''\ne: '2024-06-01'\nf: '~'\ng: 1e5\n"],
		['line breaks', { a: 'a\nb', m: 'a\n b', n: 'a \nb', q: 'x\n' }, 'a: \'a\n\n  b\'\nm: "a\\n b"\nn: "a \\nb"\nq: \'x\n\n  \'\n'],
		['keys: empty, 122 and 123 characters', { '': 1, ['k'.repeat(122)]: 2, ['k'.repeat(123)]: [] }, `? ''\n: 1\n${'k'.repeat(122)}: 2\n? ${'k'.repeat(123)}\n: []\n`],
		['bytes', { b: new Uint8Array([0, 1]), e: new Uint8Array(0) }, 'b: !!binary |\n  AAE=\ne: !!binary ""\n'],
		['a long plain line folds at a space past column 80', { k: ('word '.repeat(30)).trim() }, `k: ${'word '.repeat(16).trim()}\n  ${'word '.repeat(14).trim()}\n`],
		['nesting', { k: [[1, [2]], { a: [{ b: 1 }] }] }, 'k:\n- - 1\n  - - 2\n- a:\n  - b: 1\n']
	];

	it.each(CASES)('%s', (_, data, text) => {
		expect(dumpPyYaml(data)).toBe(text);
	});

	it('the expected texts above are what PyYAML writes', () => {
		expect(runOracle({ dump: CASES.map(([, data]) => data) }).dump).toEqual(CASES.map(([, , text]) => text));
	});

	it('3,000 seeded random documents (quoting, escapes, folding, keys, numbers, bytes, nesting)', () => {
		const next = pyDocuments(14);
		const docs = Array.from({ length: 3000 }, next);
		const theirs = runOracle({ dump: docs }).dump;
		const differing = docs.flatMap((doc, i) => (dumpPyYaml(doc) === theirs[i] ? [] : [{ doc: toPyJson(doc), ours: dumpPyYaml(doc), theirs: theirs[i] }]));
		expect(differing.slice(0, 3)).toEqual([]);
	}, 60_000);

	it('300 of them load back under an ASCII locale with exactly the Python types written', () => {
		const next = pyDocuments(1414);
		const docs = Array.from({ length: 300 }, next);
		const files = docs.map((doc, i) => {
			const path = join(scratch, `${i}.yaml`);
			writeFileSync(path, dumpPyYaml(doc));
			return { path, expect: doc };
		});
		const answer = runOracle({ files });
		expect(answer.encoding).toBe('ANSI_X3.4-1968');
		expect(answer.files.filter((verdict) => !verdict.loaded || verdict.difference !== null).slice(0, 3)).toEqual([]);
	}, 60_000);

	it('writes megabytes (a long string, a long escaped string, bytes) as PyYAML does, without overflowing the stack', () => {
		const doc = { plain: 'y'.repeat(1 << 20), words: 'word '.repeat(50_000), escaped: 'ü'.repeat(100_000), bytes: Uint8Array.from({ length: 200_000 }, (_, i) => (i * 7) & 255) };
		expect(dumpPyYaml(doc)).toBe(runOracle({ dump: [doc] }).dump[0]);
	}, 60_000);
});

describe('Python types in JavaScript', () => {
	it('a PyFloat survives structuredClone (the worker boundary) and stays a float', () => {
		const cloned = structuredClone({ C: pyFloat(1) });
		expect(isPyFloat(cloned.C)).toBe(true);
		expect(dumpPyYaml(cloned)).toBe('C: 1.0\n');
		expect([isPyFloat(1), isPyFloat('1'), isPyFloat(null)]).toEqual([false, false, false]);
	});

	it.each([
		[0.1, '0.1'],
		[1 / 3, '0.3333333333333333'],
		[123456789012345.6, '123456789012345.6'],
		[1e15, '1000000000000000.0'],
		[-1e-300, '-1.0e-300'],
		[5e-324, '5.0e-324']
	])('pyFloatText(%d) is %s, as Python repr', (value, text) => {
		expect(pyFloatText(value)).toBe(text);
	});

	it('refuses what YAML cannot hold, naming the field', () => {
		const error = (() => {
			try {
				dumpPyYaml({ metadata: { when: new Date() as unknown as PyValue } });
			} catch (caught) {
				return caught;
			}
		})();
		expect(isShelfError(error, 'INVALID_MANIFEST') && error.details).toMatchObject({ field: 'metadata.when', reason: 'wrong-type' });
	});
});

describe('parsePyJson reads JSON as Python json.loads does', () => {
	it('gives the same Python data as json.loads for typed numbers, strings and nesting', () => {
		const texts = ['{"C": 1.0, "n": 1, "e": 1e3, "neg": -0, "negf": -0.0, "big": 9223372036854775808, "x": 1.5E-7}', '{"s": "Z\\u00fcrich \\ud83d\\ude00 \\"q\\" \\\\ \\/", "l": [1.0, 2, [], {}], "n": null, "t": true}', '{"nan": NaN, "inf": Infinity, "ninf": -Infinity, "dup": 1, "dup": 2.0}'];
		const ours = texts.map((text) => parsePyJson(text) as { [key: string]: PyValue });
		expect(ours.map(dumpPyYaml)).toEqual(runOracle({ json: texts }).json);
		expect(dumpPyYaml(ours[0]!)).toBe('C: 1.0\nn: 1\ne: 1000.0\nneg: 0\nnegf: -0.0\nbig: 9223372036854775808\nx: 1.5e-07\n');
		expect(dumpPyYaml(ours[2]!)).toBe('nan: .nan\ninf: .inf\nninf: -.inf\ndup: 2.0\n');
	});

	it('keeps "__proto__" as data', () => {
		const value = parsePyJson('{"__proto__": {"polluted": true}}') as Record<string, PyValue>;
		expect(Object.keys(value)).toEqual(['__proto__']);
		expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
	});

	it.each(['', '{', '{"a": }', '{"a": 01}', '[1,]', '{"a": .5}', '{"a": "\u0001"}', '{"a": "\\x"}', '{} x', "{'a': 1}", '{"a": 1.}', '+1'])('%j is INVALID_MANIFEST (syntax)', (text) => {
		const error = (() => {
			try {
				parsePyJson(text, 'Metadata');
			} catch (caught) {
				return caught;
			}
		})();
		expect(isShelfError(error, 'INVALID_MANIFEST') && error.details).toMatchObject({ field: 'Metadata', reason: 'syntax' });
	});

	it('refuses nesting past 1,000 levels without overflowing the stack', () => {
		const error = (() => {
			try {
				parsePyJson(`${'['.repeat(100_000)}${']'.repeat(100_000)}`);
			} catch (caught) {
				return caught;
			}
		})();
		expect(isShelfError(error, 'INVALID_MANIFEST') && error.details).toMatchObject({ reason: 'too-deep' });
	});
});
