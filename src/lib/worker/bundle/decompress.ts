// Worker (and Node ≥ 18, for tests): needs Blob, ReadableStream, DecompressionStream and WebAssembly.
//
// Tells which container a picked file is and turns it into a stream of uncompressed tar bytes for
// core/bundle/tar-reader.ts. BentoML's exporter picks the container from the file name (`.bentomodel`
// and no extension → tar.xz, `.gz`, `.xz`, `.bz2`, `.tar`, `.zip`); we trust the bytes first, since a
// renamed file still has its magic number.
//
// xz: `xz-decompress` (httptoolkit's maintained fork of xzwasm: xz-embedded compiled to WASM, inlined
// as base64 so it works offline with nothing to precache; 64 KiB in, 64 KiB out, dictionary ≤ 64 MiB).
// Its module keeps ONE decoder context at a time behind a mutex: a second xz stream waits until the
// first ends or is cancelled, so every reader here is cancelled in `finally`.
// bzip2: refused. npm has no small, maintained streaming decoder that runs in a worker
// (unbzip2-stream needs Node streams and a Buffer polyfill; @foxglove/wasm-bz2 is one-shot).
// zstd (a pull's tar+zstd layers): fzstd (by fflate's author; pure JS, streaming, 8 kB). The browser's
// DecompressionStream has no zstd in Chromium 150, and zstddec's WASM build is one-shot only.

import { Decompress } from 'fzstd';
import xz from 'xz-decompress';
import { badBundle } from '../../core/bundle/bundle-errors.ts';
import { ShelfError } from '../../core/errors.ts';

/** A container we can name: zip or tar, the latter optionally compressed. */
export type ArchiveKind = 'zip' | 'tar' | 'tar.gz' | 'tar.xz' | 'tar.bz2';

/** How many leading bytes {@link detectArchive} wants (a tar header is one 512-byte block). */
export const ARCHIVE_HEAD_BYTES = 512;

/**
 * Names a file's container from its first bytes alone. BentoML picks the format from the file
 * extension, but every format it writes has a signature, so the bytes are the truth: a text file
 * renamed `.bentomodel` is "not an archive", not a "corrupt xz stream".
 *
 * @param head the file's first {@link ARCHIVE_HEAD_BYTES} bytes (or the whole file when smaller)
 * @returns the container, or `null` when this is no archive we know
 * @example
 * const head = new Uint8Array(await file.slice(0, ARCHIVE_HEAD_BYTES).arrayBuffer());
 * detectArchive(head); // 'tar.xz'
 */
export function detectArchive(head: Uint8Array): ArchiveKind | null {
	const starts = (...magic: number[]): boolean => magic.every((byte, i) => head[i] === byte);
	if (starts(0x50, 0x4b, 0x03, 0x04) || starts(0x50, 0x4b, 0x05, 0x06)) return 'zip';
	if (starts(0x1f, 0x8b)) return 'tar.gz';
	if (starts(0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00)) return 'tar.xz';
	if (starts(0x42, 0x5a, 0x68) && head.length > 3 && head[3]! >= 0x31 && head[3]! <= 0x39) return 'tar.bz2';
	if (head.length >= 262 && String.fromCharCode(...head.subarray(257, 262)) === 'ustar') return 'tar';
	return head.length >= ARCHIVE_HEAD_BYTES && _isV7TarHeader(head) ? 'tar' : null;
}

/**
 * Streams the uncompressed tar bytes of a file, for `readTar`. Stop early by ending the iteration
 * (`break`, or `return()` on the iterator): that cancels the file read and frees the xz decoder.
 *
 * @param file the picked file, or its byte stream (e.g. through a TransformStream that counts progress)
 * @param kind what {@link detectArchive} said; zip is read elsewhere (it needs random access)
 * @throws ShelfError `BAD_BUNDLE`: 'corrupt' (cause: the decoder's error), 'truncated',
 *   'unsupported-method' (bzip2, or xz options beyond xz-embedded)
 * @example
 * for await (const entry of readTar(decompressedChunks(file, 'tar.xz'))) console.log(entry.path);
 */
