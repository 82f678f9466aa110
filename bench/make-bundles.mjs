// Writes the bench's input files on disk, streaming (never a whole payload in memory), and keeps them
// between runs: N random bytes (the file `save` reads), a zip of model.yaml + those bytes as one stored
// entry, and a zip of the same bytes split into 200 stored files. Zips are written here rather than with
// src/lib/core/bundle/zip-writer.ts because Node 20 cannot load the app's TypeScript; the layout is the
// one our exports use (sizes and CRC-32 in the local headers, UTF-8 names, SHA-256 in a 0x5348 extra).
import { createHash, randomFillSync } from 'node:crypto';
import { closeSync, existsSync, mkdirSync, openSync, readSync, renameSync, statSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';

const CHUNK = 8 * 1024 * 1024;
const U32_MAX = 0xffffffff;
const SHA256_EXTRA_ID = 0x5348;

/**
 * Makes (or reuses) the input files for `size` bytes in `dir`.
 * @param {string} dir cache folder
 * @param {number} size payload bytes
 * @returns {{ payload: string, single: string, shards: string }} paths
 */
export function makeBundles(dir, size) {
	if (size + 64 * 1024 * 1024 >= U32_MAX) throw new Error(`--size must stay under 4 GiB: these bench zips are written without ZIP64.`);
	mkdirSync(dir, { recursive: true });
	const payload = join(dir, `payload-${size}.bin`);
	const single = join(dir, `bundle-${size}-1-file.zip`);
	const shards = join(dir, `bundle-${size}-200-files.zip`);
	fresh(payload, size, (path) => writeRandom(path, size));
	fresh(single, null, (path) => writeZip(path, 'bench-import', [{ name: 'saved_model.bin', offset: 0, size }], payload));
	const part = Math.floor(size / 200);
	const parts = Array.from({ length: 200 }, (_, i) => ({
		name: `shards/model-${String(i + 1).padStart(5, '0')}-of-00200.safetensors`,
		offset: i * part,
		size: i === 199 ? size - 199 * part : part
	}));
	fresh(shards, null, (path) => writeZip(path, 'bench-shards', parts, payload));
	return { payload, single, shards };
}

/** Builds `path` through a temporary name unless it exists (with `size` bytes, when given). */
function fresh(path, size, write) {
	if (existsSync(path) && (size === null || statSync(path).size === size)) return;
	write(`${path}.tmp`);
	renameSync(`${path}.tmp`, path);
}

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

/** A zip of model.yaml plus `entries`, each a byte range of the payload file, all stored. */
function writeZip(path, name, entries, payloadPath) {
	const source = openSync(payloadPath, 'r');
	const fd = openSync(path, 'w');
	const central = [];
	let offset = 0;
	const put = (bytes) => {
		writeSync(fd, bytes);
		offset += bytes.length;
	};
	const add = (entryName, size, facts, writeData) => {
		const header = { name: Buffer.from(entryName, 'utf8'), size, ...facts, extra: shaExtra(facts.sha256), offset };
		put(localHeader(header));
		writeData();
		central.push(centralHeader(header));
	};
	const yaml = Buffer.from(manifest(name), 'utf8');
	add('model.yaml', yaml.length, { crc: crc32(yaml), sha256: createHash('sha256').update(yaml).digest() }, () => put(yaml));
	for (const entry of entries) {
		// Two passes over the range (it is in the page cache after the first): sizes, CRC and digest go first.
		const facts = { crc: 0, sha256: null };
		const sha = createHash('sha256');
		readRange(source, entry, (chunk) => ((facts.crc = crc32(chunk, facts.crc)), sha.update(chunk)));
		facts.sha256 = sha.digest();
		add(entry.name, entry.size, facts, () => readRange(source, entry, put));
	}
	const centralOffset = offset;
	for (const record of central) put(record);
	put(endRecord(central.length, offset - centralOffset, centralOffset));
	closeSync(fd);
	closeSync(source);
}

function readRange(fd, { offset, size }, onChunk) {
	const buffer = Buffer.alloc(Math.min(CHUNK, Math.max(1, size)));
	for (let done = 0; done < size; ) {
		const read = readSync(fd, buffer, 0, Math.min(buffer.length, size - done), offset + done);
		if (read === 0) throw new Error('The payload file is shorter than expected.');
		onChunk(buffer.subarray(0, read));
		done += read;
	}
}

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

function shaExtra(sha256) {
	const extra = Buffer.alloc(4 + 32);
	extra.writeUInt16LE(SHA256_EXTRA_ID, 0);
	extra.writeUInt16LE(32, 2);
	sha256.copy(extra, 4);
	return extra;
}

// 1980-01-01 00:00 in DOS fields, as our exports write by default.
const DOS_DATE = (0 << 9) | (1 << 5) | 1;

function localHeader(h) {
	const bytes = Buffer.alloc(30);
	bytes.writeUInt32LE(0x04034b50, 0);
	bytes.writeUInt16LE(20, 4);
	bytes.writeUInt16LE(0x0800, 6); // UTF-8 names
	bytes.writeUInt16LE(0, 8); // stored
	bytes.writeUInt16LE(0, 10);
	bytes.writeUInt16LE(DOS_DATE, 12);
	bytes.writeUInt32LE(h.crc >>> 0, 14);
	bytes.writeUInt32LE(h.size, 18);
	bytes.writeUInt32LE(h.size, 22);
	bytes.writeUInt16LE(h.name.length, 26);
	bytes.writeUInt16LE(h.extra.length, 28);
	return Buffer.concat([bytes, h.name, h.extra]);
}

function centralHeader(h) {
	const bytes = Buffer.alloc(46);
	bytes.writeUInt32LE(0x02014b50, 0);
	bytes.writeUInt16LE((3 << 8) | 45, 4);
	bytes.writeUInt16LE(20, 6);
	bytes.writeUInt16LE(0x0800, 8);
	bytes.writeUInt16LE(0, 10);
	bytes.writeUInt16LE(0, 12);
	bytes.writeUInt16LE(DOS_DATE, 14);
	bytes.writeUInt32LE(h.crc >>> 0, 16);
	bytes.writeUInt32LE(h.size, 20);
	bytes.writeUInt32LE(h.size, 24);
	bytes.writeUInt16LE(h.name.length, 28);
	bytes.writeUInt16LE(h.extra.length, 30);
	bytes.writeUInt32LE((0o100644 << 16) >>> 0, 38);
	bytes.writeUInt32LE(h.offset, 42);
	return Buffer.concat([bytes, h.name, h.extra]);
}

function endRecord(entries, centralSize, centralOffset) {
	const bytes = Buffer.alloc(22);
	bytes.writeUInt32LE(0x06054b50, 0);
	bytes.writeUInt16LE(entries, 8);
	bytes.writeUInt16LE(entries, 10);
	bytes.writeUInt32LE(centralSize, 12);
	bytes.writeUInt32LE(centralOffset, 16);
	return bytes;
}
