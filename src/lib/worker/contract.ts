// The contract between page and worker: every request, result, progress report and error detail that
// crosses the boundary. Types only; pages import from here (or from core) and never from other worker
// modules. The worker's `api` object (index.ts) `satisfies` {@link ShelfApi}; the page calls it through
// the client (src/lib/client/shelf.ts), which is the only code that knows Comlink.
import type { BrowserFeature, StorageKind } from '../core/browser-features.ts';
import type { ErrorCode, ErrorDetails, ErrorDetailsByCode } from '../core/errors.ts';
import type { Alias, AliasEvent, LastUse, ListOrder, ListPage, MetricOrder, NameSummary, VersionRecord } from '../core/store-types.ts';
import type { FileHeader } from '../core/inspect/inspect-file.ts';
import type { FileProblem, ModelFormat, ModelIo, PickleFacts, VersionFacts, VersionTensor } from '../core/inspect/facts.ts';
import type { TensorChange, TensorChangeKind, TensorDiff } from '../core/inspect/tensor-diff.ts';
import type { PlannedRemoval, RetentionPlan, RetentionRule } from '../core/lifecycle/retention.ts';
import type { NetworkPolicy } from '../core/oci/retry.ts';
import type { PullAs, PullResult, RemoteVersion } from './remote/pull.ts';
import type { PushResult } from './remote/push.ts';
import type { RemoteCopy } from './remote/remote-db.ts';
import type { StoreChange } from './store/coordination.ts';
import type { DamagedVersion, FsckReport, IntegrityProblem, UsageReport, VerifyReport } from './store/maintenance.ts';
import type { SaveRequest, StoreResult } from './store/model-store.ts';

export type { BrowserFeature, ErrorCode, ErrorDetails, ErrorDetailsByCode, StorageKind };
export type { FileProblem, ModelFormat, ModelIo, PickleFacts, TensorChange, TensorChangeKind, TensorDiff, VersionFacts, VersionTensor };
export type { Alias, AliasEvent, FileHeader, LastUse, MetricOrder, PlannedRemoval, RetentionPlan, RetentionRule };
export type { DamagedVersion, FsckReport, IntegrityProblem, ListPage, NameSummary, PullResult, PushResult, RemoteCopy, RemoteVersion, SaveRequest, StoreChange, StoreResult, UsageReport, VerifyReport, VersionRecord };

/**
 * What a long operation is doing. `loaded` and `total` count bytes in every phase: bytes of files stored
 * (`storing`), of the bundle read (`importing`), of files written into the bundle (`exporting`), re-hashed
 * (`verifying`), sent (`pushing`) or received and reused (`pulling`); `deleting` counts versions, not bytes.
 */
export type ProgressPhase = 'storing' | 'importing' | 'exporting' | 'verifying' | 'pushing' | 'pulling' | 'deleting';

/** A progress report: what is happening and how far it got. */
export interface Progress {
	phase: ProgressPhase;
	loaded: number;
	total: number;
	/** The file or bundle being worked on, when there is one. */
	item?: string;
	/** That item's own progress, when an operation works through several in turn (a push). */
	file?: FileProgress;
}

/** One item's own progress within a long operation: item `index` of `count`, in bytes. */
export interface FileProgress {
	index: number;
	count: number;
	loaded: number;
	total: number;
}

/** How the worker hears a page's progress callback (a Comlink proxy, released when the operation ends). */
export type ProgressListener = (progress: Progress) => void | Promise<void>;

/** What identifies a long operation so the page can cancel it: the client sets it, pages never do. */
export interface Cancellable {
	opId?: string;
}

/** A listing query as the page sends it: the selector still as text (the catalogue's `ListQuery` holds it parsed). */
export interface ListRequest {
	name?: string;
	selector?: string;
	text?: string;
	order?: ListOrder;
	/** Order by a numeric metadata value instead of creation time; versions lacking it come last. */
	orderBy?: MetricOrder;
	/** Numeric thresholds on metadata, ANDed with the selector: `accuracy>=0.9, epochs<10` (`>`, `>=`, `<`, `<=`, `=`, `!=`). */
	where?: string;
	/** Only versions some alias points at. */
	aliased?: boolean;
	/** Only versions holding a file of one of these model formats. */
	formats?: ModelFormat[];
	/** Only versions whose parameter count is within [min, max]; versions without a count never match. */
	parameters?: { min?: number; max?: number };
	limit?: number;
	cursor?: string | null;
}

