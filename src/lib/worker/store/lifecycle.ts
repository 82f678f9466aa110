// Worker: a model's life after it is stored — aliases, the trash, bulk deletes, retention rules and what takes
// the space — over the catalogue's lifecycle writes (each a single transaction) and the ledger.
import { ShelfError } from '../../core/errors.ts';
import { bytesFreedBy, countShared, storedBytesOf, type LedgerEntry } from '../../core/lifecycle/ledger.ts';
import { planRetention } from '../../core/lifecycle/retention.ts';
import { parseSelector } from '../../core/selector.ts';
import type { AliasEvent, LastUse } from '../../core/store-types.ts';
import { validateAlias, validateTagPart } from '../../core/tags.ts';
import type { DeleteManyResult, EmptyTrashResult, ModelSpace, RetentionPlan, RetentionRule, SpaceReport, TrashListing } from '../contract.ts';
import { throwIfAborted } from '../operations.ts';
import type { ModelStore, OperationControls } from './model-store.ts';

/** Versions moved per transaction in a bulk delete: each batch commits whole, so a kill leaves every version in one place. */
export const DELETE_BATCH = 250;

const DAY_MS = 24 * 3600 * 1000;

/**
 * Points `name@alias` at a version, or moves it there.
 * @throws ShelfError `INVALID_TAG`, `NOT_FOUND`, `ALIAS_CONFLICT`
 */
export async function setAlias(store: ModelStore, request: { name: string; alias: string; version: string; note?: string }): Promise<AliasEvent> {
	const name = validateTagPart(request.name, 'name');
	const alias = validateAlias(request.alias);
	const version = validateTagPart(request.version, 'version');
	return _aliasWrite(store, { name, alias, version, note: request.note?.trim() || undefined });
}

/** Removes `name@alias`. @throws ShelfError `NOT_FOUND` */
export async function removeAlias(store: ModelStore, request: { name: string; alias: string; note?: string }): Promise<AliasEvent> {
	return _aliasWrite(store, { name: validateTagPart(request.name, 'name'), alias: validateAlias(request.alias), version: null, note: request.note?.trim() || undefined });
}

/**
 * Moves an alias back to where it pointed before its last change.
 * @throws ShelfError `NOT_FOUND` when the alias has no earlier target (or that version is gone)
 */
export async function rollbackAlias(store: ModelStore, request: { name: string; alias: string }): Promise<AliasEvent> {
	const name = validateTagPart(request.name, 'name');
	const alias = validateAlias(request.alias);
	const last = (await store.catalogue.aliasHistory(name)).filter((event) => event.alias === alias).at(-1);
	if (!last?.from) {
		throw new ShelfError('NOT_FOUND', `${name}@${alias} has no earlier version to roll back to. Hint: set it to a version instead.`, { tag: `${name}@${alias}`, name, alias });
	}
	return _aliasWrite(store, { name, alias, version: last.from, note: `rolled back from ${last.to ?? 'removed'}` });
}

/**
 * Moves versions into the trash in batches (one transaction each), with progress counted in versions and cancel
 * between batches. Aliased versions are refused up front, before anything moves, unless `removeAliases`.
 * @throws ShelfError `NOT_FOUND`, `ALIASED` (with every aliased tag in `details.tags`), `ABORTED` (batches done stay done)
 */
export async function deleteMany(store: ModelStore, request: { tags: readonly string[]; removeAliases?: boolean }, controls: OperationControls = {}): Promise<DeleteManyResult> {
	const tags = [...new Set(request.tags)];
	if (!request.removeAliases) await _refuseAliased(store, tags);
	const result: DeleteManyResult = { removed: [], latest: {}, aliasesRemoved: [] };
	controls.report?.({ phase: 'deleting', loaded: 0, total: tags.length });
	for (let first = 0; first < tags.length; first += DELETE_BATCH) {
		throwIfAborted(controls.signal);
		const batch = tags.slice(first, first + DELETE_BATCH);
		const outcome = await store.coordination.exclusive(() => store.catalogue.moveToTrash(batch, { removeAliases: request.removeAliases ?? false, now: Date.now() }));
		result.removed.push(...outcome.removed.map((record) => record.tag));
		Object.assign(result.latest, outcome.latest);
		result.aliasesRemoved.push(...outcome.aliasesRemoved);
		store.coordination.announce({ kind: 'changed', tags: batch });
		controls.report?.({ phase: 'deleting', loaded: result.removed.length, total: tags.length, item: batch.at(-1) });
	}
	return result;
}

