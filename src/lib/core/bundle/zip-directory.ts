// Node + browser: pure TypeScript, no DOM, no idb, no OPFS.
//
// Reads a zip's central directory by random access, never by scanning forward: sizes come from the
// directory, so entries written with data descriptors (flag bit 3) read exactly even when their bytes
// contain record signatures (fflate 0.8.3's streaming `Unzip` scans for them and cuts such entries short).
// Every claim a header makes is bounded before we trust it. The entries' bytes are read by zip-reader.ts.
import { badBundle, DEFAULT_BUNDLE_LIMITS, type BundleLimits } from './bundle-errors.ts';
import type { RandomAccessSource } from '../byte-streams.ts';
import { normalizeModelPath } from '../paths.ts';
import { readExact } from './zip-reader.ts';
import { CENTRAL_HEADER as C, END_RECORD as E, LOCAL_HEADER as L, ZIP64_END_RECORD as Z64, ZIP64_LOCATOR } from './zip-format.ts';
import { SHA256_EXTRA_ID, UNIX_MODE, U16_MAX, U32_MAX, ZIP64_EXTRA_ID, ZIP_FLAG, ZIP_METHOD, ZIP_SIGNATURE } from './zip-format.ts';
import { decodeCp437, decodeUtf8, parseExtraFields, readU16, readU32, readU64 } from './zip-format.ts';

/** One entry of a zip's central directory, checked and with ZIP64 values applied. */
export interface ZipEntry {
	/** The name as stored (UTF-8 when flag bit 11 is set, else CP437), before normalization. */
	readonly name: string;
	/** The normalized model path (see `normalizeModelPath`); `''` for a root folder entry (`./` or `/`). */
	readonly path: string;
	readonly isDirectory: boolean;
	/** 0 (stored) or 8 (deflate). */
	readonly method: number;
	/** General-purpose flags (bit 3: data descriptor, bit 11: UTF-8 name). */
	readonly flags: number;
	readonly compressedSize: number;
	readonly uncompressedSize: number;
	/** The CRC-32 the directory declares; not checked here (storage compares it while hashing). */
	readonly crc32: number;
	readonly localHeaderOffset: number;
	readonly externalAttributes: number;
	readonly madeBy: number;
	/** Hex SHA-256 of the uncompressed bytes, from Model Shelf's 0x5348 extra field when present. */
	readonly sha256?: string;
	/** Where the next entry's local header (or the central directory) starts: this entry must end by then. */
	readonly nextOffset: number;
}

/**
 * Reads and checks a zip's central directory, following ZIP64 records where present.
 * @param source the archive, read at offsets
 * @param limits bounds on entries, total size and name length
 * @returns the entries in directory order
 * @throws ShelfError `BAD_BUNDLE` (reasons: not-an-archive, truncated, corrupt, encrypted, unsupported-method,
 *   link-entry, unsafe-path, duplicate-entry, too-many-entries, too-large, overlapping-entries)
 * @example
 * const entries = await readZipDirectory({ size: file.size, read: (at, n) => file.slice(at, at + n).arrayBuffer().then((b) => new Uint8Array(b)) });
 */
export async function readZipDirectory(source: RandomAccessSource, limits: BundleLimits = DEFAULT_BUNDLE_LIMITS): Promise<ZipEntry[]> {
	const end = await _findEnd(source);
	if (end.entries > limits.maxEntries) {
		throw badBundle('too-many-entries', `The archive holds ${end.entries} entries; at most ${limits.maxEntries} are allowed.`, { entries: end.entries, limit: limits.maxEntries });
	}
	const parsed = await _readCentralDirectory(source, end, limits);
	_checkPaths(parsed.map((record) => record.entry));
	const total = parsed.reduce((sum, record) => sum + record.entry.uncompressedSize, 0);
	if (total > limits.maxTotalBytes) {
		throw badBundle('too-large', `The archive expands to ${total} bytes; at most ${limits.maxTotalBytes} are allowed.`, { total, limit: limits.maxTotalBytes });
	}
	return _checkRanges(parsed, end.centralOffset);
}

/**
 * True when the bytes end with a zip end record whose comment runs exactly to their end: a zip written to
 * the finish, not one cut short (fsck tells half-written exports from finished ones this way).
 * @param source the would-be zip
 */
