// Node + browser: pure TypeScript, no DOM, no idb, no OPFS.
//
// The records zip-writer.ts emits, as bytes: local and central headers, and the end records (ZIP64 ones
// when a count, size or offset overflows), laid out as APPNOTE 6.3.10 and Python's zipfile write them.
import { CENTRAL_HEADER as C, END_RECORD as E, LOCAL_HEADER as L, ZIP64_END_RECORD as Z64, ZIP64_LOCATOR } from './zip-format.ts';
import { MADE_BY_UNIX, U16_MAX, U32_MAX, ZIP_FLAG, ZIP_SIGNATURE, ZIP_VERSION, writeU16, writeU32, writeU64 } from './zip-format.ts';

/** The fields a local header and its central record share. */
export interface ZipHeaderFields {
	versionNeeded: number;
	method: number;
	time: number;
	date: number;
	crc32: number;
	name: Uint8Array;
}

/**
 * A local header, or a central one when `central` is given: the shared fields sit 2 bytes later there.
 * @param h the shared fields
 * @param compressedSize the 32-bit compressed size field (U32_MAX when a ZIP64 extra holds it)
 * @param size the 32-bit uncompressed size field
 * @param extra the extra fields
 * @param central the central record's own fields
 */
export function encodeHeader(h: ZipHeaderFields, compressedSize: number, size: number, extra: Uint8Array, central?: { offset: number; attributes: number }): Uint8Array {
	const fixed = central ? C.size : L.size;
	const bytes = new Uint8Array(fixed + h.name.length + extra.length);
	const shift = central ? 2 : 0;
	writeU32(bytes, 0, central ? ZIP_SIGNATURE.centralHeader : ZIP_SIGNATURE.localHeader);
	writeU16(bytes, L.versionNeeded + shift, h.versionNeeded);
	writeU16(bytes, L.flags + shift, ZIP_FLAG.utf8);
	writeU16(bytes, L.method + shift, h.method);
	writeU16(bytes, L.time + shift, h.time);
	writeU16(bytes, L.date + shift, h.date);
	writeU32(bytes, L.crc32 + shift, h.crc32);
	writeU32(bytes, L.compressedSize + shift, compressedSize);
	writeU32(bytes, L.uncompressedSize + shift, size);
	writeU16(bytes, L.nameLength + shift, h.name.length);
	writeU16(bytes, L.extraLength + shift, extra.length);
	if (central) {
		writeU16(bytes, C.madeBy, MADE_BY_UNIX);
		writeU32(bytes, C.externalAttributes, central.attributes);
		writeU32(bytes, C.localHeaderOffset, central.offset);
	}
	bytes.set(h.name, fixed);
	bytes.set(extra, fixed + h.name.length);
	return bytes;
}

/**
 * The classic end record, preceded by the ZIP64 record and locator when a count, size or offset overflows.
 * @param entries how many entries the directory holds
 * @param centralOffset where the central directory starts
 * @param centralSize its length
 * @param comment the archive comment, encoded
 */
export function encodeEndRecords(entries: number, centralOffset: number, centralSize: number, comment: Uint8Array): Uint8Array {
	const zip64 = entries >= U16_MAX || centralOffset >= U32_MAX || centralSize >= U32_MAX;
	const zip64Offset = centralOffset + centralSize;
	const bytes = new Uint8Array((zip64 ? Z64.size + ZIP64_LOCATOR.size : 0) + E.size + comment.length);
	let at = 0;
	if (zip64) {
		writeU32(bytes, 0, ZIP_SIGNATURE.zip64End);
		writeU64(bytes, Z64.recordSize, Z64.size - 12);
		writeU16(bytes, Z64.madeBy, MADE_BY_UNIX);
		writeU16(bytes, Z64.versionNeeded, ZIP_VERSION.zip64);
		writeU64(bytes, Z64.diskEntries, entries);
		writeU64(bytes, Z64.entries, entries);
		writeU64(bytes, Z64.centralSize, centralSize);
		writeU64(bytes, Z64.centralOffset, centralOffset);
		writeU32(bytes, Z64.size, ZIP_SIGNATURE.zip64Locator);
		writeU64(bytes, Z64.size + ZIP64_LOCATOR.endOffset, zip64Offset);
		writeU32(bytes, Z64.size + ZIP64_LOCATOR.disks, 1);
		at = Z64.size + ZIP64_LOCATOR.size;
	}
	// As Python's zipfile does: only the fields that overflow carry the sentinel.
	writeU32(bytes, at, ZIP_SIGNATURE.end);
	writeU16(bytes, at + E.diskEntries, Math.min(entries, U16_MAX));
	writeU16(bytes, at + E.entries, Math.min(entries, U16_MAX));
	writeU32(bytes, at + E.centralSize, Math.min(centralSize, U32_MAX));
	writeU32(bytes, at + E.centralOffset, Math.min(centralOffset, U32_MAX));
	writeU16(bytes, at + E.commentLength, comment.length);
	bytes.set(comment, at + E.size);
	return bytes;
}
