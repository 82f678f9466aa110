// Node + browser: pure TypeScript, no DOM, no idb, no OPFS.
//
// The ledger: one compact line per version (on the shelf or in the trash) holding only what retention plans
// and the space report need: creation key, place, the blobs it references with their sizes, and labels.
// The catalogue keeps one ledger record per model name, so a plan over 100,000 versions reads about a thousand
// records instead of 100,000 full version records (in Chromium, IndexedDB reads cost ~13 µs per record
// before a byte of it is used; a full read of 100,000 versions took 4.6 s, far over the 1 s a dry run may take).

import type { VersionRecord } from '../store-types.ts';

/** One version as the ledger knows it. */
export interface LedgerEntry {
	tag: string;
	name: string;
	createdKey: string;
	/** True while the version is in the trash. */
	trashed: boolean;
	/** Each blob the version references once, with its size. */
	blobs: Array<[sha256: string, size: number]>;
	/** Sum of the version's file sizes (a blob used by two paths counts twice, as in `VersionRecord.size`). */
	size: number;
	/** Labels, decoded on first use (only selector-restricted rules need them). */
	labels(): Record<string, string>;
}

/**
 * One version as a ledger line: `createdKey TAB place TAB sha:size,… TAB size TAB labels-as-JSON`. JSON escapes
 * tabs, and createdKeys and digests hold none, so the line splits back unambiguously.
 * @param record the version
 * @param trashed whether it is in the trash
 */
export function ledgerLine(record: VersionRecord, trashed: boolean): string {
	const blobs = new Map<string, number>();
	for (const file of record.files) blobs.set(file.sha256, file.size);
	const list = [...blobs].map(([sha, size]) => `${sha}:${size}`).join(',');
	return `${record.createdKey}\t${trashed ? 'trash' : 'shelf'}\t${list}\t${record.size}\t${JSON.stringify(record.info.labels ?? {})}`;
}

/**
 * The same line with its place changed (moving to or from the trash changes nothing else).
 * @param line a ledger line
 * @param trashed the new place
 */
export function relocatedLine(line: string, trashed: boolean): string {
	const tab = line.indexOf('\t');
	const rest = line.slice(line.indexOf('\t', tab + 1));
	return `${line.slice(0, tab)}\t${trashed ? 'trash' : 'shelf'}${rest}`;
}

/** The tag a ledger line is about (its createdKey ends with `~tag`). */
export function lineTag(line: string): string {
	const key = line.slice(0, line.indexOf('\t'));
	return key.slice(key.indexOf('~') + 1);
}

/**
 * Reads a ledger line back.
 * @param name the model name the line was filed under
 * @param line the line
 */
export function parseLedgerLine(name: string, line: string): LedgerEntry {
	const [createdKey = '', place, list = '', size = '0', labelsJson = '{}'] = line.split('\t');
	let labels: Record<string, string> | undefined;
	return {
		tag: createdKey.slice(createdKey.indexOf('~') + 1),
		name,
		createdKey,
		trashed: place === 'trash',
		blobs: list === '' ? [] : list.split(',').map((item) => [item.slice(0, item.indexOf(':')), Number(item.slice(item.indexOf(':') + 1))]),
		size: Number(size),
		labels: () => (labels ??= JSON.parse(labelsJson) as Record<string, string>)
	};
}

/** How many ledger entries reference each blob, and how big each blob is. */
export interface BlobCounts {
	refs: Map<string, number>;
	sizes: Map<string, number>;
}

/**
 * Counts references per blob over every entry (shelf and trash).
 * @param entries the whole ledger
 */
export function countBlobs(entries: readonly LedgerEntry[]): BlobCounts {
	const refs = new Map<string, number>();
	const sizes = new Map<string, number>();
	for (const entry of entries) {
		for (const [sha, size] of entry.blobs) {
			refs.set(sha, (refs.get(sha) ?? 0) + 1);
			sizes.set(sha, size);
		}
	}
	return { refs, sizes };
}

/**
 * Bytes that removing every entry of `group` for good would free: blobs no entry outside the group references.
 * @param group the entries that would go
 * @param counts references over the whole ledger
 */
export function bytesFreedBy(group: readonly LedgerEntry[], counts: BlobCounts): number {
	const inGroup = new Map<string, number>();
	for (const entry of group) for (const [sha] of entry.blobs) inGroup.set(sha, (inGroup.get(sha) ?? 0) + 1);
	let bytes = 0;
	for (const [sha, count] of inGroup) if (count === counts.refs.get(sha)) bytes += counts.sizes.get(sha) ?? 0;
	return bytes;
}