export async function* decompressedChunks(
	file: Blob | ReadableStream<Uint8Array>,
	kind: Exclude<ArchiveKind, 'zip'>
): AsyncGenerator<Uint8Array, void, undefined> {
	if (kind === 'tar.bz2') {
		throw badBundle('unsupported-method', 'bzip2-compressed bundles are not supported; export the model as .bentomodel (tar.xz) or .zip.', { kind });
	}
	const bytes: ReadableStream<Uint8Array> = file instanceof ReadableStream ? file : file.stream();
	const stream: ReadableStream<Uint8Array> = kind === 'tar' ? bytes : kind === 'tar.gz' ? _gunzip(bytes) : new xz.XzReadableStream(bytes);
	const reader = stream.getReader();
	try {
		for (;;) {
			let next: ReadableStreamReadResult<Uint8Array>;
			try {
				next = await reader.read();
			} catch (error) {
				throw _decodeError(error, kind);
			}
			if (next.done) return;
			if (next.value.length > 0) yield next.value;
		}
	} finally {
		// After an error or the end this is a no-op; after an early stop it releases the file and the xz context.
		await reader.cancel().catch(() => {});
	}
}

/**
 * The largest window a zstd frame may need: libzstd's own default decoding limit (ZSTD_WINDOWLOG_LIMIT_DEFAULT,
 * 2^27), which every level below `--ultra -22` and `--long=27` stays within. fzstd allocates the window a frame
 * header declares, up to 2 GiB, before reading any data.
 */
export const MAX_ZSTD_WINDOW = 128 * 1024 * 1024;

/**
 * Decompresses a zstd stream (a pull's tar+zstd layer), refusing any frame that declares a window over
 * {@link MAX_ZSTD_WINDOW} before the decoder allocates it (a 29-byte frame asked fzstd for 1.9 GB; issue 22).
 * @param bytes the compressed bytes, in chunks of any size
 * @param what the stream in messages, e.g. `Layer 2`
 * @throws ShelfError `BAD_BUNDLE`: 'corrupt' (cause: fzstd's error), 'too-large' (the window)
 * @example
 * for await (const entry of readTar(zstdChunks(download, 'Layer 0'))) console.log(entry.path);
 */
export async function* zstdChunks(bytes: AsyncIterable<Uint8Array>, what: string): AsyncGenerator<Uint8Array, void, undefined> {
	let out: Uint8Array[] = [];
	const decoder = new Decompress((chunk) => void out.push(chunk));
	const frames = new _ZstdFrames(what);
	const push = (chunk: Uint8Array, final: boolean) => {
		try {
			decoder.push(chunk, final);
		} catch (error) {
			throw badBundle('corrupt', `${what} is not a valid zstd stream.`, { kind: 'tar+zstd' }, error);
		}
	};
	for await (const chunk of bytes) {
		frames.check(chunk);
		push(chunk, false);
		yield* out;
		out = [];
	}
	push(new Uint8Array(0), true);
	yield* out;
}

// ---------------------------------------------------------------------------

/**
 * Walks the frames of a zstd stream by their headers and block sizes (RFC 8878 §3.1), without decoding, to read
 * each frame's window size before the decoder sees its header. Stops at anything that is not a frame: the
 * decoder refuses that itself.
 */
class _ZstdFrames {
	readonly #what: string;
	/** Header bytes read so far (at most 18 for a frame header, 3 for a block header). */
	#head: number[] = [];
	/** Bytes to pass over before the next header: a block's content, a checksum, a skippable frame. */
	#skip = 0;
	#in: 'frame' | 'block' | 'done' = 'frame';
	#checksum = false;

	constructor(what: string) {
		this.#what = what;
	}

