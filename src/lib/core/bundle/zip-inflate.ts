// Node + browser: pure TypeScript, no DOM, no idb, no OPFS.
//
// Raw deflate decoding held to a declared size: fflate's streaming `Inflate` fed small pieces, so one
// step can never expand to more than ~16 MiB (deflate's ratio tops out near 1032:1), and output
// beyond the declared size fails before the next piece is read. Shared by the zip reader (entries)
// and the zip writer (checking pre-deflated data before it ships).
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
	// Look one block ahead so the last piece goes in with `final`, which makes fflate report a stream cut short.
	let block: Uint8Array | null = null;
	const iterator = input[Symbol.asyncIterator]();
	for (let next = await iterator.next(); block !== null || !next.done; ) {
		const following = next.done ? null : next.value;
		if (block !== null) {
			const last = following === null;
			for (let at = 0; at < block.length || (last && at === 0); at += _PUSH) {
				const piece = block.subarray(at, at + _PUSH);
				const before = produced;
				try {
					inflater.push(piece, last && at + _PUSH >= block.length);
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
			}
		}
		block = following;
		if (!next.done) next = await iterator.next();
	}
	if (produced !== declaredSize) {
		throw badBundle('size-mismatch', `"${entry}" yields ${produced} bytes, not the ${declaredSize} its header declares.`, { ...facts, produced });
	}
	if (pendingBytes > 0) yield _take(pending, pendingBytes);
}

// ---------------------------------------------------------------------------

/** Compressed bytes per `push`: bounds one step's output to ~16.5 MiB. */
const _PUSH = 16 * 1024;
/** Compressed input that may produce no output at all before we call the stream corrupt. */
const _MAX_SILENT_INPUT = 1024 * 1024;

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
