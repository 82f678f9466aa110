// Core: OCI 1.1 referrers (distribution-spec "Listing Referrers" and "Referrers Tag Schema"). A referrer is a
// manifest whose `subject` names another manifest. A registry with the referrers API lists them at
// `/v2/<name>/referrers/<digest>`; on one without it (Distribution 2.8 answers 404 there) the client keeps the
// list itself as an image index at tag `sha256-<hex>`, which is what this module reads and updates.
import { OCI_INDEX_TYPE, OCI_MANIFEST_TYPE } from './artifact.ts';
import { isSha256Digest } from './remote.ts';

/** The empty config of artifacts that need none (image-spec "Guidance for an Empty Descriptor"): the two bytes `{}`. */
export const EMPTY_CONFIG = {
	mediaType: 'application/vnd.oci.empty.v1+json',
	digest: 'sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a',
	size: 2
} as const;

/** One entry of a referrers index. */
export interface ReferrerDescriptor {
	mediaType: string;
	digest: string;
	size: number;
	artifactType?: string;
	annotations?: Record<string, string>;
}

/** The fallback tag holding a manifest's referrers index: `sha256:<hex>` → `sha256-<hex>`. */
export function referrersTag(digest: string): string {
	if (!isSha256Digest(digest)) throw new TypeError(`Not a sha256 digest: ${digest}`);
	return digest.replace(':', '-');
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

const isStringMap = (value: unknown): value is Record<string, string> => isObject(value) && Object.values(value).every((entry) => typeof entry === 'string');

/**
 * The well-formed manifest entries of a referrers index (from the API or the fallback tag), optionally only
 * those of one artifact type; undefined when the text is not an image index.
 */
export function readReferrersIndex(text: string, artifactType?: string): ReferrerDescriptor[] | undefined {
	const manifests = _manifests(text);
	if (!manifests) return undefined;
	return manifests.map(_descriptor).filter((entry): entry is ReferrerDescriptor => entry !== undefined && (artifactType === undefined || entry.artifactType === artifactType));
}

/**
 * The fallback index with `added` in it: entries for which `replaces` is true are dropped (and `added` itself if
 * already listed); every other entry, other tools' referrers included, is kept as it was, unknown fields too.
 * @param current the index now at the fallback tag, or undefined when there is none (unreadable counts as none)
 */
export function withReferrer(current: string | undefined, added: ReferrerDescriptor, replaces: (entry: ReferrerDescriptor) => boolean = () => false): object {
	const kept = (current === undefined ? undefined : _manifests(current)) ?? [];
	const manifests = kept.filter((raw) => {
		const entry = _descriptor(raw);
		return !entry || (entry.digest !== added.digest && !replaces(entry));
	});
	return { schemaVersion: 2, mediaType: OCI_INDEX_TYPE, manifests: [...manifests, added] };
}

function _manifests(text: string): unknown[] | undefined {
	try {
		const value: unknown = JSON.parse(text);
		return isObject(value) && Array.isArray(value.manifests) ? value.manifests : undefined;
	} catch {
		return undefined;
	}
}

function _descriptor(entry: unknown): ReferrerDescriptor | undefined {
	if (!isObject(entry) || entry.mediaType !== OCI_MANIFEST_TYPE || !isSha256Digest(entry.digest)) return undefined;
	if (typeof entry.size !== 'number' || !Number.isSafeInteger(entry.size) || entry.size < 0) return undefined;
	return {
		mediaType: entry.mediaType,
		digest: entry.digest,
		size: entry.size,
		...(typeof entry.artifactType === 'string' ? { artifactType: entry.artifactType } : {}),
		...(isStringMap(entry.annotations) ? { annotations: entry.annotations } : {})
	};
}
