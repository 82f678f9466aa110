// What a hung journey leaves behind, printed under its failure: the origin's Web Locks (held and waited for)
// and, per IndexedDB database and object store, whether a read-write transaction can start. A write that never
// returns is either a lock nobody releases or a transaction that never ends; the report says which.

/** Per-store probe bound: a free store answers in milliseconds; this is a bound on a hang, not a timing. */
const PROBE_MS = 3000;

/**
 * Runs the probes in the driver's current page.
 * @param {import('./driver.mjs').Driver} driver
 * @returns {Promise<string>} one line to print
 */
export async function diagnose(driver) {
	try {
		const report = await driver.run(async (probeMs) => {
			const withBound = (promise) => Promise.race([promise, new Promise((resolve) => setTimeout(() => resolve('blocked'), probeMs))]);
			const locks = navigator.locks ? await navigator.locks.query() : null;
			const describe = (list) => (list ?? []).map((lock) => `${lock.name}/${lock.mode}@${String(lock.clientId).slice(0, 8)}`);
			const stores = {};
			for (const { name } of (await indexedDB.databases?.()) ?? []) {
				if (!name) continue;
				const db = await withBound(new Promise((resolve, reject) => {
					const request = indexedDB.open(name);
					request.onsuccess = () => resolve(request.result);
					request.onerror = () => reject(request.error);
				}));
				if (db === 'blocked') {
					stores[name] = 'open blocked';
					continue;
				}
				// All at once: a page whose stores are all held must answer within one bound, not one per store.
				const states = await Promise.all([...db.objectStoreNames].map((store) => withBound(new Promise((resolve) => {
					const tx = db.transaction(store, 'readwrite');
					tx.objectStore(store).count();
					tx.oncomplete = () => resolve('ok');
					tx.onerror = tx.onabort = () => resolve(`failed: ${tx.error}`);
				}))));
				[...db.objectStoreNames].forEach((store, i) => (stores[`${name}.${store}`] = states[i]));
				db.close();
			}
			return { held: describe(locks?.held), pending: describe(locks?.pending), stores };
		}, PROBE_MS);
		const stuck = Object.entries(report.stores).filter(([, state]) => state !== 'ok');
		return `locks held ${JSON.stringify(report.held)}, waited for ${JSON.stringify(report.pending)}; stores not writable: ${stuck.length === 0 ? 'none' : JSON.stringify(Object.fromEntries(stuck))}`;
	} catch (error) {
		return `the diagnosis itself failed: ${error instanceof Error ? error.message : String(error)}`;
	}
}
