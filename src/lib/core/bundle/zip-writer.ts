// Node + browser: pure TypeScript, no DOM, no idb, no OPFS.
//
// Writes zip archives for exports, streaming each entry once to a sink, with ZIP64 wherever a size,
// an offset or the entry count needs it (fflate 0.8.3 writes none: sizes past 4 GiB are silently truncated
// and entry counts wrap at 65,536).
// Real sizes and CRC-32 go in the local headers (no data descriptors), so every unzipper, streaming
// or not, reads the result; names are UTF-8 (flag bit 11); a 0x5348 extra field can carry SHA-256.
import { deflateSync } from 'fflate';
import { concatBytes, type ByteSink } from '../byte-streams.ts';
import { crc32Of } from '../digest.ts';
import { ShelfError, type ErrorDetails } from '../errors.ts';
import { normalizeModelPath } from '../paths.ts';
import { inflateBounded } from './zip-inflate.ts';
import { EXTERNAL_ATTRIBUTES, SHA256_EXTRA_ID, U16_MAX, U32_MAX, ZIP_METHOD, ZIP_VERSION } from './zip-format.ts';
import { encodeExtraField, encodeUtf8, encodeZip64Extra, toDosDateTime } from './zip-format.ts';
import { encodeEndRecords, encodeHeader, type ZipHeaderFields } from './zip-records.ts';

/** One file to add to the archive. */
export interface ZipWriterEntry {
	/** Model path, checked with `normalizeModelPath` (which also gives the stored name). */
	path: string;
	/** Uncompressed size in bytes. */
	size: number;
	/** CRC-32 of the uncompressed bytes (storage computes it while hashing). */
	crc32: number;
	/** Hex SHA-256 of the uncompressed bytes, stored in the 0x5348 extra field. */
	sha256?: string;
	/** Modification time (local-time DOS fields); default 1980-01-01 so that exports are reproducible. */
	modified?: Date;
	/** 'store': the file's bytes, exactly `size` of them; 'deflate': the raw deflate bytes (see {@link deflateSmall}). */
	data: AsyncIterable<Uint8Array> | Uint8Array;
	method?: 'store' | 'deflate';
	/** For 'deflate': `data.length`. */
	compressedSize?: number;
}

/**
 * Raw-deflates small, compressible files (model.yaml, configs) in memory.
 * @param bytes the whole file; keep to a few MiB (large weights are stored, not deflated)
 * @returns the deflated bytes when they are under 90% of the input, else `null`: store the file
 * @example
 * const deflated = deflateSmall(yaml);
 * await writer.addEntry(deflated ? { ...file, method: 'deflate', data: deflated, compressedSize: deflated.length } : { ...file, data: yaml });
 */
export function deflateSmall(bytes: Uint8Array): Uint8Array | null {
	if (bytes.length === 0) return null;
	const deflated = deflateSync(bytes, { level: 6 });
	return deflated.length < bytes.length * 0.9 ? deflated : null;
}

/**
 * Streams a zip archive to a sink, one entry at a time. If an entry's data turns out to differ from its
 * declared size, the writer throws `INTEGRITY` and refuses further use: discard what the sink holds.
 * @example
 * const writer = new ZipWriter({ write: async (chunk) => void (await handle.write(chunk)) });
 * await writer.addEntry({ path: 'saved_model.onnx', size, crc32, sha256, data: blobChunks });
 * const { bytesWritten } = await writer.finish();
 */
export class ZipWriter {
	readonly #sink: ByteSink;
	readonly #comment: Uint8Array;
	readonly #central: Uint8Array[] = [];
	/** Lower-cased paths written so far, and the folders they imply (macOS and Windows ignore case). */
	readonly #written = new Map<string, { path: string; isDirectory: boolean }>();
	readonly #implied = new Set<string>();
	#offset = 0;
	/** Sink writes started, counting ones that failed: a failure after any of them leaves a broken archive. */
	#writes = 0;
	#state: 'ready' | 'busy' | 'finished' | 'failed' = 'ready';

