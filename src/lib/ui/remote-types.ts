// Result types of the registry's worker calls (issue 9), named for the pages.
import type { ShelfApi } from '../worker/index.ts';

/** What `remote()` answers when a registry is set up: never the password. */
export type RemoteSettings = NonNullable<Awaited<ReturnType<ShelfApi['remote']>>>;
/** What `inspectRemote()` answers: a version on the registry, before pulling it. */
export type RemoteVersion = Awaited<ReturnType<ShelfApi['inspectRemote']>>;
/** What `push()` answers. */
export type PushResult = Awaited<ReturnType<ShelfApi['push']>>;
/** What `pull()` answers. */
export type PullResult = Awaited<ReturnType<ShelfApi['pull']>>;
/** One registry a local version was pushed to or pulled from. */
export type RemoteCopy = Awaited<ReturnType<ShelfApi['remoteCopies']>>[number];

/**
 * The registry's address without its scheme, as people say it (`ghcr.io`, `127.0.0.1:5000`).
 * @param url a normalized registry URL
 */
export function registryHost(url: string): string {
	return url.replace(/^https?:\/\//, '');
}
