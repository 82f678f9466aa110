// Worker: IndexedDB through idb. The Catalogue port (core/store-types.ts) on two stores: `versions`, with
// the indexes that answer queries and count blob references, and `names`, one summary per model name that
// add and remove keep in step inside their own transaction. Native errors become ShelfErrors here, once.

import type { IDBPDatabase, IDBPTransaction } from 'idb';
import { ShelfError, toShelfError } from '../../core/errors.ts';
import type { Catalogue, DeleteOutcome, ListPage, ListQuery, NameSummary, StoredFile, VersionRecord } from '../../core/store-types.ts';
import { checkedCursor, countMatches, listPage, planStats } from './catalogue-queries.ts';
import { planQuery, type QueryFilter, type QueryPlan } from './query-plan.ts';
import { fromStored, openCatalogueDatabase, toStored, type CatalogueSchema, type OpenDatabaseOptions } from './schema.ts';

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
		const after = checkedCursor(query.cursor);
		return this.#read(() => listPage(this.#db.transaction(['versions', 'names'], 'readonly'), query, after));
	}

	/** @inheritdoc */
	async count(query: QueryFilter = {}): Promise<number> {
		return this.#read(() => countMatches(this.#db.transaction(['versions', 'names'], 'readonly'), query));
	}

	/**
	 * Adds a version and moves its name's latest pointer, in one transaction.
	 * @throws ShelfError `TAG_EXISTS` (nothing written), `STORAGE_FULL` (nothing written), `INTERNAL` when
	 * `createdKey` does not end with `~tag` (the ordering and tie-breaking rely on it)
	 */
	async add(record: VersionRecord): Promise<void> {
		if (!record.createdKey.endsWith(`~${record.tag}`)) {
			throw new ShelfError('INTERNAL', `Version ${record.tag} has createdKey "${record.createdKey}". Hint: build it with createdKey().`, {
				tag: record.tag,
				createdKey: record.createdKey
			});
		}
		await this.#write('add', record.tag, async (tx) => {
			await tx.objectStore('versions').add(toStored(record));
			const names = tx.objectStore('names');
			const summary = await names.get(record.name);
			const newest = summary === undefined || record.createdKey > summary.latestCreatedKey;
			await names.put({
				name: record.name,
				count: (summary?.count ?? 0) + 1,
				latest: newest ? record.tag : (summary as NameSummary).latest,
				latestCreatedKey: newest ? record.createdKey : (summary as NameSummary).latestCreatedKey,
				size: (summary?.size ?? 0) + record.size
			});
		});
	}

	/**
	 * Removes a version, repoints latest to the next newest (or drops the name), and reports the digests no
	 * remaining version references, all in one transaction.
	 * @throws ShelfError `NOT_FOUND` with `details: { tag }`, `STORAGE_FULL`
	 */
	async remove(tag: string): Promise<DeleteOutcome> {
		return this.#write('remove', tag, async (tx) => {
			const versions = tx.objectStore('versions');
			const names = tx.objectStore('names');
			const stored = await versions.get(tag);
			if (stored === undefined) throw new ShelfError('NOT_FOUND', `No version ${tag} in the catalogue. Hint: list the model's versions to see its tags.`, { tag });
			await versions.delete(tag);
			const { name } = stored;
			const range = IDBKeyRange.bound([name, ''], [name, '\uffff']);
			const newest = await versions.index('by-name-created').openKeyCursor(range, 'prev');
			const summary = await names.get(name);
			if (newest === null) {
				await names.delete(name);
			} else {
				await names.put({
					name,
					// Recounted when the summary is missing, which only a foreign write could cause.
					count: summary ? summary.count - 1 : await versions.index('by-name-created').count(range),
					latest: newest.primaryKey,
					latestCreatedKey: newest.key[1],
					size: Math.max(0, (summary?.size ?? stored.size) - stored.size)
				});
			}
			// Read after the delete, in the same transaction: no other write can slip in between.
			const unreferenced: string[] = [];
			for (const sha of stored.digests) if ((await versions.index('by-digest').getKey(sha)) === undefined) unreferenced.push(sha);
			// A missing summary (only a foreign write causes one) cannot say; the removed version may have been latest.
			const latestMoved = summary === undefined || summary.latest === tag;
			return { removed: fromStored(stored), unreferenced, latest: newest?.primaryKey ?? null, latestMoved };
		});
	}

	/** @inheritdoc */
	async fileByDigest(sha256: string): Promise<StoredFile | undefined> {
		const stored = await this.#read(() => this.#db.getFromIndex('versions', 'by-digest', sha256));
		return stored?.files.find((file) => file.sha256 === sha256);
	}

	/** @inheritdoc */
	async isReferenced(sha256: string): Promise<boolean> {
		return (await this.#read(() => this.#db.getKeyFromIndex('versions', 'by-digest', sha256))) !== undefined;
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
				if (values.length < batch) return digests;
				after = values[values.length - 1]!.tag;
			}
		});
	}

	/**
	 * How {@link list} and {@link count} would find a query's candidates (for tests and diagnostics).
	 * @param query the filters
	 */
	async plan(query: QueryFilter): Promise<QueryPlan> {
		return this.#read(async () => planQuery(query, planStats(this.#db.transaction(['versions', 'names'], 'readonly'))));
	}

	/** Runs a read, turning native failures into ShelfErrors. */
	async #read<T>(run: () => Promise<T>): Promise<T> {
		try {
			return await run();
		} catch (error) {
			throw _toStoreError(error, {}, false);
		}
	}

	/** Runs `run` in one readwrite transaction over both stores; any failure aborts it, so nothing is half-written. */
	async #write<T>(operation: 'add' | 'remove', tag: string, run: (tx: _WriteTransaction) => Promise<T>): Promise<T> {
		let tx: _WriteTransaction | undefined;
		try {
			tx = this.#db.transaction(['versions', 'names'], 'readwrite');
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

type _WriteTransaction = IDBPTransaction<CatalogueSchema, ('versions' | 'names')[], 'readwrite'>;

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
		return new ShelfError('STORAGE_FULL', 'The browser refused to store more catalogue data (quota reached). Hint: delete unused models or free up disk space.', details, { cause: error });
	}
	return toShelfError(error);
}
