// Node + browser: pure TypeScript, no DOM, no idb, no OPFS.
//
// A protobuf wire-format reader over a RandomAccessSource (issue 17). Whole-message decoders (protobufjs,
// onnx's own) need the file in one buffer, which fails past the browser's 2 GB ArrayBuffer limit on big
// ONNX models (https://github.com/lutzroeder/netron/issues/497). This one walks fields one at a time and
// reads a length-delimited value only when asked: a field the caller does not want (a tensor's raw_data)
// is skipped by moving the cursor past it, never read. Every count is paid for in bytes actually read, and
// those are capped, so a lying file ends in BAD_MODEL_FILE, never a hang or an out-of-memory.

import type { RandomAccessSource } from '../byte-streams.ts';
import { decodeUtf8 } from '../bundle/zip-format.ts';
import { ShelfError } from '../errors.ts';

/** The wire types this reader accepts; groups (3, 4) are long deprecated and refused. */
export const WIRE_TYPE = { VARINT: 0, I64: 1, LEN: 2, I32: 5 } as const;

/** One of {@link WIRE_TYPE}. */
export type WireType = (typeof WIRE_TYPE)[keyof typeof WIRE_TYPE];

/** One field as found: its value is decoded only for varints; anything else is a byte range to read or skip. */
export interface ProtoField {
	/** The field number from the `.proto` file. */
	number: number;
	wireType: WireType;
	/** A varint's value as a signed int64 (exact up to 2^53); 0 for other wire types. */
	value: number;
	/** Where the value's bytes are: [start, end) from the file's start. */
	start: number;
	end: number;
}

/** A message being walked: the byte range it spans, how deep it sits, and the cursor. */
export interface ProtoMessage {
	readonly start: number;
	readonly end: number;
	readonly depth: number;
	/** The offset of the next field's tag. */
	position: number;
}

/** How a {@link ProtobufReader} names its failures and how far it may go. */
export interface ProtobufReaderOptions {
	/** The format named in BAD_MODEL_FILE details, e.g. `onnx`. */
	format: string;
	/** Messages nested deeper than this fail with reason `too-deep`. */
	maxDepth: number;
	/** Bytes served by the source, at most; more fails with reason `too-large`. */
	maxBytesRead: number;
	/**
	 * Fields walked at most (skipped ones too); more fails with reason `too-many`. Bytes alone do not bound
	 * the time: 64 MiB of two-byte empty fields is 33 million fields, tens of seconds.
	 */
	maxFields: number;
	/** The file's path in its version, carried into BAD_MODEL_FILE details. */
	path?: string;
}

/** The longest varint protobuf allows: 64 bits in 7-bit groups. */
const MAX_VARINT_BYTES = 10;
/** The first window after a seek: small, since a skip often lands just before a few small fields. */
const MIN_WINDOW = 4 * 1024;
/** Windows double while reading moves forward without skipping, up to this. */
const MAX_WINDOW = 1024 * 1024;

/**
 * Walks protobuf messages in a {@link RandomAccessSource} without reading the fields it skips.
 *
 * @example
 * const reader = new ProtobufReader(source, { format: 'onnx', maxDepth: 64, maxBytesRead: 64 << 20, maxFields: 4e6 });
 * const model = reader.root();
 * for (let field; (field = await reader.next(model)); ) if (field.number === 1) irVersion = field.value;
 */
export class ProtobufReader {
	readonly #source: RandomAccessSource;
	readonly #options: ProtobufReaderOptions;
	#window: Uint8Array = new Uint8Array(0);
	#windowStart = 0;
	#nextWindowSize = MIN_WINDOW;
	#bytesRead = 0;
	/** The length of the varint #decodeVarint last decoded. */
	#varintLength = 0;
	#fields = 0;

	/**
	 * @param source the file
	 * @param options format name and limits
	 */
	constructor(source: RandomAccessSource, options: ProtobufReaderOptions) {
		this.#source = source;
		this.#options = options;
	}

