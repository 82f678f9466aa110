// Node + browser: pure TypeScript, no DOM, no idb, no OPFS.
//
// A forward cursor over a GGUF header read in chunks through a RandomAccessSource. The header is a run of
// little-endian fields of unknown total length (a 256k-token vocabulary is several MiB), so it is fetched
// a chunk at a time; strings nobody keeps are stepped over without being read at all.
// Hot loops call `has(n)` and only `await fill(n)` when it is false, so the common path costs no microtask.
import { decodeUtf8 } from '../bundle/zip-format.ts';
import type { RandomAccessSource } from '../byte-streams.ts';
import { ShelfError } from '../errors.ts';


/**
 * Bytes fetched by the first read, doubling per read up to the last: most headers (no vocabulary) are a
 * few KiB and cost one small read, while a multi-MiB vocabulary still takes only a handful.
 */
const FIRST_CHUNK_BYTES = 64 * 1024;
const LARGEST_CHUNK_BYTES = 2 * 1024 * 1024;

/** Refuses a GGUF file with `BAD_MODEL_FILE`. */
export function ggufError(reason: string, message: string, extra: { offset?: number; limit?: number; found?: string } = {}): ShelfError<'BAD_MODEL_FILE'> {
	return new ShelfError('BAD_MODEL_FILE', message, { format: 'gguf', reason, ...extra });
}

/** Sequential reads of a GGUF header; the position is also the count of header bytes consumed. */
export class GgufCursor {
	position = 0;
	private chunk: Uint8Array = new Uint8Array(0);
	private chunkStart = 0;
	private chunkBytes = FIRST_CHUNK_BYTES;
	private view: DataView = new DataView(this.chunk.buffer);

	/**
	 * @param source the file
	 * @param maxHeaderBytes how far into the file the header may reach
	 */
	constructor(
		private readonly source: RandomAccessSource,
		private readonly maxHeaderBytes: number
	) {}

	/**
	 * True when the next `n` bytes are already buffered.
	 * @param n bytes wanted
	 */
	has(n: number): boolean {
		return this.position - this.chunkStart + n <= this.chunk.length;
	}

	/**
	 * Buffers at least the next `n` bytes, refusing a header that runs past the file or the limit.
	 * @param n bytes wanted
	 */
	async fill(n: number): Promise<void> {
		this.check(n);
		if (this.has(n)) return;
		const length = Math.min(Math.max(n, this.chunkBytes), this.source.size - this.position);
		this.chunkBytes = Math.min(this.chunkBytes * 2, LARGEST_CHUNK_BYTES);
		const bytes = await this.source.read(this.position, length);
		if (bytes.length < n) throw ggufError('truncated', `The GGUF file ends at ${this.position + bytes.length} bytes, inside its header. It may be cut short: copy it again.`, { offset: this.position });
		this.chunk = bytes;
		this.chunkStart = this.position;
		this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
	}

	/**
	 * Steps over `n` bytes without reading them.
	 * @param n bytes to skip
	 */
	skip(n: number): void {
		this.check(n);
		this.position += n;
	}

	/** Reads a u8 (call `fill` first). */
	u8(): number {
		return this.chunk[this.advance(1)]!;
	}

	/** Reads a little-endian u32 (call `fill` first). */
	u32(): number {
		return this.view.getUint32(this.advance(4), true);
	}

