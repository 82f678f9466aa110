// Test data for the catalogue: a record factory, a seeded random catalogue, and a brute-force reference
// that answers every query by filtering and sorting all records, to compare the indexed answers with.
import { IDBFactory } from 'fake-indexeddb';
import { isShelfError } from '../../src/lib/core/errors.ts';
import { formatCreationTime } from '../../src/lib/core/manifest.ts';
import { matchesSelector } from '../../src/lib/core/selector-match.ts';
import { createdKey, type ListQuery, type StoredFile, type VersionRecord } from '../../src/lib/core/store-types.ts';
import { openCatalogue, type IdbCatalogue } from '../../src/lib/worker/catalogue/idb-catalogue.ts';

/** Creation time of second 0, in milliseconds since the epoch (November 2023). */
const BASE_MS = 1_700_000_000_000;

/** A catalogue on its own fresh fake IndexedDB. */
export function freshCatalogue(): Promise<IdbCatalogue> {
	return openCatalogue({ factory: new IDBFactory() });
}

/** A file entry; the digest is padded to look like SHA-256 hex. */
export function file(sha: string, path = `${sha}.bin`, size = 100): StoredFile {
	return { path, size, sha256: sha.padEnd(64, '0'), crc32: 0 };
}

/** A VersionRecord whose creation time is `second` seconds after a fixed base. */
export function record(
	tag: string,
	{ second = 0, labels = {}, files = [file(`f-${tag.replace(':', '-')}`)] }: { second?: number; labels?: Record<string, string>; files?: StoredFile[] } = {}
): VersionRecord {
	const [name = '', version = ''] = tag.split(':');
	const info = { name, version, labels, creationTime: formatCreationTime(new Date(BASE_MS + second * 1000)) };
	return {
		tag,
		name,
		version,
		// Only the labels and creation time matter to the catalogue; the rest of ModelInfo is another module's business.
		info: info as unknown as VersionRecord['info'],
		files,
		size: files.reduce((sum, { size }) => sum + size, 0),
		createdKey: createdKey(info),
		savedAt: 0
	};
}

/** mulberry32: a small seeded PRNG, so failures reproduce. */
export function prng(seed: number): () => number {
	let state = seed >>> 0;
	return () => {
		state = (state + 0x6d2b79f5) >>> 0;
		let t = state;
		t = Math.imul(t ^ (t >>> 15), t | 1);
		t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
		return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
	};
}

/** Names chosen so that free text hits several at once ('iris' is inside 'iris_big' and 'big_iris'). */
export const NAMES = ['iris', 'iris_big', 'big_iris', 'fraud', 'fraud-v2', 'text-classifier', 'speech-encoder', 'yolo', 'bert', 'resnet50', 'churn', 'ranker'];

/**
 * `count` random versions: creation times drawn from `count / 4` seconds, so many tie; labels drawn so
 * that pairs range from common to rare, with missing keys, empty values and integers for `>`/`<`.
 */
export function randomRecords(count: number, seed: number): VersionRecord[] {
	const random = prng(seed);
	const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
	const records = new Map<string, VersionRecord>();
	while (records.size < count) {
		const name = pick(NAMES);
		const version = Array.from({ length: 8 }, () => pick([...'abcdefghijklmnopqrstuvwxyz234567'])).join('');
		const labels: Record<string, string> = {};
		if (random() < 0.9) labels.stage = pick(['prod', 'staging', 'dev', 'dev']);
		if (random() < 0.7) labels.team = pick(['cv', 'nlp', 'speech']);
		if (random() < 0.6) labels.env = pick(['a', 'b', 'c', 'd']);
		if (random() < 0.05) labels.deprecated = 'true';
		if (random() < 0.5) labels.n = String(Math.floor(random() * 10));
		if (random() < 0.1) labels.note = '';
		const shared = file(`shared-${Math.floor(random() * 20)}`);
		records.set(`${name}:${version}`, record(`${name}:${version}`, { second: Math.floor(random() * (count / 4)), labels, files: [shared, file(`own-${records.size}`)] }));
	}
	return [...records.values()];
}

/** Adds records one by one through the port. */
export async function addAll(catalogue: IdbCatalogue, records: readonly VersionRecord[]): Promise<void> {
	for (const item of records) await catalogue.add(item);
}

/** The tags a query must return, in order, found by filtering and sorting every record. */
export function bruteForce(records: readonly VersionRecord[], query: ListQuery): string[] {
	const text = query.text?.trim().toLowerCase();
	const matching = records.filter(
		(item) =>
			(query.name === undefined || item.name === query.name) &&
			(!text || item.name.toLowerCase().includes(text) || item.tag.toLowerCase().startsWith(text)) &&
			matchesSelector(query.selector ?? [], item.info.labels)
	);
	matching.sort((a, b) => (a.createdKey < b.createdKey ? -1 : 1));
	if ((query.order ?? 'newest') === 'newest') matching.reverse();
	return matching.map(({ tag }) => tag);
}

/** Follows `next` until the end; checks page sizes and that only the last page says null. */
export async function listEverything(catalogue: IdbCatalogue, query: ListQuery): Promise<string[]> {
	const limit = query.limit ?? 50;
	const tags: string[] = [];
	let cursor: string | null = null;
	for (let page = 0; page < 100_000; page++) {
		const { items, next } = await catalogue.list({ ...query, cursor });
		if (items.length > limit || (next !== null && items.length !== limit)) throw new Error(`bad page of ${items.length} for limit ${limit}`);
		tags.push(...items.map(({ tag }) => tag));
		if (next === null) return tags;
		cursor = next;
	}
	throw new Error('paging did not end');
}

/** The `code` of the ShelfError a promise rejects with. */
export async function codeOf(promise: Promise<unknown>): Promise<string> {
	try {
		await promise;
	} catch (error) {
		if (isShelfError(error)) return error.code;
		throw error;
	}
	throw new Error('expected a ShelfError');
}