/** Export a version as `<name>-<version>.zip`, into a file the user picked or into the shelf's own storage. */
export interface ExportRequest {
	tag: string;
	target?: FileSystemFileHandle;
}

/** Export several versions as one zip: `models-<count>.zip`, into a picked file or the shelf's storage. */
export interface ExportManyRequest {
	tags: string[];
	target?: FileSystemFileHandle;
}

/** A finished export: the bundle's name and size, and the file to download when it went to the shelf's storage. */
export interface ExportResult {
	name: string;
	bytes: number;
	file: File | null;
}

/**
 * Delete one version (into the trash); with `dryRun`, only say what `latest` would be afterwards. A version
 * an alias points at is refused (`ALIASED`) unless `removeAliases`.
 */
export interface DeleteRequest {
	tag: string;
	dryRun?: boolean;
	removeAliases?: boolean;
}

/** A (planned) delete: the tag removed and where `name:latest` points afterwards (null: no version left). */
export interface DeleteResult {
	removed: string;
	latest: string | null;
	/** True when the deleted version was the latest, so `latest` moves. */
	latestMoves: boolean;
	/** Aliases that pointed at it and went with it (with `removeAliases`). */
	aliasesRemoved: string[];
}

/** Delete many versions into the trash at once; aliased ones are refused (`ALIASED`, nothing deleted) unless `removeAliases`. */
export interface DeleteManyRequest {
	tags: string[];
	removeAliases?: boolean;
}

/** What a bulk delete (or a retention run) did: each version moved whole into the trash. */
export interface DeleteManyResult {
	removed: string[];
	/** Where `latest` points now for every name whose latest moved (null: no version left). */
	latest: Record<string, string | null>;
	/** `name@alias` of every alias removed with its version. */
	aliasesRemoved: string[];
}

/** One version in the trash, as the Storage page lists it. */
export interface TrashItem {
	tag: string;
	name: string;
	version: string;
	size: number;
	/** Bytes emptying just this item would free (not shared with the shelf or other trash items). */
	uniqueBytes: number;
	trashedAt: number;
	/** When the trash empties it on its own. */
	expiresAt: number;
	aliasesRemoved: string[];
}

/** The trash: its items, newest deletion first, how long it keeps them, and what emptying all of it frees. */
export interface TrashListing {
	items: TrashItem[];
	days: number;
	/** Bytes emptying the whole trash would free. */
	bytes: number;
}

/** What emptying the trash did. */
export interface EmptyTrashResult {
	removed: string[];
	bytesFreed: number;
}

/** One version's room on disk: what deleting it for good frees (unique) and what it shares. */
export interface VersionSpace {
	tag: string;
	version: string;
	createdKey: string;
	size: number;
	uniqueBytes: number;
	sharedBytes: number;
	lastUsed: LastUse | null;
}

/** One model's room on disk, its versions largest unique size first. */
export interface ModelSpace {
	name: string;
	size: number;
	/** Bytes freed if every version of the model went (blobs no other model or the trash shares). */
	uniqueBytes: number;
	versions: VersionSpace[];
}

/** What takes the space: models largest first, and the trash. */
export interface SpaceReport {
	models: ModelSpace[];
	/** Bytes held only by versions in the trash. */
	trashBytes: number;
	/** Bytes of blobs stored (shelf and trash). */
	storedBytes: number;
}

/**
 * An imported bundle: `status` and `record` of its version (of its first one when it held several, as a zip
 * from `exportBundles` does), and every version it held, in the bundle's order.
 */
export interface ImportResult extends StoreResult {
	versions: StoreResult[];
}

/** What "Try with sample models" did (issue 25): each sample version's outcome and the aliases it set. */
export interface ImportSamplesResult {
	/** Tags stored now. */
	created: string[];
	/** Tags the shelf held already, identical. */
	unchanged: string[];
	/** Tags the shelf holds with other content, or in its trash (`TAG_EXISTS`): left as they are. */
	skipped: Array<{ tag: string; trashed: boolean }>;
	/** `name@alias` of every alias set now (an alias the model already has is left where it points). */
	aliases: string[];
}

/** What "Remove sample models" did: every sample version deleted for good, with its aliases. */
export interface RemoveSamplesResult {
	/** Tags deleted (from the shelf, and sample versions that were in the trash). */
	removed: string[];
	/** `name@alias` of every alias removed with them. */
	aliasesRemoved: string[];
	bytesFreed: number;
}

