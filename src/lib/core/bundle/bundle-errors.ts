// Node + browser: pure TypeScript, no DOM, no idb, no OPFS.
//
// Every way a bundle can be refused, as one vocabulary shared by the zip and tar readers and the importer.
import type { BundleLocation } from '../error-details.ts';
import { ShelfError } from '../errors.ts';

/** Why a bundle was refused: `details.reason` of a `BAD_BUNDLE` error. */
export type BundleProblem =
	/** Not a zip, tar, gzip or xz file at all. */
	| 'not-an-archive'
	/** The file ends before the archive does. */
	| 'truncated'
	/** Headers or compressed data that cannot be read. */
	| 'corrupt'
	| 'encrypted'
	/** A compression method other than stored or deflate. */
	| 'unsupported-method'
	/** Two entries with the same path (after normalization). */
	| 'duplicate-entry'
	/** An entry path that escapes the model folder or cannot be stored (cause: INVALID_PATH). */
	| 'unsafe-path'
	/** Symbolic or hard links, devices, FIFOs: a model bundle holds files and folders only. */
	| 'link-entry'
	| 'too-many-entries'
	/** Declared or real sizes beyond the limits (zip bombs among others). */
	| 'too-large'
	/** An entry yields more or fewer bytes than its header declares. */
	| 'size-mismatch'
	/** Two entries share compressed bytes (the overlapping-file zip bomb). */
	| 'overlapping-entries'
	| 'crc-mismatch'
	| 'missing-manifest'
	/** model.yaml is there but cannot be read (cause: INVALID_MANIFEST). */
	| 'invalid-manifest';

/** Limits every archive reader enforces against what the bytes really yield, not only what headers claim. */
export interface BundleLimits {
	/** Most entries (files and folders) in one bundle. */
	maxEntries: number;
	/** Most bytes all entries may expand to. */
	maxTotalBytes: number;
	/** Largest model.yaml we read into memory. */
	maxManifestBytes: number;
	/** Longest entry name, in bytes. */
	maxNameBytes: number;
}

/** Defaults: generous for real models, tight enough that no header can make us allocate or loop without bound. */
export const DEFAULT_BUNDLE_LIMITS: BundleLimits = {
	maxEntries: 100_000,
	maxTotalBytes: 1024 ** 4,
	maxManifestBytes: 1024 * 1024,
	maxNameBytes: 4096
};

/**
 * Makes the `BAD_BUNDLE` error for one problem.
 * @param reason the problem, from {@link BundleProblem}
 * @param message what is wrong, in words a user understands, with a hint where one helps
 * @param details JSON-safe facts (entry name, offsets, sizes)
 * @param cause the underlying error, e.g. an `INVALID_PATH` or `INVALID_MANIFEST` ShelfError
 * @example
 * throw badBundle('encrypted', 'Entry "w.bin" is encrypted; bundles must not be.', { entry: 'w.bin' });
 */
export function badBundle(reason: BundleProblem, message: string, details: BundleLocation = {}, cause?: unknown): ShelfError {
	return new ShelfError('BAD_BUNDLE', message, { reason, ...details }, cause === undefined ? undefined : { cause });
}
