// The store's side of the hash worker: numbered streams, transferred chunks and backpressure.
import { ShelfError } from '../../core/errors.ts';
import type { BlobDigest } from '../../core/store-types.ts';
import type { HashReply, HashRequest } from './hash-messages.ts';
import { wholeBuffer } from './blob-shared.ts';
import { giveBuffer, isLent, takeBuffer } from './buffer-pool.ts';

/**
 * At most this many chunks of one stream wait in the hash worker… Two keep both workers busy; more only
 * queue memory when hashing is the slower side (4 let a 1 GiB import hold ~50 MiB live, 256 MiB ~18).
 */
const MAX_CHUNKS_IN_FLIGHT = 2;
/** …and at most this many bytes (one bigger chunk may still go alone), so memory stays flat when hashing is slower than writing. */
const MAX_BYTES_IN_FLIGHT = 16 * 1024 * 1024;

/** One writer's digest being computed in the hash worker. */
export interface HashStream {
	/**
	 * Resolves once a chunk of `size` bytes may be sent without exceeding the in-flight limits.
	 * @param size the next chunk's length
	 * @throws ShelfError when the stream failed or was dropped
	 */
	room(size: number): Promise<void>;
	/**
	 * Sends a chunk, transferring its buffer when it owns it whole or took it from the buffer pool (a copy
	 * goes otherwise). Once hashed, the bytes come back: to `onReturn` when given, else to the pool.
	 * @param chunk bytes already written to disk; the caller must not reuse its buffer
	 * @param onReturn receives the same bytes after hashing (export holds its last chunk back this way)
	 */
	push(chunk: Uint8Array, onReturn?: (bytes: Uint8Array<ArrayBuffer>) => void): void;
	/** Ends the stream and resolves to the digest of every pushed byte. */
	finish(): Promise<BlobDigest>;
	/** Forgets the stream here and in the worker; pending waits reject with `ABORTED`. Idempotent. */
	drop(): void;
}

/** One long-lived hash worker shared by a store's writers. */
export interface HashLink {
	/**
	 * Starts a new stream.
	 * @param options `crc32: false` hashes SHA-256 alone (the digest's crc32 is then 0)
	 */
	open(options?: { crc32?: boolean }): HashStream;
	/** Terminates the worker; open streams fail. */
	close(): void;
}

interface StreamState {
	chunks: number;
	bytes: number;
	failure: ShelfError | null;
	wake: (() => void) | null;
	/** Per pushed chunk, in order: who gets its bytes back (null: the pool). */
	returns: (((bytes: Uint8Array<ArrayBuffer>) => void) | null)[];
	done: { resolve: (digest: BlobDigest) => void; reject: (error: ShelfError) => void } | null;
}

/**
 * Connects to a hash worker, created on first use and again after it crashes.
 * @param makeWorker starts the worker (hash-worker.ts)
 */
export function createHashLink(makeWorker: () => Worker): HashLink {
	let worker: Worker | null = null;
	let nextId = 1;
	const states = new Map<number, StreamState>();

	const fail = (state: StreamState, error: ShelfError) => {
		state.failure ??= error;
		state.wake?.();
		state.done?.reject(state.failure);
		state.wake = state.done = null;
	};

	const onReply = (event: MessageEvent<HashReply>) => {
		const reply = event.data;
		const state = states.get(reply.stream);
		if (!state) {
			// A dropped stream: late replies are expected, and their buffers are still good for reuse.
			if (reply.type === 'ack') giveBuffer(reply.bytes.buffer);
			return;
		}
		if (reply.type === 'ack') {
			const onReturn = state.returns.shift();
			if (onReturn) onReturn(reply.bytes);
			else giveBuffer(reply.bytes.buffer);
			state.chunks -= 1;
			state.bytes -= reply.size;
			const wake = state.wake;
			state.wake = null;
			wake?.();
		} else if (reply.type === 'digest') {
			states.delete(reply.stream);
			state.done?.resolve(reply.digest);
		} else {
			fail(state, new ShelfError('INTERNAL', `Hashing failed: ${reply.message}`));
		}
	};

	// A worker that fails to load or crashes takes its streams with it; the next open() starts a new one.
	const onCrash = (event: Event) => {
		const message = event instanceof ErrorEvent && event.message ? event.message : event.type;
		const error = new ShelfError('INTERNAL', `The hash worker stopped (${message}): retry the save.`);
		for (const state of states.values()) fail(state, error);
		states.clear();
		worker?.terminate();
		worker = null;
	};

	const connect = (): Worker => {
		if (worker) return worker;
		worker = makeWorker();
		worker.addEventListener('message', onReply);
		worker.addEventListener('error', onCrash);
		worker.addEventListener('messageerror', onCrash);
		return worker;
	};

	const send = (request: HashRequest, transfer: Transferable[] = []) => connect().postMessage(request, transfer);

	return {
		open(options = {}) {
			const id = nextId++;
			const state: StreamState = { chunks: 0, bytes: 0, failure: null, wake: null, returns: [], done: null };
			states.set(id, state);
			send({ type: 'open', stream: id, crc32: options.crc32 !== false });
			const fits = (size: number) =>
				state.chunks === 0 || (state.chunks < MAX_CHUNKS_IN_FLIGHT && state.bytes + size <= MAX_BYTES_IN_FLIGHT);
			return {
				async room(size) {
					// One waiter at a time: the writer serialises its writes.
					while (!state.failure && !fits(size)) await new Promise<void>((resolve) => (state.wake = resolve));
					if (state.failure) throw state.failure;
				},
				push(chunk, onReturn) {
					if (state.failure) throw state.failure;
					if (chunk.byteLength === 0) return;
					state.chunks += 1;
					state.bytes += chunk.byteLength;
					state.returns.push(onReturn ?? null);
					const buffer = wholeBuffer(chunk) ?? (isLent(chunk) ? (chunk.buffer as ArrayBuffer) : null);
					if (buffer) {
						try {
							send({ type: 'chunk', stream: id, bytes: chunk as Uint8Array<ArrayBuffer> }, [buffer]);
							return;
						} catch {
							// Not transferable (e.g. WebAssembly memory, or detached): postMessage sent nothing, so copy.
						}
					}
					const copy = takeBuffer(chunk.byteLength);
					copy.set(chunk);
					send({ type: 'chunk', stream: id, bytes: copy }, [copy.buffer]);
				},
				finish() {
					if (state.failure) return Promise.reject(state.failure);
					return new Promise<BlobDigest>((resolve, reject) => {
						state.done = { resolve, reject };
						send({ type: 'finish', stream: id });
					});
				},
				drop() {
					if (!states.delete(id)) return;
					fail(state, new ShelfError('ABORTED', 'The blob writer was aborted.'));
					worker?.postMessage({ type: 'drop', stream: id } satisfies HashRequest);
				}
			};
		},
		close() {
			onCrash(new Event('close'));
		}
	};
}