	/**
	 * @param sink receives the archive's bytes in order
	 * @param options `comment`: the archive comment (at most 65,535 UTF-8 bytes)
	 */
	constructor(sink: ByteSink, options: { comment?: string } = {}) {
		this.#sink = sink;
		this.#comment = encodeUtf8(options.comment ?? '');
		if (this.#comment.length > U16_MAX) throw new ShelfError('INTERNAL', 'The zip comment is longer than 65,535 bytes.', { length: this.#comment.length });
	}

	/**
	 * Writes one file: local header, data, and remembers its central directory record.
	 * @param entry the file; its data is checked against `size` (and CRC-32 when given in memory)
	 * @throws ShelfError `INVALID_PATH` (unsafe or duplicate path), `INTEGRITY` (data that contradicts the header)
	 */
	async addEntry(entry: ZipWriterEntry): Promise<void> {
		await this.#guard(() => this.#addEntry(entry));
	}

	/**
	 * Writes a folder entry (`path/`), e.g. for an empty folder.
	 * @param path the folder's model path
	 * @param modified its modification time
	 */
	async addDirectory(path: string, modified?: Date): Promise<void> {
		await this.#guard(async () => {
			const normalized = this.#claim(path, true);
			await this.#writeEntry(normalized, { name: `${normalized}/`, size: 0, compressedSize: 0, crc32: 0, method: ZIP_METHOD.stored, modified, isDirectory: true });
		});
	}

	/**
	 * Writes the central directory and end records (ZIP64 ones when needed).
	 * @returns the archive's length and entry count
	 */
	async finish(): Promise<{ bytesWritten: number; entries: number }> {
		await this.#guard(async () => {
			const centralOffset = this.#offset;
			// Batch the records: tens of thousands of tiny sink writes cost more than the bytes.
			for (let first = 0; first < this.#central.length; ) {
				let last = first;
				for (let bytes = 0; last < this.#central.length && bytes < _BATCH; last++) bytes += this.#central[last]!.length;
				await this.#write(concatBytes(this.#central.slice(first, last)));
				first = last;
			}
			await this.#write(encodeEndRecords(this.#central.length, centralOffset, this.#offset - centralOffset, this.#comment));
		});
		this.#state = 'finished';
		return { bytesWritten: this.#offset, entries: this.#central.length };
	}

	async #guard(run: () => Promise<void>): Promise<void> {
		if (this.#state !== 'ready') {
			throw new ShelfError('INTERNAL', `The zip writer is ${this.#state}: add entries one at a time, and none after finish() or a failure.`, { state: this.#state });
		}
		this.#state = 'busy';
		const before = this.#writes;
		try {
			await run();
			this.#state = 'ready';
		} catch (error) {
			// Refusals before the first byte leave the archive whole; anything later has broken it.
			this.#state = this.#writes === before ? 'ready' : 'failed';
			throw error;
		}
	}

	async #addEntry(entry: ZipWriterEntry): Promise<void> {
		const path = this.#claim(entry.path, false);
		const { size, data } = entry;
		const facts = { path, size };
		if (!Number.isSafeInteger(size) || size < 0) throw _integrity(`"${path}" has an invalid size.`, facts);
		if (!Number.isInteger(entry.crc32) || entry.crc32 < 0 || entry.crc32 > U32_MAX) throw _integrity(`"${path}" has an invalid CRC-32.`, { ...facts, crc32: entry.crc32 });
		if (entry.sha256 !== undefined && !/^[0-9a-f]{64}$/i.test(entry.sha256)) throw _integrity(`"${path}" has an invalid SHA-256.`, { ...facts, sha256: entry.sha256 });
		const deflate = entry.method === 'deflate';
		if (deflate && !(data instanceof Uint8Array)) throw new ShelfError('INTERNAL', `Deflated entries take their bytes in one Uint8Array ("${path}").`, facts);
		const compressedSize = data instanceof Uint8Array ? data.length : size;
		if ((entry.compressedSize ?? compressedSize) !== compressedSize || (!deflate && compressedSize !== size)) {
			throw _integrity(`The data of "${path}" is ${compressedSize} bytes, not the size its header would declare.`, { ...facts, compressedSize, declared: entry.compressedSize });
		}
		if (data instanceof Uint8Array) await _checkInMemory(data, deflate, size, entry.crc32, path);
		const method = deflate ? ZIP_METHOD.deflate : ZIP_METHOD.stored;
		await this.#writeEntry(path, { name: path, size, compressedSize, crc32: entry.crc32, method, isDirectory: false, sha256: entry.sha256, modified: entry.modified, data });
	}

	async #writeEntry(path: string, entry: _EntryFields): Promise<void> {
		const offset = this.#offset;
		const { size, compressedSize } = entry;
		const largeEntry = size >= U32_MAX || compressedSize >= U32_MAX;
		const zip64 = largeEntry || offset >= U32_MAX;
		const digest = entry.sha256 === undefined ? _EMPTY : encodeExtraField(SHA256_EXTRA_ID, _hexBytes(entry.sha256));
		const { time, date } = entry.modified ? toDosDateTime(entry.modified) : _DOS_EPOCH;
		const header: ZipHeaderFields = { versionNeeded: zip64 ? ZIP_VERSION.zip64 : ZIP_VERSION.default, method: entry.method, time, date, crc32: entry.crc32, name: encodeUtf8(entry.name) };
		// Local header: both sizes in the ZIP64 field when the entry is large (APPNOTE 4.5.3).
		const localSize = largeEntry ? U32_MAX : size;
		const localCompressed = largeEntry ? U32_MAX : compressedSize;
		await this.#write(encodeHeader(header, localCompressed, localSize, concatBytes([largeEntry ? encodeZip64Extra([size, compressedSize]) : _EMPTY, digest])));
		if (entry.data instanceof Uint8Array) {
			if (entry.data.length > 0) await this.#write(entry.data);
		} else if (entry.data !== undefined) {
			let written = 0;
			for await (const chunk of entry.data) {
				if (written + chunk.length > size) throw _integrity(`"${path}" streamed more than its ${size} bytes.`, { path, size, written: written + chunk.length });
				if (chunk.length > 0) await this.#write(chunk);
				written += chunk.length;
			}
			if (written !== size) throw _integrity(`"${path}" streamed ${written} bytes, not its ${size}.`, { path, size, written });
		}
		// Central record: only the overflowing fields go to ZIP64, in the spec's order.
		const wide = [size, compressedSize, offset].filter((value) => value >= U32_MAX);
		const extra = concatBytes([wide.length > 0 ? encodeZip64Extra(wide) : _EMPTY, digest]);
		const attributes = entry.isDirectory ? EXTERNAL_ATTRIBUTES.directory : EXTERNAL_ATTRIBUTES.file;
		this.#central.push(encodeHeader(header, Math.min(compressedSize, U32_MAX), Math.min(size, U32_MAX), extra, { offset: Math.min(offset, U32_MAX), attributes }));
		this.#written.set(path.toLowerCase(), { path, isDirectory: entry.isDirectory });
		for (let slash = path.indexOf('/'); slash !== -1; slash = path.indexOf('/', slash + 1)) this.#implied.add(path.slice(0, slash).toLowerCase());
	}

	/** Normalizes a path and refuses one that collides with what is written (ignoring case), or sits inside a file. */
	#claim(path: string, isDirectory: boolean): string {
		const normalized = normalizeModelPath(path);
		const key = normalized.toLowerCase();
		const clash = this.#written.get(key) ?? (isDirectory || !this.#implied.has(key) ? undefined : { path: key, isDirectory: true });
		if (clash) throw _duplicate(normalized, `names the same path as "${clash.path}"`, clash.path);
		for (let slash = key.indexOf('/'); slash !== -1; slash = key.indexOf('/', slash + 1)) {
			const parent = this.#written.get(key.slice(0, slash));
			if (parent && !parent.isDirectory) throw _duplicate(normalized, `is inside "${parent.path}", which is a file`, parent.path);
		}
		return normalized;
	}

	async #write(chunk: Uint8Array): Promise<void> {
		this.#writes++;
		await this.#sink.write(chunk);
		this.#offset += chunk.length;
	}
}

