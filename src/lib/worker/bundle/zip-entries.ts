// The bytes of a zip's entries as storage takes them (issue 7): a stored entry as a slice of the file (no
// copy), a deflated one as its inflated chunks, and runs of small entries read in bulk. Every importer of
// zips (one version at the root, or several in their folders) hands entries over through here.
import { badBundle } from '../../core/bundle/bundle-errors.ts';
import type { RandomAccessSource } from '../../core/byte-streams.ts';
import type { ZipEntry } from '../../core/bundle/zip-directory.ts';
import { readZipEntry, zipEntryData } from '../../core/bundle/zip-reader.ts';
import type { IncomingFile } from '../store/model-store.ts';

/**
 * Hands a zip's entries over to storage, lazily: bytes are read when storage consumes them.
 * @example
 * const files = new ZipEntryFiles(file, source, entries);
 * await store.storeVersion(info, [await files.incoming(entry, entry.path)]);
 */
export class ZipEntryFiles {
	readonly #file: File;
	readonly #source: RandomAccessSource;
	readonly #windows: _SmallEntryWindows;

	/**
	 * @param file the zip
	 * @param source the same zip, read at offsets
	 * @param entries its entries in directory order, from `readZipDirectory`
	 */
	constructor(file: File, source: RandomAccessSource, entries: readonly ZipEntry[]) {
		this.#file = file;
		this.#source = source;
		this.#windows = new _SmallEntryWindows(file, entries);
	}

	/**
	 * One entry as a file to store, with the size, CRC-32 and SHA-256 the zip declares for it.
	 * @param entry a file entry
	 * @param path where it goes in the model folder
	 */
	async incoming(entry: ZipEntry, path: string): Promise<IncomingFile> {
		const data = this.#windows.has(entry) ? this.#windows.bytes(entry) : await _entryBytes(this.#file, this.#source, entry);
		return { path, data, expected: _expected(entry) };
	}
}

// ---------------------------------------------------------------------------

/** A stored entry is handed over as a slice of the file (no copy); a deflated one as its inflated chunks. */
async function _entryBytes(file: File, source: RandomAccessSource, entry: ZipEntry): Promise<IncomingFile['data']> {
	if (entry.method !== 0) return readZipEntry(source, entry);
	if (entry.compressedSize !== entry.uncompressedSize) {
		throw badBundle('size-mismatch', `Entry "${entry.name}" is stored uncompressed but its two sizes differ.`, { entry: entry.name });
	}
	const { offset } = await zipEntryData(source, entry);
	if (offset + entry.compressedSize > file.size) throw badBundle('truncated', `Entry "${entry.name}" runs past the end of the file.`, { entry: entry.name });
	return file.slice(offset, offset + entry.compressedSize);
}

/**
 * An entry at most this long (local header, name, extra field and data) is read together with its neighbours:
 * each read of a picked File costs ~0.7 ms whatever its length (two per entry otherwise: header, then data).
 */
const _SMALL_ENTRY = 1024 * 1024;
/** Bytes read at once for a run of small entries. */
const _WINDOW = 8 * 1024 * 1024;

/**
 * Small entries read in bulk (issue 7): a run of consecutive small entries, in directory order and adjacent
 * in the file, is one window, read with a single `slice().arrayBuffer()` (local headers and data alike)
 * when its first entry is consumed, and dropped once its last one has been. Two reads per entry cost
 * ~1.1 ms each; the 10,001-file corpus is 0.9 MB, one read. Entries are handed over lazily, so at most the
 * windows of the files in flight are in memory, whatever the bundle holds.
 */
class _SmallEntryWindows {
	readonly #file: File;
	readonly #windowOf = new Map<ZipEntry, _Window>();

	constructor(file: File, entries: readonly ZipEntry[]) {
		this.#file = file;
		let current: _Window | undefined;
		let previous: ZipEntry | undefined;
		for (const entry of entries) {
			const length = entry.nextOffset - entry.localHeaderOffset;
			if (length > _SMALL_ENTRY) {
				current = previous = undefined;
				continue;
			}
			// Only adjacent entries share a window, so consuming files in directory order walks windows in turn.
			if (current === undefined || previous?.nextOffset !== entry.localHeaderOffset || entry.nextOffset - current.start > _WINDOW) {
				current = { start: entry.localHeaderOffset, end: entry.nextOffset, pending: 0, bytes: null };
			}
			current.end = entry.nextOffset;
			previous = entry;
			if (!entry.isDirectory) this.#windowOf.set(entry, current);
		}
	}

	/** Whether the entry is read through a window. */
	has(entry: ZipEntry): boolean {
		return this.#windowOf.has(entry);
	}

	/** The entry's uncompressed bytes, read (with the rest of its window) when first iterated. */
	bytes(entry: ZipEntry): AsyncIterable<Uint8Array> {
		const window = this.#windowOf.get(entry)!;
		window.pending++;
		return this.#read(entry, window);
	}

	async *#read(entry: ZipEntry, window: _Window): AsyncGenerator<Uint8Array> {
		let released = false;
		const release = () => {
			if (released) return;
			released = true;
			if (--window.pending === 0) window.bytes = null;
		};
		try {
			window.bytes ??= this.#file.slice(window.start, window.end).arrayBuffer().then((buffer) => new Uint8Array(buffer));
			const source = _windowSource(this.#file.size, window.start, await window.bytes);
			if (entry.method !== 0) {
				yield* readZipEntry(source, entry);
				return;
			}
			const { offset } = await zipEntryData(source, entry);
			const bytes = await source.read(offset, entry.compressedSize);
			if (bytes.length < entry.compressedSize) throw badBundle('truncated', `Entry "${entry.name}" runs past the end of the file.`, { entry: entry.name });
			release();
			yield bytes.slice(); // a copy: the writer may transfer it
		} finally {
			release();
		}
	}
}

/** A run of small entries and, while any of them is still to be stored, its bytes. */
interface _Window {
	start: number;
	end: number;
	/** Entries handed out and not yet read from it. */
	pending: number;
	bytes: Promise<Uint8Array> | null;
}

/** The bytes [start, start + bytes.length) of a file of `size` bytes, as a source (shorter reads past its end). */
function _windowSource(size: number, start: number, bytes: Uint8Array): RandomAccessSource {
	return {
		size,
		// Reads never leave the window (entries are checked to end by the next one); if one did, it would come
		// back short and fail as truncated rather than yield other bytes.
		read: async (offset, length) => (offset < start ? new Uint8Array(0) : bytes.subarray(offset - start, Math.min(bytes.length, offset - start + length)))
	};
}

function _expected(entry: ZipEntry): IncomingFile['expected'] {
	return { size: entry.uncompressedSize, crc32: entry.crc32, ...(entry.sha256 ? { sha256: entry.sha256 } : {}) };
}
