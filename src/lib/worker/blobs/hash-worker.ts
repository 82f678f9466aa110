// A dedicated module worker that only hashes: the OPFS store writes chunk N+1 while this hashes chunk N.
// Started by opfs-blob-store.ts with `new Worker(new URL('./hash-worker.ts', import.meta.url), …)`.
import type { HashReply, HashRequest } from './hash-messages.ts';
import { createDigest, type StreamingDigest } from '../../core/digest.ts';

// The part of the worker scope used here, typed so that this file also checks under the page's DOM lib
// (svelte-check sees every file under src/), where DedicatedWorkerGlobalScope does not exist.
const scope = self as unknown as {
	addEventListener(type: 'message', listener: (event: MessageEvent<HashRequest>) => void): void;
	postMessage(reply: HashReply, transfer?: Transferable[]): void;
};

/** Digests kept for reuse per kind: a fresh one instantiates WebAssembly (2 s over 10,001 tiny files). */
const MAX_IDLE_DIGESTS = 4;

// Each stream is a promise chain: createDigest() is async, and chaining every step on the previous
// one keeps a stream's chunks in order even when they arrive before its digest is ready.
const streams = new Map<number, Promise<StreamingDigest>>();
/** Finished digests, ready to reset and reuse: with CRC-32 (stores) and SHA-256 alone (export checks). */
const idle = { withCrc: [] as StreamingDigest[], shaOnly: [] as StreamingDigest[] };
const kinds = new WeakMap<StreamingDigest, StreamingDigest[]>();

scope.addEventListener('message', (event) => {
	const request = event.data;
	switch (request.type) {
		case 'open':
			streams.set(request.stream, _take(request.crc32));
			break;
		case 'chunk': {
			const { stream, bytes } = request;
			_step(stream, (digest) => {
				digest.update(bytes);
				// The buffer goes back to the store, which reuses it for the next chunk instead of allocating.
				_reply({ type: 'ack', stream, size: bytes.byteLength, bytes }, [bytes.buffer]);
			});
			break;
		}
		case 'finish':
			_step(request.stream, (digest) => _reply({ type: 'digest', stream: request.stream, digest: digest.digest() }));
			_release(request.stream);
			break;
		case 'drop':
			// Steps already chained still run and reply; the store ignores replies for dropped streams.
			_release(request.stream);
			break;
	}
});

// ---------------------------------------------------------------------------------------------------------

/** A reset digest from the idle list, or a new one. */
function _take(crc32: boolean): Promise<StreamingDigest> {
	const list = crc32 ? idle.withCrc : idle.shaOnly;
	const reused = list.pop();
	if (reused) {
		reused.reset();
		return Promise.resolve(reused);
	}
	return createDigest({ crc32 }).then((digest) => {
		kinds.set(digest, list);
		return digest;
	});
}

/**
 * Forgets the stream; its digest goes back to the idle list once the steps already chained have run,
 * so that no late step of this stream can touch it while another stream uses it. A failed stream's
 * chain never settles: its digest is not reused.
 */
function _release(stream: number): void {
	const chain = streams.get(stream);
	streams.delete(stream);
	void chain?.then((digest) => {
		const list = kinds.get(digest);
		if (list && list.length < MAX_IDLE_DIGESTS) list.push(digest);
	});
}

/** Chains `action` after the stream's previous steps; the first failure is reported once. */
function _step(stream: number, action: (digest: StreamingDigest) => void): void {
	const previous = streams.get(stream);
	if (!previous) {
		_reply({ type: 'error', stream, message: `Unknown hash stream ${stream}.` });
		return;
	}
	const next = previous.then((digest) => {
		action(digest);
		return digest;
	});
	next.catch((error: unknown) => {
		_reply({ type: 'error', stream, message: error instanceof Error ? error.message : String(error) });
	});
	// A failed stream stays failed without re-reporting: later steps chain on a promise that never settles.
	streams.set(stream, next.catch(() => new Promise<StreamingDigest>(() => {})));
}

function _reply(reply: HashReply, transfer: Transferable[] = []): void {
	scope.postMessage(reply, transfer);
}
