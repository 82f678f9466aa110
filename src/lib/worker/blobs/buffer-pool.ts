// Chunk buffers reused across reads, writes and the hash worker. A fresh ArrayBuffer per 8 MiB chunk,
// dropped once hashed, is external memory V8 collects lazily, so the workers' buffer peak would grow with
// the size of what goes through (measured: 72 → 105 MiB from 256 MiB to 1 GiB). The hash worker hands
// each buffer back with its acknowledgement (hash-client.ts), and readers take their next one from here.
// Only buffers of CHUNK_SIZE bytes are kept.
import { CHUNK_SIZE } from '../../core/byte-streams.ts';

/**
 * Buffers kept between uses. A reader cycles through about five (one being read and written, up to four
 * in the hash worker) and takes one back for every one returned, so a small pool already saves most
 * allocations; every buffer beyond it is freed at once, which is what keeps the peak flat. A larger pool
 * would hold idle memory after imports, whose File reads cannot reuse buffers.
 */
const MAX_POOLED = 2;
/** Idle buffers are freed after this long without a request, so an idle shelf holds none. */
const IDLE_MS = 2000;

const pooled: ArrayBuffer[] = [];
/** Buffers this module handed out: push() may transfer them whole even through a shorter view. */
const lent = new WeakSet<ArrayBuffer>();
let idleTimer: ReturnType<typeof setTimeout> | null = null;

/**
 * A view of `size` bytes (at most {@link CHUNK_SIZE}) at the start of a pooled buffer, or of a new one.
 * The caller owns the whole buffer until it gives it back or transfers it.
 * @param size bytes needed
 */
export function takeBuffer(size: number): Uint8Array<ArrayBuffer> {
	const buffer = size <= CHUNK_SIZE ? pooled.pop() : undefined;
	if (!buffer) return _lend(new Uint8Array(size));
	_touch();
	return _lend(new Uint8Array(buffer, 0, size));
}

/**
 * Returns a buffer nobody uses any more: kept when it is a whole chunk and the pool has room, otherwise
 * freed at once (detached), instead of waiting for the garbage collector.
 * @param buffer a buffer the caller owns and no longer reads or writes
 */
export function giveBuffer(buffer: ArrayBuffer): void {
	if (buffer.byteLength === 0) return; // detached already
	if (buffer.byteLength === CHUNK_SIZE && pooled.length < MAX_POOLED && !pooled.includes(buffer)) {
		pooled.push(buffer);
		_touch();
		return;
	}
	_free(buffer);
}

/**
 * True when `chunk` is a view at the start of a buffer from {@link takeBuffer}, so that transferring its
 * whole buffer hands over no bytes but the chunk's own.
 * @param chunk bytes a writer was given
 */
export function isLent(chunk: Uint8Array): boolean {
	return chunk.byteOffset === 0 && chunk.buffer instanceof ArrayBuffer && lent.has(chunk.buffer);
}

// ---------------------------------------------------------------------------------------------------------

function _lend(view: Uint8Array<ArrayBuffer>): Uint8Array<ArrayBuffer> {
	lent.add(view.buffer);
	return view;
}

function _touch(): void {
	if (idleTimer !== null) clearTimeout(idleTimer);
	idleTimer = pooled.length === 0 ? null : setTimeout(_drain, IDLE_MS);
}

function _drain(): void {
	idleTimer = null;
	for (const buffer of pooled.splice(0)) _free(buffer);
}

/**
 * Detaches a buffer, which releases its memory now (`ArrayBuffer.prototype.transfer`, ES2024,
 * Chromium 114+); where that is missing the garbage collector takes it later.
 */
function _free(buffer: ArrayBuffer): void {
	const transfer = (buffer as ArrayBuffer & { transfer?: (length: number) => ArrayBuffer }).transfer;
	try {
		transfer?.call(buffer, 0);
	} catch {
		// Not detachable (e.g. WebAssembly memory): the collector frees it.
	}
}
