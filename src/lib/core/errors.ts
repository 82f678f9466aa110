// Node + browser: pure TypeScript, no DOM, no idb, no OPFS.
import type { ErrorDetailsByCode } from './error-details.ts';

export type { ErrorDetailsByCode } from './error-details.ts';

/** Every failure the shelf reports, as stable string codes that callers can switch on. */
export const ERROR_CODES = [
	'INVALID_TAG',
	'INVALID_MANIFEST',
	'INVALID_SELECTOR',
	'INVALID_PATH',
	'NOT_FOUND',
	'TAG_EXISTS',
	'ALIASED',
	'ALIAS_CONFLICT',
	'INTEGRITY',
	'STORAGE_FULL',
	'BAD_BUNDLE',
	'BAD_MODEL_FILE',
	'ABORTED',
	'LOCK_LOST',
	'UNSUPPORTED',
	'INVALID_REMOTE',
	'REMOTE_UNREACHABLE',
	'REMOTE_CORS',
	'REMOTE_AUTH',
	'REMOTE_QUOTA',
	'REMOTE_REJECTED',
	'UNTRUSTED',
	'INVALID_INPUT',
	'INTERNAL'
] as const;

/** One of {@link ERROR_CODES}. */
export type ErrorCode = (typeof ERROR_CODES)[number];

/**
 * Structured, JSON-safe facts about a failure of code `C` (what was asked, where it went wrong): exactly
 * the fields {@link ErrorDetailsByCode} lists for `C`. Every other code's fields are there as `undefined`,
 * so an error whose code is not known yet can still be read (`details?.reason`); check `code` to narrow.
 */
export type ErrorDetails<C extends ErrorCode = ErrorCode> = _ClosedDetails[C];

/** The plain-object form of a {@link ShelfError}, as it crosses a worker boundary. */
export interface SerializedShelfError<C extends ErrorCode = ErrorCode> {
	name: 'ShelfError';
	code: C;
	message: string;
	details?: ErrorDetails<C>;
	cause?: SerializedShelfError | { name: string; message: string };
}

/** A {@link ShelfError} of any code, narrowed to its own details by checking `code`. */
export type AnyShelfError = { [C in ErrorCode]: ShelfError<C> }[ErrorCode];

/**
 * The one error class of the shelf: a stable `code`, a message for people, optional details.
 *
 * @example
 * throw new ShelfError('NOT_FOUND', 'No model named "iris"', { tag: 'iris' });
 */
export class ShelfError<C extends ErrorCode = ErrorCode> extends Error {
	override readonly name = 'ShelfError';
	readonly code: C;
	readonly details?: ErrorDetails<C>;

	/**
	 * @param code stable machine-readable code
	 * @param message what failed, and a hint where one helps
	 * @param details JSON-safe facts about the failure
	 * @param options the underlying error, if any
	 */
	constructor(code: C, message: string, details?: ErrorDetails<C>, options?: { cause?: unknown }) {
		super(message, options);
		this.code = code;
		if (details !== undefined) this.details = details;
	}

	/** Plain data that survives `structuredClone` and `JSON.stringify`. */
	toJSON(): SerializedShelfError<C> {
		const json: SerializedShelfError<C> = { name: 'ShelfError', code: this.code, message: this.message };
		if (this.details !== undefined) json.details = this.details;
		if (this.cause instanceof ShelfError) json.cause = this.cause.toJSON();
		else if (this.cause instanceof Error) json.cause = { name: this.cause.name, message: this.cause.message };
		return json;
	}

	/** Rebuilds a {@link ShelfError} from {@link ShelfError.toJSON} output. */
	static fromJSON<C extends ErrorCode>(json: SerializedShelfError<C>): ShelfError<C> {
		const cause = json.cause && 'code' in json.cause ? ShelfError.fromJSON(json.cause) : json.cause;
		return new ShelfError(json.code, json.message, json.details, cause ? { cause } : undefined);
	}
}

/**
 * True when `value` is a {@link ShelfError}, optionally with the given code (then its details are typed).
 * @example
 * if (isShelfError(error, 'REMOTE_UNREACHABLE') && error.details?.offline) showOffline();
 */
export function isShelfError<C extends ErrorCode>(value: unknown, code: C): value is ShelfError<C>;
export function isShelfError(value: unknown): value is AnyShelfError;
export function isShelfError(value: unknown, code?: ErrorCode): boolean {
	return value instanceof ShelfError && (code === undefined || value.code === code);
}

/** True when `value` looks like {@link SerializedShelfError} (e.g. after a structured clone). */
export function isSerializedShelfError(value: unknown): value is SerializedShelfError {
	return (
		typeof value === 'object' &&
		value !== null &&
		(value as { name?: unknown }).name === 'ShelfError' &&
		(ERROR_CODES as readonly unknown[]).includes((value as { code?: unknown }).code)
	);
}

/**
 * Turns anything thrown into a {@link ShelfError}; unknown failures become `INTERNAL` with the original as cause.
 * @param error what was caught
 */
export function toShelfError(error: unknown): AnyShelfError {
	if (error instanceof ShelfError) return error as AnyShelfError;
	if (isSerializedShelfError(error)) return ShelfError.fromJSON(error) as AnyShelfError;
	const message = error instanceof Error ? error.message : String(error);
	return new ShelfError('INTERNAL', `Unexpected failure: ${message}`, undefined, { cause: error });
}

// ---------------------------------------------------------------------------

type _KeysOfAny<T> = T extends unknown ? keyof T : never;
type _AllDetailKeys = _KeysOfAny<ErrorDetailsByCode[ErrorCode]>;
type _Closed<T> = T & { [K in Exclude<_AllDetailKeys, keyof T>]?: undefined };
type _ClosedDetails = { [C in ErrorCode]: _Closed<ErrorDetailsByCode[C]> };
