// The model store: BentoML's semantics (immutable tags, latest by creation time) over two ports,
// a catalogue and a content-addressed blob store. Bytes are committed first, the catalogue record
// last, so a crash at any point leaves the whole version or nothing (plus orphans fsck removes).
import { isShelfError, ShelfError } from '../../core/errors.ts';
import { newModelInfo, serializeModelYaml, type ModelInfo, type NewModelInfo } from '../../core/manifest.ts';
import { normalizeModelPath, normalizeModelPaths } from '../../core/paths.ts';
import { parseSelector } from '../../core/selector.ts';
import { parseMetricFilter } from '../../core/lifecycle/metric-filter.ts';
import { formatReference, formatTag, isAliasReference, isLatest, newVersion, parseReference, parseTag } from '../../core/tags.ts';
import type { BlobExpectation, BlobStore, Catalogue, ListPage, StoredFile, VersionRecord } from '../../core/store-types.ts';
import type { DeleteResult, ListRequest, Progress } from '../contract.ts';
import { throwIfAborted } from '../operations.ts';
import { fileBytesGone } from '../blobs/blob-shared.ts';
import { knownSize, readChunks, type ByteSource } from './chunks.ts';
import type { Coordination } from './coordination.ts';
import { BYTES_IN_FLIGHT, runBounded } from './bounded-tasks.ts';
import { KeptBytes, RecentBytes } from './recent-bytes.ts';
import { tagInTrash } from '../catalogue/lifecycle-writes.ts';
import { deleteMany, noteUse } from './lifecycle.ts';
import { buildRecord, sameContent, sameLayout, tagExists } from './version-identity.ts';

/** One file to store: where it goes in the model folder, and where its bytes come from. */
export interface IncomingFile {
	path: string;
	data: ByteSource;
	/** Known facts (from a bundle's checksums, a registry digest); a mismatch is `INTEGRITY`. */
	expected?: BlobExpectation;
}

/** What `save` needs: the model's name and files; everything else has BentoML's defaults. */
export interface SaveRequest extends Omit<NewModelInfo, 'version' | 'name'> {
	name: string;
	/** Omit to generate one the way BentoML does. */
	version?: string;
	files: IncomingFile[];
}

/** The outcome of storing a version: new, or identical to what the shelf already held. */
export interface StoreResult {
	status: 'created' | 'unchanged';
	record: VersionRecord;
}


/** A version being assembled: files first (each stored as it arrives), the manifest last. */
export interface VersionDraft {
	/** Stores one file's bytes; `onBytes` hears of every chunk written. */
	addFile(file: IncomingFile, onBytes?: (bytes: number) => void): Promise<StoredFile>;
	/** Adds a file whose bytes the store already holds (a registry pull skips downloading it); call under the draft's lock only. */
	addStored(file: StoredFile): void;
	/** Writes the catalogue record for the files added so far, or reports an identical stored version. */
	commit(info: ModelInfo): Promise<StoreResult>;
}

/** Per-call controls of long operations. */
export interface OperationControls {
	report?: (progress: Progress) => void;
	signal?: AbortSignal;
}

/** The store itself; one per worker. */
export class ModelStore {
	constructor(
		readonly catalogue: Catalogue,
		readonly blobs: BlobStore,
		readonly coordination: Coordination
	) {}

	/**
	 * Creates a new version from files (the browser's `bentoml.models.create`).
	 * @param request name, optional version, labels, metadata, context and the files
	 * @param controls progress and cancellation
	 * @throws ShelfError `INVALID_TAG`/`INVALID_MANIFEST`/`INVALID_PATH` for bad input, `TAG_EXISTS`,
	 * `STORAGE_FULL`, `ABORTED`
	 */
	async save(request: SaveRequest, controls: OperationControls = {}): Promise<StoreResult> {
		const { files, version, ...fields } = request;
		const info = newModelInfo({ ...fields, version: version ?? newVersion() });
		return this.storeVersion(info, files, controls);
	}

	/**
	 * Stores a version whose manifest and files are known up front (save, zip import, registry pull).
	 * Re-storing an identical version is a no-op reported as `unchanged`.
	 * @param info the version's model.yaml
	 * @param files every file of the version
	 * @param controls progress and cancellation
	 */
	async storeVersion(info: ModelInfo, files: IncomingFile[], controls: OperationControls = {}): Promise<StoreResult> {
		const paths = normalizeModelPaths(files.map((file) => file.path));
		const tag = formatTag(info);
		const total = files.reduce((sum, file) => sum + (file.data instanceof Blob ? file.data.size : (file.expected?.size ?? 0)), 0);
		let loaded = 0;
		return this.draft(async (draft) => {
			const existing = await this.catalogue.get(tag);
			// Cheap refusal before any byte is written: a different file list can never be the same version.
			if (existing && !sameLayout(existing, paths, files)) throw tagExists(tag);
			if (!existing && (await this.catalogue.isTrashed(tag))) throw tagInTrash(tag); // before any byte is written
			const tasks = files.map((file, index) => ({
				bytes: Math.min(_declaredSize(file) ?? BYTES_IN_FLIGHT, BYTES_IN_FLIGHT),
				run: () =>
					draft.addFile({ ...file, path: paths[index]! }, (bytes) => {
						loaded += bytes;
						controls.report?.({ phase: 'storing', loaded, total: Math.max(total, loaded), item: paths[index]! });
					})
			}));
			await runBounded(tasks);
			return draft.commit(info);
		}, controls.signal);
	}

