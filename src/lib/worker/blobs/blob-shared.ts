// Node + browser: rules both blob stores apply the same way, so that the memory store stays a faithful reference.
import { ShelfError } from '../../core/errors.ts';
import type { BlobDigest, BlobExpectation } from '../../core/store-types.ts';

const SHA256_HEX = /^[0-9a-f]{64}$/;

/**
 * True when `value` is a lower-case hex SHA-256, the only name a stored blob can have.
 * Checking first keeps names like `../x` or `tmp` away from the storage layer.
 * @param value a would-be digest
 */
export function isSha256(value: unknown): value is string {
	return typeof value === 'string' && SHA256_HEX.test(value);
}

/**
 * The `INTEGRITY` error for bytes whose digest is not the one expected, or null when every expected field matches.
 * @param expected the fields the caller knows (absent fields are not checked)
 * @param actual what the bytes hashed to
 */
export function checkExpectation(expected: BlobExpectation | undefined, actual: BlobDigest): ShelfError | null {
	if (!expected) return null;
	const fields = (['sha256', 'size', 'crc32'] as const).filter(
		(field) => expected[field] !== undefined && expected[field] !== actual[field]
	);
	if (fields.length === 0) return null;
	return new ShelfError(
		'INTEGRITY',
		`The bytes do not match what was expected (${fields.join(', ')} differ): the source is damaged or truncated.`,
		{ expected: { ...expected }, actual: { ...actual }, fields }
	);
}

/**
 * The `NOT_FOUND` error of a blob the store does not hold.
 * @param sha256 the digest asked for
 */
export function blobNotFound(sha256: string): ShelfError {
	return new ShelfError('NOT_FOUND', `No stored blob ${sha256}: it was never saved or has been deleted.`, { sha256 });
}

/**
 * The `NOT_FOUND` error of a version's file whose blob is gone while the catalogue still lists it (issue 22:
 * evicted by the browser, or site data partly cleared).
 * @param tag the version
 * @param path the file in it
 * @param sha256 its digest
 * @param cause the store's own NOT_FOUND
 */
export function fileBytesGone(tag: string, path: string, sha256: string, cause?: unknown): ShelfError {
	return new ShelfError(
		'NOT_FOUND',
		`The bytes of "${path}" in ${tag} are gone from this browser's storage (evicted, or site data cleared). Hint: the version's page says how to repair it: pull it again from a registry, or import its bundle again.`,
		{ tag, path, sha256 },
		cause === undefined ? undefined : { cause }
	);
}

/**
 * The `INTEGRITY` error of a stored blob whose bytes no longer hash to its name (damaged on disk).
 * @param sha256 the blob's name
 * @param actual what its bytes hash to now
 */
export function blobDamaged(sha256: string, actual: string): ShelfError {
	return new ShelfError('INTEGRITY', `Stored blob ${sha256} is damaged: its bytes now hash to ${actual}. Hint: run "Check integrity" on the Storage page.`, {
		sha256,
		expected: sha256,
		actual
	});
}

/**
 * True when `error` is a DOMException named `NotFoundError` (the entry is absent).
 * @param error what was caught
 */
export function isNotFound(error: unknown): boolean {
	return typeof error === 'object' && error !== null && (error as { name?: unknown }).name === 'NotFoundError';
}

/**
 * The chunk's whole `ArrayBuffer` when it may be transferred as is, or null when the chunk must be copied:
 * a view into a bigger buffer would hand over (and detach) bytes the caller never gave us, and a
 * SharedArrayBuffer cannot be transferred at all.
 * @param chunk bytes handed to a writer
 */
export function wholeBuffer(chunk: Uint8Array): ArrayBuffer | null {
	const buffer = chunk.buffer;
	if (!(buffer instanceof ArrayBuffer)) return null;
	return chunk.byteOffset === 0 && chunk.byteLength === buffer.byteLength ? buffer : null;
}

/** Where a blob writer is in its life. */
export type WriterState = 'open' | 'committing' | 'committed' | 'failed' | 'aborted';

/**
 * What every blob writer shares: its steps run one after another even when the caller does not await each
 * write, and once it has failed, committed or been aborted, every call says so.
 */
export class WriterSteps {
	state: WriterState = 'open';
	#failure: ShelfError | null = null;
	#tail: Promise<unknown> = Promise.resolve();
	#committing: Promise<unknown> | null = null;

	/** Runs `step` after every step queued before it (a failed step does not stop later ones from running). */
	enqueue<T>(step: () => Promise<T>): Promise<T> {
		const run = this.#tail.then(step);
		this.#tail = run.catch(() => {});
		return run;
	}

	/** Resolves once every step queued so far has settled. */
	settled(): Promise<unknown> {
		return this.#tail;
	}

	/**
	 * Queues the commit: when its turn comes the writer must still be open, and is `committing` while `run` runs
	 * (`run` sets `committed` or fails the writer).
	 */
	commit<T>(run: () => Promise<T>): Promise<T> {
		return this.enqueue(() => {
			this.assertOpen();
			this.state = 'committing';
			const committing = run();
			this.#committing = committing;
			return committing;
		});
	}

	/**
	 * The first half of an abort: waits for a commit already under way, then marks an open writer aborted.
	 * @returns false when the blob was committed (an abort then leaves it alone), true when the writer must clean up
	 */
	async abortAfterCommit(): Promise<boolean> {
		if (this.state === 'committing') await this.#committing?.catch(() => {});
		if (this.state === 'committed') return false;
		if (this.state === 'open') this.state = 'aborted';
		return true;
	}

	/** Throws unless the writer is open: its failure, else `ABORTED` or `INTERNAL` naming its state. */
	assertOpen(): void {
		if (this.state === 'open') return;
		if (this.#failure) throw this.#failure;
		throw new ShelfError(this.state === 'aborted' ? 'ABORTED' : 'INTERNAL', `This blob writer is ${this.state}: start a new one with create().`);
	}

	/** Marks an open or committing writer failed; returns the failure it keeps (the first). */
	fail(error: ShelfError): ShelfError {
		if (this.state === 'open' || this.state === 'committing') {
			this.state = 'failed';
			this.#failure = error;
		}
		return this.#failure ?? error;
	}
}
