// Worker: unpacks one tar layer (plain, +gzip, +zstd) of a foreign model artifact into a version draft, as it
// downloads. The compressed bytes are hashed on the way in and checked against the layer digest; the
// uncompressed tar is hashed for ModelPack's `diffIds`; entries go through the bundle importer's tar reader
// (traversal, links, duplicates refused). A mismatch found at the end fails the draft, so nothing is stored.
//
// Decoders (gzip, zstd with its window limit) live in worker/bundle/decompress.ts.
import { readTar } from '../../core/bundle/tar-reader.ts';
import { createDigest } from '../../core/digest.ts';
import { ShelfError } from '../../core/errors.ts';
import { MANIFEST_PATH } from '../../core/paths.ts';
import type { ForeignLayer } from '../../core/oci/model-formats.ts';
import { decompressedChunks, zstdChunks } from '../bundle/decompress.ts';
import type { VersionDraft } from '../store/model-store.ts';

/** Paths stored so far in this pull, lower-cased (two layers must not write one file). */
export type PathSet = Map<string, string>;

/**
 * Streams a tar layer into the draft.
 * @param bytes the layer's bytes as downloaded
 * @param diffId the config's digest of the uncompressed tar, when it lists one
 * @param onBytes hears of every compressed byte received
 * @throws ShelfError `INTEGRITY` (layer digest or diffId), `BAD_BUNDLE` (hostile or corrupt tar), `INVALID_PATH`
 */
export async function unpackTarLayer(draft: VersionDraft, layer: ForeignLayer, bytes: AsyncIterable<Uint8Array>, paths: PathSet, diffId: string | undefined, onBytes: (n: number) => void): Promise<void> {
	const [compressedHash, tarHash] = await Promise.all([createDigest({ crc32: false }), createDigest({ crc32: false })]);
	const counted = _tap(bytes, (chunk) => {
		compressedHash.update(chunk);
		onBytes(chunk.byteLength);
	});
	// An uncompressed tar is its own diffId: one hash is enough.
	const plain = layer.packing === 'tar';
	const tar = (plain ? counted : _tap(_decompress(counted, layer), (chunk) => tarHash.update(chunk)))[Symbol.asyncIterator]();
	// readTar stops after the end marker; the rest is read here so that every byte is hashed.
	const unclosable: AsyncIterable<Uint8Array> = { [Symbol.asyncIterator]: () => ({ next: () => tar.next() }) };
	for await (const entry of readTar(unclosable)) {
		if (entry.type === 'directory') continue;
		const path = layer.path ? `${layer.path}/${entry.path}` : entry.path;
		const key = path.toLowerCase();
		if (path === MANIFEST_PATH || paths.has(key)) {
			throw new ShelfError('INVALID_PATH', `Layer ${layer.index} holds "${path}", ${path === MANIFEST_PATH ? 'which is reserved for the manifest' : 'which another layer holds too'}. Nothing was stored.`, {
				path,
				reason: path === MANIFEST_PATH ? 'reserved' : 'duplicate',
				...(paths.has(key) ? { other: paths.get(key)! } : {})
			});
		}
		paths.set(key, path);
		await draft.addFile({ path, data: entry.data, expected: { size: entry.size } });
	}
	for (let next = await tar.next(); !next.done; next = await tar.next());
	const got = `sha256:${compressedHash.digest().sha256}`;
	if (got !== layer.descriptor.digest || compressedHash.digest().size !== layer.descriptor.size) {
		throw new ShelfError('INTEGRITY', `The registry sent bytes for layer ${layer.index} that do not match its digest ${layer.descriptor.digest}. Nothing was stored.`, {
			digest: layer.descriptor.digest,
			expected: layer.descriptor.digest,
			actual: got
		});
	}
	const unpacked = plain ? got : `sha256:${tarHash.digest().sha256}`;
	if (diffId !== undefined && unpacked !== diffId) {
		throw new ShelfError('INTEGRITY', `Layer ${layer.index} unpacks to a tar whose digest is ${unpacked}, not the ${diffId} the config's diffIds list. Nothing was stored.`, {
			digest: layer.descriptor.digest,
			expected: diffId,
			actual: unpacked
		});
	}
}

// ---------------------------------------------------------------------------

async function* _tap(source: AsyncIterable<Uint8Array>, see: (chunk: Uint8Array) => void): AsyncGenerator<Uint8Array, void, undefined> {
	for await (const chunk of source) {
		see(chunk);
		yield chunk;
	}
}

function _decompress(bytes: AsyncIterable<Uint8Array>, layer: ForeignLayer): AsyncIterable<Uint8Array> {
	if (layer.packing === 'tar+zstd') return zstdChunks(bytes, `Layer ${layer.index}`);
	if (layer.packing === 'tar') return bytes;
	return decompressedChunks(_stream(bytes), 'tar.gz');
}

/** An async iterable as a ReadableStream (what decompress.ts's gzip path reads). */
function _stream(bytes: AsyncIterable<Uint8Array>): ReadableStream<Uint8Array> {
	const iterator = bytes[Symbol.asyncIterator]();
	return new ReadableStream<Uint8Array>({
		async pull(controller) {
			const next = await iterator.next();
			if (next.done) controller.close();
			else controller.enqueue(next.value);
		},
		async cancel() {
			await iterator.return?.();
		}
	});
}
