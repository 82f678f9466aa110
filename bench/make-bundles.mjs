// Writes the bench's input files on disk, streaming (never a whole payload in memory), and keeps them
// between runs: N random bytes (the file `save` reads), a zip of model.yaml + those bytes as one stored
// entry, and a zip of the same bytes split into 200 stored files. Zips are written here rather than with
// src/lib/core/bundle/zip-writer.ts because Node 20 cannot load the app's TypeScript; the layout is the
// one our exports use (sizes and CRC-32 in the local headers, UTF-8 names, SHA-256 in a 0x5348 extra), with
// ZIP64 (APPNOTE 6.3.10 4.3.14-4.3.15, 4.5.3; as zip-writer.ts and Python's zipfile write it) only where a size,
// an offset or the entry count overflows, so that bundles under 4 GiB stay byte-identical to earlier runs.
import { createHash, randomFillSync } from 'node:crypto';
import { closeSync, existsSync, mkdirSync, openSync, readSync, renameSync, statSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';

const CHUNK = 8 * 1024 * 1024;
const U16_MAX = 0xffff;
const U32_MAX = 0xffffffff;
const ZIP64_EXTRA_ID = 0x0001;
const VERSION = { default: 20, zip64: 45 };
const MADE_BY_UNIX = (3 << 8) | 45;

/** @typedef {{ name: string, offset: number, size: number }} Range a zip entry: a byte range of the payload */
/** @typedef {{ name: Buffer, size: number, crc: number, sha: Buffer, offset: number, large: boolean, zip64: boolean }} Header */
const SHA256_EXTRA_ID = 0x5348;

/**
 * Makes (or reuses) the input files for `size` bytes in `dir`.
 * @param {string} dir cache folder
 * @param {number} size payload bytes
 * @param {{ forceZip64?: boolean }} [options] `forceZip64`: every ZIP64 record even where nothing overflows
 *   (tests/unit/bench-zip64.test.ts checks the layout with a few MiB instead of 4 GiB)
 * @returns {{ payload: string, single: string, shards: string }} paths
 */
export function makeBundles(dir, size, { forceZip64 = false } = {}) {
	mkdirSync(dir, { recursive: true });
	const suffix = forceZip64 ? '-zip64' : '';
	const payload = join(dir, `payload-${size}.bin`);
	const single = join(dir, `bundle-${size}-1-file${suffix}.zip`);
	const shards = join(dir, `bundle-${size}-200-files${suffix}.zip`);
	/** @type {(path: string, name: string, entries: Range[]) => void} */
	const writeZip = (path, name, entries) => writeZipFile(path, name, entries, payload, forceZip64);
	fresh(payload, size, (path) => writeRandom(path, size));
	fresh(single, null, (path) => writeZip(path, 'bench-import', [{ name: 'saved_model.bin', offset: 0, size }]));
	const part = Math.floor(size / 200);
	const parts = Array.from({ length: 200 }, (_, i) => ({
		name: `shards/model-${String(i + 1).padStart(5, '0')}-of-00200.safetensors`,
		offset: i * part,
		size: i === 199 ? size - 199 * part : part
	}));
	fresh(shards, null, (path) => writeZip(path, 'bench-shards', parts));
	return { payload, single, shards };
}

/**
 * Builds `path` through a temporary name unless it exists (with `size` bytes, when given).
 * @param {string} path
 * @param {number | null} size
 * @param {(path: string) => void} write
 */
function fresh(path, size, write) {
	if (existsSync(path) && (size === null || statSync(path).size === size)) return;
	write(`${path}.tmp`);
	renameSync(`${path}.tmp`, path);
}

/** @param {string} path @param {number} size */
function writeRandom(path, size) {
	const fd = openSync(path, 'w');
	const buffer = Buffer.alloc(CHUNK);
	for (let at = 0; at < size; at += CHUNK) {
		const length = Math.min(CHUNK, size - at);
		randomFillSync(buffer, 0, length);
		writeSync(fd, buffer, 0, length);
	}
	closeSync(fd);
}

/**
 * A zip of model.yaml plus `entries`, each a byte range of the payload file, all stored.
 * @param {string} path
 * @param {string} name
 * @param {Range[]} entries
 * @param {string} payloadPath
 * @param {boolean} forceZip64
 */
function writeZipFile(path, name, entries, payloadPath, forceZip64) {
	const source = openSync(payloadPath, 'r');
	const fd = openSync(path, 'w');
	/** @type {Buffer[]} */
	const central = [];
	let offset = 0;
	/** @param {Uint8Array} bytes */
	const put = (bytes) => {
		writeSync(fd, bytes);
		offset += bytes.length;
	};
	/** @type {(entryName: string, size: number, facts: { crc: number, sha256: Buffer }, writeData: () => void) => void} */
	const add = (entryName, size, facts, writeData) => {
		const large = forceZip64 || size >= U32_MAX;
		const header = { name: Buffer.from(entryName, 'utf8'), size, ...facts, sha: shaExtra(facts.sha256), offset, large, zip64: large || offset >= U32_MAX };
		put(localHeader(header));
		writeData();
		central.push(centralHeader(header, forceZip64));
	};
	const yaml = Buffer.from(manifest(name), 'utf8');
	add('model.yaml', yaml.length, { crc: crc32(yaml), sha256: createHash('sha256').update(yaml).digest() }, () => put(yaml));
	for (const entry of entries) {
		// Two passes over the range (it is in the page cache after the first): sizes, CRC and digest go first.
		let crc = 0;
		const sha = createHash('sha256');
		readRange(source, entry, (chunk) => ((crc = crc32(chunk, crc)), sha.update(chunk)));
		add(entry.name, entry.size, { crc, sha256: sha.digest() }, () => readRange(source, entry, put));
	}
	const centralOffset = offset;
	for (const record of central) put(record);
	put(endRecords(central.length, offset - centralOffset, centralOffset, forceZip64));
	closeSync(fd);
	closeSync(source);
}

/** @param {number} fd @param {Range} range @param {(chunk: Buffer) => void} onChunk */
function readRange(fd, { offset, size }, onChunk) {
	const buffer = Buffer.alloc(Math.min(CHUNK, Math.max(1, size)));
	for (let done = 0; done < size; ) {
		const read = readSync(fd, buffer, 0, Math.min(buffer.length, size - done), offset + done);
		if (read === 0) throw new Error('The payload file is shorter than expected.');
		onChunk(buffer.subarray(0, read));
		done += read;
	}
}

/** @param {string} name */
function manifest(name) {
	return [
		`name: ${name}`,
		'version: v1',
		'module: bentoml.pytorch',
		'labels:',
		'  stage: dev',
		'  team: bench',
		'options: {}',
		'metadata:',
		'  purpose: benchmark',
		'context:',
		'  framework_name: pytorch',
		'  framework_versions:',
		'    torch: 2.4.1',
		'  bentoml_version: 1.3.20',
		'  python_version: 3.11.7',
		'signatures:',
		'  __call__:',
		'    batchable: false',
		'api_version: v1',
		"creation_time: '2026-11-25T10:00:00+00:00'",
		''
	].join('\n');
}

/** @param {Buffer} sha256 */
function shaExtra(sha256) {
	const extra = Buffer.alloc(4 + 32);
	extra.writeUInt16LE(SHA256_EXTRA_ID, 0);
	extra.writeUInt16LE(32, 2);
	sha256.copy(extra, 4);
	return extra;
}

// 1980-01-01 00:00 in DOS fields, as our exports write by default.
const DOS_DATE = (0 << 9) | (1 << 5) | 1;

/**
 * ZIP64 extended information (APPNOTE 4.5.3): 64-bit values in the order size, compressed size, offset.
 * @param {number[]} values
 */
function zip64Extra(values) {
	const extra = Buffer.alloc(4 + 8 * values.length);
	extra.writeUInt16LE(ZIP64_EXTRA_ID, 0);
	extra.writeUInt16LE(8 * values.length, 2);
	values.forEach((value, index) => extra.writeBigUInt64LE(BigInt(value), 4 + 8 * index));
	return extra;
}

// A large entry's local header holds both sizes in its ZIP64 field (APPNOTE 4.5.3), 0xFFFFFFFF in the header.
/** @param {Header} h */
function localHeader(h) {
	const bytes = Buffer.alloc(30);
	const size = h.large ? U32_MAX : h.size;
	const extra = h.large ? Buffer.concat([zip64Extra([h.size, h.size]), h.sha]) : h.sha;
	bytes.writeUInt32LE(0x04034b50, 0);
	bytes.writeUInt16LE(h.zip64 ? VERSION.zip64 : VERSION.default, 4);
	bytes.writeUInt16LE(0x0800, 6); // UTF-8 names
	bytes.writeUInt16LE(0, 8); // stored
	bytes.writeUInt16LE(0, 10);
	bytes.writeUInt16LE(DOS_DATE, 12);
	bytes.writeUInt32LE(h.crc >>> 0, 14);
	bytes.writeUInt32LE(size, 18);
	bytes.writeUInt32LE(size, 22);
	bytes.writeUInt16LE(h.name.length, 26);
	bytes.writeUInt16LE(extra.length, 28);
	return Buffer.concat([bytes, h.name, extra]);
}

// The central record moves only the fields that overflow (all of them when forced) into its ZIP64 field.
/** @param {Header} h @param {boolean} force */
function centralHeader(h, force) {
	const bytes = Buffer.alloc(46);
	const wideOffset = force || h.offset >= U32_MAX;
	const wide = [...(h.large ? [h.size, h.size] : []), ...(wideOffset ? [h.offset] : [])];
	const extra = wide.length > 0 ? Buffer.concat([zip64Extra(wide), h.sha]) : h.sha;
	bytes.writeUInt32LE(0x02014b50, 0);
	bytes.writeUInt16LE(MADE_BY_UNIX, 4);
	bytes.writeUInt16LE(h.zip64 ? VERSION.zip64 : VERSION.default, 6);
	bytes.writeUInt16LE(0x0800, 8);
	bytes.writeUInt16LE(0, 10);
	bytes.writeUInt16LE(0, 12);
	bytes.writeUInt16LE(DOS_DATE, 14);
	bytes.writeUInt32LE(h.crc >>> 0, 16);
	bytes.writeUInt32LE(h.large ? U32_MAX : h.size, 20);
	bytes.writeUInt32LE(h.large ? U32_MAX : h.size, 24);
	bytes.writeUInt16LE(h.name.length, 28);
	bytes.writeUInt16LE(extra.length, 30);
	bytes.writeUInt32LE((0o100644 << 16) >>> 0, 38);
	bytes.writeUInt32LE(wideOffset ? U32_MAX : h.offset, 42);
	return Buffer.concat([bytes, h.name, extra]);
}

/**
 * The classic end record, after the ZIP64 end record and locator (APPNOTE 4.3.14, 4.3.15) when something overflows.
 * @param {number} entries
 * @param {number} centralSize
 * @param {number} centralOffset
 * @param {boolean} force
 */
function endRecords(entries, centralSize, centralOffset, force) {
	const zip64 = force || entries >= U16_MAX || centralSize >= U32_MAX || centralOffset >= U32_MAX;
	const records = [];
	if (zip64) {
		const record = Buffer.alloc(56);
		record.writeUInt32LE(0x06064b50, 0);
		record.writeBigUInt64LE(44n, 4); // the record's size after this field
		record.writeUInt16LE(MADE_BY_UNIX, 12);
		record.writeUInt16LE(VERSION.zip64, 14);
		record.writeBigUInt64LE(BigInt(entries), 24);
		record.writeBigUInt64LE(BigInt(entries), 32);
		record.writeBigUInt64LE(BigInt(centralSize), 40);
		record.writeBigUInt64LE(BigInt(centralOffset), 48);
		const locator = Buffer.alloc(20);
		locator.writeUInt32LE(0x07064b50, 0);
		locator.writeBigUInt64LE(BigInt(centralOffset + centralSize), 8);
		locator.writeUInt32LE(1, 16); // total disks
		records.push(record, locator);
	}
	// As Python's zipfile does, only the fields that overflow hold the sentinel (every one when forced).
	/** @type {(value: number, max: number) => number} */
	const field = (value, max) => (force ? max : Math.min(value, max));
	const bytes = Buffer.alloc(22);
	bytes.writeUInt32LE(0x06054b50, 0);
	bytes.writeUInt16LE(field(entries, U16_MAX), 8);
	bytes.writeUInt16LE(field(entries, U16_MAX), 10);
	bytes.writeUInt32LE(field(centralSize, U32_MAX), 12);
	bytes.writeUInt32LE(field(centralOffset, U32_MAX), 16);
	return Buffer.concat([...records, bytes]);
}