/** What a retention rule would delete now, and the bytes that frees. @throws ShelfError `INVALID_SELECTOR`, `UNSUPPORTED` */
export async function planRetentionNow(store: ModelStore, rule: RetentionRule): Promise<RetentionPlan> {
	const selector = rule.selector?.trim() ? parseSelector(rule.selector) : undefined;
	const [entries, names, aliases] = await Promise.all([store.catalogue.ledger(), store.catalogue.names(), store.catalogue.aliases()]);
	const aliasesByTag = new Map<string, string[]>();
	for (const alias of aliases) {
		const tag = `${alias.name}:${alias.version}`;
		aliasesByTag.set(tag, [...(aliasesByTag.get(tag) ?? []), alias.alias]);
	}
	return planRetention(rule, { entries, latest: new Set(names.map((summary) => summary.latest)), aliases: aliasesByTag, selector, now: Date.now() });
}

/** Runs a rule: deletes into the trash exactly what it plans at this moment. */
export async function applyRetention(store: ModelStore, rule: RetentionRule, controls: OperationControls = {}): Promise<DeleteManyResult> {
	const plan = await planRetentionNow(store, rule);
	return deleteMany(store, { tags: plan.versions.map((version) => version.tag), removeAliases: rule.includeAliased ?? false }, controls);
}

/** The trash, most recently deleted first, with what emptying each item (and all of it) frees. */
export async function listTrash(store: ModelStore): Promise<TrashListing> {
	const [trashed, entries, days] = await Promise.all([store.catalogue.trash(), store.catalogue.ledger(), store.catalogue.trashDays()]);
	const counts = countShared(entries);
	const byTag = new Map(entries.map((entry) => [entry.tag, entry]));
	const items = trashed.map(({ record, trashedAt, aliasesRemoved }) => ({
		tag: record.tag,
		name: record.name,
		version: record.version,
		size: record.size,
		uniqueBytes: byTag.get(record.tag)?.uniqueBytes ?? 0,
		trashedAt,
		expiresAt: trashedAt + days * DAY_MS,
		aliasesRemoved
	}));
	return { items, days, bytes: bytesFreedBy(entries.filter((entry) => entry.trashed), counts) };
}

/** Gives trashed versions back, identical. @throws ShelfError `NOT_FOUND`, `ALIAS_CONFLICT` (nothing restored) */
export async function restore(store: ModelStore, tags: readonly string[]): Promise<{ restored: string[] }> {
	const restored = await store.coordination.exclusive(() => store.catalogue.restore(tags));
	store.coordination.announce({ kind: 'changed', tags: restored.map((record) => record.tag) });
	return { restored: restored.map((record) => record.tag) };
}

/**
 * Deletes trashed versions for good (all when `tags` is undefined) and frees the blobs nothing else references.
 * The catalogue commits first; a crash before the blobs go leaves orphans that fsck removes.
 */
export async function emptyTrash(store: ModelStore, tags?: readonly string[]): Promise<EmptyTrashResult> {
	return store.coordination.exclusive(async () => {
		const trashed = await store.catalogue.trash();
		const wanted = tags ?? trashed.map((item) => item.record.tag);
		const sizes = new Map(trashed.flatMap((item) => item.record.files.map((file) => [file.sha256, file.size] as const)));
		const removed: string[] = [];
		let bytesFreed = 0;
		for (let first = 0; first < wanted.length; first += DELETE_BATCH) {
			const outcome = await store.catalogue.purge(wanted.slice(first, first + DELETE_BATCH));
			removed.push(...outcome.removed);
			for (const sha of outcome.unreferenced) {
				await store.blobs.delete(sha);
				bytesFreed += sizes.get(sha) ?? 0;
			}
		}
		if (removed.length > 0) store.coordination.announce({ kind: 'maintenance' });
		return { removed, bytesFreed };
	});
}

