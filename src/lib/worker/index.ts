// The one object the page talks to. Everything that touches bytes or storage runs here, off the page thread.
// Its shape is the contract (contract.ts): methods take one options object (Comlink transfer handlers only
// see root values, so a progress callback is a second argument) and return plain, structured-cloneable data.
import { expose } from 'comlink';
import '../bridge.ts';
import { openCatalogue } from './catalogue/idb-catalogue.ts';
import { openBlobStorage, workerSupport } from './blobs/storage-backend.ts';
import type { StorageQuota } from './blobs/storage-quota.ts';
import type { Cancellable, FsckReport, ProgressListener, ShelfApi } from './contract.ts';
import type { VersionRecord } from '../core/store-types.ts';
import { cancelOperation, runLongOperation } from './operations.ts';
import { bundleFileName, bundlesFileName } from '../core/bundle/bundle-name.ts';
import { browserCoordination } from './store/coordination.ts';
import type { FactsBackfill } from './store/facts-backfill.ts';
import type { StoreChange } from './store/coordination.ts';
import { ModelStore } from './store/model-store.ts';
import { applyRetention, deleteMany, expireTrash, listTrash, noteUse, planRetentionNow, removeAlias, restore, rollbackAlias, setAlias, spaceReport, emptyTrash } from './store/lifecycle.ts';
import { networkReachable } from './remote/network-probe.ts';
import { ShelfError } from '../core/errors.ts';
import { lazyMethods } from './lazy-methods.ts';

// The first list a start-up asks for needs only the catalogue: the code of every other path (bundles, registry,
// signing, inspection, maintenance) loads on its first use, so this entry parses little before answering it.
const load = {
	exportTarget: () => import('./bundle/export-target.ts'),
	bundleExport: () => import('./bundle/export.ts'),
	bundleImport: () => import('./bundle/import.ts'),
	storeFolder: () => import('./bundle/import-store-folder.ts'),
	exportFolder: () => import('./bundle/export-store-folder.ts'),
	rememberedFolder: () => import('./bundle/remembered-folder.ts'),
	deletePreview: () => import('./store/delete-preview.ts'),
	maintenance: () => import('./store/maintenance.ts'),
	inspect: () => import('./store/inspect-stored.ts'),
	backfill: () => import('./store/facts-backfill.ts'),
	samples: () => import('./samples.ts')
};

const coordination = browserCoordination();
let storageLimit: number | undefined;
let opened: Promise<{ store: ModelStore; quota: StorageQuota; inOpfs: boolean; startup: Promise<FsckReport>; beginStartup: () => void; backfill: () => Promise<FactsBackfill> }> | undefined;
/** This worker's own pages' `watch` listeners: the change feed reaches other tabs only. */
const localWatchers = new Set<(change: StoreChange) => void>();

/** How long after the worker opens the start-up clean-up begins when no write asks for it first. */
const STARTUP_FSCK_DELAY_MS = 5000;

/**
 * Opens the catalogue and blob store once. The start-up clean-up (fsck) runs in the background under the write
 * lock, at the first write (which waits for it) or a few seconds after opening: it reads the whole `by-digest`
 * index and walks OPFS on the same connection and thread, so the first page of the list should not queue behind
 * it (issue 7), and a page left within seconds should not be in the middle of it: WebKit wedges for good the
 * stores of a worker ended with transactions in flight (WebKit bug 324094).
 */