	/**
	 * Assembles a version under the write lock when files arrive before the manifest (a tar stream).
	 * Files may be added concurrently; when one fails, the others stop at their next chunk (each aborting
	 * its own writer) and the draft can no longer commit. Blobs written by a draft that fails or is not
	 * committed are removed again, once every file in flight has settled.
	 * @param build adds files, then commits the manifest
	 * @param signal cancels between chunks
	 */
	async draft<T>(build: (draft: VersionDraft) => Promise<T>, signal?: AbortSignal): Promise<T> {
		return this.coordination.exclusive(async () => {
			const fresh: string[] = [];
			const stored: StoredFile[] = [];
			const recent = new RecentBytes();
			const failed = new AbortController();
			const stop = signal ? AbortSignal.any([signal, failed.signal]) : failed.signal;
			const inFlight = new Set<Promise<unknown>>();
			const draft: VersionDraft = {
				addFile: (file, onBytes) => {
					const adding = (async () => {
						try {
							const storedFile = await this.#writeFile(file, stop, onBytes, recent);
							if (!storedFile.deduplicated) fresh.push(storedFile.sha256);
							const { deduplicated: _, ...entry } = storedFile;
							stored.push(entry);
							return entry;
						} catch (error) {
							failed.abort();
							throw error;
						}
					})();
					inFlight.add(adding);
					void adding.then(
						() => inFlight.delete(adding),
						() => inFlight.delete(adding)
					);
					return adding;
				},
				addStored: (file) => {
					stored.push({ path: normalizeModelPath(file.path), size: file.size, sha256: file.sha256, crc32: file.crc32 });
				},
				commit: async (info) => {
					normalizeModelPaths(stored.map((file) => file.path)); // refuses collisions among streamed files
					const record = buildRecord(info, stored);
					const existing = await this.catalogue.get(record.tag);
					if (existing) {
						if (!sameContent(existing, record)) throw tagExists(record.tag);
						return { status: 'unchanged', record: existing };
					}
					throwIfAborted(stop);
					// Headers only, bounded per file: milliseconds whatever the weights weigh. Kept in the same record, so a version never exists without its facts.
					// The model parsers load on the first write, not with the worker: a start that only lists never needs them.
					const { deriveFacts } = await import('./version-facts.ts');
					record.facts = await deriveFacts(recent.over(this.blobs), record.files, stop);
					await this.blobs.sync?.(); // bytes on disk before the record that points at them
					await this.catalogue.add(record);
					fresh.length = 0; // the catalogue references them now
					this.coordination.announce({ kind: 'added', tag: record.tag });
					return { status: 'created', record };
				}
			};
			try {
				return await build(draft);
			} finally {
				failed.abort(); // a file still in flight after the build returned or failed belongs to no version
				await Promise.allSettled(inFlight);
				await this.#dropUnreferenced(fresh);
			}
		});
	}

	/**
	 * Finds a version: `name:version` exactly, `name` or `name:latest` the newest by creation time, `name@alias`
	 * the version the alias points at.
	 * @param tagText the tag as typed
	 * @throws ShelfError `INVALID_TAG`, `NOT_FOUND` naming what was asked
	 */
	async get(tagText: string): Promise<VersionRecord> {
		const reference = parseReference(tagText);
		if (isAliasReference(reference)) {
			const alias = (await this.catalogue.aliases(reference.name)).find((candidate) => candidate.alias === reference.alias);
			const record = alias && (await this.catalogue.get(`${alias.name}:${alias.version}`));
			if (record) return record;
			throw new ShelfError('NOT_FOUND', `No alias "${formatReference(reference)}" is set. Hint: the model's page lists its aliases and their history.`, {
				tag: tagText,
				name: reference.name,
				alias: reference.alias
			});
		}
		const record = isLatest(reference) ? await this.catalogue.latest(reference.name) : await this.catalogue.get(formatTag(reference));
		if (record) return record;
		const what = isLatest(reference) ? `No model named "${reference.name}" is on the shelf.` : `No version "${formatTag(reference)}" is on the shelf.`;
		throw new ShelfError('NOT_FOUND', `${what} Hint: check the spelling, or list the models to see what is stored.`, {
			tag: tagText,
			name: reference.name
		});
	}

