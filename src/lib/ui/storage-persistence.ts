// The page asks the browser to keep the site's storage (issue 22): `navigator.storage.persist()` exists on
// the page only, not in workers. Asked once per tab, before an import that brings the site's storage to
// PERSIST_FROM_BYTES or more: a small shelf costs little to import again, a large one is what eviction hurts.

/** Imports that bring the site's storage (what it holds plus the import) to this many bytes ask first. */
export const PERSIST_FROM_BYTES = 100 * 1024 * 1024;

let asked = false;

/**
 * Asks for persistent storage before an import of `bytes`, when the site's storage would then reach
 * {@link PERSIST_FROM_BYTES} and it is not persistent already. Never throws: the import goes on either way,
 * and the Storage page shows the outcome.
 * @param bytes the size of the files about to be imported
 * @returns the browser's answer, or null when nothing was asked
 */
export async function keepStorageFor(bytes: number): Promise<boolean | null> {
	const storage = typeof navigator === 'undefined' ? undefined : navigator.storage;
	if (asked || !storage?.persist) return null;
	try {
		if (await storage.persisted()) return null;
		const { usage = 0 } = await storage.estimate();
		if (usage + bytes < PERSIST_FROM_BYTES) return null;
		asked = true;
		// Chromium answers at once (by engagement, installation, bookmarks); Firefox prompts: not awaited by the import.
		return await storage.persist();
	} catch {
		return null;
	}
}
