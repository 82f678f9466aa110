// The messages between an OPFS blob store and its hash worker. Streams are numbered by the store,
// so one long-lived worker hashes any number of concurrent writers.
import type { BlobDigest } from '../../core/store-types.ts';

/** Store → hash worker. Messages of one stream are handled in the order they are sent. */
export type HashRequest =
	/** Start a new digest under `stream`; `crc32: false` computes SHA-256 alone (the digest's crc32 is then 0). */
	| { type: 'open'; stream: number; crc32: boolean }
	/** Hash the next bytes; the buffer arrives transferred, and goes back with the acknowledgement once hashed. */
	| { type: 'chunk'; stream: number; bytes: Uint8Array<ArrayBuffer> }
	/** End the stream and reply with its digest. */
	| { type: 'finish'; stream: number }
	/** Forget the stream (its writer aborted): no reply. */
	| { type: 'drop'; stream: number };

/** Hash worker → store. */
export type HashReply =
	/** One chunk of `size` bytes is hashed; `bytes` is that chunk, its buffer transferred back for reuse. */
	| { type: 'ack'; stream: number; size: number; bytes: Uint8Array<ArrayBuffer> }
	| { type: 'digest'; stream: number; digest: BlobDigest }
	| { type: 'error'; stream: number; message: string };
