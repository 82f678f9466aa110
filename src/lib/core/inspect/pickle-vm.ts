// Node + browser: pure TypeScript, no DOM, no idb, no OPFS.
//
// A pickle virtual machine that never executes anything: it runs every opcode of protocols 0–5 (CPython's
// Lib/pickletools.py table) over inert values (pickle-values.ts), so a GLOBAL is only a name and a REDUCE
// only a record of the call it would make. Pickles have no jumps, so a run is one pass over the bytes; the
// bounds are on the input size, the mark nesting, the stack and the memo. Cycles (a list memoized and then
// appended to itself) are built as real cycles: walkers of the result guard against them.
import { DEFAULT_READ_LIMITS, type ReadLimits } from './inspect-types.ts';
import { badPickle, decodeLong, decodeRawUnicodeEscape, sequenceItems } from './pickle-values.ts';
import type { PickleGlobal, PickleValue } from './pickle-values.ts';
import { PickleCursor, latin1, utf8 } from './pickle-cursor.ts';

/** The newest protocol this machine reads (Python 3.8+ writes up to 5). */
export const HIGHEST_PICKLE_PROTOCOL = 5;

/** How to read one pickle. */
export interface PickleReadOptions {
	/** `maxHeaderBytes` bounds the pickle's size, `maxDepth` its MARK nesting. */
	limits?: ReadLimits;
	/** The format named in errors (`pickle`, `pytorch`). */
	format?: string;
	/** Where the pickle starts in `bytes` (files may hold several pickles in a row). */
	start?: number;
	/** Told of every global as it is read, so a scan keeps what it saw even when a later opcode is bad. */
	onGlobal?: (global: PickleGlobal, offset: number) => void;
	/** Told after each BUILD; may return a new offset to skip bytes a loader reads itself (joblib's arrays). */
	afterBuild?: (target: PickleValue, at: number) => number | undefined;
}

/** One pickle read. */
export interface PickleRead {
	/** What STOP returned. */
	value: PickleValue;
	/** The PROTO opcode's protocol, 0 when there is none. */
	protocol: number;
	/** The offset just past STOP. */
	end: number;
}

/**
 * Reads one pickle into inert values, never importing or calling anything.
 * @param bytes the bytes holding the pickle
 * @param options limits, where it starts, observers
 * @throws ShelfError `BAD_MODEL_FILE` (reasons: too-large, truncated, bad-opcode, unsupported-version, too-deep,
 *   too-many, stack-underflow, bad-memo, bad-value)
 * @example
 * const { value } = readPickle(bytes); // value.kind === 'call' for a pickled object
 */
export function readPickle(bytes: Uint8Array, options: PickleReadOptions = {}): PickleRead {
	const limits = { ...DEFAULT_READ_LIMITS, ...options.limits };
	const format = options.format ?? 'pickle';
	const start = options.start ?? 0;
	if (bytes.length - start > limits.maxHeaderBytes) {
		throw badPickle('too-large', `The pickle is ${bytes.length - start} bytes; at most ${limits.maxHeaderBytes} are read.`, { format, limit: limits.maxHeaderBytes });
	}
	const machine = new _Machine(bytes, start, format, limits.maxDepth, options);
	return machine.run();
}

// ---------------------------------------------------------------------------

/** Items one stack may hold, and memo entries: far beyond real pickles (Python batches containers by 1,000). */
const _MAX_STACK = 1_000_000;
const _MAX_MEMO = 1_000_000;

class _Machine {
	private readonly in: PickleCursor;
	private stack: PickleValue[] = [];
	private readonly marks: PickleValue[][] = [];
	private readonly memo = new Map<number, PickleValue>();
	private protocol = 0;

	constructor(
		bytes: Uint8Array,
		start: number,
		private readonly format: string,
		private readonly maxDepth: number,
		private readonly options: PickleReadOptions
	) {
		this.in = new PickleCursor(bytes, start, format);
	}

	run(): PickleRead {
		for (;;) {
			this.in.opStart = this.in.at;
			const op = this.in.u8();
			if (op === 0x2e) return { value: this.pop(), protocol: this.protocol, end: this.in.at }; // STOP '.'
			this.step(op);
		}
	}

