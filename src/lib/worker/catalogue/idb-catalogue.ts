// Worker: IndexedDB through idb. The Catalogue port (core/store-types.ts) on two stores: `versions`, with
// the indexes that answer queries and count blob references, and `names`, one summary per model name that
// add and remove keep in step inside their own transaction. Native errors become ShelfErrors here, once.

import type { IDBPDatabase } from 'idb';
import { ShelfError, toShelfError } from '../../core/errors.ts';
import { parseLedgerLine, type LedgerEntry } from '../../core/lifecycle/ledger.ts';
import type { Alias, AliasChange, AliasEvent, Catalogue, LastUse, ListPage, ListQuery, NameSummary, StoredFile, TrashedVersion, TrashOutcome, VersionRecord } from '../../core/store-types.ts';
import { addVersion, changeAlias, purgeVersions, restoreVersions, trashVersions, type LifecycleTransaction } from './lifecycle-writes.ts';
import { batchWithoutFacts, countWithoutFacts, writeFacts, type FactsBatch, type FactsPlace } from './facts-writes.ts';
import type { VersionFacts } from '../../core/inspect/facts.ts';
import { checkedCursor, countMatches, listPage, planStats, QUERY_STORES } from './catalogue-queries.ts';
import { planQuery, type QueryFilter, type QueryPlan } from './query-plan.ts';
import { fromStored, LIFECYCLE_STORES, openCatalogueDatabase, type CatalogueSchema, type OpenDatabaseOptions } from './schema.ts';

/** How many days the trash keeps a version when no one said otherwise. */
export const DEFAULT_TRASH_DAYS = 30;

/** Where to open the catalogue. */
export type OpenCatalogueOptions = Pick<OpenDatabaseOptions, 'name' | 'factory'>;

/**
 * Opens the catalogue, creating or upgrading its database.
 * @param options `name` (default `'model-shelf'`) and `factory` (default `globalThis.indexedDB`)
 * @throws ShelfError `UNSUPPORTED` without IndexedDB or when the stored schema is newer than this build
 * @example
 * const catalogue = await openCatalogue();
 * const query = { selector: parseSelector('stage=production'), limit: 20 };
 * const page = await catalogue.list(query);
 * const more = page.next === null ? null : await catalogue.list({ ...query, cursor: page.next });
 */
export async function openCatalogue(options: OpenCatalogueOptions = {}): Promise<IdbCatalogue> {
	return new IdbCatalogue(await openCatalogueDatabase(options));
}

/** The {@link Catalogue} port on IndexedDB. Every method is one transaction. */
export class IdbCatalogue implements Catalogue {
	readonly #db: IDBPDatabase<CatalogueSchema>;

	/** @param db an open catalogue database (see `openCatalogueDatabase`) */
	constructor(db: IDBPDatabase<CatalogueSchema>) {
		this.#db = db;
	}

	/** Closes the connection; later calls fail. */
	close(): void {
		this.#db.close();
	}

	/** @inheritdoc */
	async get(tag: string): Promise<VersionRecord | undefined> {
		const stored = await this.#read(() => this.#db.get('versions', tag));
		return stored && fromStored(stored);
	}

