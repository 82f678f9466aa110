// Result types of worker calls, named for the pages (the worker exports the API, not each result).
import type { ShelfApi } from '../worker/index.ts';

/** What `usage()` answers: the shelf's own counts plus the browser's estimate. */
export type Usage = Awaited<ReturnType<ShelfApi['usage']>>;
/** What `verify()` answers. */
export type VerifyReport = Awaited<ReturnType<ShelfApi['verify']>>;
/** What `fsck()` answers: this run and the one at start-up. */
export type FsckReports = Awaited<ReturnType<ShelfApi['fsck']>>;
/** One `fsck` run. */
export type FsckReport = FsckReports['now'];
