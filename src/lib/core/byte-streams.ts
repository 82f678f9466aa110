// Node + browser: pure TypeScript, no DOM, no idb, no OPFS.
//
// How bytes move through the shelf, in one place.

/**
 * The size of the chunks bytes move in: files read for storing, stored blobs read back, entries read from
 * a zip, the pooled buffers that carry them. Per-chunk costs (a postMessage to the hash worker, a
 * sync-handle call) dominate with the 64 KiB chunks a File's own stream yields.
 */
export const CHUNK_SIZE = 8 * 1024 * 1024;
