// What the shelf stores, looked at from the page as a user's disk holds it: blobs in OPFS `blobs/` and,
// since issue 21, small blobs in the IndexedDB database `shelf-blobs` (src/lib/worker/blobs/idb-blob-store.ts).
import type { Page } from '@playwright/test';

/** Every stored blob's digest, both tiers, sorted. */
export async function storedBlobs(page: Page): Promise<string[]> {
	return page.evaluate(async () => {
		const names = new Set<string>();
		try {
			const blobs = await (await navigator.storage.getDirectory()).getDirectoryHandle('blobs');
			for await (const name of (blobs as unknown as { keys(): AsyncIterable<string> }).keys()) names.add(name);
		} catch {
			// No blobs/ yet.
		}
		// Opening must not create the database (the worker creates it with its stores): an upgrade is aborted.
		const db = await new Promise<IDBDatabase | null>((resolve) => {
			const request = indexedDB.open('shelf-blobs');
			request.onupgradeneeded = () => request.transaction!.abort();
			request.onsuccess = () => resolve(request.result);
			request.onerror = () => resolve(null);
		});
		if (!db) return [...names].sort();
		try {
			if (db.objectStoreNames.contains('blobs')) {
				const keys = await new Promise<IDBValidKey[]>((resolve, reject) => {
					const request = db.transaction('blobs').objectStore('blobs').getAllKeys();
					request.onsuccess = () => resolve(request.result);
					request.onerror = () => reject(request.error);
				});
				for (const key of keys) names.add(String(key));
			}
		} finally {
			db.close();
		}
		return [...names].sort();
	});
}

/** Overwrites bytes of stored blob `sha256` at `position`, in whichever tier holds it, as damage on disk would. */
export async function damageBlob(page: Page, sha256: string, position: number, data: number[]): Promise<void> {
	await page.evaluate(
		async ({ sha256, position, data }) => {
			const request = <T>(r: IDBRequest<T>) =>
				new Promise<T>((resolve, reject) => {
					r.onsuccess = () => resolve(r.result);
					r.onerror = () => reject(r.error);
				});
			const open = indexedDB.open('shelf-blobs');
			open.onupgradeneeded = () => open.transaction!.abort(); // not created here: the worker creates it
			const db = await request(open).catch(() => null);
			if (db) try {
				const entry = db.objectStoreNames.contains('blobs') ? ((await request(db.transaction('blobs').objectStore('blobs').get(sha256))) as { id: string; records: number } | undefined) : undefined;
				if (entry) {
					// Records are RECORD_SIZE (1 MiB) each; the damage goes into the one holding `position`.
					const index = Math.floor(position / (1024 * 1024));
					const chunks = db.transaction('chunks', 'readwrite').objectStore('chunks');
					const record = new Uint8Array((await request(chunks.get([entry.id, index]))) as Uint8Array);
					record.set(data, position - index * 1024 * 1024);
					await request(chunks.put(record, [entry.id, index]));
					return;
				}
			} finally {
				db.close();
			}
			const blobs = await (await navigator.storage.getDirectory()).getDirectoryHandle('blobs');
			const writable = await (await blobs.getFileHandle(sha256)).createWritable({ keepExistingData: true });
			await writable.write({ type: 'write', position, data: new Uint8Array(data) });
			await writable.close();
		},
		{ sha256, position, data }
	);
}
