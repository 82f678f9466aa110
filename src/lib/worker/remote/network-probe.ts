// Worker: is the network there at all? `navigator.onLine` alone cannot say: it reads true behind a dead
// router or a captive portal, and in Chromium 150 it reads true again after a reload while every request
// still fails. A real request to the app's own origin can say.

/**
 * A file the build ships (static/) that the service worker never caches: `.txt` is outside its precache
 * globs (vite.config.ts), so a request for it always goes to the network.
 */
export const NETWORK_PROBE_PATH = '/network-probe.txt';

/**
 * True when the app's own origin answers a request made past every cache; false when the request fails
 * (offline, or the network is down between here and the app's host).
 * @example
 * if (!(await networkReachable())) throw new ShelfError('REMOTE_UNREACHABLE', 'You are offline…', { url, offline: true });
 */
export async function networkReachable(): Promise<boolean> {
	try {
		await fetch(new URL(NETWORK_PROBE_PATH, self.location.origin), { method: 'HEAD', cache: 'no-store', credentials: 'omit' });
		return true;
	} catch {
		return false;
	}
}