	/** Reads the headers in the next chunk. @throws ShelfError `BAD_BUNDLE` 'too-large' */
	check(chunk: Uint8Array): void {
		for (let at = 0; at < chunk.length && this.#in !== 'done'; ) {
			if (this.#skip > 0) {
				const passed = Math.min(this.#skip, chunk.length - at);
				this.#skip -= passed;
				at += passed;
				continue;
			}
			this.#head.push(chunk[at++]!);
			if (this.#in === 'frame') this.#frameHeader();
			else this.#blockHeader();
		}
	}

	#frameHeader(): void {
		const h = this.#head;
		if (h.length < 4) return;
		const magic = (h[0]! | (h[1]! << 8) | (h[2]! << 16) | (h[3]! << 24)) >>> 0;
		if (magic >>> 4 === 0x184d2a5) {
			// A skippable frame: 4 bytes of size, then that many bytes.
			if (h.length < 8) return;
			this.#skip = (h[4]! | (h[5]! << 8) | (h[6]! << 16) | (h[7]! << 24)) >>> 0;
			this.#head = [];
			return;
		}
		if (magic !== 0xfd2fb528 || h.length < 5) {
			if (magic !== 0xfd2fb528) this.#in = 'done';
			return;
		}
		const descriptor = h[4]!;
		const single = (descriptor >> 5) & 1;
		const sizeBytes = [single, 2, 4, 8][descriptor >> 6]!;
		const length = 5 + (single ? 0 : 1) + [0, 1, 2, 4][descriptor & 3]! + sizeBytes;
		if (h.length < length) return;
		let window: number;
		if (single) {
			// The window is the frame's content size (a 2-byte size counts from 256).
			window = h.slice(length - sizeBytes, length).reduceRight((sum, byte) => sum * 256 + byte, 0) + (sizeBytes === 2 ? 256 : 0);
		} else {
			const base = 2 ** (10 + (h[5]! >> 3));
			window = base + (base / 8) * (h[5]! & 7);
		}
		if (window > MAX_ZSTD_WINDOW) {
			const message = `${this.#what} is a zstd stream that needs a ${window}-byte window; at most ${MAX_ZSTD_WINDOW} are accepted. Hint: compress it without --long or --ultra.`;
			throw badBundle('too-large', message, { kind: 'tar+zstd', size: window, limit: MAX_ZSTD_WINDOW });
		}
		this.#checksum = ((descriptor >> 2) & 1) === 1;
		this.#head = [];
		this.#in = 'block';
	}

	#blockHeader(): void {
		const h = this.#head;
		if (h.length < 3) return;
		const header = h[0]! | (h[1]! << 8) | (h[2]! << 16);
		const type = (header >> 1) & 3;
		if (type === 3) {
			this.#in = 'done'; // reserved: the decoder refuses it
			return;
		}
		// An RLE block holds one byte, repeated; raw and compressed blocks hold their size in bytes.
		this.#skip = type === 1 ? 1 : header >>> 3;
		this.#head = [];
		if (header & 1) {
			this.#skip += this.#checksum ? 4 : 0;
			this.#in = 'frame';
		}
	}
}

/**
 * `DecompressionStream('gzip')` fed one chunk at a time, each write awaited. `pipeThrough` would do
 * in Chromium, but Node 20's adapter takes writes without pushing back: piping a 256 MiB random
 * payload held ~250 MiB of input in memory, this loop ~30 MiB (and ran faster).
 */
function _gunzip(bytes: ReadableStream<Uint8Array>): ReadableStream<Uint8Array> {
	const gzip = new DecompressionStream('gzip');
	const writer = gzip.writable.getWriter();
	const source = bytes.getReader();
	void (async () => {
		try {
			for (;;) {
				const { done, value } = await source.read();
				if (done) break;
				// The lib types the input as BufferSource (ArrayBuffer-backed); file chunks always are.
				await writer.write(value as Uint8Array<ArrayBuffer>);
			}
			await writer.close();
		} catch (error) {
			// A decoding error or the consumer's cancel: stop reading the file and pass the error on.
			await writer.abort(error).catch(() => {});
			await source.cancel(error).catch(() => {});
		}
	})();
	return gzip.readable;
}

