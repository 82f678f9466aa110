// Node + browser: pure TypeScript, no DOM, no idb, no OPFS.
//
// Reads a pickle opcode's arguments (pickle-vm.ts): every length is checked against the bytes before it is
// trusted, so a lying length is `truncated`, never a huge allocation, and text is decoded without TextDecoder
// (core's lib is es2022 only).
import { decodeUtf8 } from '../bundle/zip-format.ts';
import { badPickle, parseDecimal, unquotePythonString, type PickleValue } from './pickle-values.ts';

/** A position in a pickle's bytes, and where the current opcode started (for errors). */
export class PickleCursor {
	/** Where the current opcode started. */
	opStart = 0;

	/**
	 * @param bytes the pickle stream
	 * @param at where to start
	 * @param format the format named in errors
	 */
	constructor(
		private readonly bytes: Uint8Array,
		public at: number,
		private readonly format: string
	) {}

	/**
	 * Moves forward to `offset` (bytes a loader reads itself), within the bytes.
	 * @param offset the new position
	 */
	skipTo(offset: number): void {
		if (offset < this.at || offset > this.bytes.length) throw this.truncated();
		this.at = offset;
	}

	/** One byte. */
	u8(): number {
		if (this.at >= this.bytes.length) throw this.truncated();
		return this.bytes[this.at++] as number;
	}

	/** The next `count` bytes, as a view (no copy). */
	take(count: number): Uint8Array {
		this.length(count, true);
		const bytes = this.bytes.subarray(this.at, this.at + count);
		this.at += count;
		return bytes;
	}

	/** The next `count` bytes, for reading numbers from. */
	view(count: number): DataView {
		const bytes = this.take(count);
		return new DataView(bytes.buffer, bytes.byteOffset, count);
	}

	/** An 8-byte little-endian length; beyond the bytes it cannot be honest. */
	u64(): number {
		const view = this.view(8);
		const value = view.getBigUint64(0, true);
		if (value > BigInt(this.bytes.length)) throw this.truncated();
		return Number(value);
	}

	/** A declared length: negative is damage, past the end is a cut-short file. */
	length(count: number, mustFit = true): number {
		if (count < 0) throw badPickle('bad-value', `A length at offset ${this.opStart} is negative.`, { format: this.format, offset: this.opStart, found: String(count) });
		if (mustFit && this.at + count > this.bytes.length) throw this.truncated();
		return count;
	}

	/** A newline-terminated argument (protocol 0), as Latin-1 text without the newline. */
	line(): string {
		const end = this.bytes.indexOf(0x0a, this.at);
		if (end < 0) throw this.truncated();
		const text = latin1(this.bytes.subarray(this.at, end));
		this.at = end + 1;
		return text;
	}

	/** An INT or LONG line's value. */
	decimal(text: string, opcode: string): number | bigint | boolean {
		const value = parseDecimal(text);
		if (value === undefined) throw this.badValue(opcode, text);
		return value;
	}

	/** A memo key line (GET, PUT). */
	index(text: string): number {
		const value = parseDecimal(text);
		if (typeof value !== 'number' || value < 0) throw this.badValue('memo key', text);
		return value;
	}

	/** A FLOAT line's value. */
	float(text: string): number {
		// Python's repr writes `inf`, `-inf` and `nan`, which Number() does not take.
		const special = /^([+-]?)(inf|infinity|nan)$/i.exec(text);
		if (special) return special[2]?.toLowerCase() === 'nan' ? Number.NaN : special[1] === '-' ? -Infinity : Infinity;
		const value = Number(text);
		if (text.trim() === '' || Number.isNaN(value)) throw this.badValue('FLOAT', text);
		return value;
	}

	/** A STRING line's quoted literal, decoded. */
	quoted(text: string): string {
		const value = unquotePythonString(text);
		if (value === null) throw this.badValue('STRING', text);
		return value;
	}

	/** Bytes as a pickle value. */
	blob(data: Uint8Array, mutable: boolean): PickleValue {
		return { kind: 'bytes', data, mutable };
	}

	/** The error for bytes that end inside the current opcode. */
	truncated() {
		return badPickle('truncated', `The pickle ends at offset ${this.bytes.length} in the middle of the opcode at ${this.opStart}: the file was cut short.`, { format: this.format, offset: this.opStart });
	}

	/** The error for an argument that is not what its opcode takes. */
	badValue(what: string, text: string) {
		return badPickle('bad-value', `The ${what} argument at offset ${this.opStart} is not valid: the file is damaged.`, { format: this.format, offset: this.opStart, found: text.slice(0, 40) });
	}
}

/**
 * Bytes as Latin-1 text (each byte one char), in slices so long strings do not overflow the call stack.
 * @param bytes the bytes
 */
export function latin1(bytes: Uint8Array): string {
	let text = '';
	for (let index = 0; index < bytes.length; index += 8192) text += String.fromCharCode(...bytes.subarray(index, index + 8192));
	return text;
}

/**
 * UTF-8 text; Python writes lone surrogates with `surrogatepass`, which strict decoding refuses: those stay Latin-1.
 * @param bytes the bytes
 */
export function utf8(bytes: Uint8Array): string {
	return decodeUtf8(bytes) ?? latin1(bytes);
}
