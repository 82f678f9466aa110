// Test helpers for the zip reader and writer: byte-level zip crafting (hostile archives are built here,
// never hand-edited), in-memory and file-backed sources and sinks, and the external tools we compare with.
import { PYTHON } from '../tools.ts';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { open, type FileHandle } from 'node:fs/promises';
import { expect } from 'vitest';
import { ShelfError } from '../../src/lib/core/errors.ts';
import { crc32 } from 'node:zlib';
import { encodeUtf8, encodeZip64Extra, writeU16, writeU32, writeU64 } from '../../src/lib/core/bundle/zip-format.ts';
import { concatBytes, type ByteSink, type RandomAccessSource } from '../../src/lib/core/byte-streams.ts';

/** One entry of a crafted archive; every header field can be made to lie. */
export interface CraftEntry {
	name: string | Uint8Array;
	/** The bytes after the local header (already deflated when `method` is 8). */
	data?: Uint8Array;
	method?: number;
	/** Default: bit 11 (UTF-8 names). */
	flags?: number;
	crc32?: number;
	compressedSize?: number;
	uncompressedSize?: number;
	externalAttributes?: number;
	madeBy?: number;
	/** Point the central record at entry N's local header instead of writing one. */
	localHeaderOf?: number;
	/** Put sizes and offset in a ZIP64 extra field, with 0xFFFFFFFF in the central record. */
	zip64?: boolean;
	centralExtra?: Uint8Array;
}

/** Archive-level lies and options. */
export interface CraftOptions {
	/** The entry count the end record declares (default: the real one). */
	declaredEntries?: number;
	/** Write a ZIP64 end record and locator, with sentinels in the classic record. */
	zip64End?: boolean;
	comment?: string;
}

/** Builds a zip byte by byte from a declarative description. */
export function craftZip(entries: readonly CraftEntry[], options: CraftOptions = {}): Uint8Array {
	const parts: Uint8Array[] = [];
	const central: Uint8Array[] = [];
	const offsets: number[] = [];
	let offset = 0;
	for (const entry of entries) {
		const name = typeof entry.name === 'string' ? encodeUtf8(entry.name) : entry.name;
		const data = entry.data ?? new Uint8Array(0);
		const fields = {
			flags: entry.flags ?? 0x800,
			method: entry.method ?? 0,
			crc: entry.crc32 ?? ((entry.method ?? 0) === 0 ? crc32(data) : 0),
			compressed: entry.compressedSize ?? data.length,
			uncompressed: entry.uncompressedSize ?? data.length
		};
		let localOffset = offset;
		if (entry.localHeaderOf === undefined) {
			const local = new Uint8Array(30 + name.length);
			writeU32(local, 0, 0x04034b50);
			writeU16(local, 4, 20);
			_common(local, 6, fields, name.length, 0);
			local.set(name, 30);
			parts.push(local, data);
			offset += local.length + data.length;
		} else localOffset = offsets[entry.localHeaderOf]!;
		offsets.push(localOffset);
		const wide = entry.zip64 ? encodeZip64Extra([fields.uncompressed, fields.compressed, localOffset]) : new Uint8Array(0);
		const extra = concatBytes([wide, entry.centralExtra ?? new Uint8Array(0)]);
		const record = new Uint8Array(46 + name.length + extra.length);
		writeU32(record, 0, 0x02014b50);
		writeU16(record, 4, entry.madeBy ?? (3 << 8) | 20);
		writeU16(record, 6, entry.zip64 ? 45 : 20);
		const sentinel = entry.zip64 ? { ...fields, compressed: 0xffffffff, uncompressed: 0xffffffff } : fields;
		_common(record, 8, sentinel, name.length, extra.length);
		writeU32(record, 38, entry.externalAttributes ?? (0o100644 << 16) >>> 0);
		writeU32(record, 42, entry.zip64 ? 0xffffffff : localOffset);
		record.set(name, 46);
		record.set(extra, 46 + name.length);
		central.push(record);
	}
	const centralBytes = concatBytes(central);
	const count = options.declaredEntries ?? entries.length;
	const comment = encodeUtf8(options.comment ?? '');
	const end = new Uint8Array(22 + comment.length);
	writeU32(end, 0, 0x06054b50);
	writeU16(end, 8, options.zip64End ? 0xffff : count);
	writeU16(end, 10, options.zip64End ? 0xffff : count);
	writeU32(end, 12, options.zip64End ? 0xffffffff : centralBytes.length);
	writeU32(end, 16, options.zip64End ? 0xffffffff : offset);
	writeU16(end, 20, comment.length);
	end.set(comment, 22);
	const tail: Uint8Array[] = [centralBytes];
	if (options.zip64End) {
		const record = new Uint8Array(56 + 20);
		writeU32(record, 0, 0x06064b50);
		writeU64(record, 4, 44);
		writeU16(record, 12, 45);
		writeU16(record, 14, 45);
		writeU64(record, 24, count);
		writeU64(record, 32, count);
		writeU64(record, 40, centralBytes.length);
		writeU64(record, 48, offset);
		writeU32(record, 56, 0x07064b50);
		writeU64(record, 64, offset + centralBytes.length);
		writeU32(record, 72, 1);
		tail.push(record);
	}
	return concatBytes([...parts, ...tail, end]);
}

/**
 * A source over bytes in memory that counts what is read; `shrinkTo` makes reads past it come back
 * short, like a file that changed while it was read.
 */
export function memorySource(bytes: Uint8Array, shrinkTo = bytes.length): RandomAccessSource & { bytesRead: number; maxRead: number } {
	const source = {
		size: bytes.length,
		bytesRead: 0,
		maxRead: 0,
		read: async (offset: number, length: number) => {
			source.bytesRead += length;
			source.maxRead = Math.max(source.maxRead, length);
			return bytes.slice(offset, Math.min(offset + length, shrinkTo));
		}
	};
	return source;
}

