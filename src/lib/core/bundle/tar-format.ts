// Node + browser: pure TypeScript, no DOM, no idb, no OPFS.
//
// The bytes of one tar header block and of PAX / GNU long-name records, decoded without trusting a
// single field: every number is range-checked and every name is strict UTF-8. Layouts follow POSIX
// pax (ustar, 'x'/'g' extended headers) and GNU tar ('L'/'K' long names, base-256 numbers), as read
// by CPython's Lib/tarfile.py (TarInfo.frombuf, _proc_pax, nti, calc_chksums).

import { badBundle } from './bundle-errors.ts';

/** Tar's unit: every header and every member's data padding is one 512-byte block. */
export const TAR_BLOCK = 512;

/** Largest PAX extended header read into memory; real ones hold a few short records. */
export const MAX_PAX_HEADER_BYTES = 1024 * 1024;

/** One header block as written, before PAX or GNU long names apply. */
export interface TarHeader {
	/** `name`, joined to `prefix` for POSIX ustar headers. */
	name: string;
	mode: number;
	size: number;
	/** Seconds since the Unix epoch. */
	mtime: number;
	/** The type flag character ('0', '5', 'x', 'L', … or '\0'). */
	type: string;
	linkname: string;
}

/** The PAX keywords the reader honours; an empty value in the text removes the keyword (POSIX). */
export interface PaxValues {
	path?: string;
	linkpath?: string;
	size?: number;
	mtime?: number;
}

/**
 * Decodes one 512-byte header block.
 * @param block exactly {@link TAR_BLOCK} bytes
 * @param offset where the block starts in the tar stream, for error details
 * @returns the header, or `null` for an all-zero block (the end-of-archive marker)
 * @throws ShelfError `BAD_BUNDLE`: 'corrupt' (checksum, numbers) or 'unsafe-path' (name not UTF-8)
 */
export function decodeTarHeader(block: Uint8Array, offset: number): TarHeader | null {
	if (block.every((byte) => byte === 0)) return null;
	const stored = _number(block, 148, 8, offset, 'chksum');
	const [unsigned, signed] = _checksums(block);
	if (stored !== unsigned && stored !== signed) {
		throw badBundle('corrupt', `The tar header at byte ${offset} fails its checksum: the archive is damaged or not a tar file.`, {
			offset,
			stored,
			computed: unsigned
		});
	}
	const type = String.fromCharCode(block[156]!);
	// GNU headers ("ustar  \0") keep access times where POSIX keeps the prefix; only POSIX has a prefix.
	const posix = _ascii(block, 257, 6) === 'ustar\0';
	let name = _text(block, 0, 100, offset);
	if (posix) {
		const prefix = _text(block, 345, 155, offset);
		if (prefix !== '') name = `${prefix}/${name}`;
	}
	return {
		name,
		mode: _number(block, 100, 8, offset, 'mode') & 0o7777,
		size: _number(block, 124, 12, offset, 'size'),
		mtime: _number(block, 136, 12, offset, 'mtime'),
		type,
		linkname: decodeUtf8(_field(block, 157, 100)) ?? '(not UTF-8)'
	};
}

/**
 * Parses the records of a PAX extended header ("%d %s=%s\n") into `into`, keeping the ones we honour.
 * @param data the whole extended header (at most {@link MAX_PAX_HEADER_BYTES})
 * @param into values to update; an empty value deletes the keyword
 * @param maxNameBytes longest `path` / `linkpath` accepted
 * @param offset where the header's data starts, for error details
 * @throws ShelfError `BAD_BUNDLE`: 'corrupt', 'unsafe-path' (oversized or non-UTF-8 path), 'unsupported-method' (sparse)
 */
export function parsePaxRecords(data: Uint8Array, into: PaxValues, maxNameBytes: number, offset: number): void {
	let pos = 0;
	while (pos < data.length) {
		// Python pads nothing, but other writers end with NULs; the records are over at the first one.
		if (data[pos] === 0) break;
		const space = data.indexOf(0x20, pos);
		const digits = space - pos;
		const text = digits > 0 && digits <= 8 ? _ascii(data, pos, digits) : '';
		const length = /^\d+$/.test(text) ? Number(text) : NaN;
		const end = pos + length;
		const equals = data.indexOf(0x3d, space);
		if (!Number.isSafeInteger(length) || length <= digits + 1 || end > data.length || data[end - 1] !== 0x0a || equals < 0 || equals >= end) {
			throw badBundle('corrupt', `A PAX extended header at byte ${offset} has a malformed record.`, { offset: offset + pos });
		}
		const key = _ascii(data, space + 1, equals - space - 1);
		const raw = data.subarray(equals + 1, end - 1);
		pos = end;
		if (key.startsWith('GNU.sparse.')) {
			throw badBundle('unsupported-method', 'The tar archive holds a sparse file; re-create it without --sparse.', { offset });
		}
		if (key !== 'path' && key !== 'linkpath' && key !== 'size' && key !== 'mtime') continue;
		if (raw.length === 0) {
			delete into[key];
			continue;
		}
		if ((key === 'path' || key === 'linkpath') && raw.length > maxNameBytes) {
			throw badBundle('unsafe-path', `A PAX "${key}" record is ${raw.length} bytes long; names longer than ${maxNameBytes} bytes are refused.`, {
				offset,
				bytes: raw.length
			});
		}
		const value = decodeUtf8(raw);
		if (value === null) throw badBundle('unsafe-path', `A PAX "${key}" record at byte ${offset} is not valid UTF-8.`, { offset });
		if (key === 'path' || key === 'linkpath') into[key] = value;
		else if (key === 'size' && /^\d{1,16}$/.test(value) && Number.isSafeInteger(Number(value))) into.size = Number(value);
		else if (key === 'mtime' && /^-?\d{1,20}(\.\d{0,9})?$/.test(value)) into.mtime = Number(value);
		else throw badBundle('corrupt', `A PAX "${key}" record at byte ${offset} is not a number: ${JSON.stringify(value.slice(0, 40))}.`, { offset });
	}
}

