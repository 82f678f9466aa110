// Node + browser: pure TypeScript, no DOM, no idb, no OPFS.
//
// The ZIP container as bytes (PKWARE APPNOTE 6.3.10): signatures, fixed header layouts, extra
// fields (ZIP64 0x0001, our SHA-256 0x5348), DOS times and the text codecs names need
// (CRC-32 is core/digest.ts's).
// Core has no TextEncoder/TextDecoder (lib es2022 only), so UTF-8 and CP437 are done here.

/** The four-byte signatures that open each record, as little-endian numbers. */
export const ZIP_SIGNATURE = {
	localHeader: 0x04034b50,
	centralHeader: 0x02014b50,
	dataDescriptor: 0x08074b50,
	end: 0x06054b50,
	zip64End: 0x06064b50,
	zip64Locator: 0x07064b50
} as const;

/** Byte offsets of the local file header's fixed fields (30 bytes, then name and extra). */
export const LOCAL_HEADER = {
	size: 30, versionNeeded: 4, flags: 6, method: 8, time: 10, date: 12,
	crc32: 14, compressedSize: 18, uncompressedSize: 22, nameLength: 26, extraLength: 28
} as const;

/** Byte offsets of the central directory header's fixed fields (46 bytes, then name, extra, comment). */
export const CENTRAL_HEADER = {
	size: 46, madeBy: 4, versionNeeded: 6, flags: 8, method: 10, time: 12, date: 14, crc32: 16,
	compressedSize: 20, uncompressedSize: 24, nameLength: 28, extraLength: 30, commentLength: 32,
	diskStart: 34, internalAttributes: 36, externalAttributes: 38, localHeaderOffset: 42
} as const;

/** Byte offsets of the classic end of central directory record (22 bytes, then the comment). */
export const END_RECORD = {
	size: 22, disk: 4, centralDisk: 6, diskEntries: 8, entries: 10, centralSize: 12, centralOffset: 16, commentLength: 20
} as const;

/** Byte offsets of the ZIP64 end of central directory record (56 bytes without extensible data). */
export const ZIP64_END_RECORD = {
	size: 56, recordSize: 4, madeBy: 12, versionNeeded: 14, disk: 16, centralDisk: 20,
	diskEntries: 24, entries: 32, centralSize: 40, centralOffset: 48
} as const;

/** Byte offsets of the ZIP64 end of central directory locator (20 bytes, just before the classic record). */
export const ZIP64_LOCATOR = { size: 20, disk: 4, endOffset: 8, disks: 16 } as const;

/** General-purpose flag bits we read or write. */
export const ZIP_FLAG = { encrypted: 0x0001, dataDescriptor: 0x0008, strongEncryption: 0x0040, utf8: 0x0800, maskedHeaders: 0x2000 } as const;

/** Compression methods by number; only `stored` and `deflate` are read. */
export const ZIP_METHOD = { stored: 0, deflate: 8, aes: 99 } as const;

/** Header ID of the ZIP64 extended information extra field. */
export const ZIP64_EXTRA_ID = 0x0001;

/**
 * Header ID of Model Shelf's SHA-256 extra field ("SH"): 32 raw digest bytes of the uncompressed file.
 * Unzippers skip unknown extra fields (APPNOTE 4.5.1), so BentoML's `zipfile` import is unaffected.
 */
export const SHA256_EXTRA_ID = 0x5348;

/** The 16- and 32-bit "look in the ZIP64 record" sentinels. */
export const U16_MAX = 0xffff;
/** See {@link U16_MAX}. */
export const U32_MAX = 0xffffffff;

/** Version needed to extract: 2.0 for deflate and folders, 4.5 once ZIP64 fields are used. */
export const ZIP_VERSION = { default: 20, zip64: 45 } as const;

/** "Version made by": Unix host (3) and spec version 4.5, so readers honour our Unix modes. */
export const MADE_BY_UNIX = (3 << 8) | 45;

/** Unix file-type bits of `externalAttributes >>> 16`. */
export const UNIX_MODE = { typeMask: 0o170000, file: 0o100000, directory: 0o040000, symlink: 0o120000 } as const;

