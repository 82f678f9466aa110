// Worker: what deleting a version would do to its model's `latest`, answered before the user confirms.
import type { DeleteResult } from '../contract.ts';
import type { ModelStore } from './model-store.ts';

/**
 * Where `name:latest` will point once `tag` is gone, and which aliases point at it, without deleting anything.
 * @param store the shelf
 * @param tag `name:version`, or `name`/`name:latest` for the newest
 * @throws ShelfError `NOT_FOUND` when the shelf has no such version
 */
export async function previewDelete(store: ModelStore, tag: string): Promise<DeleteResult> {
	const record = await store.get(tag);
	const [latest, aliases] = await Promise.all([store.catalogue.latest(record.name), store.catalogue.aliases(record.name)]);
	const aliasesRemoved = aliases.filter((alias) => alias.version === record.version).map((alias) => alias.alias);
	if (latest?.tag !== record.tag) return { removed: record.tag, latest: latest?.tag ?? null, latestMoves: false, aliasesRemoved };
	// The two newest: the second one becomes latest.
	const { items } = await store.catalogue.list({ name: record.name, limit: 2 });
	return { removed: record.tag, latest: items.find((item) => item.tag !== record.tag)?.tag ?? null, latestMoves: true, aliasesRemoved };
}
