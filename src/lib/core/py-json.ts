// Node + browser: pure TypeScript, no DOM, no idb, no OPFS.
//
// JSON read the way Python's `json.loads` reads it, so metadata typed as JSON (the Save page) keeps Python's
// types on its way into model.yaml: `1.0` and `1e3` are floats, `1` is an int (a bigint past 2^53), `NaN`,
// `Infinity` and `-Infinity` are accepted, and a repeated key keeps its last value. `JSON.parse` cannot tell
// `1.0` from `1`, and Node 20 has no access to a number's source text in its reviver.

import { manifestError } from './manifest-schema.ts';
import { MAX_DUMP_DEPTH, pyFloat, type PyValue } from './pyyaml-dump.ts';

/**
 * Parses JSON text into Python-typed values (see {@link PyValue}).
 * @param text the JSON text
 * @param field what the text is, for errors (e.g. `'metadata'`)
 * @throws ShelfError `INVALID_MANIFEST` (reason `syntax`, or `too-deep` past 1,000 levels) naming `field`,
 * with the line and column in the message
 * @example
 * parsePyJson('{"C": 1.0, "epochs": 12}'); // { C: pyFloat(1), epochs: 12 }
 */
export function parsePyJson(text: string, field = '(json)'): PyValue {
	const reader = new _Reader(text, field);
	const value = reader.value(0);
	reader.end();
	return value;
}

// ---------------------------------------------------------------------------------------------------
// Internals

const _NUMBER = /-?(?:0|[1-9][0-9]*)(\.[0-9]+)?([eE][-+]?[0-9]+)?/y;
const _LITERALS: [string, PyValue][] = [
	['true', true],
	['false', false],
	['null', null],
	['NaN', Number.NaN],
	['Infinity', Infinity],
	['-Infinity', -Infinity]
];
const _ESCAPES: Record<string, string> = { '"': '"', '\\': '\\', '/': '/', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' };

class _Reader {
	#at = 0;

	constructor(
		readonly text: string,
		readonly field: string
	) {}

	value(depth: number): PyValue {
		this.#blank();
		const c = this.text[this.#at];
		if (c === '{' || c === '[') {
			if (depth >= MAX_DUMP_DEPTH) throw manifestError(this.field, 'too-deep', `${this.field} nests more than ${MAX_DUMP_DEPTH} levels deep.`, { depth: MAX_DUMP_DEPTH });
			return c === '{' ? this.#object(depth) : this.#array(depth);
		}
		if (c === '"') return this.#string();
		const literal = _LITERALS.find(([word]) => this.text.startsWith(word, this.#at));
		if (literal) {
			this.#at += literal[0].length;
			return literal[1];
		}
		return this.#number();
	}

	end() {
		this.#blank();
		if (this.#at < this.text.length) this.#fail('nothing after the value');
	}

	#object(depth: number): PyValue {
		const entries: [string, PyValue][] = [];
		this.#at++;
		if (this.#peek() === '}') return (this.#at++, {});
		for (;;) {
			if (this.#peek() !== '"') this.#fail('a key in double quotes');
			const key = this.#string();
			if (this.#peek() !== ':') this.#fail('":"');
			this.#at++;
			entries.push([key, this.value(depth + 1)]);
			const next = this.#peek();
			this.#at++;
			if (next === '}') return Object.fromEntries(entries); // fromEntries keeps "__proto__" as data
			if (next !== ',') this.#fail('"," or "}"', -1);
		}
	}

	#array(depth: number): PyValue {
		const items: PyValue[] = [];
		this.#at++;
		if (this.#peek() === ']') return (this.#at++, items);
		for (;;) {
			items.push(this.value(depth + 1));
			const next = this.#peek();
			this.#at++;
			if (next === ']') return items;
			if (next !== ',') this.#fail('"," or "]"', -1);
		}
	}

	#string(): string {
		let out = '';
		for (let i = this.#at + 1; i < this.text.length; i++) {
			const c = this.text[i]!;
			if (c === '"') {
				this.#at = i + 1;
				return out;
			}
			if (c < ' ') this.#fail('no control character inside a string', i - this.#at);
			if (c !== '\\') {
				out += c;
				continue;
			}
			const e = this.text[++i] ?? '';
			if (e === 'u' && /^[0-9a-fA-F]{4}$/.test(this.text.slice(i + 1, i + 5))) {
				out += String.fromCharCode(parseInt(this.text.slice(i + 1, i + 5), 16));
				i += 4;
			} else if (_ESCAPES[e] !== undefined) {
				out += _ESCAPES[e];
			} else {
				this.#fail('a valid escape', i - 1 - this.#at);
			}
		}
		return this.#fail('a closing double quote', this.text.length - this.#at);
	}

	#number(): PyValue {
		_NUMBER.lastIndex = this.#at;
		const m = _NUMBER.exec(this.text);
		if (!m) return this.#fail('a value');
		this.#at += m[0].length;
		if (m[1] === undefined && m[2] === undefined) {
			const int = Number(m[0]);
			return Number.isSafeInteger(int) ? int + 0 : BigInt(m[0]); // + 0 makes -0 the int 0, as in Python
		}
		const float = Number(m[0]);
		return Number.isInteger(float) ? pyFloat(float) : float;
	}

	#blank() {
		while (' \t\n\r'.includes(this.text[this.#at] ?? 'x')) this.#at++;
	}

	#peek(): string | undefined {
		this.#blank();
		return this.text[this.#at];
	}

	#fail(expected: string, offset = 0): never {
		const at = Math.max(0, this.#at + offset);
		const before = this.text.slice(0, at).split('\n');
		const where = `line ${before.length}, column ${(before.at(-1)?.length ?? 0) + 1}`;
		throw manifestError(this.field, 'syntax', `${this.field} is not valid JSON at ${where}: expected ${expected}.`);
	}
}