function opening() {
	opened ??= (async () => {
		// OPFS where the browser has it, else IndexedDB alone (issue 24): decided once, in storage-backend.ts.
		const [catalogue, blobs, { kind }] = await Promise.all([openCatalogue(), openBlobStorage({ quotaBytes: storageLimit }), workerSupport()]);
		const inOpfs = kind === 'opfs';
		// Writes go through the guard: a write whose lock another tab took over stops (LOCK_LOST) instead of going on.
		const ports = coordination.guardPorts({ catalogue, blobs });
		const store = new ModelStore(ports.catalogue, ports.blobs, coordination);
		let backfilling: Promise<FactsBackfill> | undefined;
		const backfill = () =>
			(backfilling ??= load.backfill().then(
				({ FactsBackfill }) =>
					new FactsBackfill(store, (change) => {
						coordination.announce(change);
						for (const watcher of localWatchers) watcher(change);
					})
			));
		let beginStartup!: () => void;
		const gate = new Promise<void>((resolve) => (beginStartup = resolve));
		const timer = setTimeout(beginStartup, STARTUP_FSCK_DELAY_MS);
		const startup = gate.then(async () => {
			clearTimeout(timer);
			const [{ clearOldExports }, { fsck }] = await Promise.all([load.exportTarget(), load.maintenance()]);
			if (inOpfs) await clearOldExports();
			await expireTrash(store).catch(() => undefined); // the next start tries again
			return fsck(store, { keep: pulledBlobs });
		});
		startup.catch(() => undefined); // reported through api.fsck()
		// After the clean-up, and without holding up writes: versions stored before facts existed get them.
		void startup.finally(async () => (await backfill()).start());
		return { store, quota: blobs.quota, inOpfs, startup, beginStartup, backfill };
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

/** Answers a read. */
async function read<T>(run: (store: ModelStore) => Promise<T>): Promise<T> {
	return run(await open());
}

/** The store for a write, once the start-up clean-up is done: no write overtakes it. */
async function forWriting(): Promise<ModelStore> {
	const { store, startup, beginStartup } = await opening();
	beginStartup();
	await startup.catch(() => undefined);
	return store;
}

/**
 * Writes a bundle into the picked file, OPFS `exports/`, or a Blob where there is no OPFS: one version at the
 * zip's root (as BentoML exports it), or versions each in its `<name>/<version>/` folder.
 */
async function exportInto(name: string, records: VersionRecord[], request: { target?: FileSystemFileHandle } & Cancellable, onProgress: ProgressListener | undefined, layout: 'root' | 'folders') {
	const { store, quota, inOpfs } = await opening();
	return runLongOperation(request.opId, onProgress, async (controls) => {
		// Issue 8: an export into the shelf's own storage counts against the storage limit like any write.
		const [{ blobExportTarget, opfsExportTarget, pickedFileTarget }, { writeBundle, writeBundles }] = await Promise.all([load.exportTarget(), load.bundleExport()]);
		const target = request.target ? await pickedFileTarget(request.target) : inOpfs ? await opfsExportTarget(name, quota) : blobExportTarget(name);
		try {
			const { bytes } = layout === 'root' ? await writeBundle(store, records[0]!, target, controls) : await writeBundles(store, records, target, controls);
			for (const record of records) noteUse(store, record.tag, 'exported');
			return { name, bytes, file: await target.finish() };
		} catch (error) {
			await target.discard();
			throw error;
		}
	});
}

/** Blobs interrupted pulls stored whole, which fsck keeps for the next pull of the same artifact. */
async function pulledBlobs(): Promise<ReadonlySet<string>> {
	const { openRemoteDb } = await import('./remote/remote-db.ts');
	const db = await openRemoteDb();
	try {
		return await db.pulledBlobs(Date.now());
	} finally {
		db.close();
	}
}

// The methods of the registry and signing halves, loaded with their code on the first call of any of them.
const REMOTE_METHODS = ['remote', 'setRemote', 'checkRemote', 'remoteModels', 'remoteTags', 'inspectRemote', 'push', 'pull', 'remoteCopies'] as const;
const SIGNING_METHODS = ['signingKeys', 'createSigningKey', 'importSigningKey', 'deleteSigningKey', 'trustedKeys', 'trustKey', 'untrustKey', 'trustPolicy', 'setTrustPolicy'] as const;

// Each method's meaning is documented once, in contract.ts; notes here say how it is done.
const api = {
	async save(request, onProgress) {
		const store = await forWriting();
		return runLongOperation(request.opId, onProgress, (controls) => store.save(request, controls));
	},
	/** Call once per file; several calls run one after another, each with its own progress and result. */
	async importBundle(request, onProgress) {
		const [store, { importBundle }] = await Promise.all([forWriting(), load.bundleImport()]);
		return runLongOperation(request.opId, onProgress, (controls) => importBundle(store, request.file, controls));
	},
	/** Fetches the samples itself (network work stays off the page), then imports them as any bundle. */
	async importSamples(request, onProgress) {
		const [store, { importSamples }] = await Promise.all([forWriting(), load.samples()]);
		return runLongOperation(request.opId, onProgress, (controls) => importSamples(store, controls));
	},
	async removeSamples() {
		const [store, { removeSamples }] = await Promise.all([forWriting(), load.samples()]);
		return removeSamples(store);
	},
	async importFolder(request, onProgress) {
		const [store, { importStoreFolder }] = await Promise.all([forWriting(), load.storeFolder()]);
		return runLongOperation(request.opId, onProgress, (controls) => importStoreFolder(store, request, controls));
	},
	async exportToFolder(request, onProgress) {
		const [store, { exportStoreFolder }] = await Promise.all([open(), load.exportFolder()]);
		return runLongOperation(request.opId, onProgress, (controls) => exportStoreFolder(store, request, controls));
	},
	async rememberFolder({ handle }) {
		return (await load.rememberedFolder()).rememberFolder(handle);
	},
	async rememberedFolder() {
		return (await load.rememberedFolder()).rememberedFolder();
	},
	/** Into the file the user picked (`target`), or into OPFS `exports/`, returned as a disk-backed File. */
	async exportBundle(request, onProgress) {
		const store = await open();
		const record = await store.get(request.tag);
		return exportInto(bundleFileName(record), [record], request, onProgress, 'root');
	},
	/** Like exportBundle, for several versions in their `<name>/<version>/` folders. */
	async exportBundles(request, onProgress) {
		const store = await open();
		const records = await Promise.all(request.tags.map((tag) => store.get(tag)));
		const distinct = [...new Map(records.map((record) => [record.tag, record])).values()];
		return exportInto(bundlesFileName(distinct.length), distinct, request, onProgress, 'folders');
	},
	async list(request = {}) {
		return read((store) => store.list(request));
	},
	async get({ tag }) {
		return read((store) => store.get(tag));
	},
	async versions({ name }) {
		return read((store) => store.catalogue.versions(name));
	},
	async names() {
		return read((store) => store.catalogue.names());
	},
	async summary({ name }) {
		return read(async (store) => (await store.catalogue.summary(name)) ?? null);
	},
	async readFile({ tag, path }) {
		return read((store) => store.readFile(tag, path));
	},
	async inspect({ tag, path }) {
		const { inspectStoredFile } = await load.inspect();
		return read((store) => inspectStoredFile(store, tag, path));
	},
	async tensors({ tag }) {
		const { storedTensors } = await load.inspect();
		return read((store) => storedTensors(store, tag));
	},
	async compareTensors({ left, right }) {
		const { compareStoredTensors } = await load.inspect();
		return read((store) => compareStoredTensors(store, left, right));
	},
	async factsProgress() {
		return (await (await opening()).backfill()).progress();
	},
	async manifest({ tag }) {
		return read((store) => store.manifestText(tag));
	},
	async delete({ tag, dryRun, removeAliases }) {
		if (dryRun) {
			const { previewDelete } = await load.deletePreview();
			return read((store) => previewDelete(store, tag));
		}
		return (await forWriting()).delete(tag, { removeAliases });
	},
	async deleteMany(request, onProgress) {
		const store = await forWriting();
		return runLongOperation(request.opId, onProgress, (controls) => deleteMany(store, request, controls));
	},
	async setAlias(request) {
		return setAlias(await forWriting(), request);
	},
	async removeAlias(request) {
		return removeAlias(await forWriting(), request);
	},
	async rollbackAlias(request) {
		return rollbackAlias(await forWriting(), request);
	},
	async aliases({ name } = {}) {
		return read((store) => store.catalogue.aliases(name));
	},
	async aliasHistory({ name }) {
		return read((store) => store.catalogue.aliasHistory(name));
	},
	async planRetention(rule) {
		return read((store) => planRetentionNow(store, rule));
	},
	async applyRetention(request, onProgress) {
		const store = await forWriting();
		return runLongOperation(request.opId, onProgress, (controls) => applyRetention(store, request, controls));
	},
	async listTrash() {
		return read((store) => listTrash(store));
	},
	async restore({ tags }) {
		return restore(await forWriting(), tags);
	},
	async emptyTrash({ tags } = {}) {
		return emptyTrash(await forWriting(), tags);
	},
	/** Expired items go at once, under the new setting. */
	async setTrashDays({ days }) {
		if (!(Number.isInteger(days) && days >= 0)) throw new ShelfError('UNSUPPORTED', `Keeping deleted versions for ${days} days is not possible. Hint: give a whole number of days, 0 or more.`, { kind: 'trash-days' });
		const store = await forWriting();
		await store.catalogue.setTrashDays(days);
		await expireTrash(store);
	},
	async space() {
		return read((store) => spaceReport(store));
	},
	async deleteModel({ name }) {
		return (await forWriting()).deleteModel(name);
	},
	/** The report of the start-up run is kept in `startup`. */
	async fsck() {
		const [{ store, startup, beginStartup }, { fsck }] = await Promise.all([opening(), load.maintenance()]);
		beginStartup();
		return { startup: await startup, now: await fsck(store, { keep: pulledBlobs }) };
	},
	async damage({ tag }) {
		const [store, { damagedVersions }] = await Promise.all([open(), load.maintenance()]);
		return (await damagedVersions(store, undefined, tag))[0] ?? null;
	},
	async verify(request = {}, onProgress) {
		const [store, { verify }] = await Promise.all([open(), load.maintenance()]);
		return runLongOperation(request.opId, onProgress, (controls) => verify(store, request.tag, controls));
	},
	async usage() {
		const { usage } = await load.maintenance();
		const storage = navigator.storage as Partial<StorageManager> | undefined;
		const [report, estimate, persisted, support] = await Promise.all([usage(await open()), storage?.estimate?.() ?? ({} as StorageEstimate), storage?.persisted?.() ?? false, workerSupport()]);
		return { ...report, estimate: { usage: estimate.usage ?? 0, quota: estimate.quota ?? 0 }, persisted, limit: storageLimit ?? null, storage: support };
	},
	/** A write past the limit is `STORAGE_FULL`; the store is reopened with it. */
	async setStorageLimit({ bytes }) {
		storageLimit = bytes ?? undefined;
		const previous = opened;
		opened = undefined;
		if (previous) await coordination.exclusive(async () => void (await previous.catch(() => undefined)));
	},
	async cancel({ opId }) {
		return cancelOperation(opId);
	},
	async networkReachable() {
		return networkReachable();
	},
	async watch(listener) {
		const hear = (change: StoreChange) => void Promise.resolve(listener(change)).catch(() => undefined);
		coordination.subscribe(hear);
		localWatchers.add(hear);
	},
	// Registries: remote, setRemote, checkRemote, remoteModels, remoteTags, inspectRemote, push, pull, remoteCopies.
	...lazyMethods(REMOTE_METHODS, async () => (await import('./remote/remote-api.ts')).remoteApi(open, runLongOperation)),
	// Signing keys, trusted keys, trust policies (issue 20).
	...lazyMethods(SIGNING_METHODS, async () => (await import('./remote/signing-api.ts')).signingApi())
} satisfies ShelfApi;

expose(api);
