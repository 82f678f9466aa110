// Reads model bytes in large chunks: per-chunk costs (postMessage to the hash worker, sync-handle
// calls) dominate with the 64 KiB chunks a File's own stream yields.

/** Chunk size for reading and writing file bytes. */
export const CHUNK_SIZE = 8 * 1024 * 1024;

/** Something the shelf can read bytes from. */
export type ByteSource = Blob | ReadableStream<Uint8Array>;

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
	const reader = source.getReader();
	let pending = new Uint8Array(chunkSize);
	let filled = 0;
	try {
		for (;;) {
			const { done, value } = await reader.read();
			if (done) break;
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
	} finally {
		reader.releaseLock();
	}
}

/**
 * The size of a source when it is known up front (a Blob), else undefined.
 * @param source the byte source
 */
export function knownSize(source: ByteSource): number | undefined {
	return source instanceof Blob ? source.size : undefined;
}
