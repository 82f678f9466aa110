// Node + browser: pure TypeScript, no DOM, no idb, no OPFS.
//
// The model store's records and the two small ports it stands on: a catalogue of versions
// (IndexedDB in the browser) and a content-addressed blob store (OPFS in the browser, memory in tests).

import { creationTimeKey, type ModelInfo } from './manifest.ts';
import type { LedgerEntry } from './lifecycle/ledger.ts';
import type { MetricThreshold } from './lifecycle/metric-filter.ts';
import type { Selector } from './selector.ts';
import type { ModelFormat, VersionFacts } from './inspect/facts.ts';

/** One file of a version: its path inside the model directory and the digest that names its bytes. */
export interface StoredFile {
	/** Relative POSIX path, e.g. `saved_model.pb` or `extra/thresholds.json`. */
	path: string;
	size: number;
	/** Lower-case hex SHA-256 of the bytes; the blob's name in the blob store. */
	sha256: string;
	/** CRC-32 of the bytes, kept so that export can write zip headers without a second pass. */
	crc32: number;
}

/** One immutable model version as the catalogue stores it. */
export interface VersionRecord {
	/** `name:version`, the primary key. */
	tag: string;
	name: string;
	version: string;
	/** Everything `model.yaml` says (labels, metadata, options, context, signatures, creation time, …). */
	info: ModelInfo;
	/** Sorted by path. */
	files: StoredFile[];
	/** Sum of the files' sizes. */
	size: number;
	/** Sorts versions by creation time, ties broken by tag; unique. See {@link createdKey}. */
	createdKey: string;
	/** When this shelf stored the version (ms since epoch). */
	savedAt: number;
	/** What its model files say (issue 17); absent until derived (versions stored before the upgrade get them in the background). */
	facts?: VersionFacts;
}

/** What the catalogue knows about one model name. */
export interface NameSummary {
	name: string;
	/** Number of versions. */
	count: number;
	/** Tag of the most recently created version. */
	latest: string;
	latestCreatedKey: string;
	/** Total size of all versions (before deduplication). */
	size: number;
}

/** Order of a listing by creation time. */
export type ListOrder = 'newest' | 'oldest';

/** Order a listing by a numeric metadata value (`accuracy`, descending); versions lacking it come last. */
export interface MetricOrder {
	metadata: string;
	direction: 'asc' | 'desc';
}

/** A movable name for one version of a model (`churn@champion`). */
export interface Alias {
	name: string;
	alias: string;
	/** The version it points at now. */
	version: string;
	/** When it was last set or moved (ms since epoch). */
	since: number;
}

/** One change of an alias. The history is append-only: events are never rewritten or removed. */
export interface AliasEvent {
	/** Order of events across the shelf (increasing). */
	seq: number;
	name: string;
	alias: string;
	/** The version it pointed at before (null: the alias is new). */
	from: string | null;
	/** The version it points at after (null: the alias was removed). */
	to: string | null;
	/** When (ms since epoch). */
	at: number;
	note?: string;
}

/** A version in the trash: the record exactly as it was, kept whole until the trash is emptied. */
export interface TrashedVersion {
	record: VersionRecord;
	/** When it was deleted (ms since epoch). */
	trashedAt: number;
	/** Aliases removed with it (restoring does not set them again; the history says where they were). */
	aliasesRemoved: string[];
}

/** When a version was last used, and how. */
export interface LastUse {
	tag: string;
	at: number;
	how: 'exported' | 'pushed' | 'read';
}

/** A query over all versions; every field narrows it. */
export interface ListQuery {
	/** Only versions of this model name. */
	name?: string;
	/** A parsed label selector. */
	selector?: Selector;
	/** Free text matched against names and tags (case-insensitive substring of the name, or prefix of the tag). */
	text?: string;
	order?: ListOrder;
	/** Numeric thresholds on metadata (`accuracy>=0.9`), ANDed with the rest. */
	thresholds?: readonly MetricThreshold[];
	/** Order by a numeric metadata value instead (`order` is then ignored); versions lacking it come last. */
	orderBy?: MetricOrder;
	/** Only versions holding a file of one of these formats (facts derived). */
	formats?: readonly ModelFormat[];
	/** Only versions whose parameter count is within [min, max] (facts derived, tensors declared). */
	parameters?: ParameterRange;
	/** Only these tags (the aliased ones): a small set, read one by one. */
	tags?: readonly string[];
	/** Page size; default 50. */
	limit?: number;
	/** Opaque cursor from the previous page's {@link ListPage.next}. */
	cursor?: string | null;
}