/** Every tensor of a version, file by file, with the version's facts (the tensor table). */
export interface VersionTensors {
	tag: string;
	tensors: VersionTensor[];
	facts: VersionFacts;
}

/** How far deriving facts for versions stored before the upgrade has got. */
export interface FactsProgress {
	/** Versions (shelf and trash) still without facts. */
	pending: number;
	/** Versions given facts by background passes since the worker started. */
	derived: number;
	/** True while a background pass runs. */
	running: boolean;
}

/**
 * A folder to read as BentoML's model store: a directory handle (File System Access API, or an OPFS folder),
 * or the files of a folder input (`<input webkitdirectory>`), each with its path relative to the folder picked.
 */
export type StoreFolderSource = { handle: FileSystemDirectoryHandle } | { name: string; files: Array<{ path: string; file: File }> };

/** Import every version of a BentoML store folder; with `onlyNew`, versions whose tag the shelf holds are not read at all. */
export interface ImportFolderRequest {
	folder: StoreFolderSource;
	onlyNew?: boolean;
}

/** One version folder's outcome. `present`: the shelf held the tag already (not read, with `onlyNew`). */
export interface FolderVersionOutcome {
	/** The folder, relative to the folder picked. */
	folder: string;
	tag: string;
	status: 'created' | 'unchanged' | 'present';
}

/** A version folder that was not stored, and why (other versions went on). */
export interface FolderRefusal {
	folder: string;
	code: ErrorCode;
	message: string;
	details: ErrorDetails;
}

/** A `<name>/latest` file that names another version than the newest by creation time (the shelf's rule). */
export interface LatestDisagreement {
	name: string;
	/** What BentoML's latest file says (null: the file names no version folder there). */
	bentoml: string | null;
	/** The newest by creation time among the folder's versions. */
	newest: string;
}

/** What importing a BentoML store folder did. */
export interface ImportFolderResult {
	/** What the folder was: BENTOML_HOME, its models folder, one model's folder, one version folder, or none of these. */
	kind: 'home' | 'models' | 'model' | 'version' | 'other';
	versions: FolderVersionOutcome[];
	refused: FolderRefusal[];
	/** Entries that are not versions (hidden, BentoML's bentos/envs/tmp, stray files, folders without model.yaml). */
	skipped: Array<{ path: string; reason: 'hidden' | 'bentoml-internal' | 'not-a-version' | 'stray-file' }>;
	latest: LatestDisagreement[];
}

/** Write versions into a BentoML store folder (its models folder, or BENTOML_HOME: written into `models/`). */
export interface ExportFolderRequest {
	tags: string[];
	folder: FileSystemDirectoryHandle;
}

/** What writing into a BentoML store folder did. */
export interface ExportFolderResult {
	/** `<name>/<version>` of every version written. */
	written: string[];
	/** Versions not written: the folder already holds the tag (BentoML's rule: a tag is never overwritten), or writing failed (the half-written folder was removed). */
	refused: Array<{ tag: string; code: ErrorCode; message: string }>;
	/** `<name>/latest` as it reads afterwards, for every name written. */
	latest: Record<string, string>;
}

/** The BentoML store folder the shelf remembers, and whether the browser lets it in now. */
export interface RememberedFolder {
	handle: FileSystemDirectoryHandle;
	name: string;
	/** For reading: `granted`, usable now; `prompt`, the page must ask (`requestPermission`, a click); `denied`. */
	permission: PermissionState;
}

/** A signing key (ECDSA P-256): its private half non-extractable in the worker's IndexedDB, its public half shown as PEM. */
export interface SigningKey {
	id: string;
	name: string;
	/** SPKI PEM (`-----BEGIN PUBLIC KEY-----`), what `cosign verify --key` and `openssl` take. */
	publicKeyPem: string;
	/** SHA-256 of the DER public key, hex: how a key is told apart at a glance. */
	fingerprint: string;
	createdAt: number;
	/** Made here, or imported from a PKCS#8 PEM. */
	origin: 'generated' | 'imported';
}

/** A public key the team trusts for one registry. */
export interface TrustedKey {
	id: string;
	/** The registry URL it is trusted for (normalized, as `remote().url`). */
	registry: string;
	name: string;
	publicKeyPem: string;
	fingerprint: string;
	addedAt: number;
	/** When trust in it ends (ms since epoch): signatures under it no longer count after that (a key rotated out). */
	expiresAt?: number;
}

