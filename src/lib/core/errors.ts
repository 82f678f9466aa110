// Node + browser: pure TypeScript, no DOM, no idb, no OPFS.

/** Every failure the shelf reports, as stable string codes that callers can switch on. */
export const ERROR_CODES = [
	'INVALID_TAG',
	'INVALID_MANIFEST',
	'INVALID_SELECTOR',
	'INVALID_PATH',
	'NOT_FOUND',
	'TAG_EXISTS',
	'INTEGRITY',
	'STORAGE_FULL',
	'BAD_BUNDLE',
	'ABORTED',
	'UNSUPPORTED',
	'INVALID_REMOTE',
	'REMOTE_UNREACHABLE',
	'REMOTE_CORS',
	'REMOTE_AUTH',
	'REMOTE_QUOTA',
	'REMOTE_REJECTED',
	'INTERNAL'
] as const;

/** One of {@link ERROR_CODES}. */
export type ErrorCode = (typeof ERROR_CODES)[number];

/** Structured, JSON-safe facts about a failure (what was asked, where it went wrong). */
export type ErrorDetails = Record<string, unknown>;

/** The plain-object form of a {@link ShelfError}, as it crosses a worker boundary. */
export interface SerializedShelfError {
	name: 'ShelfError';
	code: ErrorCode;
	message: string;
	details?: ErrorDetails;
	cause?: SerializedShelfError | { name: string; message: string };
}

/**
 * The one error class of the shelf: a stable `code`, a message for people, optional details.
 *
 * @example
 * throw new ShelfError('NOT_FOUND', 'No model named "iris"', { tag: 'iris' });
 */
export class ShelfError extends Error {
	override readonly name = 'ShelfError';
	readonly code: ErrorCode;
	readonly details?: ErrorDetails;

	/**
	 * @param code stable machine-readable code
	 * @param message what failed, and a hint where one helps
	 * @param details JSON-safe facts about the failure
	 * @param options the underlying error, if any
	 */
	constructor(code: ErrorCode, message: string, details?: ErrorDetails, options?: { cause?: unknown }) {
		super(message, options);
		this.code = code;
		if (details !== undefined) this.details = details;
	}

	/** Plain data that survives `structuredClone` and `JSON.stringify`. */
	toJSON(): SerializedShelfError {
		const json: SerializedShelfError = { name: 'ShelfError', code: this.code, message: this.message };
		if (this.details !== undefined) json.details = this.details;
		if (this.cause instanceof ShelfError) json.cause = this.cause.toJSON();
		else if (this.cause instanceof Error) json.cause = { name: this.cause.name, message: this.cause.message };
		return json;
	}

	/** Rebuilds a {@link ShelfError} from {@link ShelfError.toJSON} output. */
	static fromJSON(json: SerializedShelfError): ShelfError {
		const cause = json.cause && 'code' in json.cause ? ShelfError.fromJSON(json.cause) : json.cause;
		const error = new ShelfError(json.code, json.message, json.details, cause ? { cause } : undefined);
		return error;
	}
}

/** True when `value` is a {@link ShelfError}, optionally with the given code. */
export function isShelfError(value: unknown, code?: ErrorCode): value is ShelfError {
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
export function toShelfError(error: unknown): ShelfError {
	if (error instanceof ShelfError) return error;
	if (isSerializedShelfError(error)) return ShelfError.fromJSON(error);
	const message = error instanceof Error ? error.message : String(error);
	return new ShelfError('INTERNAL', `Unexpected failure: ${message}`, undefined, { cause: error });
}
