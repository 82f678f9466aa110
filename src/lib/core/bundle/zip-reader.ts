// Node + browser: pure TypeScript, no DOM, no idb, no OPFS.
//
// Reads the bytes of a zip's entries by random access, with the sizes its central directory declares
// (zip-directory.ts): every size is enforced against what the bytes really yield. fflate is used for
// raw inflate only, never for its zip container code.
import { badBundle } from './bundle-errors.ts';
import { CHUNK_SIZE, type RandomAccessSource } from '../byte-streams.ts';
import { ShelfError } from '../errors.ts';
import type { ZipEntry } from './zip-directory.ts';
import { inflateBounded } from './zip-inflate.ts';
import { LOCAL_HEADER as L, ZIP_FLAG, ZIP_METHOD, ZIP_SIGNATURE, encodeUtf8, readU16, readU32 } from './zip-format.ts';

/**
 * Reads an entry's local header to find where its (possibly compressed) data starts, so a stored entry
 * can go to storage as `file.slice(offset, offset + entry.compressedSize)` without a copy.
 * @param source the archive
 * @param entry an entry from {@link readZipDirectory} on the same source
 * @throws ShelfError `BAD_BUNDLE` (corrupt, truncated)
 */
export async function zipEntryData(source: RandomAccessSource, entry: ZipEntry): Promise<{ offset: number }> {
	const header = await readExact(source, entry.localHeaderOffset, L.size, entry.name);
	const nameLength = readU16(header, L.nameLength);
	const expected = entry.flags & ZIP_FLAG.utf8 ? encodeUtf8(entry.name).length : entry.name.length;
	if (readU32(header, 0) !== ZIP_SIGNATURE.localHeader || nameLength !== expected) {
		throw badBundle('corrupt', `The local header of "${entry.name}" is damaged.`, { entry: entry.name, offset: entry.localHeaderOffset });
	}
	const offset = entry.localHeaderOffset + L.size + nameLength + readU16(header, L.extraLength);
	if (offset + entry.compressedSize > entry.nextOffset) {
		throw badBundle('corrupt', `The data of "${entry.name}" runs into the next entry.`, { entry: entry.name, offset, nextOffset: entry.nextOffset });
	}
	return { offset };
}

/**
 * Yields an entry's uncompressed bytes in chunks of at most `chunkSize`, reading compressed bytes in
 * bounded pieces. Output beyond the declared size fails at once (zip bombs never get far); so does
 * output that stops short. CRC-32 is left to the caller.
 * @param source the archive
 * @param entry an entry from {@link readZipDirectory}
 * @param options `chunkSize`: largest chunk yielded (default {@link CHUNK_SIZE})
 * @throws ShelfError `BAD_BUNDLE` (size-mismatch, corrupt, truncated)
 * @example
 * for await (const chunk of readZipEntry(source, entry)) await sink.write(chunk);
 */
export async function* readZipEntry(source: RandomAccessSource, entry: ZipEntry, options: { chunkSize?: number } = {}): AsyncGenerator<Uint8Array> {
	const chunkSize = options.chunkSize ?? CHUNK_SIZE;
	if (!Number.isSafeInteger(chunkSize) || chunkSize < 1) throw new ShelfError('INTERNAL', `chunkSize must be a positive integer, got ${chunkSize}.`, { chunkSize });
	if (entry.isDirectory) return;
	const { offset } = await zipEntryData(source, entry);
	if (entry.method === ZIP_METHOD.stored) yield* _pieces(source, offset, entry.compressedSize, chunkSize, entry.name);
	else yield* inflateBounded(_pieces(source, offset, entry.compressedSize, _INFLATE_READ, entry.name), entry.uncompressedSize, { chunkSize, entry: entry.name });
}

/**
 * Exactly `length` bytes at `offset`, or `BAD_BUNDLE` (truncated) when the source ends first.
 * @param source the archive
 * @param offset where to start
 * @param length how many bytes
 * @param entry the entry being read, for the error
 */
export async function readExact(source: RandomAccessSource, offset: number, length: number, entry?: string): Promise<Uint8Array> {
	const bytes = offset + length <= source.size ? await source.read(offset, length) : new Uint8Array(0);
	if (bytes.length < length) {
		const what = entry === undefined ? 'The zip file' : `Entry "${entry}"`;
		throw badBundle('truncated', `${what} ends early: the file was cut short or changed while it was read.`, { entry, offset, length, size: source.size });
	}
	return bytes.length === length ? bytes : bytes.subarray(0, length);
}

// ---------------------------------------------------------------------------

/** Compressed bytes read per call when inflating. */
const _INFLATE_READ = 1024 * 1024;

async function* _pieces(source: RandomAccessSource, offset: number, length: number, pieceSize: number, entry: string): AsyncGenerator<Uint8Array> {
	for (let done = 0; done < length; done += pieceSize) yield await readExact(source, offset + done, Math.min(pieceSize, length - done), entry);
}
