// Service-worker registration and the update prompt for the page (offline state: connectivity.svelte.ts).
import { Workbox } from 'workbox-window';
import { base } from '$app/paths';

/** What the app shell shows about itself: offline, and whether a newer build is waiting. */
export class PwaState {
	/** True when a new service worker has installed and waits for the user to accept it. */
	updateAvailable = $state(false);
	/** True once a service worker controls this page, so it opens offline next time. */
	ready = $state(false);

	#workbox: Workbox | undefined;

	/** Starts listening; call once from the root layout in the browser. */
	start(): void {
		if (!('serviceWorker' in navigator) || import.meta.env.DEV) return;
		this.ready = navigator.serviceWorker.controller !== null;
		const workbox = new Workbox(`${base}/sw.js`, { scope: `${base}/` });
		workbox.addEventListener('waiting', () => (this.updateAvailable = true));
		workbox.addEventListener('controlling', () => (this.ready = true));
		this.#workbox = workbox;
		void workbox.register();
	}

	/** Activates the waiting service worker, then reloads once it controls the page. */
	async applyUpdate(): Promise<void> {
		const workbox = this.#workbox;
		if (!workbox) return;
		workbox.addEventListener('controlling', () => location.reload());
		workbox.messageSkipWaiting();
	}
}