	/** Bytes the source has served so far. */
	get bytesRead(): number {
		return this.#bytesRead;
	}

	/** The whole file as the top-level message. */
	root(): ProtoMessage {
		return { start: 0, end: this.#source.size, depth: 0, position: 0 };
	}

	/**
	 * The message held in a length-delimited field, to walk it.
	 * @param parent the message the field is in
	 * @param field a field of wire type LEN
	 */
	child(parent: ProtoMessage, field: ProtoField): ProtoMessage {
		if (field.wireType !== WIRE_TYPE.LEN) this.fail('bad-wire-type', `field ${field.number} should hold a message but has wire type ${field.wireType}`, field.start);
		const depth = parent.depth + 1;
		if (depth > this.#options.maxDepth) this.fail('too-deep', `messages nest deeper than ${this.#options.maxDepth}`, field.start, { limit: this.#options.maxDepth });
		return { start: field.start, end: field.end, depth, position: field.start };
	}

	/**
	 * The next field of `message`, or null at its end; the cursor moves past the field's value either way.
	 * Synchronous while the window holds the field's head (the usual case: awaiting every field would
	 * cost more than decoding it), a promise when the window must be refilled first.
	 * @param message the message being walked
	 */
	next(message: ProtoMessage): ProtoField | null | Promise<ProtoField | null> {
		if (message.position >= message.end) return null;
		// A tag and a varint or length take at most two varints.
		const head = Math.min(2 * MAX_VARINT_BYTES, message.end - message.position);
		if (this.#holds(message.position, head)) return this.#decodeField(message);
		return this.#load(message.position, head).then(() => this.#decodeField(message));
	}

	/**
	 * A length-delimited field's bytes; only these are read.
	 * @param field a field of wire type LEN
	 * @param maxLength longer values fail with `too-large`, unless `truncate` is set
	 * @param truncate read only the first `maxLength` bytes instead of failing
	 */
	async bytes(field: ProtoField, maxLength: number, truncate = false): Promise<Uint8Array> {
		const length = field.end - field.start;
		if (length > maxLength && !truncate) this.fail('too-large', `field ${field.number} holds ${length} bytes, more than the ${maxLength} expected`, field.start, { limit: maxLength });
		return this.#read(field.start, Math.min(length, maxLength));
	}

	/**
	 * A length-delimited field as UTF-8 text.
	 * @param field a field of wire type LEN
	 * @param maxLength longest accepted, in bytes
	 * @param truncate keep the first `maxLength` bytes instead of failing
	 */
	async string(field: ProtoField, maxLength = 1024 * 1024, truncate = false): Promise<string> {
		if (field.wireType !== WIRE_TYPE.LEN) this.fail('bad-wire-type', `field ${field.number} should hold text but has wire type ${field.wireType}`, field.start);
		const bytes = await this.bytes(field, maxLength, truncate);
		const cut = bytes.length < field.end - field.start;
		return _lenientUtf8(cut ? _wholeCharacters(bytes) : bytes);
	}

	/**
	 * A repeated varint field's values from one field: packed (LEN) or a single unpacked varint.
	 * @param field the field
	 * @param maxCount more values fail with `too-many`
	 */
	async varints(field: ProtoField, maxCount: number): Promise<number[]> {
		if (field.wireType === WIRE_TYPE.VARINT) return [field.value];
		if (field.wireType !== WIRE_TYPE.LEN) this.fail('bad-wire-type', `field ${field.number} should hold integers but has wire type ${field.wireType}`, field.start);
		const values: number[] = [];
		for (let at = field.start; at < field.end; ) {
			if (values.length >= maxCount) this.fail('too-many', `field ${field.number} holds more than ${maxCount} integers`, at, { limit: maxCount });
			const head = Math.min(MAX_VARINT_BYTES, field.end - at);
			if (!this.#holds(at, head)) await this.#load(at, head);
			values.push(this.#decodeVarint(at, field.end));
			at += this.#varintLength;
		}
		return values;
	}

	/**
	 * Throws BAD_MODEL_FILE for this reader's format.
	 * @param reason the short stable word
	 * @param what what is wrong
	 * @param offset where in the file
	 * @param extra limit or found value
	 */
	fail(reason: string, what: string, offset: number, extra: { limit?: number; found?: string } = {}): never {
		const hint = reason === 'too-deep' || reason === 'too-many' || reason === 'too-large' ? 'the file may be hostile, or larger than this reader allows' : 'the file is damaged or not this format';
		throw new ShelfError('BAD_MODEL_FILE', `Cannot read this ${this.#options.format} file: ${what} (at byte ${offset}); ${hint}.`, {
			format: this.#options.format,
			reason,
			...(this.#options.path === undefined ? {} : { path: this.#options.path }),
			offset,
			...extra
		});
	}

	// ---------------------------------------------------------------------------

	#checkInside(end: number, message: ProtoMessage, at: number): void {
		if (end <= message.end) return;
		if (end > this.#source.size) this.fail('truncated', `a field runs to byte ${end}, past the file's end at ${this.#source.size}`, at, { limit: this.#source.size });
		this.fail('out-of-range', `a field runs to byte ${end}, past its enclosing message's end at ${message.end}`, at, { limit: message.end });
	}

	/** Decodes the field at the message's cursor, whose head the window holds, and moves the cursor past it. */
	#decodeField(message: ProtoMessage): ProtoField {
		const tagAt = message.position;
		if (++this.#fields > this.#options.maxFields) this.fail('too-many', `the file holds more than ${this.#options.maxFields} fields`, tagAt, { limit: this.#options.maxFields });
		const tag = this.#decodeVarint(tagAt, message.end);
		const number = Math.floor(tag / 8);
		const wireType = tag % 8;
		if (tag < 0 || number < 1 || number > 0x1fffffff) this.fail('bad-field', `a field number ${number} is not valid protobuf`, tagAt);
		let start = tagAt + this.#varintLength;
		let end: number;
		let value = 0;
		if (wireType === WIRE_TYPE.VARINT) {
			value = this.#decodeVarint(start, message.end);
			end = start + this.#varintLength;
		} else if (wireType === WIRE_TYPE.I64 || wireType === WIRE_TYPE.I32) {
			end = start + (wireType === WIRE_TYPE.I64 ? 8 : 4);
			this.#checkInside(end, message, tagAt);
		} else if (wireType === WIRE_TYPE.LEN) {
			const length = this.#decodeVarint(start, message.end);
			start += this.#varintLength;
			if (length < 0) this.fail('out-of-range', `field ${number} claims a negative length`, tagAt);
			end = start + length;
			this.#checkInside(end, message, tagAt);
		} else {
			const what = wireType === 3 || wireType === 4 ? 'a group (deprecated, not supported)' : `wire type ${wireType}`;
			return this.fail('bad-wire-type', `field ${number} uses ${what}`, tagAt, { found: String(wireType) });
		}
		message.position = end;
		return { number, wireType: wireType as WireType, value, start, end };
	}

	/**
	 * Decodes the varint at `at`, which must end before `end`, from the window (which holds
	 * min(10, end - at) bytes from `at`); its length goes in #varintLength, to allocate nothing.
	 * Exact up to 7 bytes; longer ones (negative int64s) go through BigInt.
	 */
	#decodeVarint(at: number, end: number): number {
		const available = Math.min(MAX_VARINT_BYTES, end - at);
		const window = this.#window;
		const base = at - this.#windowStart;
		let value = 0;
		for (let i = 0; i < available; i++) {
			const byte = window[base + i]!;
			if (i < 7) value += (byte & 0x7f) * 2 ** (7 * i);
			if (byte < 0x80) {
				this.#varintLength = i + 1;
				return i < 7 ? value : _bigVarint(window.subarray(base, base + i + 1));
			}
		}
		if (available === MAX_VARINT_BYTES) this.fail('bad-varint', `a varint runs longer than ${MAX_VARINT_BYTES} bytes`, at, { limit: MAX_VARINT_BYTES });
		const atFileEnd = end >= this.#source.size;
		return this.fail(atFileEnd ? 'truncated' : 'out-of-range', `a varint is cut off by ${atFileEnd ? "the file's end" : "its enclosing message's end"}`, at);
	}

	/** True when the window holds [at, at + length). */
	#holds(at: number, length: number): boolean {
		const offset = at - this.#windowStart;
		return offset >= 0 && offset + length <= this.#window.length;
	}

	/** Refills the window from `at` so it holds at least `length` bytes (the file's end permitting). */
	async #load(at: number, length: number): Promise<void> {
		// Reading on from where the window ended is a sequential walk, so widen; anything else was a skip.
		const sequential = at >= this.#windowStart && at <= this.#windowStart + this.#window.length;
		this.#nextWindowSize = sequential ? Math.min(this.#nextWindowSize * 2, MAX_WINDOW) : MIN_WINDOW;
		// The window never spends budget the walk may not need: past the cap only what was asked is read.
		const budget = this.#options.maxBytesRead - this.#bytesRead;
		const size = Math.min(Math.max(length, Math.min(this.#nextWindowSize, budget)), this.#source.size - at);
		this.#window = (await this.#fetch(at, size)) as Uint8Array;
		this.#windowStart = at;
		if (this.#window.length < length) this.fail('truncated', `the file ends before byte ${at + length}`, at, { limit: this.#source.size });
	}

	/** A copy of [at, at + length): values kept by the caller must not alias the window. */
	async #read(at: number, length: number): Promise<Uint8Array> {
		if (length <= MAX_WINDOW) {
			if (!this.#holds(at, length)) await this.#load(at, length);
			return this.#window.slice(at - this.#windowStart, at - this.#windowStart + length);
		}
		const bytes = await this.#fetch(at, length);
		if (bytes.length < length) this.fail('truncated', `the file ends before byte ${at + length}`, at, { limit: this.#source.size });
		return bytes;
	}

	async #fetch(at: number, length: number): Promise<Uint8Array> {
		if (this.#bytesRead + length > this.#options.maxBytesRead) {
			this.fail('too-large', `reading the structure needs more than ${this.#options.maxBytesRead} bytes`, at, { limit: this.#options.maxBytesRead });
		}
		const bytes = await this.#source.read(at, length);
		this.#bytesRead += bytes.length;
		return bytes;
	}
}

/** UTF-8 text; proto2 does not enforce it, so invalid bytes become U+FFFD rather than failing the file. */
function _lenientUtf8(bytes: Uint8Array): string {
	const text = decodeUtf8(bytes);
	if (text !== null) return text;
	let lossy = '';
	// In slices: one call with a huge argument list can overflow the stack.
	for (let at = 0; at < bytes.length; at += 4096) {
		lossy += String.fromCharCode(...Array.from(bytes.subarray(at, at + 4096), (byte) => (byte < 0x80 ? byte : 0xfffd)));
	}
	return lossy;
}

/** Text cut at a byte limit, less a character the cut split. */
function _wholeCharacters(bytes: Uint8Array): Uint8Array {
	let end = bytes.length;
	while (end > 0 && end > bytes.length - 4 && (bytes[end - 1]! & 0xc0) === 0x80) end--;
	// `end - 1` is now a lead byte (or ASCII): drop it when its sequence needs more bytes than remain.
	const lead = bytes[end - 1] ?? 0;
	const needs = lead >= 0xf0 ? 4 : lead >= 0xe0 ? 3 : lead >= 0xc0 ? 2 : 1;
	return needs > bytes.length - (end - 1) ? bytes.subarray(0, end - 1) : bytes;
}

/** A long varint (8–10 bytes, e.g. a negative int64) as a signed 64-bit number. */
function _bigVarint(bytes: Uint8Array): number {
	let value = 0n;
	for (let i = bytes.length - 1; i >= 0; i--) value = (value << 7n) | BigInt(bytes[i]! & 0x7f);
	return Number(BigInt.asIntN(64, value));
}
