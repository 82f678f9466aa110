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
	/** A short heading for the registry's failures (`REMOTE_*`, `INVALID_REMOTE`), e.g. "Registry not reachable". */
	title?: string;
	/** `REMOTE_UNREACHABLE` because the browser is offline (not because the registry is down). */
	offline?: boolean;
	/** For `INVALID_REMOTE`: the setting at fault (`url`, `namespace`, `name`, `version`). */
	field?: string;
	/** An interrupted push: pushing again resumes, bytes already sent are not sent twice. */
	resumable?: boolean;
}

/** Headings for the registry's failures; the message under them says what to do. */
export const REMOTE_ERROR_TITLES: Partial<Record<ErrorCode, string>> = {
	INVALID_REMOTE: 'Registry settings not valid',
	REMOTE_UNREACHABLE: 'Registry not reachable',
	REMOTE_CORS: 'Registry does not allow this app (CORS)',
	REMOTE_AUTH: 'Registry refused the credentials',
	REMOTE_QUOTA: 'Registry is out of space',
	REMOTE_REJECTED: 'Registry refused the request'
};

/** Headings for `UNTRUSTED` (the trust policy refused a pull), by the worker's reason; the message names the version. */
export const UNTRUSTED_TITLES: Record<string, string> = {
	unsigned: 'Not signed',
	'untrusted-key': 'Signed by a key not trusted here',
	'bad-signature': 'Signature does not verify',
	'wrong-digest': 'Signature is for another manifest (re-tagged or swapped)',
	'bad-payload': 'Signature payload not readable',
	'expired-key': 'Signed by a key whose trust has ended'
};

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
	const offline = shelfError.code === 'REMOTE_UNREACHABLE' && shelfError.details?.offline === true;
	const title = REMOTE_ERROR_TITLES[shelfError.code];
	if (title) shown.title = offline ? 'Offline' : title;
	if (offline) shown.offline = true;
	if (shelfError.code === 'REMOTE_UNREACHABLE' && shelfError.details?.resumable === true) shown.resumable = true;
	if (shelfError.code === 'INVALID_REMOTE' && shelfError.details) shown.field = shelfError.details.field;
	// Enforce refused the version: say why in words, and that nothing was stored.
	if (shelfError.code === 'UNTRUSTED') shown.title = `Refused by the trust policy: ${(UNTRUSTED_TITLES[shelfError.details?.reason ?? ''] ?? 'signature not accepted').toLowerCase()}; nothing was stored`;
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
