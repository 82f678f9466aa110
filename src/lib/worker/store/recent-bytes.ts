// The first bytes of a draft's files, kept while the draft runs so that deriving its facts reads them from
// memory (issue 21): a small file whole, a larger one its head, where every format's header starts. A version
// of 10,001 tiny files would otherwise read every blob back once more, and one of 200 shards open each of
// them again (profiled: ~2.7 ms a file in slices and file opens). A read past a head goes to the blob store.
// Bounded: at most HEAD_BYTES a file and KEEP_BYTES a draft; files past that are read as before.
import type { BlobStore } from '../../core/store-types.ts';

/** Most bytes kept of one file: a safetensors header of a few hundred tensors, a GGUF's first key-values. */
const HEAD_BYTES = 64 * 1024;
/** Most bytes one draft keeps. */
const KEEP_BYTES = 16 * 1024 * 1024;

/** Files' first bytes by digest, for one draft. */
export class RecentBytes {
	readonly #heads = new Map<string, { bytes: Uint8Array; size: number }>();
	#total = 0;

	/** Whether a file of this declared size (undefined: unknown) gets its head kept: room is left for it. */
	keeps(size: number | undefined): boolean {
		return this.#total + Math.min(size ?? HEAD_BYTES, HEAD_BYTES) <= KEEP_BYTES;
	}

	/**
	 * Keeps a stored file's first bytes.
	 * @param sha256 its digest
	 * @param head its first bytes (all of them for a small file)
	 * @param size its whole size
	 */
	set(sha256: string, head: Uint8Array, size: number): void {
		if (this.#heads.has(sha256) || this.#total + head.byteLength > KEEP_BYTES) return;
		this.#heads.set(sha256, { bytes: head, size });
		this.#total += head.byteLength;
	}

	/** `blobs` for reading only, answering reads within kept heads from memory. */
	over(blobs: BlobStore): BlobStore {
		const read = async (sha256: string) => {
			const head = this.#heads.get(sha256);
			if (!head) return blobs.read(sha256);
			const bytes = head.bytes as Uint8Array<ArrayBuffer>;
			if (bytes.byteLength === head.size) return _bytesBlob(bytes);
			let whole: Promise<Blob> | null = null;
			return _headBlob(bytes, head.size, () => (whole ??= blobs.read(sha256)));
		};
		return { ...bindAll(blobs), read };
	}
}

/** A file's first bytes copied as they go by, at most HEAD_BYTES of them. */
export class KeptBytes {
	readonly #parts: Uint8Array[] = [];
	#filled = 0;

	add(chunk: Uint8Array): void {
		const take = Math.min(chunk.byteLength, HEAD_BYTES - this.#filled);
		if (take <= 0) return;
		this.#parts.push(chunk.slice(0, take));
		this.#filled += take;
	}

	/** The bytes kept: the whole file when it was at most HEAD_BYTES long. */
	bytes(): Uint8Array {
		if (this.#parts.length === 1) return this.#parts[0]!;
		const out = new Uint8Array(this.#filled);
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

/**
 * A file of `size` bytes whose first bytes are in memory (see {@link _bytesBlob}: not a real Blob either): a
 * slice within them is answered from memory, any other read from the stored blob, opened on first need.
 */
function _headBlob(head: Uint8Array<ArrayBuffer>, size: number, whole: () => Promise<Blob>): Blob {
	const fromStore = (start: number, end: number): Blob => {
		const blob = {
			size: end - start,
			type: '',
			slice: (from?: number, to?: number) => {
				const [a, b] = _range(end - start, from, to);
				return fromStore(start + a, start + b);
			},
			arrayBuffer: async () => (await whole()).slice(start, end).arrayBuffer(),
			bytes: async () => new Uint8Array(await (await whole()).slice(start, end).arrayBuffer()),
			text: async () => (await whole()).slice(start, end).text(),
			stream: () => {
				throw new Error('A kept head is read by slices only.');
			}
		};
		return blob as unknown as Blob;
	};
	const blob = fromStore(0, size);
	blob.slice = (from?: number, to?: number) => {
		const [start, end] = _range(size, from, to);
		return end <= head.byteLength ? _bytesBlob(head.subarray(start, end)) : fromStore(start, end);
	};
	return blob;
}

/** Blob.slice's positions: negative ones count from the end, both clamped to [0, size], end at least start. */
function _range(size: number, from = 0, to = size): [number, number] {
	const clamp = (position: number) => Math.min(size, Math.max(0, position < 0 ? size + position : position));
	const start = clamp(from);
	return [start, Math.max(start, clamp(to))];
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