export async function isFinishedZip(source: RandomAccessSource): Promise<boolean> {
	if (source.size < E.size) return false;
	const tailStart = Math.max(0, source.size - _END_SEARCH);
	return _exactEndRecord(await source.read(tailStart, source.size - tailStart)) >= 0;
}

// ---------------------------------------------------------------------------

/** Central directory bytes read per call. */
const _DIRECTORY_WINDOW = 1024 * 1024;

/** How far from the end the classic end record can start: its 22 bytes plus a 65,535-byte comment. */
const _END_SEARCH = E.size + 0xffff;

interface _End {
	entries: number;
	centralOffset: number;
	centralSize: number;
}

type _Mutable<T> = { -readonly [K in keyof T]: T[K] };

interface _Parsed {
	entry: _Mutable<ZipEntry>;
	nameLength: number;
}

async function _readCentralDirectory(source: RandomAccessSource, end: _End, limits: BundleLimits): Promise<_Parsed[]> {
	const directoryEnd = end.centralOffset + end.centralSize;
	let window: Uint8Array = new Uint8Array(0);
	let windowStart = end.centralOffset;
	const view = async (at: number, length: number): Promise<Uint8Array> => {
		if (at + length > directoryEnd) throw _corrupt('A central directory record runs past the end of the directory.', { offset: at });
		if (at + length > windowStart + window.length) {
			windowStart = at;
			window = await readExact(source, at, Math.min(directoryEnd - at, Math.max(length, _DIRECTORY_WINDOW)));
		}
		return window.subarray(at - windowStart, at - windowStart + length);
	};
	const records: _Parsed[] = [];
	let at = end.centralOffset;
	for (let index = 0; index < end.entries; index++) {
		if (at + C.size > directoryEnd) throw _corrupt(`The directory holds ${index} entries, not the ${end.entries} it declares.`, { declared: end.entries, found: index });
		const fixed = await view(at, C.size);
		if (readU32(fixed, 0) !== ZIP_SIGNATURE.centralHeader) throw _corrupt('A central directory record has a bad signature.', { offset: at });
		const nameLength = readU16(fixed, C.nameLength);
		if (nameLength > limits.maxNameBytes) {
			throw badBundle('unsafe-path', `An entry name is ${nameLength} bytes long; at most ${limits.maxNameBytes} are allowed.`, { offset: at, nameBytes: nameLength, limit: limits.maxNameBytes });
		}
		const length = C.size + nameLength + readU16(fixed, C.extraLength) + readU16(fixed, C.commentLength);
		records.push({ entry: _parseCentralRecord(await view(at, length)), nameLength });
		at += length;
	}
	if (at !== directoryEnd) throw _corrupt(`The directory holds more than the ${end.entries} entries it declares.`, { declared: end.entries });
	return records;
}