	/** @inheritdoc */
	async latest(name: string): Promise<VersionRecord | undefined> {
		const stored = await this.#read(async () => {
			const tx = this.#db.transaction(['names', 'versions'], 'readonly');
			const summary = await tx.objectStore('names').get(name);
			return summary && tx.objectStore('versions').get(summary.latest);
		});
		return stored && fromStored(stored);
	}

	/** @inheritdoc */
	async versions(name: string): Promise<VersionRecord[]> {
		const range = IDBKeyRange.bound([name, ''], [name, '\uffff']);
		const stored = await this.#read(() => this.#db.getAllFromIndex('versions', 'by-name-created', range));
		return stored.reverse().map(fromStored);
	}

	/** @inheritdoc */
	async names(): Promise<NameSummary[]> {
		// Keys are names, and IndexedDB orders string keys by code unit, as JavaScript's `<` does.
		return this.#read(() => this.#db.getAll('names'));
	}

	/** @inheritdoc */
	async summary(name: string): Promise<NameSummary | undefined> {
		return this.#read(() => this.#db.get('names', name));
	}

	/**
	 * One page of matching versions, ordered by createdKey. `limit` is floored and at least 1 (default 50).
	 * `next` is the last item's createdKey (treat it as opaque); the next page starts strictly after it, so
	 * versions added or removed between pages neither repeat nor shift items.
	 * @param query filters, order, page size and cursor
	 * @throws ShelfError `UNSUPPORTED` for a cursor that no page returned
	 */
	async list(query: ListQuery): Promise<ListPage> {
		const after = query.orderBy ? null : checkedCursor(query.cursor); // a metric listing reads its own cursor
		return this.#read(() => listPage(this.#db.transaction([...QUERY_STORES], 'readonly'), query, after));
	}

	/** @inheritdoc */
	async count(query: QueryFilter = {}): Promise<number> {
		return this.#read(() => countMatches(this.#db.transaction([...QUERY_STORES], 'readonly'), query));
	}

	/**
	 * Adds a version and moves its name's latest pointer, in one transaction.
	 * @throws ShelfError `TAG_EXISTS` (nothing written; also for a tag in the trash), `ALIAS_CONFLICT`,
	 * `STORAGE_FULL` (nothing written), `INTERNAL` when `createdKey` does not end with `~tag` (the ordering and
	 * tie-breaking rely on it)
	 */
	async add(record: VersionRecord): Promise<void> {
		if (!record.createdKey.endsWith(`~${record.tag}`)) {
			throw new ShelfError('INTERNAL', `Version ${record.tag} has createdKey "${record.createdKey}". Hint: build it with createdKey().`, {
				tag: record.tag,
				createdKey: record.createdKey
			});
		}
		await this.#write('add', record.tag, (tx) => addVersion(tx, record));
	}

	/** @inheritdoc */
	async moveToTrash(tags: readonly string[], options: { removeAliases: boolean; now: number }): Promise<TrashOutcome> {
		return this.#write('trash', tags[0] ?? '', (tx) => trashVersions(tx, tags, options));
	}

	/** @inheritdoc */
	async restore(tags: readonly string[]): Promise<VersionRecord[]> {
		return this.#write('restore', tags[0] ?? '', (tx) => restoreVersions(tx, tags));
	}

	/** @inheritdoc */
	async purge(tags: readonly string[]): Promise<{ removed: string[]; unreferenced: string[] }> {
		return this.#write('purge', tags[0] ?? '', (tx) => purgeVersions(tx, tags));
	}

	/** @inheritdoc */
	async trash(): Promise<TrashedVersion[]> {
		const stored = await this.#read(() => this.#db.getAllFromIndex('trash', 'by-trashed'));
		return stored.reverse().map(({ record, trashedAt, aliasesRemoved }) => ({ record, trashedAt, aliasesRemoved }));
	}

	/** @inheritdoc */
	async isTrashed(tag: string): Promise<boolean> {
		return (await this.#read(() => this.#db.getKey('trash', tag))) !== undefined;
	}

	/** @inheritdoc */
	async aliases(name?: string): Promise<Alias[]> {
		return this.#read(() => this.#db.getAll('aliases', name === undefined ? null : IDBKeyRange.bound([name, ''], [name, '\uffff'])));
	}

	/** @inheritdoc */
	async aliasHistory(name: string): Promise<AliasEvent[]> {
		return this.#read(() => this.#db.getAllFromIndex('alias-history', 'by-name', name));
	}

	/** @inheritdoc */
	async changeAlias(change: AliasChange): Promise<AliasEvent> {
		return this.#write('alias', `${change.name}@${change.alias}`, (tx) => changeAlias(tx, change));
	}

	/** @inheritdoc */
	async ledger(): Promise<LedgerEntry[]> {
		const records = await this.#read(() => this.#db.getAll('ledger'));
		return records.flatMap(({ name, lines }) => lines.map((line) => parseLedgerLine(name, line)));
	}

	/** @inheritdoc */
	async touch(use: LastUse): Promise<void> {
		await this.#read(() => this.#db.put('last-used', use));
	}

	/** @inheritdoc */
	async lastUses(): Promise<LastUse[]> {
		return this.#read(() => this.#db.getAll('last-used'));
	}

	/** @inheritdoc */
	async trashDays(): Promise<number> {
		return (await this.#read(() => this.#db.get('settings', 'trashDays')))?.value ?? DEFAULT_TRASH_DAYS;
	}

	/** @inheritdoc */
	async setTrashDays(days: number): Promise<void> {
		await this.#read(() => this.#db.put('settings', { key: 'trashDays', value: days }));
	}

	/** @inheritdoc */
	async fileByDigest(sha256: string): Promise<StoredFile | undefined> {
		const files = await this.#read(async () => {
			const tx = this.#db.transaction(['versions', 'trash'], 'readonly');
			return (await tx.objectStore('versions').index('by-digest').get(sha256))?.files ?? (await tx.objectStore('trash').index('by-digest').get(sha256))?.record.files;
		});
		return files?.find((file) => file.sha256 === sha256);
	}

	/** @inheritdoc */
	async isReferenced(sha256: string): Promise<boolean> {
		return this.#read(async () => {
			const tx = this.#db.transaction(['versions', 'trash'], 'readonly');
			return ((await tx.objectStore('versions').index('by-digest').getKey(sha256)) ?? (await tx.objectStore('trash').index('by-digest').getKey(sha256))) !== undefined;
		});
	}

	/** @inheritdoc */
	async referencedDigests(): Promise<Set<string>> {
		// In batches: a key cursor over `by-digest` costs a round trip per entry (19–46 s at 100,000 versions,
		// issue 7). `getAllKeys` on an index yields primary keys, not index keys, so the versions themselves are
		// read 10,000 at a time and their `digests` (the index's key path) collected: one request per batch.
		const batch = 10_000;
		return this.#read(async () => {
			const digests = new Set<string>();
			const versions = this.#db.transaction('versions', 'readonly').store;
			for (let after: string | undefined; ; ) {
				const values = await versions.getAll(after === undefined ? null : IDBKeyRange.lowerBound(after, true), batch);
				for (const version of values) for (const sha of version.digests) digests.add(sha);
				if (values.length < batch) break;
				after = values[values.length - 1]!.tag;
			}
			for (const trashed of await this.#db.getAll('trash')) for (const sha of trashed.digests) digests.add(sha);
			return digests;
		});
	}

	/** @inheritdoc */
	async countWithoutFacts(): Promise<number> {
		return this.#read(() => countWithoutFacts(this.#db));
	}

	/** @inheritdoc */
	async withoutFacts(place: FactsPlace, after: string | null, limit: number): Promise<FactsBatch> {
		return this.#read(() => batchWithoutFacts(this.#db, place, after, limit));
	}

	/** @inheritdoc */
	async setFacts(place: FactsPlace, tag: string, facts: VersionFacts): Promise<boolean> {
		return this.#read(() => writeFacts(this.#db, place, tag, facts));
	}

	/**
	 * How {@link list} and {@link count} would find a query's candidates (for tests and diagnostics).
	 * @param query the filters
	 */
	async plan(query: QueryFilter): Promise<QueryPlan> {
		return this.#read(async () => planQuery(query, planStats(this.#db.transaction([...QUERY_STORES], 'readonly'))));
	}

	/** Runs a read, turning native failures into ShelfErrors. */
	async #read<T>(run: () => Promise<T>): Promise<T> {
		try {
			return await run();
		} catch (error) {
			throw _toStoreError(error, {}, false);
		}
	}

	/** Runs `run` in one readwrite transaction over the lifecycle stores; any failure aborts it, so nothing is half-written. */
	async #write<T>(operation: 'add' | 'trash' | 'restore' | 'purge' | 'alias', tag: string, run: (tx: LifecycleTransaction) => Promise<T>): Promise<T> {
		let tx: LifecycleTransaction | undefined;
		try {
			tx = this.#db.transaction([...LIFECYCLE_STORES], 'readwrite');
			// Handled below; without this, a failed request would also surface as an unhandled rejection.
			tx.done.catch(() => {});
			const result = await run(tx);
			await tx.done;
			return result;
		} catch (error) {
			try {
				tx?.abort();
			} catch {
				// Already aborted by the failed request, or finished: either way nothing was committed.
			}
			throw _toStoreError(error, { tag }, operation === 'add');
		}
	}
}

// ---------------------------------------------------------------------------------------------------
// Internal helpers

/** Native IndexedDB failures as ShelfErrors: the only place they are converted. */
function _toStoreError(error: unknown, details: { tag?: string }, adding: boolean): ShelfError {
	const tag = details.tag ?? '';
	if (error instanceof ShelfError) return error;
	const name = (error as { name?: unknown } | null)?.name;
	// In `add`, the only constraints are the primary key and the unique createdKey, which embeds the tag.
	if (name === 'ConstraintError' && adding) {
		return new ShelfError('TAG_EXISTS', `Version ${tag} is already in the catalogue. Hint: versions are immutable; save a new version instead.`, { tag }, { cause: error });
	}
	if (name === 'QuotaExceededError') {
		return new ShelfError('STORAGE_FULL', "The browser's storage for this site is full: the catalogue could not be updated, so nothing changed. Hint: delete versions you no longer need and empty the trash (Storage page), or free disk space.", { ...details, writing: 'catalogue' }, { cause: error });
	}
	return toShelfError(error);
}