/** Empties what the trash has kept longer than its days allow. */
export async function expireTrash(store: ModelStore, now = Date.now()): Promise<EmptyTrashResult> {
	const cutoff = now - (await store.catalogue.trashDays()) * DAY_MS;
	const expired = (await store.catalogue.trash()).filter((item) => item.trashedAt <= cutoff).map((item) => item.record.tag);
	return expired.length === 0 ? { removed: [], bytesFreed: 0 } : emptyTrash(store, expired);
}

/** Bytes per model and version, unique versus shared, largest first, with each version's last use. */
export async function spaceReport(store: ModelStore): Promise<SpaceReport> {
	const [entries, uses] = await Promise.all([store.catalogue.ledger(), store.catalogue.lastUses()]);
	const counts = countShared(entries);
	const lastUse = new Map<string, LastUse>(uses.map((use) => [use.tag, use]));
	const byName = new Map<string, LedgerEntry[]>();
	for (const entry of entries) {
		if (entry.trashed) continue;
		const group = byName.get(entry.name);
		if (group) group.push(entry);
		else byName.set(entry.name, [entry]);
	}
	const models: ModelSpace[] = [...byName].map(([name, group]) => ({
		name,
		size: group.reduce((sum, entry) => sum + entry.size, 0),
		uniqueBytes: bytesFreedBy(group, counts),
		versions: group
			.map((entry) => ({
				tag: entry.tag,
				version: entry.tag.slice(name.length + 1),
				createdKey: entry.createdKey,
				size: entry.size,
				uniqueBytes: entry.uniqueBytes,
				sharedBytes: entry.distinctBytes - entry.uniqueBytes,
				lastUsed: lastUse.get(entry.tag) ?? null
			}))
			.sort((a, b) => b.uniqueBytes - a.uniqueBytes || b.size - a.size)
	}));
	models.sort((a, b) => b.size - a.size || (a.name < b.name ? -1 : 1));
	return { models, trashBytes: bytesFreedBy(entries.filter((entry) => entry.trashed), counts), storedBytes: storedBytesOf(entries, counts) };
}

/** Notes that a version was used; never fails the use itself. */
export function noteUse(store: ModelStore, tag: string, how: LastUse['how']): void {
	void store.catalogue.touch({ tag, how, at: Date.now() }).catch(() => undefined);
}

// ---------------------------------------------------------------------------------------------------

async function _aliasWrite(store: ModelStore, change: { name: string; alias: string; version: string | null; note: string | undefined }): Promise<AliasEvent> {
	const { note, ...rest } = change;
	const event = await store.coordination.exclusive(() => store.catalogue.changeAlias({ ...rest, ...(note ? { note } : {}), at: Date.now() }));
	store.coordination.announce({ kind: 'changed', tags: [`${change.name}:${event.to ?? event.from}`] });
	return event;
}

async function _refuseAliased(store: ModelStore, tags: readonly string[]): Promise<void> {
	const wanted = new Set(tags);
	const aliased = new Map<string, string[]>();
	for (const alias of await store.catalogue.aliases()) {
		const tag = `${alias.name}:${alias.version}`;
		if (wanted.has(tag)) aliased.set(tag, [...(aliased.get(tag) ?? []), alias.alias]);
	}
	const [first] = aliased;
	if (!first) return;
	const [tag, aliases] = first;
	const listed = [...aliased].map(([aliasedTag, names]) => `${aliasedTag} (${names.map((alias) => `@${alias}`).join(', ')})`);
	throw new ShelfError('ALIASED', `${aliased.size} of these versions have aliases: ${listed.slice(0, 5).join('; ')}${aliased.size > 5 ? '; …' : ''}. Hint: move the aliases first, or delete together with the aliases.`, {
		tag,
		name: tag.slice(0, tag.indexOf(':')),
		aliases,
		tags: [...aliased.keys()]
	});
}