function _parseCentralRecord(record: Uint8Array): _Mutable<ZipEntry> {
	const flags = readU16(record, C.flags);
	const nameBytes = record.subarray(C.size, C.size + readU16(record, C.nameLength));
	const name = flags & ZIP_FLAG.utf8 ? decodeUtf8(nameBytes) : decodeCp437(nameBytes);
	if (name === null) throw badBundle('unsafe-path', 'An entry name is not valid UTF-8.', { offset: readU32(record, C.localHeaderOffset) });
	const extraStart = C.size + nameBytes.length;
	const extras = parseExtraFields(record.subarray(extraStart, extraStart + readU16(record, C.extraLength)));
	const method = readU16(record, C.method);
	if (flags & (ZIP_FLAG.encrypted | ZIP_FLAG.strongEncryption | ZIP_FLAG.maskedHeaders) || method === ZIP_METHOD.aes) {
		throw badBundle('encrypted', `Entry "${name}" is encrypted; bundles must not be. Export it again without a password.`, { entry: name });
	}
	if (method !== ZIP_METHOD.stored && method !== ZIP_METHOD.deflate) {
		throw badBundle('unsupported-method', `Entry "${name}" uses compression method ${method}; only stored and deflate are supported.`, { entry: name, method });
	}
	// ZIP64 values follow in this fixed order, each present only when its header field is the sentinel.
	const zip64 = extras.get(ZIP64_EXTRA_ID) ?? new Uint8Array(0);
	let cursor = 0;
	const wide = (value: number, sentinel: number, bytes: 8 | 4): number => {
		if (value !== sentinel) return value;
		if (cursor + bytes > zip64.length) throw _corrupt(`Entry "${name}" lacks the ZIP64 field its header points to.`, { entry: name });
		cursor += bytes;
		return bytes === 8 ? readU64(zip64, cursor - 8) : readU32(zip64, cursor - 4);
	};
	const uncompressedSize = wide(readU32(record, C.uncompressedSize), U32_MAX, 8);
	const compressedSize = wide(readU32(record, C.compressedSize), U32_MAX, 8);
	const localHeaderOffset = wide(readU32(record, C.localHeaderOffset), U32_MAX, 8);
	if (wide(readU16(record, C.diskStart), U16_MAX, 4) !== 0) throw _corrupt(`Entry "${name}" lives on another disk; multi-part archives are not supported.`, { entry: name });
	const externalAttributes = readU32(record, C.externalAttributes);
	const type = (externalAttributes >>> 16) & UNIX_MODE.typeMask;
	if (type !== 0 && type !== UNIX_MODE.file && type !== UNIX_MODE.directory) {
		const kind = type === UNIX_MODE.symlink ? 'a symbolic link' : 'not a regular file or folder';
		throw badBundle('link-entry', `Entry "${name}" is ${kind}; bundles hold files and folders only.`, { entry: name, mode: externalAttributes >>> 16 });
	}
	const isDirectory = name.endsWith('/') || type === UNIX_MODE.directory;
	if ((isDirectory && uncompressedSize !== 0) || (method === ZIP_METHOD.stored && compressedSize !== uncompressedSize)) {
		throw _corrupt(`Entry "${name}" declares inconsistent sizes.`, { entry: name, compressedSize, uncompressedSize });
	}
	const entry: _Mutable<ZipEntry> = {
		name,
		path: _entryPath(name, isDirectory),
		isDirectory,
		method,
		flags,
		compressedSize,
		uncompressedSize,
		crc32: readU32(record, C.crc32),
		localHeaderOffset,
		externalAttributes,
		madeBy: readU16(record, C.madeBy),
		nextOffset: 0
	};
	const digest = extras.get(SHA256_EXTRA_ID);
	if (digest?.length === 32) entry.sha256 = Array.from(digest, (byte) => byte.toString(16).padStart(2, '0')).join('');
	return entry;
}

function _entryPath(name: string, isDirectory: boolean): string {
	if (isDirectory && (name === './' || name === '/')) return '';
	try {
		return normalizeModelPath(name);
	} catch (error) {
		throw badBundle('unsafe-path', `Entry "${name}" has a path that is not allowed in a model folder.`, { entry: name }, error);
	}
}

/** Refuses equal paths (ignoring case, as macOS and Windows do) and files that other entries treat as folders. */
function _checkPaths(entries: readonly ZipEntry[]): void {
	const byKey = new Map<string, ZipEntry>();
	for (const entry of entries) {
		if (entry.path === '') continue;
		const key = entry.path.toLowerCase();
		const other = byKey.get(key);
		if (other) throw badBundle('duplicate-entry', `Entries "${other.name}" and "${entry.name}" name the same path.`, { entry: entry.name, other: other.name });
		byKey.set(key, entry);
	}
	for (const [key, entry] of byKey) {
		for (let slash = key.indexOf('/'); slash !== -1; slash = key.indexOf('/', slash + 1)) {
			const parent = byKey.get(key.slice(0, slash));
			if (parent && !parent.isDirectory) {
				throw badBundle('duplicate-entry', `Entry "${entry.name}" sits inside "${parent.name}", which is a file.`, { entry: entry.name, other: parent.name });
			}
		}
	}
}

/** Every entry's header and data must lie between its own offset and the next entry's (the overlap zip bomb). */
function _checkRanges(records: _Parsed[], centralOffset: number): ZipEntry[] {
	const sorted = [...records].sort((a, b) => a.entry.localHeaderOffset - b.entry.localHeaderOffset);
	sorted.forEach(({ entry, nameLength }, index) => {
		const following = sorted[index + 1]?.entry;
		const limit = following ? following.localHeaderOffset : centralOffset;
		const minimalEnd = entry.localHeaderOffset + L.size + nameLength + entry.compressedSize;
		if (following && (following.localHeaderOffset === entry.localHeaderOffset || minimalEnd > limit)) {
			throw badBundle('overlapping-entries', `Entries "${entry.name}" and "${following.name}" share bytes.`, { entry: entry.name, other: following.name });
		}
		if (minimalEnd > limit) throw _corrupt(`Entry "${entry.name}" runs into the central directory.`, { entry: entry.name });
		entry.nextOffset = limit;
	});
	return records.map(({ entry }) => entry);
}

