// Keeping the store honest: remove what a crash left behind (fsck), re-hash what is stored (verify),
// and say how much room it takes (usage).
import { END_RECORD, readU16, readU32, ZIP_SIGNATURE } from '../../core/bundle/zip-format.ts';
import type { VersionRecord } from '../../core/store-types.ts';
import { createDigest } from '../../core/digest.ts';
import { throwIfAborted } from '../operations.ts';
import { readChunks } from './chunks.ts';
import type { ModelStore, OperationControls } from './model-store.ts';

/** What `fsck` found and did. */
export interface FsckReport {
	/** Temporary files of interrupted writes (blobs in `tmp/`, half-written exports in `exports/`), removed. */
	tempFilesRemoved: number;
	/** Stored blobs no version references (a crash between the blob move and the catalogue commit), removed. */
	orphanBlobsRemoved: string[];
	/** Digests some version references but the blob store lacks: those versions cannot be exported. */
	missingBlobs: string[];
}

/** One file whose stored bytes are not what its version says. */
export interface IntegrityProblem {
	code: 'INTEGRITY' | 'NOT_FOUND';
	tag: string;
	path: string;
	sha256: string;
	/** The digest the stored bytes really have (absent when the blob is missing). */
	actual?: string;
}

/** What `verify` checked and found. */
export interface VerifyReport {
	versions: number;
	files: number;
	bytes: number;
	problems: IntegrityProblem[];
}

/** How much room the shelf takes. */
export interface UsageReport {
	versions: number;
	models: number;
	/** Sum of every version's size, as if nothing were shared. */
	logicalBytes: number;
	/** Bytes really held by blobs. */
	storedBytes: number;
	/** What content addressing saved: logical minus stored (never negative). */
	savedByDedup: number;
}

/** The folder exports are written to (OPFS `exports/`; a fake in Node tests). Only what fsck uses. */
export interface ExportsFolder {
	entries(): AsyncIterable<[string, { kind: 'file' | 'directory' }]>;
	getFileHandle(name: string): Promise<{ getFile(): Promise<File> }>;
	/** Rejects (`NoModificationAllowedError` in Chromium) while a sync access handle holds the file. */
	removeEntry(name: string): Promise<void>;
}

/** Where fsck looks besides the store itself. */
export interface FsckOptions {
	/** The exports folder, or null when there is none; default: OPFS `exports/` when it exists. */
	exports?: () => Promise<ExportsFolder | null>;
	/** The current time (ms since epoch), for tests. */
	now?: number;
}

/**
 * A file in `exports/` this young is left alone even when it is not a finished zip: another tab may have
 * just created it and not yet taken its sync access handle (the lock that keeps fsck off it afterwards).
 */
export const EXPORT_GRACE_MS = 30_000;

/**
 * Removes temp files, half-written exports and unreferenced blobs, and reports referenced blobs that are
 * missing. Runs under the write lock, so no save in any tab is between its blob move and its commit.
 * @param store the model store
 * @param options where exports are written, and the time
 */
export async function fsck(store: ModelStore, options: FsckOptions = {}): Promise<FsckReport> {
	return store.coordination.exclusive(async () => {
		const exportsFolder = await (options.exports ?? _opfsExports)().catch(() => null);
		const halfWritten = exportsFolder ? await _removeHalfWrittenExports(exportsFolder, options.now ?? Date.now()) : 0;
		const tempFilesRemoved = (await store.blobs.clearTemp()) + halfWritten;
		const referenced = await store.catalogue.referencedDigests();
		const stored = new Set(await store.blobs.list());
		const orphanBlobsRemoved = [...stored].filter((sha) => !referenced.has(sha)).sort();
		for (const sha of orphanBlobsRemoved) await store.blobs.delete(sha);
		const missingBlobs = [...referenced].filter((sha) => !stored.has(sha)).sort();
		if (tempFilesRemoved + orphanBlobsRemoved.length > 0) store.coordination.announce({ kind: 'maintenance' });
		return { tempFilesRemoved, orphanBlobsRemoved, missingBlobs };
	});
}

/**
 * Re-hashes stored bytes and reports every file whose digest differs (`INTEGRITY`) or whose blob is gone.
 * Each distinct blob is read once, however many versions share it.
 * @param store the model store
 * @param tagText one version (exact or latest), or undefined for all
 * @param controls progress and cancellation
 */