/** xz-embedded's `enum xz_ret` values above XZ_STREAM_END, as xz-decompress reports them. */
const _XZ_CODES: Record<string, 'unsupported-method' | 'corrupt' | 'truncated'> = {
	'2': 'unsupported-method', // XZ_UNSUPPORTED_CHECK (SHA-256 checks)
	'3': 'corrupt', // XZ_MEM_ERROR
	'4': 'unsupported-method', // XZ_MEMLIMIT_ERROR: dictionary over 64 MiB (xz -9e uses 64 MiB)
	'5': 'corrupt', // XZ_FORMAT_ERROR
	'6': 'unsupported-method', // XZ_OPTIONS_ERROR: filters xz-embedded lacks
	'7': 'corrupt', // XZ_DATA_ERROR
	'8': 'truncated' // XZ_BUF_ERROR: the input ended before the stream did
};

/**
 * Classifies a decoder's failure. Neither decoder has error codes of its own: Node's zlib sets
 * `code: 'Z_BUF_ERROR'` on a cut gzip stream, Chromium throws a TypeError "Compressed input was
 * truncated." (blink inflate_transformer.cc), and xz-decompress says "… failed with error code N".
 */
function _decodeError(error: unknown, kind: ArchiveKind): unknown {
	if (error instanceof ShelfError) return error;
	// The file itself could not be read (changed or removed since it was picked): not a decoding problem.
	const name = (error as { name?: unknown } | null)?.name;
	if (kind === 'tar' || name === 'NotReadableError' || name === 'NotFoundError' || name === 'AbortError') return error;
	if (error instanceof WebAssembly.CompileError || error instanceof WebAssembly.LinkError) {
		// A Content-Security-Policy without 'wasm-unsafe-eval' blocks the xz decoder: not the file's fault.
		return new ShelfError('UNSUPPORTED', 'This browser refused to start the xz decoder (WebAssembly is blocked here).', { kind }, { cause: error });
	}
	const message = (error instanceof Error ? error.message : String(error)).replace(/\.$/, '');
	const code = (error as { code?: unknown } | null)?.code;
	let reason: 'unsupported-method' | 'corrupt' | 'truncated' = 'corrupt';
	if (kind === 'tar.xz') {
		const xzCode = /error code (\d+)/.exec(message)?.[1];
		// An empty input makes xz-decompress read `.byteLength` of null before decoding anything.
		reason = xzCode !== undefined ? (_XZ_CODES[xzCode] ?? 'corrupt') : error instanceof TypeError ? 'truncated' : 'corrupt';
	} else if (kind === 'tar.gz' && (code === 'Z_BUF_ERROR' || /truncated|unexpected end/i.test(message))) {
		reason = 'truncated';
	}
	const what = { 'unsupported-method': 'uses options we cannot decode', corrupt: 'is damaged', truncated: 'ends early' }[reason];
	return badBundle(reason, `The ${kind} file ${what}: ${message}. Export the model again and retry.`, { kind }, error);
}

/** Old (pre-POSIX) tars have no "ustar" magic; their header checksum still identifies them. */
function _isV7TarHeader(head: Uint8Array): boolean {
	const field = String.fromCharCode(...head.subarray(148, 156)).replace(/[\0 ]+$/, '').trim();
	if (!/^[0-7]{1,7}$/.test(field) || head[0] === 0) return false;
	let sum = 8 * 0x20;
	for (let i = 0; i < ARCHIVE_HEAD_BYTES; i++) if (i < 148 || i >= 156) sum += head[i]!;
	return sum === Number.parseInt(field, 8);
}