/** External attributes we write: `-rw-r--r--` files and `drwxr-xr-x` folders (plus the MS-DOS folder bit). */
export const EXTERNAL_ATTRIBUTES = { file: (0o100644 << 16) >>> 0, directory: ((0o040755 << 16) | 0x10) >>> 0 } as const;

/**
 * Reads a little-endian unsigned 16-bit number.
 * @param bytes the buffer
 * @param at byte offset
 */
export function readU16(bytes: Uint8Array, at: number): number {
	return bytes[at]! | (bytes[at + 1]! << 8);
}

/**
 * Reads a little-endian unsigned 32-bit number.
 * @param bytes the buffer
 * @param at byte offset
 */
export function readU32(bytes: Uint8Array, at: number): number {
	return (bytes[at]! | (bytes[at + 1]! << 8) | (bytes[at + 2]! << 16) | (bytes[at + 3]! << 24)) >>> 0;
}

/**
 * Reads a little-endian unsigned 64-bit number; values above 2^53 come back inexact but still huge,
 * so every range and limit check that follows still refuses them.
 * @param bytes the buffer
 * @param at byte offset
 */
export function readU64(bytes: Uint8Array, at: number): number {
	return readU32(bytes, at) + readU32(bytes, at + 4) * 0x1_0000_0000;
}

/**
 * Writes a little-endian 16-bit number.
 * @param bytes the buffer
 * @param at byte offset
 * @param value 0 … 0xFFFF
 */
export function writeU16(bytes: Uint8Array, at: number, value: number): void {
	bytes[at] = value & 0xff;
	bytes[at + 1] = (value >>> 8) & 0xff;
}

/**
 * Writes a little-endian 32-bit number.
 * @param bytes the buffer
 * @param at byte offset
 * @param value 0 … 0xFFFFFFFF
 */
export function writeU32(bytes: Uint8Array, at: number, value: number): void {
	writeU16(bytes, at, value & 0xffff);
	writeU16(bytes, at + 2, (value >>> 16) & 0xffff);
}

/**
 * Writes a little-endian 64-bit number.
 * @param bytes the buffer
 * @param at byte offset
 * @param value a safe integer ≥ 0
 */
export function writeU64(bytes: Uint8Array, at: number, value: number): void {
	writeU32(bytes, at, value % 0x1_0000_0000);
	writeU32(bytes, at + 4, Math.floor(value / 0x1_0000_0000));
}

/**
 * Encodes one extra field: header ID, data length, data.
 * @param id the header ID, e.g. {@link ZIP64_EXTRA_ID}
 * @param data at most 65,535 bytes
 */
export function encodeExtraField(id: number, data: Uint8Array): Uint8Array {
	const out = new Uint8Array(4 + data.length);
	writeU16(out, 0, id);
	writeU16(out, 2, data.length);
	out.set(data, 4);
	return out;
}

/**
 * Encodes a ZIP64 extra field holding 64-bit values, in the order APPNOTE 4.5.3 gives:
 * uncompressed size, compressed size, local header offset (each only when its header field overflows).
 * @param values the values to store
 */
export function encodeZip64Extra(values: readonly number[]): Uint8Array {
	const data = new Uint8Array(values.length * 8);
	values.forEach((value, index) => writeU64(data, index * 8, value));
	return encodeExtraField(ZIP64_EXTRA_ID, data);
}

/**
 * Splits an extra-field block into its fields; the first field of each ID wins. A malformed tail
 * (a length running past the end) ends the walk: callers that need a field then find it missing.
 * @param extra the extra-field bytes of one header
 */
export function parseExtraFields(extra: Uint8Array): Map<number, Uint8Array> {
	const fields = new Map<number, Uint8Array>();
	for (let at = 0; at + 4 <= extra.length; ) {
		const id = readU16(extra, at);
		const length = readU16(extra, at + 2);
		if (at + 4 + length > extra.length) break;
		if (!fields.has(id)) fields.set(id, extra.subarray(at + 4, at + 4 + length));
		at += 4 + length;
	}
	return fields;
}

