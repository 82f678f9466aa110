// The messages between an OPFS blob store and its hash worker. Streams are numbered by the store,
// so one long-lived worker hashes any number of concurrent writers.
import type { BlobDigest } from '../../core/store-types.ts';

/** Store → hash worker. Messages of one stream are handled in the order they are sent. */
export type HashRequest =
	/** Start a new digest under `stream`. */
	| { type: 'open'; stream: number }
	/** Hash the next bytes; the buffer arrives transferred, and is acknowledged once hashed. */
	| { type: 'chunk'; stream: number; bytes: Uint8Array<ArrayBuffer> }
	/** End the stream and reply with its digest. */
	| { type: 'finish'; stream: number }
	/** Forget the stream (its writer aborted): no reply. */
	| { type: 'drop'; stream: number };

/** Hash worker → store. */
export type HashReply =
	/** One chunk of `size` bytes is hashed and its buffer freed. */
	| { type: 'ack'; stream: number; size: number }
	| { type: 'digest'; stream: number; digest: BlobDigest }
	| { type: 'error'; stream: number; message: string };