	private step(op: number): void {
		switch (op) {
			// Integers, floats, None and booleans.
			case 0x49: return this.push(this.in.decimal(this.in.line(), 'INT')); // INT 'I'
			case 0x4c: return this.push(this.in.decimal(this.in.line(), 'LONG')); // LONG 'L'
			case 0x4a: return this.push(this.in.view(4).getInt32(0, true)); // BININT 'J'
			case 0x4b: return this.push(this.in.u8()); // BININT1 'K'
			case 0x4d: return this.push(this.in.view(2).getUint16(0, true)); // BININT2 'M'
			case 0x8a: return this.push(decodeLong(this.in.take(this.in.u8()))); // LONG1
			case 0x8b: return this.push(decodeLong(this.in.take(this.in.length(this.in.view(4).getInt32(0, true))))); // LONG4
			case 0x46: return this.push(this.in.float(this.in.line())); // FLOAT 'F'
			case 0x47: return this.push(this.in.view(8).getFloat64(0, false)); // BINFLOAT 'G'
			case 0x4e: return this.push(null); // NONE 'N'
			case 0x88: return this.push(true); // NEWTRUE
			case 0x89: return this.push(false); // NEWFALSE
			// Strings and bytes: Python 2 byte strings (STRING…) read as Latin-1 text, as Python 3 loads them.
			case 0x53: return this.push(this.in.quoted(this.in.line())); // STRING 'S'
			case 0x54: return this.push(latin1(this.in.take(this.in.length(this.in.view(4).getInt32(0, true))))); // BINSTRING 'T'
			case 0x55: return this.push(latin1(this.in.take(this.in.u8()))); // SHORT_BINSTRING 'U'
			case 0x42: return this.push(this.in.blob(this.in.take(this.in.length(this.in.view(4).getUint32(0, true))), false)); // BINBYTES 'B'
			case 0x43: return this.push(this.in.blob(this.in.take(this.in.u8()), false)); // SHORT_BINBYTES 'C'
			case 0x8e: return this.push(this.in.blob(this.in.take(this.in.u64()), false)); // BINBYTES8
			case 0x96: return this.push(this.in.blob(this.in.take(this.in.u64()), true)); // BYTEARRAY8
			case 0x56: return this.push(this.unicode(this.in.line())); // UNICODE 'V'
			case 0x8c: return this.push(utf8(this.in.take(this.in.u8()))); // SHORT_BINUNICODE
			case 0x58: return this.push(utf8(this.in.take(this.in.length(this.in.view(4).getUint32(0, true))))); // BINUNICODE 'X'
			case 0x8d: return this.push(utf8(this.in.take(this.in.u64()))); // BINUNICODE8
			case 0x97: return this.push({ kind: 'buffer' }); // NEXT_BUFFER: out-of-band data the file does not hold
			case 0x98: return void this.top(); // READONLY_BUFFER
			// Containers.
			case 0x5d: return this.push({ kind: 'list', items: [] }); // EMPTY_LIST ']'
			case 0x6c: return this.push({ kind: 'list', items: this.popMark() }); // LIST 'l'
			case 0x61: return this.append([this.pop()]); // APPEND 'a'
			case 0x65: return this.append(this.popMark()); // APPENDS 'e'
			case 0x29: return this.push({ kind: 'tuple', items: [] }); // EMPTY_TUPLE ')'
			case 0x74: return this.push({ kind: 'tuple', items: this.popMark() }); // TUPLE 't'
			case 0x85: return this.push({ kind: 'tuple', items: this.popN(1) }); // TUPLE1
			case 0x86: return this.push({ kind: 'tuple', items: this.popN(2) }); // TUPLE2
			case 0x87: return this.push({ kind: 'tuple', items: this.popN(3) }); // TUPLE3
			case 0x7d: return this.push({ kind: 'dict', entries: [] }); // EMPTY_DICT '}'
			case 0x64: return this.push({ kind: 'dict', entries: _pairs(this.popMark()) }); // DICT 'd'
			case 0x73: return this.setItems(this.popN(2)); // SETITEM 's'
			case 0x75: return this.setItems(this.popMark()); // SETITEMS 'u'
			case 0x8f: return this.push({ kind: 'set', items: [] }); // EMPTY_SET
			case 0x90: return this.append(this.popMark()); // ADDITEMS
			case 0x91: return this.push({ kind: 'frozenset', items: this.popMark() }); // FROZENSET
			// Stack and memo.
			case 0x30: return void (this.stack.length > 0 ? this.stack.pop() : this.popMark()); // POP '0'
			case 0x32: return this.push(this.top()); // DUP '2'
			case 0x28: return this.mark(); // MARK '('
			case 0x31: return void this.popMark(); // POP_MARK '1'
			case 0x67: return this.push(this.get(this.in.index(this.in.line()))); // GET 'g'
			case 0x68: return this.push(this.get(this.in.u8())); // BINGET 'h'
			case 0x6a: return this.push(this.get(this.in.view(4).getUint32(0, true))); // LONG_BINGET 'j'
			case 0x70: return this.put(this.in.index(this.in.line())); // PUT 'p'
			case 0x71: return this.put(this.in.u8()); // BINPUT 'q'
			case 0x72: return this.put(this.in.view(4).getUint32(0, true)); // LONG_BINPUT 'r'
			case 0x94: return this.put(this.memo.size); // MEMOIZE
			// Globals, calls and objects: recorded, never resolved or run.
			case 0x82: return this.extension(this.in.u8()); // EXT1
			case 0x83: return this.extension(this.in.view(2).getUint16(0, true)); // EXT2
			case 0x84: return this.extension(this.in.view(4).getInt32(0, true)); // EXT4
			case 0x63: return this.push(this.global(this.in.line(), this.in.line())); // GLOBAL 'c'
			case 0x93: return this.stackGlobal(); // STACK_GLOBAL
			case 0x52: return this.reduce(); // REDUCE 'R'
			case 0x62: return this.build(); // BUILD 'b'
			case 0x69: return this.inst(this.global(this.in.line(), this.in.line())); // INST 'i'
			case 0x6f: return this.obj(); // OBJ 'o'
			case 0x81: return this.newObj(); // NEWOBJ
			case 0x92: return this.newObjEx(); // NEWOBJ_EX
			case 0x50: return this.push({ kind: 'persistent', id: this.in.line() }); // PERSID 'P'
			case 0x51: return this.push({ kind: 'persistent', id: this.pop() }); // BINPERSID 'Q'
			// Framing.
			case 0x80: return this.proto(this.in.u8()); // PROTO
			case 0x95: return void this.in.length(this.in.u64(), true); // FRAME: frames are transparent; only check it fits
			default:
				throw badPickle('bad-opcode', `Byte 0x${op.toString(16).padStart(2, '0')} at offset ${this.in.opStart} is not a pickle opcode: the file is damaged or not a pickle.`, {
					format: this.format,
					offset: this.in.opStart,
					found: `0x${op.toString(16).padStart(2, '0')}`
				});
		}
	}

