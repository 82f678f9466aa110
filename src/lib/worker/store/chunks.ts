// Reads model bytes in large chunks: per-chunk costs (postMessage to the hash worker, sync-handle
// calls) dominate with the 64 KiB chunks a File's own stream yields.

/** Chunk size for reading and writing file bytes. */
export const CHUNK_SIZE = 8 * 1024 * 1024;

/** Something the shelf can read bytes from: a Blob (random access), a stream, or chunks as they are decoded. */
export type ByteSource = Blob | ReadableStream<Uint8Array> | AsyncIterable<Uint8Array>;

/**
 * Yields the bytes of `source` in chunks of `chunkSize` (the last one shorter); each chunk is a
 * fresh buffer the caller may transfer.
 * @param source a Blob (read by slices, never whole) or a byte stream (re-chunked)
 * @param chunkSize bytes per chunk
 */
export async function* readChunks(source: ByteSource, chunkSize = CHUNK_SIZE): AsyncGenerator<Uint8Array> {
	if (source instanceof Blob) {
		for (let offset = 0; offset < source.size; offset += chunkSize) {
			yield new Uint8Array(await source.slice(offset, offset + chunkSize).arrayBuffer());
		}
		return;
	}
	let pending = new Uint8Array(chunkSize);
	let filled = 0;
	for await (const value of _iterate(source)) {
		let consumed = 0;
		while (consumed < value.byteLength) {
			const take = Math.min(chunkSize - filled, value.byteLength - consumed);
			pending.set(value.subarray(consumed, consumed + take), filled);
			filled += take;
			consumed += take;
			if (filled === chunkSize) {
				yield pending;
				pending = new Uint8Array(chunkSize);
				filled = 0;
			}
		}
	}
	if (filled > 0) yield pending.slice(0, filled);
}

/**
 * The size of a source when it is known up front (a Blob), else undefined.
 * @param source the byte source
 */
export function knownSize(source: ByteSource): number | undefined {
	return source instanceof Blob ? source.size : undefined;
}

// ---------------------------------------------------------------------------

async function* _iterate(source: ReadableStream<Uint8Array> | AsyncIterable<Uint8Array>): AsyncGenerator<Uint8Array> {
	if (!(source instanceof ReadableStream)) return yield* source;
	const reader = source.getReader();
	try {
		for (;;) {
			const { done, value } = await reader.read();
			if (done) return;
			yield value;
		}
	} finally {
		reader.releaseLock();
	}
}
