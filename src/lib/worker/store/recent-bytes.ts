// The bytes of a draft's small files, kept while the draft runs so that deriving its facts reads them from
// memory (issue 21): a version of 10,001 tiny files would otherwise read every blob back once more, each
// read a round trip to storage. Bounded: files above SMALL_FILE and bytes past KEEP_BYTES are read as before.
import type { BlobStore } from '../../core/store-types.ts';
import { SMALL_FILE } from './bounded-tasks.ts';

/** Most bytes one draft keeps. */
const KEEP_BYTES = 8 * 1024 * 1024;

/** Small files' bytes by digest, for one draft. */
export class RecentBytes {
	readonly #bytes = new Map<string, Uint8Array>();
	#total = 0;

	/** Whether a file of this declared size is kept (known, small, and room left). */
	keeps(size: number | undefined): boolean {
		return size !== undefined && size <= SMALL_FILE && this.#total + size <= KEEP_BYTES;
	}

	set(sha256: string, bytes: Uint8Array): void {
		if (this.#bytes.has(sha256) || this.#total + bytes.byteLength > KEEP_BYTES) return;
		this.#bytes.set(sha256, bytes);
		this.#total += bytes.byteLength;
	}

	/** `blobs` for reading only, answering kept digests from memory. */
	over(blobs: BlobStore): BlobStore {
		const read = async (sha256: string) => {
			const bytes = this.#bytes.get(sha256);
			return bytes ? _bytesBlob(bytes as Uint8Array<ArrayBuffer>) : blobs.read(sha256);
		};
		return { ...bindAll(blobs), read };
	}
}

/** One file's bytes copied as they go by, at most SMALL_FILE of them. */
export class KeptBytes {
	#parts: Uint8Array[] = [];
	#size = 0;

	add(chunk: Uint8Array): void {
		this.#size += chunk.byteLength;
		if (this.#size <= SMALL_FILE) this.#parts.push(chunk.slice());
		else this.#parts = [];
	}

	/** The file's bytes, or null once it grew past SMALL_FILE. */
	bytes(): Uint8Array | null {
		if (this.#size > SMALL_FILE) return null;
		const out = new Uint8Array(this.#size);
		let at = 0;
		for (const part of this.#parts) {
			out.set(part, at);
			at += part.byteLength;
		}
		return out;
	}
}

/**
 * Bytes in memory with the reading side of a Blob (size, slice, arrayBuffer, text, stream), for the facts'
 * readers. Not a real Blob: making one, even empty, registers it with the browser, ~0.4 ms each (profiled:
 * 8 s over 10,001 files and their 8-byte head slices). So it must not reach native consumers (postMessage,
 * new File, FileReader): `over` is used only to derive facts.
 */
function _bytesBlob(bytes: Uint8Array<ArrayBuffer>): Blob {
	const blob = {
		size: bytes.byteLength,
		type: '',
		// subarray clamps and counts negative positions from the end, as Blob.slice does.
		slice: (start?: number, end?: number) => _bytesBlob(bytes.subarray(start, end)),
		arrayBuffer: async () => bytes.slice().buffer,
		bytes: async () => bytes.slice(),
		text: async () => new TextDecoder().decode(bytes),
		stream: () => new Blob([bytes]).stream()
	};
	return blob as unknown as Blob;
}

/** The store's methods bound to it, so that they survive being copied onto another object. */
function bindAll(blobs: BlobStore): BlobStore {
	return {
		create: (size) => blobs.create(size),
		has: (sha256) => blobs.has(sha256),
		read: (sha256) => blobs.read(sha256),
		readVerified: (sha256) => blobs.readVerified(sha256),
		delete: (sha256) => blobs.delete(sha256),
		list: () => blobs.list(),
		clearTemp: () => blobs.clearTemp(),
		storedBytes: () => blobs.storedBytes()
	};
}