/** A range of parameter counts; either end may be open. */
export interface ParameterRange {
	min?: number;
	max?: number;
}

/** One page of a listing. */
export interface ListPage {
	items: VersionRecord[];
	/** Cursor for the next page, or null at the end. */
	next: string | null;
}

/** What moving versions into the trash did. */
export interface TrashOutcome {
	removed: VersionRecord[];
	/** For every name whose `latest` moved: where it points now (null: no version left on the shelf). */
	latest: Record<string, string | null>;
	/** `name@alias` of the aliases removed with their versions. */
	aliasesRemoved: string[];
}

/** A change of one alias: `version: null` removes it. */
export interface AliasChange {
	name: string;
	alias: string;
	version: string | null;
	note?: string;
	/** When (ms since epoch). */
	at: number;
}

/** The catalogue port: versions and the per-name latest pointer, changed atomically. */
export interface Catalogue {
	/** The version with exactly this tag, or undefined. */
	get(tag: string): Promise<VersionRecord | undefined>;
	/** The most recently created version of `name`, or undefined. */
	latest(name: string): Promise<VersionRecord | undefined>;
	/** Versions of `name`, newest first. */
	versions(name: string): Promise<VersionRecord[]>;
	/** Every model name with its count and latest version, sorted by name. */
	names(): Promise<NameSummary[]>;
	/** One model name's count and latest version, or undefined when no version has that name. */
	summary(name: string): Promise<NameSummary | undefined>;
	/** One page of versions matching `query`, ordered by creation time. */
	list(query: ListQuery): Promise<ListPage>;
	/** Number of versions matching `query` (ignores order, limit and cursor). */
	count(query?: Omit<ListQuery, 'order' | 'limit' | 'cursor'>): Promise<number>;
	/**
	 * Adds a version and moves its name's latest pointer in one transaction.
	 * @throws ShelfError `TAG_EXISTS` when the tag is already stored (or in the trash), `ALIAS_CONFLICT` when an
	 * alias of the model has the version's word
	 */
	add(record: VersionRecord): Promise<void>;
	/**
	 * Moves versions whole into the trash, repointing `latest`, in one transaction (all or none).
	 * @throws ShelfError `NOT_FOUND`; `ALIASED` when an alias points at one and `removeAliases` is false
	 */
	moveToTrash(tags: readonly string[], options: { removeAliases: boolean; now: number }): Promise<TrashOutcome>;
	/**
	 * Puts trashed versions back on the shelf exactly as they were, in one transaction.
	 * @throws ShelfError `NOT_FOUND` (not in the trash), `ALIAS_CONFLICT` (an alias took its version's word meanwhile)
	 */
	restore(tags: readonly string[]): Promise<VersionRecord[]>;
	/**
	 * Deletes trashed versions for good, in one transaction; answers the digests nothing references any more.
	 * @throws ShelfError `NOT_FOUND`
	 */
	purge(tags: readonly string[]): Promise<{ removed: string[]; unreferenced: string[] }>;
	/** The trash, most recently deleted first. */
	trash(): Promise<TrashedVersion[]>;
	/** True when a version with this tag is in the trash. */
	isTrashed(tag: string): Promise<boolean>;
	/** Aliases of one model (or all), sorted by name and alias. */
	aliases(name?: string): Promise<Alias[]>;
	/** Every change of one model's aliases, oldest first. */
	aliasHistory(name: string): Promise<AliasEvent[]>;
	/**
	 * Sets, moves or removes an alias and appends the change to its history, in one transaction.
	 * @throws ShelfError `NOT_FOUND`, `ALIAS_CONFLICT`
	 */
	changeAlias(change: AliasChange): Promise<AliasEvent>;
	/** Every version's ledger entry, shelf and trash (see core/lifecycle/ledger.ts). */
	ledger(): Promise<LedgerEntry[]>;
	/** Records a use of a version (export, push, read). */
	touch(use: LastUse): Promise<void>;
	/** The last use of every version that was used. */
	lastUses(): Promise<LastUse[]>;
	/** How many days the trash keeps versions (default 30). */
	trashDays(): Promise<number>;
	setTrashDays(days: number): Promise<void>;
	/** A stored file with these bytes (size and CRC-32 for a blob the store already holds), or undefined. */
	fileByDigest(sha256: string): Promise<StoredFile | undefined>;
	/** True when some version, on the shelf or in the trash, references this digest. */
	isReferenced(sha256: string): Promise<boolean>;
	/** Every digest referenced by some version, on the shelf or in the trash. */
	referencedDigests(): Promise<Set<string>>;
	/** Versions, shelf and trash, still without current facts (stored before facts existed). */
	countWithoutFacts(): Promise<number>;
	/** Reads `limit` versions of the shelf or the trash after tag `after` and answers those without current facts. */
	withoutFacts(place: 'versions' | 'trash', after: string | null, limit: number): Promise<{ records: VersionRecord[]; next: string | null }>;
	/** Keeps facts for a version that lacks them; false when it is no longer in that place or already has them. */
	setFacts(place: 'versions' | 'trash', tag: string, facts: VersionFacts): Promise<boolean>;
}

