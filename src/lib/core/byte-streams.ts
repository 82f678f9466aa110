// Node + browser: pure TypeScript, no DOM, no idb, no OPFS.
//
// How bytes move through the shelf, in one place. Two ways in, one way out:
//
// - A stream of bytes is an `AsyncIterable<Uint8Array>` of chunks (up to CHUNK_SIZE each): a stored blob read
//   back (`BlobStore.readVerified`), a zip or tar entry, a zip entry's `data`. Where bytes arrive as a Blob
//   or a ReadableStream, `ByteSource` and `readChunks` (worker/store/chunks.ts) turn them into that.
// - Random access is a `RandomAccessSource`: a zip is read through its central directory, never scanned
//   forward. A File becomes one with `blobSource` (chunks.ts); a stored blob with `openBlobReader`
//   (worker/blobs/verified-read.ts, a `BlobReader`: one that must be closed).
// - Bytes go out into a `ByteSink`: the zip writer writes into one, an export target is one.
//
// Not byte streams, and different on purpose: a `BlobWriter` (store-types.ts) takes ownership of what it is
// given and commits it under its digest; a `HashStream` (worker/blobs/hash-client.ts) transfers chunks to
// the hash worker with backpressure; a `ChunkReader` (bundle/chunk-reader.ts) is a parser's cursor over a stream.

/**
 * The size of the chunks bytes move in: files read for storing, stored blobs read back, entries read from
 * a zip, the pooled buffers that carry them. Per-chunk costs (a postMessage to the hash worker, a
 * sync-handle call) dominate with the 64 KiB chunks a File's own stream yields.
 */
export const CHUNK_SIZE = 8 * 1024 * 1024;

/** Bytes at random offsets: a `File` by slices in the browser, a buffer or a file in tests. */
export interface RandomAccessSource {
	/** Length in bytes. */
	readonly size: number;
	/**
	 * Resolves to the bytes in [offset, offset + length); fewer only when the source ends first.
	 * @param offset where to start
	 * @param length how many bytes
	 */
	read(offset: number, length: number): Promise<Uint8Array>;
}

/** Where bytes go, in order: a file, the page's download, memory in tests. The writer awaits each write. */
export interface ByteSink {
	/**
	 * Appends bytes. The chunk is the caller's again once the promise resolves: a sink copies what it keeps.
	 * @param chunk the next bytes
	 */
	write(chunk: Uint8Array): Promise<void>;
	/**
	 * Announces about how many bytes will come (at least as many, usually), so that a file sink can size
	 * its file once: writes that extend a new OPFS file are slower than writes into room already made.
	 * @param bytes the expected total
	 */
	expectSize?(bytes: number): void;
}

/**
 * Joins byte arrays into one (returning the only non-empty one as is: callers must not mutate it).
 * @param parts the arrays, in order
 */
export function concatBytes<T extends ArrayBufferLike>(parts: readonly Uint8Array<T>[]): Uint8Array<T | ArrayBuffer> {
	const filled = parts.filter((part) => part.length > 0);
	if (filled.length <= 1) return filled[0] ?? new Uint8Array(0);
	const out = new Uint8Array(filled.reduce((sum, part) => sum + part.length, 0));
	let at = 0;
	for (const part of filled) {
		out.set(part, at);
		at += part.length;
	}
	return out;
}
