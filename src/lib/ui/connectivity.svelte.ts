// Whether the network is there, as the page shows it: learned from what requests really do.
// `navigator.onLine` and its events are only hints (Chromium 150 reads true again after a reload while
// every request still fails; any browser reads true behind a dead router), so a request decides.
import { shelf } from '$lib/client/shelf.ts';
import type { Operation } from './operation.svelte.ts';

/** How often to ask again while offline, so the app notices the network coming back by itself. */
const RECHECK_MS = 5000;

/** The page's one answer to "are we offline?", for the header badge and every remote action. */
export class Connectivity {
	/** True once a request failed for want of a network; false again after one succeeds. */
	offline = $state(false);

	#recheck: ReturnType<typeof setTimeout> | undefined;

	/** Asks once now and listens to the browser's hints; call once from the root layout in the browser. */
	start(): void {
		addEventListener('offline', () => this.#set(true));
		addEventListener('online', () => void this.check());
		void this.check();
	}

	/** Makes a real request to the app's own origin (in the worker, past the service worker's cache). */
	async check(): Promise<void> {
		this.#set(!(await shelf().networkReachable().catch(() => false)));
	}

	/**
	 * Learns from a finished registry operation: a success means the network is there; `REMOTE_UNREACHABLE`
	 * with `offline` (the worker found the app's own origin unreachable too) means it is not.
	 * @param operation the operation, after its `run` settled
	 * @example
	 * await pulling.run((controls) => shelf().pull({ reference }, controls));
	 * connectivity.learnFrom(pulling);
	 */
	learnFrom(operation: Pick<Operation<unknown>, 'state' | 'error'>): void {
		if (operation.state === 'done') this.#set(false);
		else if (operation.error?.offline === true) this.#set(true);
	}

	#set(offline: boolean): void {
		this.offline = offline;
		clearTimeout(this.#recheck);
		if (offline) this.#recheck = setTimeout(() => void this.check(), RECHECK_MS);
	}
}