	// Opcodes with more to them than a push.

	private proto(protocol: number): void {
		if (protocol > HIGHEST_PICKLE_PROTOCOL) {
			throw badPickle('unsupported-version', `The pickle uses protocol ${protocol}; protocols 0 to ${HIGHEST_PICKLE_PROTOCOL} are read.`, { format: this.format, offset: this.in.opStart, found: String(protocol) });
		}
		this.protocol = protocol;
	}

	private unicode(line: string): string {
		const text = decodeRawUnicodeEscape(line);
		if (text === null) throw this.in.badValue('UNICODE', line);
		return text;
	}

	private global(module: string, name: string): PickleGlobal {
		const global: PickleGlobal = { kind: 'global', module, name };
		this.options.onGlobal?.(global, this.in.opStart);
		return global;
	}

	/** A copyreg extension code names a global only the loading process knows: reported as `unknown`, so a scan flags it. */
	private extension(code: number): void {
		this.options.onGlobal?.({ kind: 'global', module: 'unknown', name: `extension-${code}` }, this.in.opStart);
		this.push({ kind: 'extension', code });
	}

	/** STACK_GLOBAL takes module and name from the stack; anything but strings is recorded as `unknown`, as picklescan does. */
	private stackGlobal(): void {
		const [module, name] = this.popN(2);
		this.push(this.global(typeof module === 'string' ? module : 'unknown', typeof name === 'string' ? name : 'unknown'));
	}

	private reduce(): void {
		const [callee, args] = this.popN(2) as [PickleValue, PickleValue];
		this.push({ kind: 'call', callee, args: sequenceItems(args) ?? [args] });
	}

	private build(): void {
		const state = this.pop();
		const target = this.top();
		if (typeof target === 'object' && target !== null && (target.kind === 'call' || target.kind === 'object')) target.state = state;
		const skipTo = this.options.afterBuild?.(target, this.in.at);
		if (skipTo !== undefined) this.in.skipTo(skipTo);
	}