async function _findEnd(source: RandomAccessSource): Promise<_End> {
	const tailStart = Math.max(0, source.size - _END_SEARCH);
	const tail = await readExact(source, tailStart, source.size - tailStart);
	const at = _lastEndRecord(tail);
	if (at < 0) {
		const head = tailStart === 0 ? tail : await readExact(source, 0, 4);
		if (head.length >= 4 && readU32(head, 0) === ZIP_SIGNATURE.localHeader) {
			throw badBundle('truncated', 'The zip file ends before its central directory: it was cut short. Download or copy it again.', { size: source.size });
		}
		throw badBundle('not-an-archive', 'This file is not a zip archive.', { size: source.size });
	}
	const endOffset = tailStart + at;
	let entries = readU16(tail, at + E.entries);
	let diskEntries = readU16(tail, at + E.diskEntries);
	let centralSize = readU32(tail, at + E.centralSize);
	let centralOffset = readU32(tail, at + E.centralOffset);
	let disks = readU16(tail, at + E.disk) | readU16(tail, at + E.centralDisk);
	let directoryEnd = endOffset;
	// Without a locator, 0xFFFF and 0xFFFFFFFF are taken literally (Python writes 65,535 entries that way).
	const locator = endOffset >= ZIP64_LOCATOR.size ? await readExact(source, endOffset - ZIP64_LOCATOR.size, ZIP64_LOCATOR.size) : null;
	if (locator && readU32(locator, 0) === ZIP_SIGNATURE.zip64Locator) {
		directoryEnd = readU64(locator, ZIP64_LOCATOR.endOffset);
		if (directoryEnd + Z64.size > endOffset - ZIP64_LOCATOR.size) {
			throw badBundle('truncated', 'The zip file is shorter than its ZIP64 end record says: it was cut short.', { size: source.size, zip64End: directoryEnd });
		}
		const record = await readExact(source, directoryEnd, Z64.size);
		if (readU32(record, 0) !== ZIP_SIGNATURE.zip64End) throw _corrupt('The ZIP64 end record is missing.', { offset: directoryEnd });
		entries = readU64(record, Z64.entries);
		diskEntries = readU64(record, Z64.diskEntries);
		centralSize = readU64(record, Z64.centralSize);
		centralOffset = readU64(record, Z64.centralOffset);
		disks |= readU32(record, Z64.disk) | readU32(record, Z64.centralDisk) | readU32(locator, ZIP64_LOCATOR.disk);
	}
	if (disks !== 0 || diskEntries !== entries) throw _corrupt('The archive spans several disks; multi-part archives are not supported.', { entries, diskEntries });
	if (centralOffset + centralSize > directoryEnd) {
		throw badBundle('truncated', 'The zip file is shorter than its end record says: it was cut short.', { size: source.size, centralOffset, centralSize });
	}
	if (centralOffset + centralSize < directoryEnd) throw _corrupt('Unknown bytes sit between the central directory and the end record.', { centralOffset, centralSize });
	return { entries, centralOffset, centralSize };
}

/** The last end record whose comment ends exactly at the end of the file, else the last plausible one, else -1. */
function _lastEndRecord(tail: Uint8Array): number {
	const exact = _exactEndRecord(tail);
	if (exact >= 0) return exact;
	for (let at = tail.length - E.size; at >= 0; at--) {
		if (readU32(tail, at) === ZIP_SIGNATURE.end && at + E.size + readU16(tail, at + E.commentLength) < tail.length) return at;
	}
	return -1;
}

/** The last end record whose comment ends exactly at the end of `tail`, or -1. */
function _exactEndRecord(tail: Uint8Array): number {
	for (let at = tail.length - E.size; at >= 0; at--) {
		if (readU32(tail, at) === ZIP_SIGNATURE.end && at + E.size + readU16(tail, at + E.commentLength) === tail.length) return at;
	}
	return -1;
}

function _corrupt(message: string, details: Record<string, unknown>) {
	return badBundle('corrupt', `${message} The archive is damaged.`, details);
}
