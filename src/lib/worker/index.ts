// The one object the page talks to. Everything that touches bytes or storage runs here, off the page thread.
// Methods take one options object (Comlink transfer handlers only see root values, so a progress
// callback is a second argument) and return plain, structured-cloneable data.
import { expose, type ProxyMarked } from 'comlink';
import '../bridge.ts';
import type { ListPage, NameSummary, VersionRecord } from '../core/store-types.ts';
import { openCatalogue } from './catalogue/idb-catalogue.ts';
import { openOpfsBlobStore } from './blobs/opfs-blob-store.ts';
import type { StorageQuota } from './blobs/storage-quota.ts';
import { cancelOperation, startOperation, throttleProgress, type ProgressListener } from './operations.ts';
import { bundleFileName, writeBundle } from './bundle/export.ts';
import { clearOldExports, opfsExportTarget, pickedFileTarget } from './bundle/export-target.ts';
import { importBundle } from './bundle/import.ts';
import { browserCoordination, type StoreChange } from './store/coordination.ts';
import { fsck, usage, verify, type FsckReport, type UsageReport, type VerifyReport } from './store/maintenance.ts';
import { networkReachable } from './remote/network-probe.ts';
import { remoteApi } from './remote/remote-api.ts';
import { ModelStore, type ListRequest, type SaveRequest, type StoreResult } from './store/model-store.ts';

const coordination = browserCoordination();
let storageLimit: number | undefined;
let opened: Promise<{ store: ModelStore; quota: StorageQuota; startup: Promise<FsckReport>; beginStartup: () => void }> | undefined;

/** The longest the start-up clean-up waits for a first read to be answered. */
const STARTUP_FSCK_DELAY_MS = 2000;

/**
 * Opens the catalogue and blob store once. The start-up clean-up (fsck) runs in the background under
 * the write lock, but only once the first read has been answered (or after a short delay): it reads the
 * whole `by-digest` index and walks OPFS on the same connection and thread, and the first page of the
 * list should not queue behind it (issue 7). Writes wait for it, as they always did.
 */
function opening() {
	opened ??= (async () => {
		const [catalogue, blobs] = await Promise.all([openCatalogue(), openOpfsBlobStore({ quotaBytes: storageLimit })]);
		const store = new ModelStore(catalogue, blobs, coordination);
		let beginStartup!: () => void;
		const gate = new Promise<void>((resolve) => (beginStartup = resolve));
		const timer = setTimeout(beginStartup, STARTUP_FSCK_DELAY_MS);
		const startup = gate.then(() => {
			clearTimeout(timer);
			return clearOldExports().then(() => fsck(store));
		});
		startup.catch(() => undefined); // reported through api.fsck()
		return { store, quota: blobs.quota, startup, beginStartup };
	})();
	const current = opened;
	current.catch(() => {
		if (opened === current) opened = undefined;
	});
	return current;
}

/** The store, opened on first use. */
async function open(): Promise<ModelStore> {
	return (await opening()).store;
}

/** Answers a read, then lets the start-up clean-up begin. */
async function read<T>(run: (store: ModelStore) => Promise<T>): Promise<T> {
	const { store, beginStartup } = await opening();
	try {
		return await run(store);
	} finally {
		beginStartup();
	}
}

/** The store for a write, once the start-up clean-up is done: no write overtakes it. */
async function forWriting(): Promise<ModelStore> {
	const { store, startup, beginStartup } = await opening();
	beginStartup();
	await startup.catch(() => undefined);
	return store;
}

/** Runs a long operation with cancellation by `opId` and throttled progress. */
async function longOperation<T>(opId: string | undefined, listener: ProgressListener | undefined, run: (controls: { signal: AbortSignal; report: ReturnType<typeof throttleProgress> }) => Promise<T>) {
	const operation = startOperation(opId);
	try {
		return await run({ signal: operation.signal, report: throttleProgress(listener) });
	} finally {
		operation.finish();
	}
}

