// Node + browser: pure TypeScript, no DOM, no idb, no OPFS.
//
// The inert values the pickle machine (pickle-vm.ts) builds instead of Python objects: nothing is imported or
// called, a global is only its name and a call only what it would have been given. Containers are mutable
// because pickles fill them after creating them (APPEND, SETITEMS, BUILD), and a memo reference can make a
// container hold itself: whoever walks these values must guard against cycles and shared subtrees.
import { ShelfError } from '../errors.ts';

/** A global a pickle names (GLOBAL, STACK_GLOBAL, INST): `module` and `name` as written, never imported. */
export interface PickleGlobal {
	kind: 'global';
	module: string;
	name: string;
}

/** What REDUCE would call: `callee(*args)`, then whatever BUILD, APPEND or SETITEM did to the result. */
export interface PickleCall {
	kind: 'call';
	callee: PickleValue;
	args: PickleValue[];
	state?: PickleValue;
	items?: PickleValue[];
	entries?: Array<[PickleValue, PickleValue]>;
}

/** What NEWOBJ, NEWOBJ_EX, INST or OBJ would create: `cls.__new__(cls, *args, **kwargs)`, then its state. */
export interface PickleObject {
	kind: 'object';
	cls: PickleValue;
	args: PickleValue[];
	kwargs?: PickleValue;
	state?: PickleValue;
	items?: PickleValue[];
	entries?: Array<[PickleValue, PickleValue]>;
}

/** A persistent id (PERSID, BINPERSID): the loader's own reference, such as PyTorch's storages. */
export interface PicklePersistent {
	kind: 'persistent';
	id: PickleValue;
}

/** Bytes (BINBYTES…, BYTEARRAY8): a view into the pickle, never a copy. */
export interface PickleBytes {
	kind: 'bytes';
	data: Uint8Array;
	mutable: boolean;
}

export interface PickleList {
	kind: 'list';
	items: PickleValue[];
}

export interface PickleTuple {
	kind: 'tuple';
	items: PickleValue[];
}

export interface PickleDict {
	kind: 'dict';
	entries: Array<[PickleValue, PickleValue]>;
}

export interface PickleSet {
	kind: 'set' | 'frozenset';
	items: PickleValue[];
}

/** A copyreg extension code (EXT1/2/4) or an out-of-band buffer (NEXT_BUFFER): nothing to resolve it with. */
export interface PickleOpaque {
	kind: 'extension' | 'buffer';
	code?: number;
}

/** Anything a pickle can build, inertly. */
export type PickleValue =
	| null
	| boolean
	| number
	| bigint
	| string
	| PickleGlobal
	| PickleCall
	| PickleObject
	| PicklePersistent
	| PickleBytes
	| PickleList
	| PickleTuple
	| PickleDict
	| PickleSet
	| PickleOpaque;

/**
 * The `BAD_MODEL_FILE` error of a pickle.
 * @param reason short stable word (`truncated`, `bad-opcode`, `too-deep`, …)
 * @param message what is wrong, with a hint
 * @param details where it went wrong
 */
export function badPickle(reason: string, message: string, details: { offset?: number; limit?: number; found?: string; format?: string; path?: string } = {}): ShelfError<'BAD_MODEL_FILE'> {
	const { format = 'pickle', ...rest } = details;
	return new ShelfError('BAD_MODEL_FILE', message, { format, reason, ...rest });
}

/**
 * True when the value is a global named `module.name`.
 * @param value any pickle value
 * @param module the module, as written
 * @param name the name, as written
 */
export function isGlobal(value: PickleValue | undefined, module: string, name?: string): value is PickleGlobal {
	return typeof value === 'object' && value !== null && value.kind === 'global' && value.module === module && (name === undefined || value.name === name);
}

/**
 * The items of a tuple or list, or null for anything else.
 * @param value any pickle value
 */
export function sequenceItems(value: PickleValue | undefined): PickleValue[] | null {
	return typeof value === 'object' && value !== null && (value.kind === 'tuple' || value.kind === 'list') ? value.items : null;
}

/**
 * Decodes a Python `repr` of a byte string as protocol 0's STRING writes it (`'abc\n'`), as Latin-1 text.
 * @param quoted the line without its newline
 * @returns the text, or null when it is not a quoted literal
 */
export function unquotePythonString(quoted: string): string | null {
	const quote = quoted[0];
	if (quoted.length < 2 || (quote !== "'" && quote !== '"') || quoted[quoted.length - 1] !== quote) return null;
	return _unescape(quoted.slice(1, -1));
}

/**
 * Decodes protocol 0's UNICODE argument (Python's `raw-unicode-escape`: only `\uXXXX` and `\UXXXXXXXX`).
 * @param raw the line without its newline, as Latin-1 text
 * @returns the text, or null for a `\U` escape past U+10FFFF (Python: "\Uxxxxxxxx out of range"; it threw a
 *   RangeError here before issue 22's fuzzing)
 */
export function decodeRawUnicodeEscape(raw: string): string | null {
	let valid = true;
	const text = raw.replace(/\\u([0-9a-fA-F]{4})|\\U([0-9a-fA-F]{8})/g, (_match, short: string | undefined, long: string | undefined) => {
		const code = Number.parseInt(short ?? long ?? '0', 16);
		if (code <= 0x10ffff) return String.fromCodePoint(code);
		valid = false;
		return '';
	});
	return valid ? text : null;
}

/**
 * A little-endian two's-complement integer (LONG1, LONG4) as a number when exact, else a bigint.
 * @param bytes the integer's bytes
 */
export function decodeLong(bytes: Uint8Array): number | bigint {
	if (bytes.length === 0) return 0;
	let hex = '';
	for (let index = bytes.length - 1; index >= 0; index--) hex += (bytes[index] as number).toString(16).padStart(2, '0');
	let value = BigInt(`0x${hex}`);
	if ((bytes[bytes.length - 1] as number) & 0x80) value -= 1n << BigInt(bytes.length * 8);
	return _narrow(value);
}

/**
 * A decimal integer line (INT, LONG) as a number when exact, else a bigint; INT's `00`/`01` are booleans.
 * @param text the line without its newline
 * @returns the value, or undefined when the text is not an integer
 */
export function parseDecimal(text: string): number | bigint | boolean | undefined {
	if (text === '00') return false;
	if (text === '01') return true;
	const digits = text.endsWith('L') ? text.slice(0, -1) : text;
	if (!/^[+-]?\d+$/.test(digits)) return undefined;
	return _narrow(BigInt(digits));
}

// ---------------------------------------------------------------------------

const _SIMPLE_ESCAPES: Record<string, string> = { '\\': '\\', "'": "'", '"': '"', a: '\x07', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v', '\n': '' };

function _unescape(body: string): string {
	return body.replace(/\\(x[0-9a-fA-F]{2}|[0-7]{1,3}|[\s\S])/g, (match, escape: string) => {
		if (escape.length === 3 && escape[0] === 'x') return String.fromCharCode(Number.parseInt(escape.slice(1), 16));
		if (/^[0-7]+$/.test(escape)) return String.fromCharCode(Number.parseInt(escape, 8) & 0xff);
		return _SIMPLE_ESCAPES[escape] ?? match;
	});
}

function _narrow(value: bigint): number | bigint {
	return value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) : value;
}
