// Node + browser: pure TypeScript, no DOM, no idb, no OPFS.
//
// The ledger: one compact line per version (on the shelf or in the trash) holding only what retention plans and
// the space report need: creation key, place, sizes, the bytes no other version shares, the blobs it does share,
// and labels. The catalogue keeps one ledger record per model name, so a plan over 100,000 versions reads about a
// thousand records instead of 100,000 full version records (in Chromium, IndexedDB reads cost ~13 µs per record
// before a byte is used: a full read of 100,000 versions took 4.6 s, far over the 1 s a dry run may take).
// Which blobs are shared is kept up to date by the catalogue's writes (a second holder of a blob marks it shared
// in the first holder's line; the last holder but one leaving marks it unique again), so a plan hashes only the
// shared digests, not every digest of the shelf (300,000 Map operations took ~0.5 s here).

import type { VersionRecord } from '../store-types.ts';

/** One version as the ledger knows it. */
export interface LedgerEntry {
	tag: string;
	name: string;
	createdKey: string;
	/** True while the version is in the trash. */
	trashed: boolean;
	/** Sum of the version's file sizes (a blob used by two paths counts twice, as in `VersionRecord.size`). */
	size: number;
	/** Bytes of its distinct blobs. */
	distinctBytes: number;
	/** Bytes of the blobs no other version (shelf or trash) references. */
	uniqueBytes: number;
	/** The blobs other versions reference too, with their sizes. */
	shared: Array<[sha256: string, size: number]>;
	/** Labels, decoded on first use (only selector-restricted rules need them). */
	labels(): Record<string, string>;
}

/**
 * One version as a ledger line: `createdKey TAB place TAB size TAB distinct TAB unique TAB sha:size,… TAB labels-JSON`,
 * the list naming only the shared blobs. JSON escapes tabs, and createdKeys and digests hold none.
 * @param record the version
 * @param trashed whether it is in the trash
 * @param shared the version's digests some other version references too
 */
export function ledgerLine(record: VersionRecord, trashed: boolean, shared: ReadonlySet<string>): string {
	const blobs = new Map<string, number>();
	for (const file of record.files) blobs.set(file.sha256, file.size);
	let distinct = 0;
	let unique = 0;
	const sharedList: string[] = [];
	for (const [sha, size] of blobs) {
		distinct += size;
		if (shared.has(sha)) sharedList.push(`${sha}:${size}`);
		else unique += size;
	}
	return [record.createdKey, trashed ? 'trash' : 'shelf', record.size, distinct, unique, sharedList.join(','), JSON.stringify(record.info.labels ?? {})].join('\t');
}

/**
 * The same line with its place changed (moving to or from the trash changes nothing else).
 * @param line a ledger line
 * @param trashed the new place
 */
export function relocatedLine(line: string, trashed: boolean): string {
	const fields = line.split('\t');
	fields[1] = trashed ? 'trash' : 'shelf';
	return fields.join('\t');
}

/**
 * The same line with one of its blobs marked shared (another version now references it too) or unique (it is
 * the blob's only holder again).
 * @param line a ledger line
 * @param sha256 the blob
 * @param size its size
 * @param shared what it is now
 */
export function withBlobShared(line: string, sha256: string, size: number, shared: boolean): string {
	const fields = line.split('\t');
	const list = fields[5] === '' ? [] : fields[5]!.split(',');
	const item = `${sha256}:${size}`;
	const listed = list.includes(item);
	if (shared === listed) return line;
	fields[4] = String(Number(fields[4]) + (shared ? -size : size));
	fields[5] = (shared ? [...list, item] : list.filter((other) => other !== item)).join(',');
	return fields.join('\t');
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
	const [createdKey = '', place, size = '0', distinct = '0', unique = '0', list = '', labelsJson = '{}'] = line.split('\t');
	let labels: Record<string, string> | undefined;
	return {
		tag: createdKey.slice(createdKey.indexOf('~') + 1),
		name,
		createdKey,
		trashed: place === 'trash',
		size: Number(size),
		distinctBytes: Number(distinct),
		uniqueBytes: Number(unique),
		shared: list === '' ? [] : list.split(',').map((item) => [item.slice(0, item.indexOf(':')), Number(item.slice(item.indexOf(':') + 1))]),
		labels: () => (labels ??= JSON.parse(labelsJson) as Record<string, string>)
	};
}

/** How many entries reference each shared blob, and its size. */
export type SharedCounts = Map<string, { refs: number; size: number }>;

/**
 * Counts references of every shared blob over the whole ledger (shelf and trash).
 * @param entries the whole ledger
 */
export function countShared(entries: readonly LedgerEntry[]): SharedCounts {
	const counts: SharedCounts = new Map();
	for (const entry of entries) {
		for (const [sha, size] of entry.shared) {
			const known = counts.get(sha);
			if (known) known.refs++;
			else counts.set(sha, { refs: 1, size });
		}
	}
	return counts;
}

/**
 * Bytes that removing every entry of `group` for good would free: their own bytes, and the shared blobs no entry
 * outside the group references.
 * @param group the entries that would go
 * @param counts shared references over the whole ledger
 */
export function bytesFreedBy(group: readonly LedgerEntry[], counts: SharedCounts): number {
	let bytes = 0;
	const inGroup = new Map<string, number>();
	for (const entry of group) {
		bytes += entry.uniqueBytes;
		for (const [sha] of entry.shared) inGroup.set(sha, (inGroup.get(sha) ?? 0) + 1);
	}
	for (const [sha, count] of inGroup) {
		const known = counts.get(sha);
		if (known && count === known.refs) bytes += known.size;
	}
	return bytes;
}

/**
 * Bytes of every blob the ledger references, each once.
 * @param entries the whole ledger
 * @param counts shared references over it
 */
export function storedBytesOf(entries: readonly LedgerEntry[], counts: SharedCounts): number {
	let bytes = 0;
	for (const entry of entries) bytes += entry.uniqueBytes;
	for (const { size } of counts.values()) bytes += size;
	return bytes;
}
