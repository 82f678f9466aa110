// Deterministic crash points for the fault suites: another tab of the origin holds a read-write transaction on
// the catalogue, so a write that needs it (a commit, a move to the trash) waits exactly at that point, and the
// renderer is then crashed (a closed tab would close its connection gracefully and let a queued commit finish).
import type { Page } from '@playwright/test';

/**
 * Opens a tab on the origin's 404 page (not the app: no second shelf worker) holding a read-write
 * transaction on the catalogue's `names` store, which every version commit and trash move writes.
 * @param opener a tab of the app's origin; the holder opens in its context
 * @returns the holder tab and `release()`, which ends the transaction and closes the connection
 */
export async function holdCatalogueWrites(opener: Page): Promise<{ holder: Page; release(): Promise<void> }> {
	const holder = await opener.context().newPage();
	await holder.goto('/__hold-names.txt');
	await holder.evaluate(
		() =>
			new Promise<void>((resolve, reject) => {
				const open = indexedDB.open('model-shelf');
				open.onerror = () => reject(open.error);
				open.onsuccess = () => {
					const db = open.result;
					const store = db.transaction('names', 'readwrite').objectStore('names');
					const state = window as unknown as { __release?: boolean; __db: IDBDatabase };
					state.__db = db;
					// Keep the transaction alive with one request after another until released.
					const keepAlive = () => {
						if (!state.__release) store.get('').onsuccess = keepAlive;
					};
					keepAlive();
					resolve();
				};
			})
	);
	return {
		holder,
		release: () =>
			holder.evaluate(() => {
				const state = window as unknown as { __release?: boolean; __db: IDBDatabase };
				state.__release = true;
				state.__db.close();
			})
	};
}

/** Crashes the tab's renderer (its workers die with it, transactions waiting are aborted) and closes it. */
export async function crashTab(page: Page): Promise<void> {
	const crashed = page.waitForEvent('crash');
	void (await page.context().newCDPSession(page)).send('Page.crash').catch(() => undefined);
	await crashed;
	await page.close();
}