// ---------------------------------------------------------------------------

/** Central directory bytes per sink write. */
const _BATCH = 1024 * 1024;
/** 1980-01-01 00:00, the earliest DOS time: the default keeps exports byte-for-byte reproducible. */
const _DOS_EPOCH = toDosDateTime(new Date(1980, 0, 1));
const _EMPTY = new Uint8Array(0);

interface _EntryFields {
	name: string;
	size: number;
	compressedSize: number;
	crc32: number;
	method: number;
	isDirectory: boolean;
	sha256?: string | undefined;
	modified?: Date | undefined;
	data?: AsyncIterable<Uint8Array> | Uint8Array;
}

/** In-memory data is cheap to check whole: deflated bytes must expand to `size`, and the CRC-32 must match. */
async function _checkInMemory(data: Uint8Array, deflate: boolean, size: number, expected: number, path: string): Promise<void> {
	const pieces: Uint8Array[] = deflate ? [] : [data];
	if (deflate) {
		const once = async function* () {
			yield data;
		};
		try {
			for await (const chunk of inflateBounded(once(), size, { chunkSize: _BATCH, entry: path })) pieces.push(chunk);
		} catch (error) {
			throw _integrity(`The deflated data of "${path}" does not expand to its ${size} bytes.`, { path, size }, error);
		}
	}
	const crc = await crc32Of(pieces);
	if (crc !== expected) throw _integrity(`The data of "${path}" does not match its CRC-32.`, { path, size, crc32: expected, actual: crc });
}

function _hexBytes(hex: string): Uint8Array {
	return Uint8Array.from({ length: hex.length / 2 }, (_, index) => parseInt(hex.slice(index * 2, index * 2 + 2), 16));
}

function _integrity(message: string, details: ErrorDetails<'INTEGRITY'>, cause?: unknown): ShelfError {
	return new ShelfError('INTEGRITY', `${message} The export must not ship a header that lies.`, details, cause === undefined ? undefined : { cause });
}

function _duplicate(path: string, what: string, other: string): ShelfError {
	return new ShelfError('INVALID_PATH', `File path ${JSON.stringify(path)} ${what}.`, { path, reason: 'duplicate', other });
}
