// Worker: every IndexedDB connection this worker opened and the transactions in flight on them, so that a worker
// whose page goes away can end them itself before it ends. WebKit (WebKitGTK 2.50; WebKit bug 324094) never tells
// its IndexedDB server that a connection of an ended worker is gone while a readwrite and a readonly transaction
// were in flight on it: those transactions then hold their stores for good, and every later write to them in any
// tab of the origin waits forever, across reloads, until the browser restarts. An aborted transaction frees its
// stores at once, so the worker aborts what is in flight and closes its connections before it closes itself.

const connections = new Set<IDBDatabase>();
const inFlight = new Set<IDBTransaction>();

/** The longest a leaving worker waits for its aborted transactions to be confirmed (a bound on a hang). */
const ABORT_CONFIRM_MS = 1000;

/**
 * Keeps count of `db`'s transactions from now on; every connection the worker opens goes through here.
 * @param db a native connection, just opened
 */
export function trackConnection(db: IDBDatabase): void {
	connections.add(db);
	db.addEventListener('close', () => connections.delete(db));
	const close = db.close.bind(db);
	db.close = () => {
		connections.delete(db);
		close();
	};
	const open = db.transaction.bind(db);
	// An own property in front of the prototype's: idb's wrapper and raw callers both come through it.
	db.transaction = ((...args: Parameters<IDBDatabase['transaction']>) => {
		const tx = open(...args);
		inFlight.add(tx);
		const settled = () => inFlight.delete(tx);
		tx.addEventListener('complete', settled);
		tx.addEventListener('abort', settled);
		return tx;
	}) as IDBDatabase['transaction'];
}

/**
 * Aborts every transaction in flight, waits (briefly) for the aborts to be confirmed, and closes every
 * connection. Nothing half-written stays: an aborted transaction writes nothing, and the blob writes it served
 * are temp data the next start's fsck removes. Afterwards every IndexedDB call of this worker fails.
 */
export async function endConnections(): Promise<void> {
	const aborted = [...inFlight].map(
		(tx) =>
			new Promise<void>((resolve) => {
				tx.addEventListener('abort', () => resolve());
				tx.addEventListener('complete', () => resolve());
				try {
					tx.abort();
				} catch {
					resolve(); // finished already: nothing to end
				}
			})
	);
	await Promise.race([Promise.all(aborted), new Promise((resolve) => setTimeout(resolve, ABORT_CONFIRM_MS))]);
	for (const db of [...connections]) db.close();
}
