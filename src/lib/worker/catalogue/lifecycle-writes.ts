// Worker: the catalogue's writes that move versions between the shelf and the trash, and set aliases. Each
// runs inside one readwrite transaction over LIFECYCLE_STORES (idb-catalogue.ts opens it), so a version is
// always whole in exactly one place, and `latest`, the ledger and aliases change with it or not at all.
import { unwrap, type IDBPTransaction } from 'idb';
import { ShelfError } from '../../core/errors.ts';
import { ledgerLine, lineTag, relocatedLine, withBlobShared } from '../../core/lifecycle/ledger.ts';
import type { Alias, AliasChange, AliasEvent, NameSummary, TrashOutcome, VersionRecord } from '../../core/store-types.ts';
import { allResults } from '../idb-requests.ts';
import { changeLabelCounts } from './label-counts.ts';
import { changeNames } from './name-directory.ts';
import { fromStored, toStored, type CatalogueSchema, type LIFECYCLE_STORES, type StoredTrash, type StoredVersion } from './schema.ts';

/** The one kind of transaction lifecycle writes run in. */
export type LifecycleTransaction = IDBPTransaction<CatalogueSchema, (typeof LIFECYCLE_STORES)[number][], 'readwrite'>;

/** The refusal of a tag that belongs to a version in the trash (a trashed tag stays reserved). */
export function tagInTrash(tag: string): ShelfError<'TAG_EXISTS'> {
	return new ShelfError('TAG_EXISTS', `Version ${tag} is in the trash. Hint: restore it from the Storage page, or delete it there for good first.`, { tag, trashed: true });
}

/** Adds a version: refused when its tag is taken (on the shelf or in the trash) or is an alias's word. */
export async function addVersion(tx: LifecycleTransaction, record: VersionRecord): Promise<void> {
	if (await tx.objectStore('trash').getKey(record.tag)) {
		throw tagInTrash(record.tag);
	}
	if (await tx.objectStore('aliases').getKey([record.name, record.version])) throw _aliasConflict(record.name, record.version, 'is-alias');
	// Blobs other versions hold already are shared from now on; a blob's one holder until now learns it too.
	const shared = new Set<string>();
	const unique = [...new Map(record.files.map((file) => [file.sha256, file])).values()];
	// Counted together, one round trip for all: one by one, a version of 10,001 files waited 7.5 s here (issue 21).
	const holders = await _holderCounts(tx, unique.map((file) => file.sha256));
	for (const [index, file] of unique.entries()) {
		if (holders[index] === 0) continue;
		shared.add(file.sha256);
		if (holders[index] === 1) await _markShared(tx, file.sha256, file.size, true);
	}
	const stored = toStored(record);
	await tx.objectStore('versions').add(stored);
	if (await _summaryAdding(tx, record)) await changeNames(tx.objectStore('name-directory'), { added: [record.name] });
	await changeLabelCounts(tx.objectStore('label-counts'), [stored], 1);
	await _editLedger(tx, record.name, (lines) => [...lines, ledgerLine(record, false, shared)]);
}

/**
 * Moves versions from the shelf into the trash, whole. An aliased version is refused (`ALIASED`, nothing moved)
 * unless `removeAliases`, which removes its aliases (recorded in their history).
 */