	private inst(cls: PickleGlobal): void {
		this.push({ kind: 'object', cls, args: this.popMark() });
	}

	private obj(): void {
		const [cls, ...args] = this.popMark();
		if (cls === undefined) throw this.underflow();
		this.push({ kind: 'object', cls, args });
	}

	private newObj(): void {
		const [cls, args] = this.popN(2) as [PickleValue, PickleValue];
		this.push({ kind: 'object', cls, args: sequenceItems(args) ?? [args] });
	}

	private newObjEx(): void {
		const [cls, args, kwargs] = this.popN(3) as [PickleValue, PickleValue, PickleValue];
		this.push({ kind: 'object', cls, args: sequenceItems(args) ?? [args], kwargs });
	}

	/** APPEND(S) and ADDITEMS: into a list or set; into a call or object's items (a list subclass, a deque). */
	private append(items: PickleValue[]): void {
		const target = this.top();
		if (typeof target !== 'object' || target === null) return;
		if (target.kind === 'list' || target.kind === 'set') target.items.push(...items);
		else if (target.kind === 'call' || target.kind === 'object') (target.items ??= []).push(...items);
	}

	/** SETITEM(S): into a dict, or a call or object's entries (an OrderedDict is a call). */
	private setItems(flat: PickleValue[]): void {
		const target = this.top();
		if (typeof target !== 'object' || target === null) return;
		if (target.kind === 'dict') target.entries.push(..._pairs(flat));
		else if (target.kind === 'call' || target.kind === 'object') (target.entries ??= []).push(..._pairs(flat));
	}

	private mark(): void {
		if (this.marks.length >= this.maxDepth) {
			throw badPickle('too-deep', `The pickle nests MARKs deeper than ${this.maxDepth} at offset ${this.in.opStart}.`, { format: this.format, offset: this.in.opStart, limit: this.maxDepth });
		}
		this.marks.push(this.stack);
		this.stack = [];
	}

	private popMark(): PickleValue[] {
		const items = this.stack;
		const outer = this.marks.pop();
		if (outer === undefined) throw this.underflow();
		this.stack = outer;
		return items;
	}

	private get(key: number): PickleValue {
		const value = this.memo.get(key);
		if (value === undefined) throw badPickle('bad-memo', `The pickle reads memo entry ${key} at offset ${this.in.opStart}, which was never stored.`, { format: this.format, offset: this.in.opStart, found: String(key) });
		return value;
	}

	private put(key: number): void {
		if (this.memo.size >= _MAX_MEMO && !this.memo.has(key)) {
			throw badPickle('too-many', `The pickle stores more than ${_MAX_MEMO} memo entries.`, { format: this.format, offset: this.in.opStart, limit: _MAX_MEMO });
		}
		this.memo.set(key, this.top());
	}

	// The stack.

	private push(value: PickleValue): void {
		if (this.stack.length >= _MAX_STACK) throw badPickle('too-many', `The pickle stacks more than ${_MAX_STACK} values.`, { format: this.format, offset: this.in.opStart, limit: _MAX_STACK });
		this.stack.push(value);
	}

	private pop(): PickleValue {
		if (this.stack.length === 0) throw this.underflow();
		return this.stack.pop() as PickleValue;
	}

	private popN(count: number): PickleValue[] {
		if (this.stack.length < count) throw this.underflow();
		return this.stack.splice(this.stack.length - count, count);
	}

	private top(): PickleValue {
		if (this.stack.length === 0) throw this.underflow();
		return this.stack[this.stack.length - 1] as PickleValue;
	}

	private underflow() {
		return badPickle('stack-underflow', `The opcode at offset ${this.in.opStart} takes more values than the pickle's stack holds: the file is damaged.`, { format: this.format, offset: this.in.opStart });
	}

}

/** `[k1, v1, k2, v2]` as pairs; an odd count drops the last key, as Python's SETITEMS would fail on it. */
function _pairs(flat: PickleValue[]): Array<[PickleValue, PickleValue]> {
	const pairs: Array<[PickleValue, PickleValue]> = [];
	for (let index = 0; index + 1 < flat.length; index += 2) pairs.push([flat[index] as PickleValue, flat[index + 1] as PickleValue]);
	return pairs;
}
