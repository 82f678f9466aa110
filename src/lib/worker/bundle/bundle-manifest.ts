// Reading a bundle's model.yaml, bounded and turned into BAD_BUNDLE when it cannot be used: shared by the
// zip importers (one version at the root, several in folders) and the tar importer.
import { badBundle, type BundleLimits } from '../../core/bundle/bundle-errors.ts';
import type { RandomAccessSource } from '../../core/byte-streams.ts';
import type { ZipEntry } from '../../core/bundle/zip-directory.ts';
import { readZipEntry } from '../../core/bundle/zip-reader.ts';
import { ShelfError } from '../../core/errors.ts';
import { parseModelYaml, type ModelInfo } from '../../core/manifest.ts';
import { MANIFEST_PATH } from '../../core/paths.ts';
import { decodeManifest } from '../manifest-text.ts';
import { collectBytes } from '../store/chunks.ts';

/**
 * Reads and parses a zip's model.yaml entry.
 * @param source the zip
 * @param entry its model.yaml entry
 * @param limits the bundle limits (`maxManifestBytes`)
 * @throws ShelfError `BAD_BUNDLE` (too-large, invalid-manifest)
 */
export async function readZipManifest(source: RandomAccessSource, entry: ZipEntry, limits: BundleLimits): Promise<ModelInfo> {
	checkManifestSize(entry.uncompressedSize, limits);
	return parseBundleManifest(await collectManifest(readZipEntry(source, entry), limits), entry.path);
}

/**
 * Refuses a model.yaml larger than the limit before it is read.
 * @param size its declared size
 * @param limits the bundle limits
 */
export function checkManifestSize(size: number, limits: BundleLimits): void {
	if (size > limits.maxManifestBytes) throw badBundle('too-large', `model.yaml is ${size} bytes; at most ${limits.maxManifestBytes} are accepted.`, { size, limit: limits.maxManifestBytes });
}

/**
 * A model.yaml's bytes, refusing more than the limit (whatever its header declared).
 * @param chunks its bytes
 * @param limits the bundle limits
 */
export function collectManifest(chunks: AsyncIterable<Uint8Array>, limits: BundleLimits): Promise<Uint8Array> {
	const limit = limits.maxManifestBytes;
	return collectBytes(chunks, limit, () => badBundle('too-large', `model.yaml is larger than ${limit} bytes.`, { limit }));
}

/**
 * Parses a bundle's model.yaml.
 * @param bytes its text, as read
 * @param path where it sits in the bundle (`model.yaml`, or `<name>/<version>/model.yaml`)
 * @throws ShelfError `BAD_BUNDLE` reason `invalid-manifest`, the parser's error as cause
 */
export function parseBundleManifest(bytes: Uint8Array, path = MANIFEST_PATH): ModelInfo {
	try {
		return parseModelYaml(decodeManifest(bytes));
	} catch (error) {
		const field = error instanceof ShelfError ? error.details?.field : undefined;
		const message = error instanceof ShelfError ? error.message : String(error);
		const what = path === MANIFEST_PATH ? "The bundle's model.yaml" : `"${path}"`;
		throw badBundle('invalid-manifest', `${what} is invalid: ${message}`, { field, ...(path === MANIFEST_PATH ? {} : { entry: path }) }, error);
	}
}