export async function trashVersions(tx: LifecycleTransaction, tags: readonly string[], options: { removeAliases: boolean; now: number }): Promise<TrashOutcome> {
	// Requests are issued together and awaited together: inside one transaction IndexedDB runs them in order, and
	// a bulk delete pays one round trip per step instead of one per version (issue 16's 10,000-version figure).
	const versions = tx.objectStore('versions');
	const wanted = [...new Set(tags)];
	const found = await Promise.all(wanted.map((tag) => versions.get(tag)));
	const records: VersionRecord[] = [];
	const digests = new Map<string, string[]>();
	const leaving: StoredVersion[] = [];
	for (const [index, stored] of found.entries()) {
		const tag = wanted[index]!;
		if (stored === undefined) {
			const inTrash = (await tx.objectStore('trash').getKey(tag)) !== undefined;
			throw new ShelfError('NOT_FOUND', `No version ${tag} on the shelf${inTrash ? ' (it is already in the trash)' : ''}. Hint: list the model's versions to see its tags.`, { tag });
		}
		records.push(fromStored(stored));
		leaving.push(stored);
		digests.set(tag, stored.digests);
	}
	const byName = new Map<string, VersionRecord[]>();
	for (const record of records) byName.set(record.name, [...(byName.get(record.name) ?? []), record]);
	const names = [...byName.keys()];
	const aliasLists = await Promise.all(names.map((name) => aliasesOf(tx, name)));
	const pointing = new Map<string, Alias[]>();
	for (const alias of aliasLists.flat()) {
		const tag = `${alias.name}:${alias.version}`;
		if (digests.has(tag)) pointing.set(tag, [...(pointing.get(tag) ?? []), alias]);
	}
	const [firstAliased] = pointing;
	if (firstAliased && !options.removeAliases) {
		const [tag, aliases] = firstAliased;
		const name = tag.slice(0, tag.indexOf(':'));
		throw new ShelfError('ALIASED', `Version ${tag} is ${aliases.map((alias) => `${name}@${alias.alias}`).join(', ')}. Hint: move those aliases to another version first, or delete it together with its aliases.`, {
			tag,
			name,
			aliases: aliases.map((alias) => alias.alias),
			tags: [...pointing.keys()]
		});
	}
	const aliasesRemoved: string[] = [];
	for (const [tag, aliases] of pointing) {
		for (const alias of aliases) {
			await changeAlias(tx, { name: alias.name, alias: alias.alias, version: null, note: `removed with ${tag}`, at: options.now });
			aliasesRemoved.push(`${alias.name}@${alias.alias}`);
		}
	}
	await Promise.all(
		records.flatMap((record) => {
			const trashed: StoredTrash = { tag: record.tag, record, trashedAt: options.now, aliasesRemoved: (pointing.get(record.tag) ?? []).map((alias) => alias.alias), digests: digests.get(record.tag)! };
			return [versions.delete(record.tag), tx.objectStore('trash').put(trashed)];
		})
	);
	await changeLabelCounts(tx.objectStore('label-counts'), leaving, -1);
	const latest: Record<string, string | null> = {};
	const gone: string[] = [];
	await Promise.all(
		[...byName].map(async ([name, removed]) => {
			const moved = new Set(removed.map((record) => record.tag));
			const [summary] = await Promise.all([
				_summaryRemoving(tx, name, removed),
				_editLedger(tx, name, (lines) => lines.map((line) => (moved.has(lineTag(line)) ? relocatedLine(line, true) : line)))
			]);
			if (summary.latestMoved) latest[name] = summary.latest;
			if (summary.latest === null) gone.push(name);
		})
	);
	await changeNames(tx.objectStore('name-directory'), { removed: gone });
	return { removed: records, latest, aliasesRemoved };
}

/** Gives trashed versions back to the shelf exactly as they were; `latest` is recomputed. */
export async function restoreVersions(tx: LifecycleTransaction, tags: readonly string[]): Promise<VersionRecord[]> {
	const restored: VersionRecord[] = [];
	for (const tag of new Set(tags)) {
		const trashed = await tx.objectStore('trash').get(tag);
		if (trashed === undefined) throw new ShelfError('NOT_FOUND', `No version ${tag} in the trash. Hint: it may have been emptied from the trash, or restored already.`, { tag });
		const { record } = trashed;
		if (await tx.objectStore('aliases').getKey([record.name, record.version])) throw _aliasConflict(record.name, record.version, 'is-alias');
		await tx.objectStore('trash').delete(tag);
		const stored = toStored(record);
		await tx.objectStore('versions').add(stored);
		if (await _summaryAdding(tx, record)) await changeNames(tx.objectStore('name-directory'), { added: [record.name] });
		await changeLabelCounts(tx.objectStore('label-counts'), [stored], 1);
		await _editLedger(tx, record.name, (lines) => lines.map((line) => (lineTag(line) === tag ? relocatedLine(line, false) : line)));
		restored.push(record);
	}
	return restored;
}