/**
 * Decodes strict UTF-8 (no overlong forms, surrogates or code points past U+10FFFF).
 * Core has no TextDecoder type (ES2022 lib only), and names are short, so a small decoder does.
 * @param bytes the encoded text
 * @returns the text, or `null` when the bytes are not valid UTF-8
 */
export function decodeUtf8(bytes: Uint8Array): string | null {
	const units: number[] = [];
	let text = '';
	for (let i = 0; i < bytes.length; ) {
		const lead = bytes[i]!;
		let point: number;
		let need: number;
		let min: number;
		if (lead < 0x80) [point, need, min] = [lead, 0, 0];
		else if (lead >= 0xc2 && lead < 0xe0) [point, need, min] = [lead & 0x1f, 1, 0x80];
		else if (lead >= 0xe0 && lead < 0xf0) [point, need, min] = [lead & 0x0f, 2, 0x800];
		else if (lead >= 0xf0 && lead < 0xf5) [point, need, min] = [lead & 0x07, 3, 0x10000];
		else return null;
		for (let k = 1; k <= need; k++) {
			const next = bytes[i + k];
			if (next === undefined || (next & 0xc0) !== 0x80) return null;
			point = (point << 6) | (next & 0x3f);
		}
		if (point < min || point > 0x10ffff || (point >= 0xd800 && point <= 0xdfff)) return null;
		i += need + 1;
		if (point < 0x10000) units.push(point);
		else units.push(0xd800 + ((point - 0x10000) >> 10), 0xdc00 + ((point - 0x10000) & 0x3ff));
		if (units.length >= 4096) text += String.fromCharCode(...units.splice(0));
	}
	return text + String.fromCharCode(...units);
}

// ---------------------------------------------------------------------------

/** Bytes of a NUL-terminated field (tar's `nts`). */
function _field(block: Uint8Array, start: number, length: number): Uint8Array {
	const field = block.subarray(start, start + length);
	const nul = field.indexOf(0);
	return nul < 0 ? field : field.subarray(0, nul);
}

function _ascii(bytes: Uint8Array, start: number, length: number): string {
	return String.fromCharCode(...bytes.subarray(start, start + length));
}

function _text(block: Uint8Array, start: number, length: number, offset: number): string {
	const text = decodeUtf8(_field(block, start, length));
	if (text === null) throw badBundle('unsafe-path', `The tar header at byte ${offset} names an entry that is not valid UTF-8.`, { offset });
	return text;
}

/** A numeric field: octal text, or GNU base-256 (first byte 0x80, or 0xff for negative numbers). */
function _number(block: Uint8Array, start: number, length: number, offset: number, field: string): number {
	const first = block[start]!;
	if (first === 0x80 || first === 0xff) {
		let value = 0;
		for (let i = start + 1; i < start + length; i++) value = value * 256 + block[i]!;
		if (first === 0xff) value -= 256 ** (length - 1);
		if (Number.isSafeInteger(value)) return value;
	} else {
		const text = _ascii(_field(block, start, length), 0, length).trim();
		if (/^[0-7]*$/.test(text)) return text === '' ? 0 : Number.parseInt(text, 8);
	}
	throw badBundle('corrupt', `The tar header at byte ${offset} has an unreadable "${field}" field.`, { offset, field });
}

/** The header's sum with the checksum field read as spaces, over unsigned and signed bytes (old Sun tars). */
function _checksums(block: Uint8Array): [number, number] {
	let unsigned = 8 * 0x20;
	let signed = 8 * 0x20;
	for (let i = 0; i < TAR_BLOCK; i++) {
		if (i >= 148 && i < 156) continue;
		const byte = block[i]!;
		unsigned += byte;
		signed += byte < 0x80 ? byte : byte - 0x100;
	}
	return [unsigned, signed];
}