	/**
	 * Lists versions, newest first unless asked otherwise.
	 * @param request filters as the page sends them; the selector is parsed here
	 * @throws ShelfError `INVALID_SELECTOR` with the position of the problem
	 */
	async list(request: ListRequest = {}): Promise<ListPage> {
		const { selector, where, aliased, ...rest } = request;
		const parsed = selector?.trim() ? parseSelector(selector) : undefined;
		const thresholds = where?.trim() ? parseMetricFilter(where) : undefined;
		const tags = aliased ? (await this.catalogue.aliases()).map((alias) => `${alias.name}:${alias.version}`) : undefined;
		return this.catalogue.list({ ...rest, ...(parsed ? { selector: parsed } : {}), ...(thresholds ? { thresholds } : {}), ...(tags ? { tags } : {}) });
	}

	/**
	 * Moves one version into the trash; `latest` moves to the next newest, and a name with no versions left
	 * disappears. The bytes stay until the trash is emptied.
	 * @param tagText exact tag, `name`/`name:latest` for the newest, or `name@alias`
	 * @param options `removeAliases`: remove the aliases that point at it instead of refusing (`ALIASED`)
	 * @returns the removed tag, what `latest` points to now, whether it moved, and the aliases removed
	 */
	async delete(tagText: string, options: { removeAliases?: boolean } = {}): Promise<DeleteResult> {
		return this.coordination.exclusive(async () => {
			const record = await this.get(tagText);
			const outcome = await this.catalogue.moveToTrash([record.tag], { removeAliases: options.removeAliases ?? false, now: Date.now() });
			this.coordination.announce({ kind: 'removed', tag: record.tag });
			const latestMoves = record.name in outcome.latest;
			const latest = latestMoves ? (outcome.latest[record.name] ?? null) : ((await this.catalogue.summary(record.name))?.latest ?? null);
			return { removed: record.tag, latest, latestMoves, aliasesRemoved: outcome.aliasesRemoved.map((alias) => alias.slice(alias.indexOf('@') + 1)) };
		});
	}

	/**
	 * Moves every version of a model into the trash, with its aliases.
	 * @param name the model name
	 * @returns the removed tags
	 */
	async deleteModel(name: string): Promise<string[]> {
		const versions = await this.catalogue.versions(parseTag(name).name);
		if (versions.length === 0) await this.get(name); // throws NOT_FOUND with the usual wording
		return (await deleteMany(this, { tags: versions.map((version) => version.tag), removeAliases: true })).removed;
	}

	/**
	 * A stored file's bytes as a disk-backed `File` (not read into memory).
	 * @param tagText the version
	 * @param path the file's path inside the model folder
	 */
	async readFile(tagText: string, path: string): Promise<File> {
		const record = await this.get(tagText);
		const file = record.files.find((candidate) => candidate.path === path);
		if (!file) {
			throw new ShelfError('NOT_FOUND', `Version "${record.tag}" has no file "${path}".`, { tag: record.tag, path });
		}
		const blob = await this.blobs.read(file.sha256).catch((error: unknown) => {
			throw isShelfError(error, 'NOT_FOUND') ? fileBytesGone(record.tag, path, file.sha256, error) : error;
		});
		noteUse(this, record.tag, 'read');
		return new File([blob], path.split('/').at(-1) ?? path, { type: 'application/octet-stream' });
	}

	/** The version's model.yaml text: the bytes it was stored with (see `serializeModelYaml`). */
	async manifestText(tagText: string): Promise<string> {
		return serializeModelYaml((await this.get(tagText)).info);
	}

	// ---------------------------------------------------------------------------

	async #writeFile(file: IncomingFile, signal: AbortSignal | undefined, onBytes?: (bytes: number) => void, recent?: RecentBytes) {
		const path = normalizeModelPath(file.path);
		throwIfAborted(signal);
		const size = file.expected?.size ?? knownSize(file.data);
		const writer = await this.blobs.create(size);
		const kept = recent?.keeps(size) ? new KeptBytes() : null;
		try {
			for await (const chunk of readChunks(file.data, undefined, size)) {
				throwIfAborted(signal);
				const bytes = chunk.byteLength;
				kept?.add(chunk); // before the writer may transfer it
				await writer.write(chunk);
				onBytes?.(bytes);
			}
			const digest = await writer.commit(file.expected);
			if (kept) recent!.set(digest.sha256, kept.bytes(), digest.size);
			return { path, size: digest.size, sha256: digest.sha256, crc32: digest.crc32, deduplicated: digest.deduplicated };
		} catch (error) {
			await writer.abort();
			throw _withPath(error, path);
		}
	}

	/** Removes blobs this operation wrote that no version references (after a failure or a no-op). */
	async #dropUnreferenced(digests: string[]) {
		for (const sha of new Set(digests)) {
			if (!(await this.catalogue.isReferenced(sha))) await this.blobs.delete(sha);
		}
	}
}

// ---------------------------------------------------------------------------

/** A file's size when known up front: declared (a zip directory, a registry manifest) or a Blob's. */
function _declaredSize(file: IncomingFile): number | undefined {
	return file.expected?.size ?? knownSize(file.data);
}

function _withPath(error: unknown, path: string): unknown {
	if (error instanceof ShelfError && error.details?.path === undefined) {
		return new ShelfError(error.code, error.message, { ...error.details, path }, { cause: error.cause });
	}
	return error;
}
