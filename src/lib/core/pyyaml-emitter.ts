// Node + browser: pure TypeScript, no DOM, no idb, no OPFS.
//
// PyYAML's emitter for what pyyaml-dump.ts needs: the writer's state (column, whether the last character was
// whitespace or indentation, the indent stack), how a scalar's text decides its style, and the plain, quoted and
// literal writers with their folding at column 80, following yaml/pyyaml lib/yaml/emitter.py with
// `allow_unicode` off (every character outside printable ASCII is escaped, inside double quotes).

const _WIDTH = 80;
const _INDENT = 2;

/** A scalar ready to write: its text and how PyYAML's representer tagged it. */
export interface PyScalar {
	text: string;
	/** PyYAML's `implicit[0]`: the text resolves back to its own type when plain. */
	plainImplicit: boolean;
	/** Tag written before the scalar (`!!binary`), else null. */
	tag: string | null;
	/** Length of the tag PyYAML counts for the 128-character simple-key limit (`!!str` = 5). */
	tagLength: number;
	/** The representer's requested style: `|` for bytes. */
	literal: boolean;
}

/** The emitter's state: output, column, and whether the last character was whitespace or indentation. */
export class PyYamlWriter {
	readonly #parts: string[] = [];
	column = 0;
	whitespace = true;
	indention = true;
	indent: number | null = null;
	readonly #indents: (number | null)[] = [];

	/** Everything written so far. */
	text(): string {
		return this.#parts.join('');
	}

	/** Writes ASCII text (everything we write is ASCII; non-ASCII is escaped first). */
	write(data: string) {
		this.#parts.push(data);
		this.column += data.length;
	}

	/** Writes an indicator (`-`, `:`, `?`, a quote, a tag), after a space unless one is there or none is needed. */
	indicator(indicator: string, needWhitespace: boolean, whitespace = false, indention = false) {
		this.write(this.whitespace || !needWhitespace ? indicator : ` ${indicator}`);
		this.whitespace = whitespace;
		this.indention &&= indention;
	}

	/** Ends the line. */
	lineBreak() {
		this.#parts.push('\n');
		this.whitespace = this.indention = true;
		this.column = 0;
	}

	/** Moves to the current indent: a new line unless the line so far is only indentation. */
	writeIndent() {
		const indent = this.indent ?? 0;
		if (!this.indention || this.column > indent || (this.column === indent && !this.whitespace)) this.lineBreak();
		if (this.column < indent) {
			this.whitespace = true;
			this.write(' '.repeat(indent - this.column));
		}
	}

	/** Enters a node: the indent grows by 2, except at the root and for a sequence written indentless. */
	pushIndent(flow: boolean, indentless = false) {
		this.#indents.push(this.indent);
		if (this.indent === null) this.indent = flow ? _INDENT : 0;
		else if (!indentless) this.indent += _INDENT;
	}

	/** Leaves a node. */
	popIndent() {
		this.indent = this.#indents.pop() ?? null;
	}
}

function _codePoints(text: string): number[] {
	const cps: number[] = [];
	for (let i = 0; i < text.length; i++) {
		const c = text.codePointAt(i)!;
		cps.push(c);
		if (c > 0xffff) i++; // the second half of a surrogate pair
	}
	return cps;
}

const _isBreak = (c: number | undefined): boolean => c === 0x0a || c === 0x85 || c === 0x2028 || c === 0x2029;
const _isBlank = (c: number | undefined): boolean => c === 0 || c === 0x20 || c === 0x09 || c === 0x0d || _isBreak(c);
const _has = (chars: string, c: number): boolean => chars.includes(String.fromCodePoint(c));

/** Which styles a scalar allows (PyYAML's analyze_scalar with allow_unicode off). */
interface _Analysis {
	empty: boolean;
	multiline: boolean;
	plain: boolean;
	singleQuoted: boolean;
	block: boolean;
}