/** What a registry's signatures must be: not checked, checked and shown, or required (`UNTRUSTED` otherwise). */
export type TrustPolicy = 'off' | 'warn' | 'enforce';

/**
 * A pulled version's signature as checked: `signed` by a trusted key (named), `unsigned`, `untrusted` (signed by no
 * trusted key), `invalid` (does not verify, or names another digest), or `unchecked` (policy off).
 */
export interface SignatureCheck {
	status: 'signed' | 'unsigned' | 'untrusted' | 'invalid' | 'unchecked';
	/** The trusted key that verified it. */
	keyName?: string;
	/** Why it is not `signed`, in words. */
	reason?: string;
	/** When it was checked (ms since epoch). */
	at: number;
}

/** What `fsck()` answers: this run and the one at start-up. */
export interface FsckReports {
	now: FsckReport;
	startup: FsckReport;
}

/** What `usage()` answers: the shelf's own counts plus the browser's estimate and the shelf's limit. */
export interface Usage extends UsageReport {
	estimate: { usage: number; quota: number };
	persisted: boolean;
	limit: number | null;
	/** Which blob store this browser holds (issue 24) and the worker-side capabilities it lacks. */
	storage: { kind: StorageKind; missing: BrowserFeature[] };
}

/** The remote as the page shows it: never the password. */
export interface RemoteSettings {
	url: string;
	namespace: string;
	username: string | null;
	/** Credentials are saved on this device (the user ticked "remember"). */
	remembered: boolean;
	/** Credentials are known, remembered or for this session. */
	signedIn: boolean;
}

/** Set the registry; credentials stay in the worker's memory unless `remember`. */
export interface RemoteRequest {
	url: string;
	namespace: string;
	username?: string;
	password?: string;
	remember?: boolean;
	/** Retries and stall timeouts for this worker's life; unset fields keep the defaults (core/oci/retry.ts). */
	network?: Partial<NetworkPolicy>;
}

/** The worker's API. Long operations take a {@link Cancellable} request and a progress listener. */
export interface ShelfApi {
	/** Creates a new version from files. */
	save(request: SaveRequest & Cancellable, onProgress?: ProgressListener): Promise<StoreResult>;
	/** Imports one bundle (our zip, BentoML's .zip, .bentomodel, .tar, .tar.gz, .tar.xz, or a zip of several versions). */
	importBundle(request: { file: File } & Cancellable, onProgress?: ProgressListener): Promise<ImportResult>;
	/** Exports a version as a zip BentoML imports. */
	exportBundle(request: ExportRequest & Cancellable, onProgress?: ProgressListener): Promise<ExportResult>;
	/** Exports several versions as one zip, each in its own `<name>/<version>/` folder (BentoML's store layout); importing it gives them all back. */
	exportBundles(request: ExportManyRequest & Cancellable, onProgress?: ProgressListener): Promise<ExportResult>;
	/** Imports every version of a BentoML store folder (BENTOML_HOME, its models folder, one model's, one version's): one progress, per-version outcomes, cancel. */
	importFolder(request: ImportFolderRequest & Cancellable, onProgress?: ProgressListener): Promise<ImportFolderResult>;
	/** Writes versions into a BentoML store folder as BentoML's store does (`<name>/<version>/`, `<name>/latest`), streamed from OPFS and verified. */
	exportToFolder(request: ExportFolderRequest & Cancellable, onProgress?: ProgressListener): Promise<ExportFolderResult>;
	/**
	 * Imports the sample models the app ships (`/samples/`, precached: offline after the first visit) through the bundle
	 * import, then sets their alias; progress counts the bundles' bytes. A tag already held is `unchanged`, or skipped
	 * when it holds other content or is in the trash.
	 */
	importSamples(request: Cancellable, onProgress?: ProgressListener): Promise<ImportSamplesResult>;
	/** Re-hashes stored files of one version or all, reporting mismatches. */
	verify(request: { tag?: string } & Cancellable, onProgress?: ProgressListener): Promise<VerifyReport>;
	/**
	 * Pushes a version to the configured registry; resumable. With `aliases`, also moves the registry tags of the aliases that point at it.
	 * `format` picks the artifact: `'shelf'` (config = model.yaml; the default here, so a script's push keeps its digest) or
	 * `'modelpack'` (CNCF ModelPack, read by other tools; what the version page offers first).
	 */
	push(request: { tag: string; aliases?: boolean; format?: 'shelf' | 'modelpack'; sign?: { keyId: string } } & Cancellable, onProgress?: ProgressListener): Promise<PushResult>;
	/**
	 * Pulls `name:version`, `name:alias` or `name@sha256:…` from the configured registry. A registry tag that is
	 * an alias (its manifest names another version) sets that alias here too, unless `alias: false`.
	 * A foreign artifact (ModelPack, Docker Model Runner, KitOps, plain ORAS) becomes the version `inspectRemote`
	 * proposes, edited by `as`.
	 */
	pull(request: { reference: string; alias?: boolean; as?: PullAs } & Cancellable, onProgress?: ProgressListener): Promise<PullResult>;
	/** Deletes many versions into the trash, in crash-safe batches; progress counts versions. */
	deleteMany(request: DeleteManyRequest & Cancellable, onProgress?: ProgressListener): Promise<DeleteManyResult>;
	/** Runs a retention rule: deletes into the trash exactly what `planRetention` lists at that moment. */
	applyRetention(request: RetentionRule & Cancellable, onProgress?: ProgressListener): Promise<DeleteManyResult>;