/** Deletes trashed versions for good; answers their tags and the digests nothing references any more. */
export async function purgeVersions(tx: LifecycleTransaction, tags: readonly string[]): Promise<{ removed: string[]; unreferenced: string[] }> {
	const trash = tx.objectStore('trash');
	const removed: string[] = [];
	const digests = new Map<string, number>();
	const byName = new Map<string, Set<string>>();
	for (const tag of new Set(tags)) {
		const trashed = await trash.get(tag);
		if (trashed === undefined) throw new ShelfError('NOT_FOUND', `No version ${tag} in the trash. Hint: list the trash to see what it holds.`, { tag });
		await trash.delete(tag);
		for (const file of trashed.record.files) digests.set(file.sha256, file.size);
		byName.set(trashed.record.name, (byName.get(trashed.record.name) ?? new Set()).add(tag));
		removed.push(tag);
	}
	for (const [name, gone] of byName) await _editLedger(tx, name, (lines) => lines.filter((line) => !gone.has(lineTag(line))));
	const unreferenced: string[] = [];
	for (const [sha, size] of digests) {
		const [holders] = await _holderCounts(tx, [sha]);
		if (holders === 0) unreferenced.push(sha);
		else if (holders === 1) await _markShared(tx, sha, size, false); // its last holder owns it alone again
	}
	return { removed, unreferenced };
}

/** A model's aliases, sorted by alias. */
export async function aliasesOf(tx: LifecycleTransaction, name: string): Promise<Alias[]> {
	return tx.objectStore('aliases').getAll(IDBKeyRange.bound([name, ''], [name, '\uffff']));
}

/**
 * Points an alias at a version (`version: null` removes it) and appends the change to the history.
 * @throws ShelfError `NOT_FOUND` (no such version on the shelf, or no such alias to remove), `ALIAS_CONFLICT`
 * when a version of the model is called like the alias
 */
export async function changeAlias(tx: LifecycleTransaction, change: AliasChange): Promise<AliasEvent> {
	const { name, alias, version, at } = change;
	const aliasTag = `${name}:${alias}`;
	if ((await tx.objectStore('versions').getKey(aliasTag)) ?? (await tx.objectStore('trash').getKey(aliasTag))) throw _aliasConflict(name, alias, 'is-version');
	const current = await tx.objectStore('aliases').get([name, alias]);
	if (version !== null && current?.version === version) {
		// Already there: the history records changes, not requests.
		const last = (await tx.objectStore('alias-history').index('by-name').getAll(name)).filter((event) => event.alias === alias).at(-1);
		if (last) return last;
	}
	if (version !== null) {
		const tag = `${name}:${version}`;
		if ((await tx.objectStore('versions').getKey(tag)) === undefined) {
			const inTrash = (await tx.objectStore('trash').getKey(tag)) !== undefined;
			throw new ShelfError('NOT_FOUND', `No version ${tag} on the shelf${inTrash ? ' (it is in the trash)' : ''}. Hint: an alias can only point at a stored version.`, { tag, name });
		}
		await tx.objectStore('aliases').put({ name, alias, version, since: at });
	} else {
		if (current === undefined) throw new ShelfError('NOT_FOUND', `${name}@${alias} is not set. Hint: see the model's aliases on its page.`, { tag: `${name}@${alias}`, name, alias });
		await tx.objectStore('aliases').delete([name, alias]);
	}
	const event: Omit<AliasEvent, 'seq'> = { name, alias, from: current?.version ?? null, to: version, at, ...(change.note ? { note: change.note } : {}) };
	const seq = await tx.objectStore('alias-history').add(event as AliasEvent);
	return { ...event, seq };
}