/** A source reading a file at offsets with node:fs, as a `File` is read in the browser. */
export async function fileSource(path: string): Promise<RandomAccessSource & { close(): Promise<void> }> {
	const handle: FileHandle = await open(path, 'r');
	const { size } = await handle.stat();
	return {
		size,
		read: async (offset, length) => {
			const buffer = new Uint8Array(length);
			let done = 0;
			while (done < length) {
				const { bytesRead } = await handle.read(buffer, done, length - done, offset + done);
				if (bytesRead === 0) break;
				done += bytesRead;
			}
			return buffer.subarray(0, done);
		},
		close: () => handle.close()
	};
}

/** A sink that keeps every byte in memory. */
export function memorySink(): ByteSink & { bytes(): Uint8Array } {
	const chunks: Uint8Array[] = [];
	return {
		write: async (chunk) => {
			chunks.push(chunk.slice());
		},
		bytes: () => concatBytes(chunks)
	};
}

/**
 * Asserts equal bytes by length and SHA-256: Vitest's deep equality walks typed arrays element by
 * element and takes seconds on a few hundred kilobytes.
 */
export function expectSameBytes(actual: Uint8Array | undefined, expected: Uint8Array | undefined): void {
	const describe = (bytes: Uint8Array | undefined) => bytes && { length: bytes.length, sha256: createHash('sha256').update(bytes).digest('hex') };
	expect(describe(actual)).toEqual(describe(expected));
}

/** Concatenates what an async iterable yields. */
export async function collect(chunks: AsyncIterable<Uint8Array>): Promise<Uint8Array> {
	const parts: Uint8Array[] = [];
	for await (const chunk of chunks) parts.push(chunk);
	return concatBytes(parts);
}

/** Yields `bytes` in pieces of `size`. */
export async function* inPieces(bytes: Uint8Array, size: number): AsyncGenerator<Uint8Array> {
	for (let at = 0; at < bytes.length; at += size) yield bytes.subarray(at, at + size);
}

/** Deterministic pseudo-random bytes (xorshift32), so failures reproduce. */
export function randomBytes(length: number, seed = 1): Uint8Array {
	const out = new Uint8Array(length);
	let x = seed >>> 0 || 1;
	for (let at = 0; at < length; at++) {
		x ^= x << 13;
		x ^= x >>> 17;
		x ^= x << 5;
		out[at] = x & 0xff;
	}
	return out;
}

/** Awaits a promise that must fail with a ShelfError and returns its code and reason. */
export async function refusal(run: Promise<unknown> | (() => Promise<unknown>)): Promise<{ code: string; reason: unknown }> {
	try {
		await (typeof run === 'function' ? run() : run);
	} catch (error) {
		expect(error).toBeInstanceOf(ShelfError);
		return { code: (error as ShelfError).code, reason: (error as ShelfError).details?.reason };
	}
	throw new Error('expected a refusal');
}

/** Runs a Python script with arguments and parses the JSON it prints. */
export function python<T>(script: string, ...args: string[]): T {
	return JSON.parse(execFileSync(PYTHON, ['-c', script, ...args], { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 })) as T;
}

/** Runs Python and returns its raw standard output (e.g. a zip written to a pipe). */
export function pythonBytes(script: string, ...args: string[]): Uint8Array {
	return new Uint8Array(execFileSync(PYTHON, ['-c', script, ...args], { maxBuffer: 256 * 1024 * 1024 }));
}

/**
 * CRC-32 of `length` zero bytes after `previous`, in O(log n) with zlib's GF(2) matrix method
 * (crc32_combine), so a 4 GiB sparse entry gets its true CRC without reading 4 GiB.
 */
export function crc32OfZeros(length: number, previous = 0): number {
	const times = (matrix: Uint32Array, vector: number) => {
		let sum = 0;
		for (let bit = 0; vector !== 0; bit++, vector >>>= 1) if (vector & 1) sum ^= matrix[bit]!;
		return sum >>> 0;
	};
	const square = (matrix: Uint32Array) => Uint32Array.from(matrix, (row) => times(matrix, row));
	// Operator for one zero bit, then squared to 2, 4, 8 bits: odd starts at 1 bit, even at 2.
	let odd = Uint32Array.from({ length: 32 }, (_, n) => (n === 0 ? 0xedb88320 : 1 << (n - 1)));
	let even = square(odd);
	odd = square(even);
	let crc = previous >>> 0;
	// The register (pre- and post-inverted CRC) is what zero bytes transform.
	crc = ~crc >>> 0;
	for (let n = length; n > 0; ) {
		even = square(odd);
		if (n % 2) crc = times(even, crc);
		n = Math.floor(n / 2);
		if (n === 0) break;
		odd = square(even);
		if (n % 2) crc = times(odd, crc);
		n = Math.floor(n / 2);
	}
	return ~crc >>> 0;
}

function _common(bytes: Uint8Array, at: number, f: { flags: number; method: number; crc: number; compressed: number; uncompressed: number }, nameLength: number, extraLength: number): void {
	writeU16(bytes, at, f.flags);
	writeU16(bytes, at + 2, f.method);
	writeU16(bytes, at + 4, 0);
	writeU16(bytes, at + 6, (1 << 5) | 1);
	writeU32(bytes, at + 8, f.crc);
	writeU32(bytes, at + 12, f.compressed);
	writeU32(bytes, at + 16, f.uncompressed);
	writeU16(bytes, at + 20, nameLength);
	writeU16(bytes, at + 22, extraLength);
}
