// Node + browser: pure TypeScript, no DOM, no idb, no OPFS.
//
// Raw deflate decoding held to a declared size: fflate's streaming `Inflate` fed small pieces, so one
// step never expands to much more than the header still promises (deflate's ratio tops out near
// 1032:1), and output beyond the declared size fails before the next piece is pushed. Shared by the
// zip reader (entries) and the zip writer (checking pre-deflated data before it ships).
import { Inflate } from 'fflate';
import { badBundle } from './bundle-errors.ts';

/**
 * Inflates raw deflate data, yielding chunks of at most `chunkSize` bytes.
 * @param input the compressed bytes, in pieces of any size
 * @param declaredSize the exact number of bytes the data must expand to
 * @param options `chunkSize`: largest chunk yielded; `entry`: the entry name for error details
 * @throws ShelfError `BAD_BUNDLE`: 'size-mismatch' (more or fewer bytes than declared), 'corrupt' (invalid deflate data, cause: fflate's error)
 * @example
 * for await (const chunk of inflateBounded(pieces, entry.uncompressedSize, { chunkSize: 8 << 20, entry: entry.name })) await sink.write(chunk);
 */
export async function* inflateBounded(
	input: AsyncIterable<Uint8Array>,
	declaredSize: number,
	options: { chunkSize: number; entry: string }
): AsyncGenerator<Uint8Array> {
	const { chunkSize, entry } = options;
	const pending: Uint8Array[] = [];
	let pendingBytes = 0;
	let produced = 0;
	const inflater = new Inflate((chunk) => {
		produced += chunk.length;
		pendingBytes += chunk.length;
		if (chunk.length > 0) pending.push(chunk);
	});
	const facts = { entry, declared: declaredSize };
	let silent = 0;
	for await (const { block, last } of _withLast(input)) {
		let at = 0;
		do {
			// Deflate expands at most ~1032:1: a step yields at most ~16× what the header still promises (≥ 1 MiB).
			const step = Math.min(_PUSH_MAX, Math.max(_PUSH_MIN, Math.ceil((declaredSize - produced) / 64)));
			const piece = block.subarray(at, at + step);
			at += piece.length;
			const before = produced;
			try {
				// `final` on the last piece makes fflate report a stream that is cut short.
				inflater.push(piece, last && at === block.length);
			} catch (error) {
				throw badBundle('corrupt', `The compressed data of "${entry}" is damaged.`, { ...facts, flateCode: (error as { code?: unknown }).code }, error);
			}
			if (produced > declaredSize) {
				throw badBundle('size-mismatch', `"${entry}" expands beyond the ${declaredSize} bytes its header declares.`, { ...facts, produced });
			}
			// After the stream's end (or among endless empty blocks) fflate keeps buffering input: stop early.
			silent = produced === before ? silent + piece.length : 0;
			if (silent > _MAX_SILENT_INPUT) {
				throw badBundle('corrupt', `The compressed data of "${entry}" holds bytes that decompress to nothing.`, facts);
			}
			for (; pendingBytes >= chunkSize; pendingBytes -= chunkSize) yield _take(pending, chunkSize);
		} while (at < block.length);
	}
	if (produced !== declaredSize) {
		throw badBundle('size-mismatch', `"${entry}" yields ${produced} bytes, not the ${declaredSize} its header declares.`, { ...facts, produced });
	}
	if (pendingBytes > 0) yield _take(pending, pendingBytes);
}

// ---------------------------------------------------------------------------

/**
 * Compressed bytes per `push`: 64 KiB (fflate's per-call overhead makes 16 KiB pieces ~1.5× slower),
 * shrinking to 1 KiB over the last 4 MiB the header declares. One step yields at most ~66 MB, and a
 * bomb that declares little is caught after ~1 MiB.
 */
const _PUSH_MAX = 64 * 1024;
const _PUSH_MIN = 1024;
/**
 * Compressed input that may produce no output before we call the stream corrupt. fflate emits a stored
 * block (at most 64 KiB) only once it is whole, so real streams stay far below this; past the stream's
 * end fflate re-copies everything pushed since, so this also caps that quadratic cost.
 */
const _MAX_SILENT_INPUT = 256 * 1024;

/** Pairs each input block with whether it is the last one, looking one block ahead. */
async function* _withLast(input: AsyncIterable<Uint8Array>): AsyncGenerator<{ block: Uint8Array; last: boolean }> {
	let previous: Uint8Array | null = null;
	for await (const block of input) {
		if (previous !== null) yield { block: previous, last: false };
		previous = block;
	}
	yield { block: previous ?? new Uint8Array(0), last: true };
}

/** Removes and returns the first `length` queued bytes, copying only when they straddle chunks. */
function _take(pending: Uint8Array[], length: number): Uint8Array {
	const first = pending[0]!;
	if (first.length === length) return pending.shift()!;
	if (first.length > length) {
		pending[0] = first.subarray(length);
		return first.subarray(0, length);
	}
	const out = new Uint8Array(length);
	for (let at = 0; at < length; ) {
		const head = pending[0]!;
		const used = Math.min(head.length, length - at);
		out.set(head.subarray(0, used), at);
		if (used === head.length) pending.shift();
		else pending[0] = head.subarray(used);
		at += used;
	}
	return out;
}
