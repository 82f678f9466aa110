// Node + browser: pure TypeScript, no DOM, no idb, no OPFS.
//
// A byte cursor over an async iterator of chunks, for streaming parsers (tar-reader.ts).

/**
 * Pulls bytes from a chunk iterator in the amounts a parser asks for: views of the chunks where
 * possible, a copy only for a small read that straddles two chunks. Never buffers more than one chunk.
 */
export class ChunkReader {
	/** Bytes consumed so far. */
	offset = 0;
	#input: AsyncIterator<Uint8Array>;
	#chunk: Uint8Array = new Uint8Array(0);
	#pos = 0;
	#ended = false;

	/** @param input the chunks, of any size; the reader never mutates them */
	constructor(input: AsyncIterator<Uint8Array>) {
		this.#input = input;
	}

	/** Up to `max` bytes from the current chunk (pulling one when empty); empty only at the end. */
	async take(max: number): Promise<Uint8Array> {
		while (this.#pos >= this.#chunk.length) {
			if (this.#ended) return this.#chunk.subarray(0, 0);
			const next = await this.#input.next();
			if (next.done) this.#ended = true;
			else [this.#chunk, this.#pos] = [next.value, 0];
		}
		const out = this.#chunk.subarray(this.#pos, this.#pos + Math.min(max, this.#chunk.length - this.#pos));
		this.#pos += out.length;
		this.offset += out.length;
		return out;
	}

	/** Exactly `length` bytes (bounded by the caller), or fewer when the stream ends first. */
	async read(length: number): Promise<Uint8Array> {
		const first = await this.take(length);
		if (first.length === length || first.length === 0) return first;
		const out = new Uint8Array(length);
		out.set(first);
		let filled = first.length;
		while (filled < length) {
			const part = await this.take(length - filled);
			if (part.length === 0) return out.subarray(0, filled);
			out.set(part, filled);
			filled += part.length;
		}
		return out;
	}

	/** Discards `length` bytes; false when the stream ends first. */
	async skip(length: number): Promise<boolean> {
		while (length > 0) {
			const part = await this.take(length);
			if (part.length === 0) return false;
			length -= part.length;
		}
		return true;
	}
}