/** Analyses the text a code point at a time (no code point array: a value may be megabytes long). */
function _analyze(text: string): _Analysis {
	if (text.length === 0) return { empty: true, multiline: false, plain: true, singleQuoted: true, block: false };
	let indicators = text.startsWith('---') || text.startsWith('...');
	let breaks = false;
	let special = false;
	let leadingSpace = false;
	let leadingBreak = false;
	let trailingSpace = false;
	let trailingBreak = false;
	let breakSpace = false;
	let spaceBreak = false;
	let previousSpace = false;
	let previousBreak = false;
	let precededByBlank = true;
	for (let i = 0; i < text.length; ) {
		const c = text.codePointAt(i)!;
		const next = i + (c > 0xffff ? 2 : 1);
		const first = i === 0;
		const isLast = next >= text.length;
		// Every blank is in the BMP, so the next UTF-16 unit tells whether a blank follows.
		const followedByBlank = isLast || _isBlank(text.charCodeAt(next));
		// Only block indicators matter: flow context never holds a scalar here (empty collections only).
		if (first) indicators ||= _has('#,[]{}&*!|>\'"%@`', c) || (_has('?:-', c) && followedByBlank);
		else if ((c === 0x3a && followedByBlank) || (c === 0x23 && precededByBlank)) indicators = true;
		const isBreak = _isBreak(c);
		if (isBreak) breaks = true;
		// With allow_unicode off, anything but a line feed and printable ASCII can only be written escaped.
		if (c !== 0x0a && (c < 0x20 || c > 0x7e)) special = true;
		if (c === 0x20) {
			if (first) leadingSpace = true;
			if (isLast) trailingSpace = true;
			if (previousBreak) breakSpace = true;
		} else if (isBreak) {
			if (first) leadingBreak = true;
			if (isLast) trailingBreak = true;
			if (previousSpace) spaceBreak = true;
		}
		previousSpace = c === 0x20;
		previousBreak = isBreak;
		precededByBlank = _isBlank(c);
		i = next;
	}
	const onlyDouble = spaceBreak || special;
	return {
		empty: false,
		multiline: breaks,
		plain: !(leadingSpace || leadingBreak || trailingSpace || trailingBreak || breakSpace || onlyDouble || breaks || indicators),
		singleQuoted: !(breakSpace || onlyDouble),
		block: !(trailingSpace || onlyDouble)
	};
}

/**
 * A key fits on its line (`key: value`) when PyYAML's check_simple_key says so; else it is written `? key`.
 * @param scalar the key
 */
export function isSimpleKey(scalar: PyScalar): boolean {
	const analysis = _analyze(scalar.text);
	return scalar.tagLength + _codePoints(scalar.text.slice(0, 256)).length < 128 && !analysis.empty && !analysis.multiline;
}

/**
 * Writes a scalar in the style PyYAML chooses for it: plain, single-quoted, double-quoted, or literal (bytes).
 * @param out the writer
 * @param scalar the scalar
 * @param simpleKey true for a key on its own line (`key: value`): no folding, no multi-line styles
 */
export function writeScalar(out: PyYamlWriter, scalar: PyScalar, simpleKey: boolean): void {
	const analysis = _analyze(scalar.text);
	let style: '' | "'" | '"' | '|' = '"';
	if (!scalar.literal && scalar.plainImplicit && !(simpleKey && (analysis.empty || analysis.multiline)) && analysis.plain) style = '';
	else if (scalar.literal && !simpleKey && analysis.block) style = '|';
	else if (!scalar.literal && analysis.singleQuoted && !(simpleKey && analysis.multiline)) style = "'";
	if (scalar.tag !== null) out.indicator(scalar.tag, true);
	out.pushIndent(true);
	const split = !simpleKey;
	// Plain, single-quoted and literal text is printable ASCII and line feeds (the analysis sends anything else to
	// double quotes), so there a UTF-16 index is a code point index.
	if (style === '') _writePlain(out, scalar.text, split);
	else if (style === "'") _writeSingleQuoted(out, scalar.text, split);
	else if (style === '|') _writeLiteral(out, scalar.text);
	else _writeDoubleQuoted(out, _codePoints(scalar.text), split);
	out.popIndent();
}

/** The code points [from, to) as text, a slice at a time (spreading megabytes of arguments overflows the stack). */
function _text(cps: number[], from: number, to: number): string {
	let text = '';
	for (let at = from; at < to; at += 8192) text += String.fromCodePoint(...cps.slice(at, Math.min(to, at + 8192)));
	return text;
}