	/** One page of versions, newest first by default, filtered by name, label selector and text. */
	list(request?: ListRequest): Promise<ListPage>;
	/** A version by exact tag, the newest for `name` / `name:latest`, or the one `name@alias` points at. */
	get(request: { tag: string }): Promise<VersionRecord>;
	/** Every version of one model, newest first. */
	versions(request: { name: string }): Promise<VersionRecord[]>;
	/** Every model name with its version count and latest tag. */
	names(): Promise<NameSummary[]>;
	/** One model's version count, size and latest tag; null when the shelf has no version of it. */
	summary(request: { name: string }): Promise<NameSummary | null>;
	/** A stored file as a disk-backed File. */
	readFile(request: { tag: string; path: string }): Promise<File>;
	/** One file's model header (safetensors, GGUF, ONNX, PyTorch, pickle safety scan, …), read without its weights. */
	inspect(request: { tag: string; path: string }): Promise<FileHeader>;
	/** Every tensor of a version (all its model files' headers, read without their weights) and its facts. */
	tensors(request: { tag: string }): Promise<VersionTensors>;
	/** Two versions compared tensor by tensor: added, removed, dtype or shape changed, same bytes (proved by file hashes). */
	compareTensors(request: { left: string; right: string }): Promise<TensorDiff>;
	/** Versions still waiting for their facts (stored before the upgrade); the pass runs on its own after start-up. */
	factsProgress(): Promise<FactsProgress>;
	/** The version's model.yaml as text. */
	manifest(request: { tag: string }): Promise<string>;
	/** Deletes one version (or, with `dryRun`, only says where `latest` would point). */
	delete(request: DeleteRequest): Promise<DeleteResult>;
	/** Deletes every version labelled `sample=true` for good (shelf and trash), with its aliases. */
	removeSamples(): Promise<RemoveSamplesResult>;
	/** Deletes every version of a model into the trash, with its aliases; answers the removed tags. */
	deleteModel(request: { name: string }): Promise<string[]>;

	/** Points `name@alias` at a version (setting or moving it); appended to the history. */
	setAlias(request: { name: string; alias: string; version: string; note?: string }): Promise<AliasEvent>;
	/** Removes an alias; appended to the history. */
	removeAlias(request: { name: string; alias: string; note?: string }): Promise<AliasEvent>;
	/** Moves an alias back to the version it pointed at before its last change. */
	rollbackAlias(request: { name: string; alias: string }): Promise<AliasEvent>;
	/** Aliases of one model, or of every model, sorted by name then alias. */
	aliases(request?: { name?: string }): Promise<Alias[]>;
	/** Every change of one model's aliases, oldest first. */
	aliasHistory(request: { name: string }): Promise<AliasEvent[]>;

