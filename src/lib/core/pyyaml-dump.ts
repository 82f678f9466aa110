// Node + browser: pure TypeScript, no DOM, no idb, no OPFS.
//
// Writes YAML byte for byte as PyYAML 6 does for `yaml.safe_dump(data, sort_keys=False)`, the call BentoML's
// `ModelInfo.dump` makes (bentoml/BentoML src/bentoml/_internal/models/model.py): block style, 2-space indent,
// sequences not indented under their key, lines folded past column 80, and `allow_unicode` off, so every
// non-ASCII character is a double-quoted escape (`"Z\xFCrich"`) and the file is ASCII, readable whatever the
// reader's locale (BentoML opens model.yaml without an encoding). The rules follow PyYAML's emitter,
// representer and resolver (yaml/pyyaml lib/yaml/emitter.py, representer.py, resolver.py); the `yaml` package
// cannot escape non-ASCII and folds and quotes by rules of its own, and JavaScript has one number type where
// Python has two, hence this writer. tests/unit/pyyaml-dump.test.ts checks it against PyYAML itself.

import { ShelfError } from './errors.ts';
import { PyYamlWriter, isSimpleKey, writeScalar, type PyScalar } from './pyyaml-emitter.ts';

/**
 * A float whose value is a whole number (`1.0`): a boxed `Number`, which survives `structuredClone` (the
 * worker boundary) and, unlike a plain number, is never taken for an integer. Make one with {@link pyFloat}.
 */
// eslint-disable-next-line @typescript-eslint/no-wrapper-object-types -- the box is the point
export type PyFloat = Number;

/**
 * A value as Python sees it after `yaml.safe_load`: a `number` is an int when it is a safe integer (and not
 * `-0`), else a float; a `bigint` is an int; a {@link PyFloat} is a float; `Uint8Array` is `bytes`.
 */
export type PyValue = string | number | bigint | boolean | null | Uint8Array | PyFloat | PyValue[] | { [key: string]: PyValue };

/** Deepest nesting the writer follows (model.yaml's own limit is lower: MAX_VALUE_DEPTH in manifest-schema.ts). */
export const MAX_DUMP_DEPTH = 1000;

/**
 * Marks a number as a Python float even when it is whole, so it is written `1.0` and read back as a float.
 * @param value the number
 * @example
 * dumpPyYaml({ C: pyFloat(1), epochs: 12, lr: 0.5 }); // 'C: 1.0\nepochs: 12\nlr: 0.5\n'
 */
export function pyFloat(value: number): PyFloat {
	return Object(value) as PyFloat;
}

/**
 * True for a {@link PyFloat} (a boxed number), also one made in another realm or cloned across a worker.
 * @param value anything
 */
export function isPyFloat(value: unknown): value is PyFloat {
	return typeof value === 'object' && value !== null && Object.prototype.toString.call(value) === '[object Number]';
}

/**
 * True when a number is written as a Python int: a safe integer other than `-0`. Other numbers are floats.
 * @param value a plain number
 */
export function isPyInt(value: number): boolean {
	return Number.isSafeInteger(value) && !Object.is(value, -0);
}

/**
 * A float as PyYAML writes it: Python's `repr`, lower-cased, `.0` added before an exponent that lacks a
 * fraction, and `.nan`, `.inf`, `-.inf`.
 * @param value the float
 * @example
 * pyFloatText(1e20); // '1.0e+20'
 */
export function pyFloatText(value: number): string {
	if (Number.isNaN(value)) return '.nan';
	if (!Number.isFinite(value)) return value > 0 ? '.inf' : '-.inf';
	if (Object.is(value, -0)) return '-0.0';
	const [mantissa = '', exponent = '0'] = value.toExponential().split('e');
	const exp = Number(exponent);
	// Python's repr is positional from 1e-4 up to 1e16 (the shortest digits, as JavaScript's), else scientific.
	if (exp >= -4 && exp < 16) return String(value).includes('.') ? String(value) : `${String(value)}.0`;
	return `${mantissa.includes('.') ? mantissa : `${mantissa}.0`}e${exp < 0 ? '-' : '+'}${String(Math.abs(exp)).padStart(2, '0')}`;
}

/**
 * Writes a mapping as `yaml.safe_dump(data, sort_keys=False)` does with PyYAML's defaults (keys in the
 * mapping's order; shared lists and mappings are written out each time, never as anchors).
 * @param data the document: strings, numbers, bigints, {@link PyFloat}s, booleans, null, bytes, lists, mappings
 * @throws ShelfError `INVALID_MANIFEST` (reason `wrong-type` or `too-deep`, `field` the dotted path) for a
 * value YAML cannot hold
 * @example
 * dumpPyYaml({ city: 'Zürich', C: pyFloat(1) }); // 'city: "Z\\xFCrich"\nC: 1.0\n'
 */
export function dumpPyYaml(data: { [key: string]: PyValue }): string {
	const out = new PyYamlWriter();
	_node(out, data, '', 0, _ROOT);
	out.writeIndent(); // the document's end, as PyYAML's expect_document_end
	return out.text();
}

// ---------------------------------------------------------------------------------------------------
// Internals

/** Where a node sits: PyYAML's mapping and simple-key contexts. */
interface _Context {
	mapping: boolean;
	simpleKey: boolean;
}

const _ROOT: _Context = { mapping: false, simpleKey: false };