/**
 * Converts a date to MS-DOS time and date fields (local time, two-second steps, 1980–2107 clamped).
 * @param date the modification time
 */
export function toDosDateTime(date: Date): { time: number; date: number } {
	const year = date.getFullYear();
	if (Number.isNaN(year) || year < 1980) return { time: 0, date: (1 << 5) | 1 };
	if (year > 2107) return { time: (23 << 11) | (59 << 5) | 29, date: (127 << 9) | (12 << 5) | 31 };
	return {
		time: (date.getHours() << 11) | (date.getMinutes() << 5) | (date.getSeconds() >> 1),
		date: ((year - 1980) << 9) | ((date.getMonth() + 1) << 5) | date.getDate()
	};
}

/**
 * Encodes text as UTF-8; lone surrogates become U+FFFD, as `TextEncoder` does.
 * @param text any string
 */
export function encodeUtf8(text: string): Uint8Array {
	const out: number[] = [];
	for (const char of text) {
		let code = char.codePointAt(0)!;
		if (code >= 0xd800 && code <= 0xdfff) code = 0xfffd;
		if (code < 0x80) out.push(code);
		else if (code < 0x800) out.push(0xc0 | (code >> 6), 0x80 | (code & 63));
		else if (code < 0x10000) out.push(0xe0 | (code >> 12), 0x80 | ((code >> 6) & 63), 0x80 | (code & 63));
		else out.push(0xf0 | (code >> 18), 0x80 | ((code >> 12) & 63), 0x80 | ((code >> 6) & 63), 0x80 | (code & 63));
	}
	return Uint8Array.from(out);
}

/**
 * Decodes strict UTF-8 (no overlongs, surrogates or code points above U+10FFFF).
 * @param bytes the encoded text
 * @returns the text, or `null` when the bytes are not valid UTF-8
 */
export function decodeUtf8(bytes: Uint8Array): string | null {
	const codes: number[] = [];
	for (let at = 0; at < bytes.length; ) {
		const lead = bytes[at]!;
		const [length, min] = lead < 0x80 ? [1, 0] : lead < 0xc2 ? [0, 0] : lead < 0xe0 ? [2, 0x80] : lead < 0xf0 ? [3, 0x800] : lead < 0xf5 ? [4, 0x10000] : [0, 0];
		if (length === 0 || at + length > bytes.length) return null;
		let code = length === 1 ? lead : lead & (0xff >> (length + 1));
		for (let k = 1; k < length; k++) {
			const next = bytes[at + k]!;
			if ((next & 0xc0) !== 0x80) return null;
			code = (code << 6) | (next & 63);
		}
		if (code < min || code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff)) return null;
		codes.push(code);
		at += length;
	}
	return _fromCodePoints(codes);
}

/**
 * Decodes IBM code page 437, the names' encoding when flag bit 11 is clear (APPNOTE appendix D).
 * Bytes below 0x80 are ASCII, as Python's `cp437` codec and Info-ZIP read them.
 * @param bytes the encoded name
 */
export function decodeCp437(bytes: Uint8Array): string {
	return _fromCodePoints(Array.from(bytes, (byte) => (byte < 0x80 ? byte : _CP437_HIGH.charCodeAt(byte - 0x80))));
}

// ---------------------------------------------------------------------------

const _CP437_HIGH =
	'ÇüéâäàåçêëèïîìÄÅÉæÆôöòûùÿÖÜ¢£¥₧ƒáíóúñÑªº¿⌐¬½¼¡«»░▒▓│┤╡╢╖╕╣║╗╝╜╛┐└┴┬├─┼╞╟╚╔╩╦╠═╬╧╨╤╥╙╘╒╓╫╪┘┌█▄▌▐▀αßΓπΣσµτΦΘΩδ∞φε∩≡±≥≤⌠⌡÷≈°∙·√ⁿ²■\u00a0';

function _fromCodePoints(codes: readonly number[]): string {
	let text = '';
	// Spread in slices: one call with a huge argument list can overflow the stack.
	for (let at = 0; at < codes.length; at += 4096) text += String.fromCodePoint(...codes.slice(at, at + 4096));
	return text;
}
