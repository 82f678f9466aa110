// Node + browser: the shelf's one SHA-256 and one CRC-32, both from hash-wasm (WebAssembly, runs in both).
// Streams are hashed with createDigest (the hash worker, the memory store); bytes already in memory with
// digestBytes or crc32Of. WebCrypto is not used for stored bytes: it cannot stream one digest.
import { createCRC32, createSHA256, type IHasher } from 'hash-wasm';
import { ShelfError } from './errors.ts';
import type { BlobDigest } from './store-types.ts';

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
 * @param options `crc32: false` for SHA-256 alone (reading a stored blob back, whose CRC-32 is on record)
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
			result ??= { sha256: sha256.digest('hex'), crc32: crc32 ? _crcValue(crc32) : 0, size };
			return result;
		},
		reset
	};
}

/**
 * SHA-256, CRC-32 and size of bytes already in memory (a model.yaml being exported).
 * @param bytes the whole data
 * @example
 * await digestBytes(new TextEncoder().encode('hello')); // { sha256: '2cf24dba…', crc32: 907060870, size: 5 }
 */
export async function digestBytes(bytes: Uint8Array): Promise<BlobDigest> {
	// One digest for every call: a new one per call instantiates WebAssembly. reset, update and digest
	// run with no await in between, so concurrent callers cannot interleave.
	const digest = await _sharedDigest();
	digest.reset();
	digest.update(bytes);
	return { ...digest.digest() };
}

/**
 * CRC-32 (ISO-HDLC, the zip and gzip one, unsigned) of bytes already in memory, given whole or in pieces.
 * @param data the bytes, or their pieces in order
 * @example
 * await crc32Of(new TextEncoder().encode('123456789')); // 0xcbf43926
 */
export async function crc32Of(data: Uint8Array | readonly Uint8Array[]): Promise<number> {
	const crc = await _sharedCrc();
	// Synchronous from here on: concurrent callers cannot interleave (see digestBytes).
	crc.init();
	for (const piece of data instanceof Uint8Array ? [data] : data) crc.update(piece);
	return _crcValue(crc);
}

/** A CRC-32 fed chunk by chunk (see {@link openCrc32}). */
export interface StreamingCrc32 {
	/** Feeds the next bytes. */
	update(chunk: Uint8Array): void;
	/** The CRC-32 of every byte fed so far (unsigned). */
	value(): number;
	/** Hands the instance back for reuse; the stream must not be used after. Idempotent. */
	release(): void;
}

/** Idle CRC-32 instances: creating one instantiates WebAssembly (~0.2 ms), which tiny files would pay each. */
const _idleCrcs: IHasher[] = [];
const _MAX_IDLE_CRCS = 8;

/**
 * Starts a CRC-32 of a stream of chunks, on this thread. The blob writers compute it beside the writes while the
 * hash worker computes SHA-256 alone (issue 21): the two hashes in one worker made it the slower side of a write.
 * @example
 * const crc = await openCrc32();
 * crc.update(new TextEncoder().encode('123456789'));
 * crc.value(); // 0xcbf43926
 * crc.release();
 */
export async function openCrc32(): Promise<StreamingCrc32> {
	const hasher = _idleCrcs.pop() ?? (await createCRC32());
	hasher.init();
	let released = false;
	return {
		update: (chunk) => hasher.update(chunk),
		value: () => _crcValue(hasher),
		release: () => {
			if (released) return;
			released = true;
			if (_idleCrcs.length < _MAX_IDLE_CRCS) _idleCrcs.push(hasher);
		}
	};
}

// ---------------------------------------------------------------------------------------------------------

const _sharedDigest = _once(() => createDigest());
const _sharedCrc = _once(() => createCRC32());

/** One shared instance, created on first use (and again after a failed creation). */
function _once<T>(create: () => Promise<T>): () => Promise<T> {
	let pending: Promise<T> | null = null;
	return () =>
		(pending ??= create().catch((error: unknown) => {
			pending = null;
			throw error;
		}));
}

/**
 * hash-wasm renders CRC-32 as 8 big-endian hex digits ("3610a686" for "hello"), so reading the hex as one
 * number gives the unsigned value zip headers and zlib.crc32 use.
 */
function _crcValue(crc: IHasher): number {
	return Number.parseInt(crc.digest('hex'), 16) >>> 0;
}