const api = {
	/** Creates a new version from files; see `ModelStore.save`. */
	async save(request: SaveRequest & { opId?: string }, onProgress?: ProgressListener): Promise<StoreResult> {
		const store = await forWriting();
		return longOperation(request.opId, onProgress, (controls) => store.save(request, controls));
	},
	/**
	 * Imports one bundle (our zip, BentoML's .zip, .bentomodel, .tar, .tar.gz, .tar.xz). Call once per file;
	 * several calls run one after another, each with its own progress and result.
	 */
	async importBundle(request: { file: File; opId?: string }, onProgress?: ProgressListener): Promise<StoreResult> {
		const store = await forWriting();
		return longOperation(request.opId, onProgress, (controls) => importBundle(store, request.file, controls));
	},
	/**
	 * Exports a version as `<name>-<version>.zip`: into the file the user picked (`target`), or into the
	 * shelf's own storage, returned as a disk-backed File for the page to download.
	 */
	async exportBundle(
		request: { tag: string; target?: FileSystemFileHandle; opId?: string },
		onProgress?: ProgressListener
	): Promise<{ name: string; bytes: number; file: File | null }> {
		const { store, quota } = await opening();
		const record = await store.get(request.tag);
		const name = bundleFileName(record);
		return longOperation(request.opId, onProgress, async (controls) => {
			// Issue 8: an export into the shelf's own storage counts against the storage limit like any write.
			const target = request.target ? await pickedFileTarget(request.target) : await opfsExportTarget(name, quota);
			try {
				const { bytes } = await writeBundle(store, record, target, controls);
				return { name, bytes, file: await target.finish() };
			} catch (error) {
				await target.discard();
				throw error;
			}
		});
	},
	/** One page of versions, newest first by default, filtered by name, label selector and text. */
	async list(request: ListRequest = {}): Promise<ListPage> {
		return read((store) => store.list(request));
	},
	/** A version by exact tag, or the newest for `name` / `name:latest`. */
	async get({ tag }: { tag: string }): Promise<VersionRecord> {
		return read((store) => store.get(tag));
	},
	/** Every version of one model, newest first. */
	async versions({ name }: { name: string }): Promise<VersionRecord[]> {
		return read((store) => store.catalogue.versions(name));
	},
	/** Every model name with its version count and latest tag. */
	async names(): Promise<NameSummary[]> {
		return read((store) => store.catalogue.names());
	},
	/** A stored file as a disk-backed File. */
	async readFile({ tag, path }: { tag: string; path: string }): Promise<File> {
		return read((store) => store.readFile(tag, path));
	},
	/** The version's model.yaml as text. */
	async manifest({ tag }: { tag: string }): Promise<string> {
		return read((store) => store.manifestText(tag));
	},
	/** Deletes one version and reports where `latest` points now. */
	async delete({ tag }: { tag: string }): Promise<{ removed: string; latest: string | null }> {
		return (await forWriting()).delete(tag);
	},
	/** Deletes every version of a model. */
	async deleteModel({ name }: { name: string }): Promise<string[]> {
		return (await forWriting()).deleteModel(name);
	},
	/** Removes crash leftovers; the report of the start-up run is kept in `startup`. */
	async fsck(): Promise<{ now: FsckReport; startup: FsckReport }> {
		const { store, startup, beginStartup } = await opening();
		beginStartup();
		return { startup: await startup, now: await fsck(store) };
	},
	/** Re-hashes stored files of one version or all, reporting mismatches as `INTEGRITY`. */
	async verify(request: { tag?: string; opId?: string } = {}, onProgress?: ProgressListener): Promise<VerifyReport> {
		const store = await open();
		return longOperation(request.opId, onProgress, (controls) => verify(store, request.tag, controls));
	},
	/** Shelf usage, dedup savings and the browser's own estimate of usage and quota. */
	async usage(): Promise<UsageReport & { estimate: { usage: number; quota: number }; persisted: boolean; limit: number | null }> {
		const [report, estimate, persisted] = await Promise.all([usage(await open()), navigator.storage.estimate(), navigator.storage.persisted()]);
		return { ...report, estimate: { usage: estimate.usage ?? 0, quota: estimate.quota ?? 0 }, persisted, limit: storageLimit ?? null };
	},
	/** Caps the bytes the shelf may hold (null: only the browser's quota); a write past it is `STORAGE_FULL`. */
	async setStorageLimit({ bytes }: { bytes: number | null }): Promise<void> {
		storageLimit = bytes ?? undefined;
		const previous = opened;
		opened = undefined;
		if (previous) await coordination.exclusive(async () => void (await previous.catch(() => undefined)));
	},
	/** Cancels a running operation started with this `opId`; it throws `ABORTED` and leaves nothing behind. */
	async cancel({ opId }: { opId: string }): Promise<boolean> {
		return cancelOperation(opId);
	},
	/** Whether the network is there: a real request to the app's own origin, past every cache. */
	async networkReachable(): Promise<boolean> {
		return networkReachable();
	},
	/** Calls `listener` whenever another tab changes the store. */
	async watch(listener: ((change: StoreChange) => void) & ProxyMarked): Promise<void> {
		coordination.subscribe((change) => void Promise.resolve(listener(change)).catch(() => undefined));
	},
	// Registries: remote, setRemote, checkRemote, remoteModels, remoteTags, inspectRemote, push, pull, remoteCopies.
	...remoteApi(open, longOperation)
};

/** The worker's API as the page sees it through Comlink. */
export type ShelfApi = typeof api;

expose(api);