function _node(out: PyYamlWriter, value: PyValue, field: string, depth: number, context: _Context): void {
	if (depth > MAX_DUMP_DEPTH) {
		throw new ShelfError('INVALID_MANIFEST', `"${field}" nests lists and mappings too deeply to write.`, { field, reason: 'too-deep', depth: MAX_DUMP_DEPTH });
	}
	const at = (key: string | number) => (field === '' ? String(key) : `${field}.${key}`);
	if (Array.isArray(value)) {
		if (value.length === 0) return _emptyFlow(out, '[]');
		// PyYAML indents a block sequence under a mapping key only when the key ends a line of its own (`? k`).
		out.pushIndent(false, context.mapping && !out.indention);
		value.forEach((item, index) => {
			out.writeIndent();
			out.indicator('-', true, false, true);
			_node(out, item, at(index), depth + 1, { mapping: false, simpleKey: false });
		});
		return out.popIndent();
	}
	if (_isMapping(value)) {
		const entries = Object.entries(value);
		if (entries.length === 0) return _emptyFlow(out, '{}');
		out.pushIndent(false);
		for (const [key, item] of entries) {
			out.writeIndent();
			const scalar = _strScalar(key);
			if (isSimpleKey(scalar)) {
				writeScalar(out, scalar, true);
				out.indicator(':', false);
			} else {
				out.indicator('?', true, false, true);
				writeScalar(out, scalar, false);
				out.writeIndent();
				out.indicator(':', true, false, true);
			}
			_node(out, item, at(key), depth + 1, { mapping: true, simpleKey: false });
		}
		return out.popIndent();
	}
	writeScalar(out, _scalarOf(value, field), context.simpleKey);
}

function _isMapping(value: PyValue): value is { [key: string]: PyValue } {
	if (typeof value !== 'object' || value === null || isPyFloat(value) || value instanceof Uint8Array) return false;
	const proto: unknown = Object.getPrototypeOf(value);
	return proto === Object.prototype || proto === null;
}

function _emptyFlow(out: PyYamlWriter, pair: '[]' | '{}'): void {
	out.indicator(pair[0]!, true, true);
	out.indicator(pair[1]!, false);
}

function _scalarOf(value: PyValue, field: string): PyScalar {
	const typed = (text: string): PyScalar => ({ text, plainImplicit: true, tag: null, tagLength: 0, literal: false });
	if (typeof value === 'string') return _strScalar(value);
	if (typeof value === 'boolean') return typed(value ? 'true' : 'false');
	if (value === null) return typed('null');
	if (typeof value === 'bigint') return typed(String(value));
	if (typeof value === 'number') return typed(isPyInt(value) ? String(value) : pyFloatText(value));
	if (isPyFloat(value)) return typed(pyFloatText(value.valueOf()));
	if (value instanceof Uint8Array) {
		return { text: _base64Lines(value), plainImplicit: false, tag: '!!binary', tagLength: 8, literal: true };
	}
	const kind = typeof value === 'object' ? (value.constructor?.name ?? 'object') : typeof value;
	throw new ShelfError('INVALID_MANIFEST', `"${field}" is a ${kind}, which YAML cannot hold.`, { field, reason: 'wrong-type', actual: kind });
}

function _strScalar(text: string): PyScalar {
	return { text, plainImplicit: !_IMPLICIT.some((pattern) => pattern.test(text)), tag: null, tagLength: 5, literal: false };
}

/**
 * PyYAML's implicit resolvers (resolver.py): a plain scalar matching one of these is not a string, so a
 * string that matches must be quoted.
 */
const _IMPLICIT = [
	/^(?:yes|Yes|YES|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF)$/,
	/^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+][0-9]+)?|\.[0-9][0-9_]*(?:[eE][-+][0-9]+)?|[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$/,
	/^(?:[-+]?0b[0-1_]+|[-+]?0[0-7_]+|[-+]?(?:0|[1-9][0-9_]*)|[-+]?0x[0-9a-fA-F_]+|[-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+)$/,
	/^(?:<<)$/,
	/^(?:~|null|Null|NULL|)$/,
	/^(?:[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]|[0-9][0-9][0-9][0-9]-[0-9][0-9]?-[0-9][0-9]?(?:[Tt]|[ \t]+)[0-9][0-9]?:[0-9][0-9]:[0-9][0-9](?:\.[0-9]*)?(?:[ \t]*(?:Z|[-+][0-9][0-9]?(?::[0-9][0-9])?))?)$/,
	/^(?:=)$/,
	/^(?:!|&|\*)$/
];

const _B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

/** Python's `base64.encodebytes`: lines of 76 characters (57 bytes), each ending in `\n`; `''` for no bytes. */
function _base64Lines(bytes: Uint8Array): string {
	const lines: string[] = [];
	for (let start = 0; start < bytes.length; start += 57) {
		const end = Math.min(bytes.length, start + 57);
		let line = '';
		for (let i = start; i < end; i += 3) {
			const n = (bytes[i]! << 16) | ((bytes[i + 1] ?? 0) << 8) | (bytes[i + 2] ?? 0);
			line += _B64[n >> 18]! + _B64[(n >> 12) & 63]! + (i + 1 < end ? _B64[(n >> 6) & 63]! : '=') + (i + 2 < end ? _B64[n & 63]! : '=');
		}
		lines.push(`${line}\n`);
	}
	return lines.join('');
}
