// Imported by both the page and the worker, so that both sides agree on how errors cross Comlink.
import { transferHandlers } from 'comlink';
import type { TransferHandler } from 'comlink';
import { ShelfError, toShelfError, type SerializedShelfError } from './core/errors.ts';

type ThrownValue = { value: unknown };

// Comlink's default 'throw' handler keeps only name, message and stack, so `code` and `details`
// would be lost at the worker boundary (comlink PR #514 points to replacing it).
const defaultThrowHandler = transferHandlers.get('throw') as TransferHandler<ThrownValue, unknown>;

const shelfThrowHandler: TransferHandler<ThrownValue, SerializedShelfError> = {
	canHandle: (value): value is ThrownValue => defaultThrowHandler.canHandle(value),
	serialize: ({ value }) => [toShelfError(value).toJSON(), []],
	deserialize: (serialized) => {
		throw ShelfError.fromJSON(serialized);
	}
};

transferHandlers.set('throw', shelfThrowHandler);
