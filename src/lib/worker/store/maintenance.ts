// Keeping the store honest: remove what a crash left behind (fsck), re-hash what is stored (verify),
// and say how much room it takes (usage).
import { ShelfError } from '../../core/errors.ts';
import type { VersionRecord } from '../../core/store-types.ts';
import { opfsExportsFolder, removeHalfWrittenExports, type ExportsFolder } from '../bundle/export-target.ts';
import { throwIfAborted } from '../operations.ts';
import type { ModelStore, OperationControls } from './model-store.ts';

/** What `fsck` found and did. */
export interface FsckReport {
	/** Temporary files of interrupted writes (blobs in `tmp/`, half-written exports in `exports/`), removed. */
	tempFilesRemoved: number;
	/** Stored blobs no version references (a crash between the blob move and the catalogue commit), removed. */
	orphanBlobsRemoved: string[];
	/** Digests some version references but the blob store lacks: those versions cannot be exported. */
	missingBlobs: string[];
	/**
	 * The versions those digests belong to (issue 22: what a partial eviction or cleared site storage leaves),
	 * on the shelf or in the trash, with the files whose bytes are gone. Present only when `missingBlobs` is not
	 * empty, so a clean report stays `{ tempFilesRemoved, orphanBlobsRemoved, missingBlobs }`.
	 */
	damaged?: DamagedVersion[];
}

/** A version whose catalogue record remains but some of whose files' bytes are gone from storage. */
export interface DamagedVersion {
	tag: string;
	/** True when the version is in the trash (restoring it would not bring its bytes back). */
	trashed: boolean;
	/** The files whose bytes are missing. */
	files: Array<{ path: string; sha256: string; size: number }>;
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
	/** Sum of every version's size (the trash's too), as if nothing were shared. */
	logicalBytes: number;
	/** Versions in the trash and the sum of their sizes (their bytes stay stored until it is emptied). */
	trash: { versions: number; bytes: number };
	/** Bytes really held by blobs. */
	storedBytes: number;
	/** What content addressing saved: logical minus stored (never negative). */
	savedByDedup: number;
}

/** Where fsck looks besides the store itself. */
export interface FsckOptions {
	/** The exports folder, or null when there is none; default: OPFS `exports/` when it exists. */
	exports?: () => Promise<ExportsFolder | null>;
	/** The current time (ms since epoch), for tests. */
	now?: number;
	/**
	 * Unreferenced blobs to keep all the same: those an interrupted pull stored whole, which pulling the same
	 * artifact again reuses (issue 22). Asked only when there are unreferenced blobs.
	 */
	keep?: () => Promise<ReadonlySet<string>>;
}

/**
 * Removes temp files, half-written exports and unreferenced blobs, and reports referenced blobs that are
 * missing. Runs under the write lock, so no save in any tab is between its blob move and its commit.
 * @param store the model store
 * @param options where exports are written, and the time
 */
export async function fsck(store: ModelStore, options: FsckOptions = {}): Promise<FsckReport> {
	return store.coordination.exclusive(async () => {
		const exportsFolder = await (options.exports ?? opfsExportsFolder)().catch(() => null);
		const halfWritten = exportsFolder ? await removeHalfWrittenExports(exportsFolder, options.now ?? Date.now()) : 0;
		const tempFilesRemoved = (await store.blobs.clearTemp()) + halfWritten;
		const referenced = await store.catalogue.referencedDigests();
		const stored = new Set(await store.blobs.list());
		const unreferenced = [...stored].filter((sha) => !referenced.has(sha));
		const kept = unreferenced.length > 0 && options.keep ? await options.keep() : new Set<string>();
		const orphanBlobsRemoved = unreferenced.filter((sha) => !kept.has(sha)).sort();
		for (const sha of orphanBlobsRemoved) await store.blobs.delete(sha);
		const missingBlobs = [...referenced].filter((sha) => !stored.has(sha)).sort();
		if (tempFilesRemoved + orphanBlobsRemoved.length > 0) store.coordination.announce({ kind: 'maintenance' });
		const report: FsckReport = { tempFilesRemoved, orphanBlobsRemoved, missingBlobs };
		if (missingBlobs.length > 0) report.damaged = await damagedVersions(store, new Set(missingBlobs));
		return report;
	});
}

/**
 * The versions (shelf and trash) with files among `missing`, or whose blobs the store does not hold when
 * `missing` is absent (one presence check per distinct digest, no hashing: cheap enough for a page view).
 * @param store the model store
 * @param missing digests known to be gone, or undefined to look them up
 * @param tagText only this version (exact or latest), or undefined for all
 */
export async function damagedVersions(store: ModelStore, missing?: ReadonlySet<string>, tagText?: string): Promise<DamagedVersion[]> {
	const shelf = tagText === undefined ? await _allVersions(store) : [await store.get(tagText)];
	const trashed = tagText === undefined ? (await store.catalogue.trash()).map((item) => item.record) : [];
	const present = new Map<string, boolean>();
	const gone = async (sha256: string) => {
		if (missing) return missing.has(sha256);
		if (!present.has(sha256)) present.set(sha256, await store.blobs.has(sha256));
		return !present.get(sha256);
	};
	const damaged: DamagedVersion[] = [];
	for (const [records, inTrash] of [[shelf, false], [trashed, true]] as const) {
		for (const record of records) {
			const files = [];
			for (const file of record.files) if (await gone(file.sha256)) files.push({ path: file.path, sha256: file.sha256, size: file.size });
			if (files.length > 0) damaged.push({ tag: record.tag, trashed: inTrash, files });
		}
	}
	return damaged;
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
			if (!actualDigests.has(file.sha256)) actualDigests.set(file.sha256, await _actualDigest(store, file.sha256, controls));
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
	const [names, trashed] = await Promise.all([store.catalogue.names(), store.catalogue.trash()]);
	const trash = { versions: trashed.length, bytes: trashed.reduce((sum, item) => sum + item.record.size, 0) };
	const logicalBytes = names.reduce((sum, name) => sum + name.size, 0) + trash.bytes;
	const storedBytes = await store.blobs.storedBytes();
	return {
		versions: names.reduce((sum, name) => sum + name.count, 0),
		models: names.length,
		logicalBytes,
		trash,
		storedBytes,
		savedByDedup: Math.max(0, logicalBytes - storedBytes)
	};
}

// ---------------------------------------------------------------------------

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

/** What a stored blob's bytes hash to (the store's verified read), or null when the blob is gone. */
async function _actualDigest(store: ModelStore, sha256: string, controls: OperationControls): Promise<string | null> {
	try {
		for await (const chunk of store.blobs.readVerified(sha256)) {
			void chunk;
			throwIfAborted(controls.signal);
		}
		return sha256;
	} catch (error) {
		if (!(error instanceof ShelfError)) throw error;
		if (error.code === 'NOT_FOUND') return null;
		const actual = error.code === 'INTEGRITY' ? error.details?.actual : undefined;
		if (typeof actual === 'string') return actual;
		throw error;
	}
}
