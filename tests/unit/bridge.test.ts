import { describe, expect, it } from 'vitest';
import { expose, wrap, type Endpoint } from 'comlink';
import '../../src/lib/bridge.ts';
import { ShelfError } from '../../src/lib/core/errors.ts';

// Node's MessagePort is an EventTarget, so Comlink runs over a plain MessageChannel here,
// with the same structured clone a worker boundary applies.
function connect<T extends object>(api: T) {
	const { port1, port2 } = new MessageChannel();
	expose(api, port1 as unknown as Endpoint);
	const remote = wrap<T>(port2 as unknown as Endpoint);
	return { remote, close: () => (port1.close(), port2.close()) };
}

describe('errors crossing the worker boundary', () => {
	it('keeps the code, message and details of a ShelfError', async () => {
		const { remote, close } = connect({
			get: async (): Promise<void> => {
				throw new ShelfError('NOT_FOUND', 'No model named "iris".', { tag: 'iris:latest' });
			}
		});
		const error = await remote.get().catch((caught: unknown) => caught);
		close();
		expect(error).toBeInstanceOf(ShelfError);
		expect(error).toMatchObject({ code: 'NOT_FOUND', message: 'No model named "iris".', details: { tag: 'iris:latest' } });
	});

	it('keeps a ShelfError cause chain', async () => {
		const inner = new ShelfError('INVALID_TAG', 'bad tag', { tag: 'A:b' });
		const { remote, close } = connect({
			parse: async (): Promise<void> => {
				throw new ShelfError('INVALID_MANIFEST', 'bad name', { field: 'name' }, { cause: inner });
			}
		});
		const error = (await remote.parse().catch((caught: unknown) => caught)) as ShelfError;
		close();
		expect(error.code).toBe('INVALID_MANIFEST');
		expect(error.cause).toBeInstanceOf(ShelfError);
		expect((error.cause as ShelfError).code).toBe('INVALID_TAG');
	});

	it('turns an unexpected error into INTERNAL with the original message', async () => {
		const { remote, close } = connect({
			crash: async (): Promise<void> => {
				throw new TypeError('x is undefined');
			}
		});
		const error = (await remote.crash().catch((caught: unknown) => caught)) as ShelfError;
		close();
		expect(error).toBeInstanceOf(ShelfError);
		expect(error.code).toBe('INTERNAL');
		expect(error.message).toContain('x is undefined');
	});
});
