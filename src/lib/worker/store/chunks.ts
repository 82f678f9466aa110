// Reads model bytes in large chunks: per-chunk costs (postMessage to the hash worker, sync-handle
// calls) dominate with the 64 KiB chunks a File's own stream yields.
import { CHUNK_SIZE } from '../../core/byte-streams.ts';
import { takeBuffer } from '../blobs/buffer-pool.ts';

/** Something the shelf can read bytes from: a Blob (random access), a stream, or chunks as they are decoded. */
export type ByteSource = Blob | ReadableStream<Uint8Array> | AsyncIterable<Uint8Array>;

/**
 * Yields the bytes of `source` in chunks of `chunkSize` (the last one shorter); each chunk is the
 * caller's to keep or transfer (a fresh buffer, or one from the buffer pool the caller may transfer whole).
 * @param source a Blob (read by slices, never whole) or a byte stream (re-chunked)
 * @param chunkSize bytes per chunk
 * @param expectedSize a stream's announced size: a smaller stream gets a buffer of that size, not of
 * `chunkSize` (issue 21: 8 MiB per two-byte file, dozens in flight, was a gigabyte of garbage); when the
 * stream is longer after all, its first chunk is that size and the rest go as usual
 */
export async function* readChunks(source: ByteSource, chunkSize = CHUNK_SIZE, expectedSize?: number): AsyncGenerator<Uint8Array> {
	if (source instanceof Blob) return yield* _readBlob(source, chunkSize);
	let size = expectedSize !== undefined && expectedSize < chunkSize ? Math.max(1, expectedSize) : chunkSize;
	let pending: Uint8Array<ArrayBuffer> | null = null; // taken when bytes arrive: none waits past the stream's end
	let filled = 0;
	for await (const value of _iterate(source)) {
		let consumed = 0;
		while (consumed < value.byteLength) {
			pending ??= size < chunkSize ? new Uint8Array(size) : takeBuffer(chunkSize);
			const take = Math.min(pending.byteLength - filled, value.byteLength - consumed);
			pending.set(value.subarray(consumed, consumed + take), filled);
			filled += take;
			consumed += take;
			if (filled === pending.byteLength) {
				yield pending;
				pending = null;
				size = chunkSize;
				filled = 0;
			}
		}
	}
	if (pending && filled > 0) yield pending.subarray(0, filled);
}

/**
 * Random access to a Blob (a picked File, a stored blob) by slicing: only the bytes asked for are read.
 * Each read is a fresh buffer, the caller's to keep or transfer.
 * @param blob the bytes
 * @returns a `RandomAccessSource`
 */
export function blobSource(blob: Blob): { readonly size: number; read(offset: number, length: number): Promise<Uint8Array<ArrayBuffer>> } {
	return {
		size: blob.size,
		read: async (offset, length) => new Uint8Array(await blob.slice(offset, offset + length).arrayBuffer())
	};
}

/**
 * The size of a source when it is known up front (a Blob), else undefined.
 * @param source the byte source
 */
export function knownSize(source: ByteSource): number | undefined {
	return source instanceof Blob ? source.size : undefined;
}

/**
 * Joins a small stream (a model.yaml, a registry manifest) into one array, refusing more than `limit` bytes
 * as soon as they arrive: a hostile source must not fill memory.
 * @param source the chunks
 * @param limit most bytes accepted
 * @param tooLarge makes the error thrown past the limit
 */
export async function collectBytes(source: ReadableStream<Uint8Array> | AsyncIterable<Uint8Array>, limit: number, tooLarge: () => Error): Promise<Uint8Array<ArrayBuffer>> {
	const parts: Uint8Array[] = [];
	let size = 0;
	for await (const part of _iterate(source)) {
		size += part.byteLength;
		if (size > limit) throw tooLarge();
		parts.push(part);
	}
	const bytes = new Uint8Array(size);
	let offset = 0;
	for (const part of parts) {
		bytes.set(part, offset);
		offset += part.byteLength;
	}
	return bytes;
}

// ---------------------------------------------------------------------------

/**
 * Reads a Blob by slices, the next slice's read in flight while the caller writes the current chunk:
 * reading a picked File costs ~3 s per GiB, which would otherwise come on top of writing it.
 */
async function* _readBlob(source: Blob, chunkSize: number): AsyncGenerator<Uint8Array> {
	const read = (offset: number) => source.slice(offset, offset + chunkSize).arrayBuffer();
	let next: Promise<ArrayBuffer> | null = source.size > 0 ? read(0) : null;
	try {
		for (let offset = 0; next; ) {
			const chunk = new Uint8Array(await next);
			offset += chunkSize;
			next = offset < source.size ? read(offset) : null;
			yield chunk;
		}
	} finally {
		// The caller stopped early (a failure, a cancel): the read ahead is no one's, nor is its error.
		next?.catch(() => {});
	}
}

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