	/** What a retention rule would delete, and the bytes that would be freed; changes nothing. */
	planRetention(rule: RetentionRule): Promise<RetentionPlan>;
	/** The trash. */
	listTrash(): Promise<TrashListing>;
	/** Gives trashed versions back exactly as they were (same tag, files, creation time); `latest` is recomputed. */
	restore(request: { tags: string[] }): Promise<{ restored: string[] }>;
	/** Deletes trashed versions for good (all without `tags`) and frees their bytes. */
	emptyTrash(request?: { tags?: string[] }): Promise<EmptyTrashResult>;
	/** How many days the trash keeps a version before emptying it on its own (default 30). */
	setTrashDays(request: { days: number }): Promise<void>;
	/** Bytes per model and version, unique versus shared, and when each was last used. */
	space(): Promise<SpaceReport>;
	/** Remembers a BentoML store folder (null forgets it); kept in IndexedDB. */
	rememberFolder(request: { handle: FileSystemDirectoryHandle | null }): Promise<void>;
	/** The remembered BentoML store folder, or null. */
	rememberedFolder(): Promise<RememberedFolder | null>;
	/** Removes crash leftovers. */
	fsck(): Promise<FsckReports>;
	/**
	 * Whether a version's files are all still stored (issue 22: eviction, cleared site data): one presence check
	 * per file, no hashing. Null when every file is there.
	 */
	damage(request: { tag: string }): Promise<DamagedVersion | null>;
	/** Shelf usage, dedup savings and the browser's own estimate of usage and quota. */
	usage(): Promise<Usage>;
	/** Caps the bytes the shelf may hold (null: only the browser's quota). */
	setStorageLimit(request: { bytes: number | null }): Promise<void>;
	/** Cancels a running operation; it throws `ABORTED` and leaves nothing behind. */
	cancel(request: { opId: string }): Promise<boolean>;
	/** Whether the network is there: a real request to the app's own origin, past every cache. */
	networkReachable(): Promise<boolean>;
	/** Calls `listener` whenever another tab changes the store. */
	watch(listener: (change: StoreChange) => void): Promise<void>;

	/** The configured registry, or null. */
	remote(): Promise<RemoteSettings | null>;
	/** Sets the registry. */
	setRemote(request: RemoteRequest): Promise<RemoteSettings>;
	/** Asks the registry whether it answers and accepts the credentials; `note` when it answers oddly (404 at `/v2/`). */
	checkRemote(): Promise<{ url: string; ok: true; note?: string }>;
	/** Model names under the namespace, or null when the registry does not list repositories. */
	remoteModels(): Promise<{ names: string[] | null; reason?: string }>;
	/** The versions (tags) of one model on the registry. */
	remoteTags(request: { name: string }): Promise<string[]>;
	/** A remote version's manifest and model.yaml, before pulling it. */
	inspectRemote(request: { reference: string }): Promise<RemoteVersion>;
	/** The shelf's signing keys. */
	signingKeys(): Promise<SigningKey[]>;
	/** Makes a new ECDSA P-256 signing key in the worker (private half non-extractable). */
	createSigningKey(request: { name: string }): Promise<SigningKey>;
	/** Imports a signing key from an unencrypted PKCS#8 PEM (`openssl`, or `cosign generate-key-pair` exported to PKCS#8). */
	importSigningKey(request: { name: string; pem: string }): Promise<SigningKey>;
	/** Deletes a signing key for good. */
	deleteSigningKey(request: { id: string }): Promise<void>;
	/** Public keys trusted for the configured registry (or the one named). */
	trustedKeys(request?: { registry?: string }): Promise<TrustedKey[]>;
	/** Trusts a public key (SPKI PEM) for the configured registry (or the one named). */
	trustKey(request: { name: string; pem: string; registry?: string; expiresAt?: number }): Promise<TrustedKey>;
	/** Stops trusting a key. */
	untrustKey(request: { id: string }): Promise<void>;
	/** The configured registry's trust policy (default `warn`). */
	trustPolicy(request?: { registry?: string }): Promise<TrustPolicy>;
	setTrustPolicy(request: { policy: TrustPolicy; registry?: string }): Promise<void>;
	/** Registries a local version was pushed to or pulled from, with its manifest digest there (and, for pulls, the signature check). */
	remoteCopies(request: { tag: string }): Promise<RemoteCopy[]>;
}

/** The worker methods that run long: progress, cancel. */
export type LongOperationName = 'save' | 'importBundle' | 'importFolder' | 'exportBundle' | 'exportBundles' | 'exportToFolder' | 'verify' | 'push' | 'pull' | 'deleteMany' | 'applyRetention' | 'importSamples';
