// Turns whatever a worker call threw into words for the page.
import { isShelfError, toShelfError, type ErrorCode } from '../core/errors.ts';

/** A failure as the page shows it. */
export interface ShownError {
	/** The shelf's error code, or `INTERNAL` for anything unexpected. */
	code: ErrorCode;
	/** What failed and, where the shelf gives one, a hint; plain words, no code. */
	message: string;
	/** For `INVALID_SELECTOR`: the 0-based index of the offending character. */
	position?: number;
}

/**
 * Describes a caught error in plain words; `INVALID_SELECTOR` also gets its position.
 * @param error what a worker call (or a core parser) threw
 * @example
 * describeError(error).message; // 'No version "iris:v9" on the shelf. …'
 */
export function describeError(error: unknown): ShownError {
	const shelfError = toShelfError(error);
	const shown: ShownError = { code: shelfError.code, message: shelfError.message };
	if (isShelfError(shelfError, 'INVALID_SELECTOR')) {
		const position = shelfError.details?.position;
		if (typeof position === 'number') shown.position = position;
	}
	if (shelfError.code === 'INTERNAL') shown.message = shelfError.message.replace(/^Unexpected failure: /, 'Something went wrong: ');
	return shown;
}

/**
 * True when the error is the shelf saying an operation was cancelled.
 * @param error what was caught
 */
export function isAborted(error: unknown): boolean {
	return toShelfError(error).code === 'ABORTED';
}
