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