export async function verify(store: ModelStore, tagText: string | undefined, controls: OperationControls = {}): Promise<VerifyReport> {
	const records = tagText === undefined ? await _allVersions(store) : [await store.get(tagText)];
	const total = records.reduce((sum, record) => sum + record.size, 0);
	const actualDigests = new Map<string, string | null>();
	const problems: IntegrityProblem[] = [];
	let loaded = 0;
	let files = 0;
	for (const record of records) {
		for (const file of record.files) {
			throwIfAborted(controls.signal);
			files++;
			if (!actualDigests.has(file.sha256)) actualDigests.set(file.sha256, await _hashBlob(store, file.sha256, controls));
			loaded += file.size;
			controls.report?.({ phase: 'verifying', loaded, total, item: `${record.tag}/${file.path}` });
			const actual = actualDigests.get(file.sha256);
			if (actual === null) problems.push({ code: 'NOT_FOUND', tag: record.tag, path: file.path, sha256: file.sha256 });
			else if (actual !== file.sha256) problems.push({ code: 'INTEGRITY', tag: record.tag, path: file.path, sha256: file.sha256, actual });
		}
	}
	return { versions: records.length, files, bytes: total, problems };
}

/**
 * Counts versions and models, and the bytes saved by storing identical files once.
 * @param store the model store
 */
export async function usage(store: ModelStore): Promise<UsageReport> {
	const names = await store.catalogue.names();
	const logicalBytes = names.reduce((sum, name) => sum + name.size, 0);
	const storedBytes = await store.blobs.storedBytes();
	return {
		versions: names.reduce((sum, name) => sum + name.count, 0),
		models: names.length,
		logicalBytes,
		storedBytes,
		savedByDedup: Math.max(0, logicalBytes - storedBytes)
	};
}

// ---------------------------------------------------------------------------

async function _opfsExports(): Promise<ExportsFolder | null> {
	if (typeof navigator === 'undefined' || !navigator.storage?.getDirectory) return null;
	const root = await navigator.storage.getDirectory();
	return root.getDirectoryHandle('exports').catch(() => null);
}

/**
 * Issue 8: an export interrupted by a closed tab leaves a partial zip in `exports/` (it used to stay there for
 * an hour). Exports take no Web Lock, but one being written holds its file's sync access handle, and Chromium
 * refuses to remove a file so held: such a file is skipped, whichever tab writes it. A finished export (the
 * page may still be downloading it) ends with the zip end record and is left to `clearOldExports`.
 * @returns how many files were removed
 */
async function _removeHalfWrittenExports(folder: ExportsFolder, now: number): Promise<number> {
	let removed = 0;
	const names: string[] = [];
	for await (const [name, handle] of folder.entries()) if (handle.kind === 'file') names.push(name);
	for (const name of names) {
		try {
			const file = await (await folder.getFileHandle(name)).getFile();
			if (now - file.lastModified < EXPORT_GRACE_MS || (await _isFinishedZip(file))) continue;
			await folder.removeEntry(name);
			removed++;
		} catch {
			// Being written (locked), or removed meanwhile by the tab that wrote it: not ours to count.
		}
	}
	return removed;
}

/** Whether a file ends with a zip end record whose comment runs exactly to the end of the file. */
async function _isFinishedZip(file: Blob): Promise<boolean> {
	if (file.size < END_RECORD.size) return false;
	const tail = new Uint8Array(await file.slice(Math.max(0, file.size - END_RECORD.size - 0xffff)).arrayBuffer());
	for (let at = tail.length - END_RECORD.size; at >= 0; at--) {
		if (readU32(tail, at) === ZIP_SIGNATURE.end && at + END_RECORD.size + readU16(tail, at + END_RECORD.commentLength) === tail.length) return true;
	}
	return false;
}

async function _allVersions(store: ModelStore): Promise<VersionRecord[]> {
	const all: VersionRecord[] = [];
	let cursor: string | null = null;
	do {
		const page: Awaited<ReturnType<ModelStore['list']>> = await store.list({ order: 'oldest', limit: 500, cursor });
		all.push(...page.items);
		cursor = page.next;
	} while (cursor !== null);
	return all;
}

async function _hashBlob(store: ModelStore, sha256: string, controls: OperationControls): Promise<string | null> {
	if (!(await store.blobs.has(sha256))) return null;
	const digest = await createDigest();
	for await (const chunk of readChunks(await store.blobs.read(sha256))) {
		throwIfAborted(controls.signal);
		digest.update(chunk);
	}
	return digest.digest().sha256;
}