// ---------------------------------------------------------------------------------------------------

function _aliasConflict(name: string, alias: string, reason: 'is-version' | 'is-alias'): ShelfError {
	const message =
		reason === 'is-version'
			? `${name}:${alias} is a version, so "${alias}" cannot be an alias of ${name}. Hint: choose another alias; versions and aliases of a model never share a word.`
			: `"${alias}" is an alias of ${name} (${name}@${alias}), so no version of ${name} may be called that. Hint: remove or rename the alias first, or choose another version.`;
	return new ShelfError('ALIAS_CONFLICT', message, { name, alias, reason });
}

/** How many versions, on the shelf and in the trash, reference a blob. */
/** How many versions, on the shelf or in the trash, hold each blob (raw requests: see idb-requests.ts). */
async function _holderCounts(tx: LifecycleTransaction, digests: readonly string[]): Promise<number[]> {
	const onShelf = unwrap(tx.objectStore('versions').index('by-digest'));
	const inTrash = unwrap(tx.objectStore('trash').index('by-digest'));
	const counts = await allResults(digests.flatMap((sha256) => [onShelf.count(sha256), inTrash.count(sha256)]));
	return digests.map((_, index) => counts[2 * index]! + counts[2 * index + 1]!);
}

/** Marks a blob shared (or unique again) in the ledger line of the one version that holds it. */
async function _markShared(tx: LifecycleTransaction, sha256: string, size: number, shared: boolean): Promise<void> {
	const holder = (await tx.objectStore('versions').index('by-digest').getKey(sha256)) ?? (await tx.objectStore('trash').index('by-digest').getKey(sha256));
	if (holder === undefined) return;
	await _editLedger(tx, holder.slice(0, holder.indexOf(':')), (lines) => lines.map((line) => (lineTag(line) === holder ? withBlobShared(line, sha256, size, shared) : line)));
}

async function _editLedger(tx: LifecycleTransaction, name: string, edit: (lines: string[]) => string[]): Promise<void> {
	const ledger = tx.objectStore('ledger');
	const lines = edit((await ledger.get(name))?.lines ?? []);
	await (lines.length === 0 ? ledger.delete(name) : ledger.put({ name, lines }));
}

/** Counts a new version into its name's summary; true when it is the name's first (a new name). */
async function _summaryAdding(tx: LifecycleTransaction, record: VersionRecord): Promise<boolean> {
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
	return summary === undefined;
}

/** Repoints `latest` after versions of one name left the shelf (drops the name when none is left). */
async function _summaryRemoving(tx: LifecycleTransaction, name: string, removed: VersionRecord[]): Promise<{ latest: string | null; latestMoved: boolean }> {
	const names = tx.objectStore('names');
	const versions = tx.objectStore('versions');
	const range = IDBKeyRange.bound([name, ''], [name, '\uffff']);
	const [newest, summary] = await Promise.all([versions.index('by-name-created').openKeyCursor(range, 'prev'), names.get(name)]);
	if (newest === null) {
		await names.delete(name);
	} else {
		const removedSize = removed.reduce((sum, record) => sum + record.size, 0);
		await names.put({
			name,
			// Recounted when the summary is missing, which only a foreign write could cause.
			count: summary ? summary.count - removed.length : await versions.index('by-name-created').count(range),
			latest: newest.primaryKey,
			latestCreatedKey: newest.key[1],
			size: Math.max(0, (summary?.size ?? removedSize) - removedSize)
		});
	}
	// A missing summary (only a foreign write causes one) cannot say; a removed version may have been latest.
	const latestMoved = summary === undefined || removed.some((record) => record.tag === summary.latest);
	return { latest: newest?.primaryKey ?? null, latestMoved };
}
