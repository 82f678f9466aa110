// When storing a version is a no-op (`unchanged`) and when it is refused (`TAG_EXISTS`): tags are
// immutable, so the same tag must mean the same model.yaml and the same bytes under the same paths.
import { ShelfError } from '../../core/errors.ts';
import { sameModelYaml, type ModelInfo } from '../../core/manifest.ts';
import { createdKey, type StoredFile, type VersionRecord } from '../../core/store-types.ts';
import { formatTag } from '../../core/tags.ts';
import type { IncomingFile } from './model-store.ts';

/**
 * The catalogue record of a version made of `files` (sorted by path, sizes summed, keyed by creation time).
 * @param info the version's model.yaml
 * @param files its stored files
 */
export function buildRecord(info: ModelInfo, files: StoredFile[]): VersionRecord {
	const sorted = [...files].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
	return {
		tag: formatTag(info),
		name: info.name,
		version: info.version,
		info,
		files: sorted,
		size: sorted.reduce((sum, file) => sum + file.size, 0),
		createdKey: createdKey(info),
		savedAt: Date.now()
	};
}

/**
 * Same paths and (where known) sizes: worth hashing to find out whether it is the same version.
 * @param existing the stored version
 * @param paths the incoming files' normalized paths
 * @param files the incoming files, in the same order
 */
export function sameLayout(existing: VersionRecord, paths: string[], files: IncomingFile[]): boolean {
	if (existing.files.length !== paths.length) return false;
	const sizes = new Map(existing.files.map((file) => [file.path, file.size]));
	return paths.every((path, index) => {
		const size = sizes.get(path);
		const data = files[index]!.data;
		return size !== undefined && (!(data instanceof Blob) || data.size === size);
	});
}

/**
 * Same manifest (ignoring when it was stamped; `1.0` is not `1`) and the same bytes under the same paths.
 * @param existing the stored version
 * @param candidate the version being stored
 */
export function sameContent(existing: VersionRecord, candidate: VersionRecord): boolean {
	const files = (record: VersionRecord) => record.files.map((file) => `${file.path}\u0000${file.sha256}`).join('\n');
	return files(existing) === files(candidate) && sameModelYaml(existing.info, candidate.info);
}

/**
 * The `TAG_EXISTS` error of a tag stored with different content.
 * @param tag the tag
 */
export function tagExists(tag: string): ShelfError {
	return new ShelfError('TAG_EXISTS', `"${tag}" is already on the shelf with different content; tags are immutable. Hint: save under a new version.`, {
		tag
	});
}