/** Digest, size and CRC-32 of bytes that went through a {@link BlobWriter}. */
export interface BlobDigest {
	sha256: string;
	size: number;
	crc32: number;
}

/** Expected facts about a blob being written; a mismatch at commit is `INTEGRITY`. */
export type BlobExpectation = Partial<BlobDigest>;

/** Bytes on their way into the blob store: written to a temporary place, hashed as they go. */
export interface BlobWriter {
	/**
	 * Appends bytes. The writer may keep (transfer) the buffer: do not reuse it afterwards.
	 * @throws ShelfError `STORAGE_FULL` when the store's quota is reached
	 */
	write(chunk: Uint8Array): Promise<void>;
	/**
	 * Finishes hashing and moves the bytes into place under their digest (dropping them when the
	 * store already holds that digest).
	 * @throws ShelfError `INTEGRITY` when `expected` does not match; nothing is kept then
	 */
	commit(expected?: BlobExpectation): Promise<BlobDigest & { deduplicated: boolean }>;
	/** Drops the temporary bytes. Safe to call after a failure, and more than once. */
	abort(): Promise<void>;
}

/** The content-addressed blob store port. */
export interface BlobStore {
	/**
	 * Starts a new blob in the temporary area.
	 * @param expectedSize the blob's final size when known (a hint: the OPFS store sizes its temporary
	 * file once instead of growing it; more or fewer bytes still work, and `commit(expected)` checks sizes)
	 */
	create(expectedSize?: number): Promise<BlobWriter>;
	has(sha256: string): Promise<boolean>;
	/**
	 * The stored bytes as a Blob (in OPFS a `File` backed by disk, not memory).
	 * @throws ShelfError `NOT_FOUND`
	 */
	read(sha256: string): Promise<Blob>;
	/**
	 * Streams a stored blob's bytes and checks on the way that they still hash to `sha256`: the last chunk
	 * comes only once they do, so a reader never receives all of a damaged blob. Each chunk is the caller's
	 * until it asks for the next one (its buffer is reused then): copy what you keep.
	 * @throws ShelfError `NOT_FOUND`; `INTEGRITY` with `details.actual`, the digest the stored bytes have
	 */
	readVerified(sha256: string): AsyncIterable<Uint8Array>;
	/** Removes a stored blob; no error when it is absent. */
	delete(sha256: string): Promise<void>;
	/** Every stored digest. */
	list(): Promise<string[]>;
	/** Removes every temporary file (left by a crash); returns how many there were. */
	clearTemp(): Promise<number>;
	/** Bytes held by stored blobs. */
	storedBytes(): Promise<number>;
	/**
	 * Resolves once every blob committed so far is on disk, for a store whose commits may be written lazily
	 * (the IndexedDB tier's grouped commits): call it before a catalogue record points at them.
	 */
	sync?(): Promise<void>;
}

/**
 * A sortable, unique key for a version: its creation instant in UTC to the microsecond (fixed width),
 * then the tag, so equal creation times fall back to tag order.
 * @param info the version's model info
 * @example
 * createdKey(info); // '2025-11-03T10:15:00.250000Z~fraud_detector:6st47ifytwe2p45h'
 */
export function createdKey(info: Pick<ModelInfo, 'name' | 'version' | 'creationTime'>): string {
	return `${creationTimeKey(info)}~${info.name}:${info.version}`;
}
