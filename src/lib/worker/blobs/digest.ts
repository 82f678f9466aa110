// Node + browser: hash-wasm runs in both, so the memory store (Node tests) and the OPFS store's hash
// worker share this one digest.
import { createCRC32, createSHA256 } from 'hash-wasm';
import { ShelfError } from '../../core/errors.ts';
import type { BlobDigest } from '../../core/store-types.ts';

/** SHA-256, CRC-32 and size of a byte stream, fed chunk by chunk. */
export interface StreamingDigest {
	/**
	 * Feeds the next bytes of the stream.
	 * @param chunk bytes in stream order; not kept after the call returns
	 * @throws ShelfError `INTERNAL` after {@link StreamingDigest.digest}
	 */
	update(chunk: Uint8Array): void;
	/** Ends the stream and returns its digest; later calls return the same result. */
	digest(): BlobDigest;
	/**
	 * Starts over with no bytes, reusing the WebAssembly instances: creating them costs ~0.2 ms each,
	 * which dominates the hashing of tiny files (hash-wasm's `init()` resets a hasher).
	 */
	reset(): void;
}

/** Options of {@link createDigest}. */
export interface DigestOptions {
	/** Also compute the CRC-32 (default true); when false, `digest().crc32` is 0. */
	crc32?: boolean;
}

/**
 * Starts a streaming digest computing SHA-256 (lower-case hex) and CRC-32 (unsigned) of the same bytes in one pass.
 * @param options `crc32: false` for SHA-256 alone (export re-checks blobs whose CRC-32 is on record)
 *
 * @example
 * const digest = await createDigest();
 * digest.update(new TextEncoder().encode('hello'));
 * digest.digest(); // { sha256: '2cf24dba…', crc32: 907060870, size: 5 }
 */
export async function createDigest(options: DigestOptions = {}): Promise<StreamingDigest> {
	const [sha256, crc32] = await Promise.all([createSHA256(), options.crc32 === false ? null : createCRC32()]);
	let size = 0;
	let result: BlobDigest | null = null;
	const reset = () => {
		sha256.init();
		crc32?.init();
		size = 0;
		result = null;
	};
	reset();
	return {
		update(chunk) {
			if (result) throw new ShelfError('INTERNAL', 'Digest already finished: reset it or create a new one for more bytes.');
			sha256.update(chunk);
			crc32?.update(chunk);
			size += chunk.byteLength;
		},
		digest() {
			// hash-wasm renders CRC-32 as 8 big-endian hex digits ("3610a686" for "hello"), so reading
			// the hex as one number gives the unsigned value zip headers and zlib.crc32 use.
			result ??= { sha256: sha256.digest('hex'), crc32: crc32 ? Number.parseInt(crc32.digest('hex'), 16) >>> 0 : 0, size };
			return result;
		},
		reset
	};
}