	/** Reads a little-endian u64 as a number, or as a bigint past 2^53 (call `fill` first). */
	u64(): number | bigint {
		const value = this.view.getBigUint64(this.advance(8), true);
		return value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) : value;
	}

	/** Reads a little-endian i64 as a number, or as a bigint outside ±2^53 (call `fill` first). */
	i64(): number | bigint {
		const value = this.view.getBigInt64(this.advance(8), true);
		return value <= BigInt(Number.MAX_SAFE_INTEGER) && value >= BigInt(Number.MIN_SAFE_INTEGER) ? Number(value) : value;
	}

	/**
	 * Reads one fixed-size scalar of the given GGUF value type (call `fill` first).
	 * @param type a value type other than string and array
	 */
	scalar(type: number): number | bigint | boolean {
		switch (type) {
			case 0: return this.u8();
			case 1: return this.view.getInt8(this.advance(1));
			case 2: return this.view.getUint16(this.advance(2), true);
			case 3: return this.view.getInt16(this.advance(2), true);
			case 4: return this.u32();
			case 5: return this.view.getInt32(this.advance(4), true);
			case 6: return this.view.getFloat32(this.advance(4), true);
			case 7: return this.bool();
			case 10: return this.u64();
			case 11: return this.i64();
			case 12: return this.view.getFloat64(this.advance(8), true);
			default: throw ggufError('bad-type', `The GGUF header has a value of unknown type ${type}.`, { offset: this.position, found: String(type) });
		}
	}

	/**
	 * Reads a length-prefixed UTF-8 string, or steps over it when `keep` is false (then answers null).
	 * @param keep whether the text is wanted
	 * @param maxLength the most bytes a valid string of this kind may have
	 */
	async string(keep: boolean, maxLength = Number.MAX_SAFE_INTEGER): Promise<string | null> {
		if (!this.has(8)) await this.fill(8);
		const at = this.position;
		const length = this.u64();
		if (typeof length === 'bigint' || length > maxLength) {
			throw ggufError('too-large', `A GGUF string at byte ${at} claims ${length} bytes, more than ${Math.min(maxLength, this.maxHeaderBytes)} allowed. The file is damaged or not GGUF.`, { offset: at, found: String(length) });
		}
		if (!keep) {
			this.skip(length);
			return null;
		}
		if (!this.has(length)) await this.fill(length);
		const start = this.advance(length);
		const text = decodeUtf8(this.chunk.subarray(start, start + length));
		if (text === null) throw ggufError('bad-utf8', `A GGUF string at byte ${at} is not valid UTF-8.`, { offset: at });
		return text;
	}

	/**
	 * Steps over `count` length-prefixed strings (a vocabulary past its preview), reading only their lengths.
	 * @param count strings to skip
	 */
	async skipStrings(count: number): Promise<void> {
		for (let i = 0; i < count; i++) {
			if (!this.has(8)) await this.fill(8);
			const at = this.position;
			const length = this.u64();
			if (typeof length === 'bigint') throw ggufError('too-large', `A GGUF string at byte ${at} claims ${length} bytes. The file is damaged or not GGUF.`, { offset: at, found: String(length) });
			this.skip(length);
		}
	}

	/**
	 * Refuses `count` items of at least `minBytes` each when they cannot fit in what is left of the header,
	 * before any of them is read: a claimed 10^12-item array fails at once, not after a long loop.
	 * @param count items claimed
	 * @param minBytes the fewest bytes one item takes
	 * @param what what the items are, for the message
	 */
	expectRoom(count: number, minBytes: number, what: string): void {
		const needed = count * minBytes;
		if (needed > this.maxHeaderBytes - this.position) {
			throw ggufError('too-many', `The GGUF header claims ${count} ${what}, more than fit in the ${this.maxHeaderBytes} bytes read for a header. The file is damaged or not GGUF.`, { offset: this.position, limit: this.maxHeaderBytes, found: String(count) });
		}
		if (needed > this.source.size - this.position) {
			throw ggufError('truncated', `The GGUF header claims ${count} ${what}, more than fit in the rest of the file. It may be cut short: copy it again.`, { offset: this.position, found: String(count) });
		}
	}

	// ---------------------------------------------------------------------------------------------

	private bool(): boolean {
		const at = this.position;
		const byte = this.u8();
		if (byte > 1) throw ggufError('bad-value', `A GGUF boolean at byte ${at} is ${byte}; only 0 and 1 are valid.`, { offset: at, found: String(byte) });
		return byte === 1;
	}

	/** Moves past `n` buffered bytes, answering where they start in the chunk. */
	private advance(n: number): number {
		const at = this.position - this.chunkStart;
		this.position += n;
		return at;
	}

	private check(n: number): void {
		const end = this.position + n;
		if (end > this.maxHeaderBytes) {
			throw ggufError('too-large', `The GGUF header runs past ${this.maxHeaderBytes} bytes, the most read for a header. The file is damaged, or its metadata is unusually large.`, { offset: this.position, limit: this.maxHeaderBytes });
		}
		if (end > this.source.size) throw ggufError('truncated', `The GGUF header runs past the file's end (${this.source.size} bytes). It may be cut short: copy it again.`, { offset: this.position });
	}
}