/** Plain text: a single space past column 80 becomes a line break. (Plain scalars never hold breaks here.) */
function _writePlain(out: PyYamlWriter, text: string, split: boolean): void {
	if (text.length === 0) return;
	if (!out.whitespace) out.write(' ');
	out.whitespace = out.indention = false;
	let spaces = false;
	let start = 0;
	for (let end = 0; end <= text.length; end++) {
		const c = end < text.length ? text.charCodeAt(end) : undefined;
		if (spaces) {
			if (c !== 0x20) {
				if (start + 1 === end && out.column > _WIDTH && split) {
					out.writeIndent();
					out.whitespace = out.indention = false;
				} else {
					out.write(text.slice(start, end));
				}
				start = end;
			}
		} else if (c === undefined || c === 0x20) {
			out.write(text.slice(start, end));
			start = end;
		}
		if (c !== undefined) spaces = c === 0x20;
	}
}

/** Single quotes: `'` doubled, a line feed written as an empty line, single spaces folded past column 80. */
function _writeSingleQuoted(out: PyYamlWriter, text: string, split: boolean): void {
	out.indicator("'", true);
	let spaces = false;
	let breaks = false;
	let start = 0;
	for (let end = 0; end <= text.length; end++) {
		const c = end < text.length ? text.charCodeAt(end) : undefined;
		if (spaces) {
			if (c !== 0x20) {
				if (start + 1 === end && out.column > _WIDTH && split && start !== 0 && end !== text.length) out.writeIndent();
				else out.write(text.slice(start, end));
				start = end;
			}
		} else if (breaks) {
			if (!_isBreak(c)) {
				if (text.charCodeAt(start) === 0x0a) out.lineBreak();
				for (let i = start; i < end; i++) out.lineBreak(); // only line feeds get here: others are escaped
				out.writeIndent();
				start = end;
			}
		} else if ((c === undefined || c === 0x20 || _isBreak(c) || c === 0x27) && start < end) {
			out.write(text.slice(start, end));
			start = end;
		}
		if (c === 0x27) {
			out.write("''");
			start = end + 1;
		}
		if (c !== undefined) [spaces, breaks] = [c === 0x20, _isBreak(c)];
	}
	out.indicator("'", false);
}

const _ESCAPES: Record<number, string> = {
	0x00: '0', 0x07: 'a', 0x08: 'b', 0x09: 't', 0x0a: 'n', 0x0b: 'v', 0x0c: 'f', 0x0d: 'r', 0x1b: 'e',
	0x22: '"', 0x5c: '\\', 0x85: 'N', 0xa0: '_', 0x2028: 'L', 0x2029: 'P'
};

/** Double quotes: everything but printable ASCII escaped (`\xFC`, `\u20AC`, `\U0001F600`), folded with `\`. */
function _writeDoubleQuoted(out: PyYamlWriter, cps: number[], split: boolean): void {
	out.indicator('"', true);
	let start = 0;
	for (let end = 0; end <= cps.length; end++) {
		const c = cps[end];
		if (c === undefined || c === 0x22 || c === 0x5c || c < 0x20 || c > 0x7e) {
			out.write(_text(cps, start, end));
			start = end;
			if (c !== undefined) {
				const hex = (digits: number) => c.toString(16).toUpperCase().padStart(digits, '0');
				const named = _ESCAPES[c];
				out.write(named !== undefined ? `\\${named}` : c <= 0xff ? `\\x${hex(2)}` : c <= 0xffff ? `\\u${hex(4)}` : `\\U${hex(8)}`);
				start = end + 1;
			}
		}
		if (end > 0 && end < cps.length - 1 && (c === 0x20 || start >= end) && out.column + (end - start) > _WIDTH && split) {
			out.write(`${_text(cps, start, end)}\\`);
			if (start < end) start = end;
			out.writeIndent();
			out.whitespace = out.indention = false;
			if (cps[start] === 0x20) out.write('\\');
		}
	}
	out.indicator('"', false);
}

/** A literal block (`|`), only for `!!binary`: base64 lines, each ending in a line feed. */
function _writeLiteral(out: PyYamlWriter, text: string): void {
	out.indicator('|', true);
	out.lineBreak();
	for (const line of text.split('\n').slice(0, -1)) {
		out.writeIndent();
		out.write(line);
		out.lineBreak();
	}
}

