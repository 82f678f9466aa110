// A dedicated module worker that only hashes: the OPFS store writes chunk N+1 while this hashes chunk N.
// Started by opfs-blob-store.ts with `new Worker(new URL('./hash-worker.ts', import.meta.url), …)`.
import type { HashReply, HashRequest } from './hash-messages.ts';
import { createDigest, type StreamingDigest } from './digest.ts';

// The part of the worker scope used here, typed so that this file also checks under the page's DOM lib
// (svelte-check sees every file under src/), where DedicatedWorkerGlobalScope does not exist.
const scope = self as unknown as {
	addEventListener(type: 'message', listener: (event: MessageEvent<HashRequest>) => void): void;
	postMessage(reply: HashReply): void;
};

// Each stream is a promise chain: createDigest() is async, and chaining every step on the previous
// one keeps a stream's chunks in order even when they arrive before its digest is ready.
const streams = new Map<number, Promise<StreamingDigest>>();

scope.addEventListener('message', (event) => {
	const request = event.data;
	switch (request.type) {
		case 'open':
			streams.set(request.stream, createDigest());
			break;
		case 'chunk': {
			const { stream, bytes } = request;
			_step(stream, (digest) => {
				digest.update(bytes);
				_reply({ type: 'ack', stream, size: bytes.byteLength });
			});
			break;
		}
		case 'finish':
			_step(request.stream, (digest) => _reply({ type: 'digest', stream: request.stream, digest: digest.digest() }));
			streams.delete(request.stream);
			break;
		case 'drop':
			// Steps already chained still run and reply; the store ignores replies for dropped streams.
			streams.delete(request.stream);
			break;
	}
});

// ---------------------------------------------------------------------------------------------------------

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

function _reply(reply: HashReply): void {
	scope.postMessage(reply);
}
