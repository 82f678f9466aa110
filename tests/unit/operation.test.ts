// The page's one shape for long tasks (src/lib/ui/operation.svelte.ts), run with plain promises in Node.
import { describe, expect, it } from 'vitest';
import { ShelfError } from '../../src/lib/core/errors.ts';
import { Operation } from '../../src/lib/ui/operation.svelte.ts';

/** A task the test settles by hand, recording the controls it was given. */
function manualTask<T>() {
	let settle!: { resolve: (value: T) => void; reject: (error: unknown) => void };
	const given: { signal?: AbortSignal; onProgress?: (progress: { phase: 'importing'; loaded: number; total: number }) => void } = {};
	const task = (controls: { signal: AbortSignal; onProgress: (progress: { phase: 'importing'; loaded: number; total: number }) => void }) => {
		Object.assign(given, controls);
		return new Promise<T>((resolve, reject) => (settle = { resolve, reject }));
	};
	return { task, given, settle: () => settle };
}

describe('Operation', () => {
	it('runs, reports progress and speed, then keeps the result', async () => {
		const operation = new Operation<string>();
		const { task, given, settle } = manualTask<string>();
		const running = operation.run(task);
		expect(operation.state).toBe('running');
		given.onProgress!({ phase: 'importing', loaded: 500, total: 1000 });
		expect(operation.progress).toEqual({ phase: 'importing', loaded: 500, total: 1000 });
		expect(operation.speed).toBeGreaterThan(0);
		settle().resolve('done!');
		expect(await running).toBe('done!');
		expect([operation.state, operation.result, operation.error, operation.progress]).toEqual(['done', 'done!', null, null]);
	});

	it('turns a failure into plain words with its code, and never throws', async () => {
		const operation = new Operation<string>();
		const { task, settle } = manualTask<string>();
		const running = operation.run(task);
		settle().reject(new ShelfError('REMOTE_UNREACHABLE', 'You are offline.', { url: 'http://127.0.0.1:5000/v2/', offline: true }));
		expect(await running).toBeUndefined();
		expect(operation.state).toBe('failed');
		expect(operation.error).toMatchObject({ code: 'REMOTE_UNREACHABLE', offline: true, title: 'Offline' });
	});

	it('cancels through the signal it handed the task, and ends as cancelled, not failed', async () => {
		const operation = new Operation<string>();
		const { task, given, settle } = manualTask<string>();
		const running = operation.run(task);
		given.signal!.addEventListener('abort', () => settle().reject(new ShelfError('ABORTED', 'Cancelled.')));
		operation.cancel();
		expect(await running).toBeUndefined();
		expect([operation.state, operation.error]).toEqual(['cancelled', null]);
	});

	it('runs one task at a time: a second run while one runs is ignored', async () => {
		const operation = new Operation<number>();
		const first = manualTask<number>();
		const running = operation.run(first.task);
		let secondStarted = false;
		expect(await operation.run(async () => ((secondStarted = true), 2))).toBeUndefined();
		expect(secondStarted).toBe(false);
		first.settle().resolve(1);
		expect(await running).toBe(1);
	});

	it('ignores progress that arrives after it ended', async () => {
		const operation = new Operation<number>();
		const { task, given, settle } = manualTask<number>();
		const running = operation.run(task);
		settle().resolve(1);
		await running;
		given.onProgress!({ phase: 'importing', loaded: 1, total: 1 });
		expect(operation.progress).toBeNull();
	});
});

describe('cancelling a worker operation by id', () => {
	it('takes effect when the cancel arrives before the operation started (it was waiting for the store)', async () => {
		const { cancelOperation, runLongOperation } = await import('../../src/lib/worker/operations.ts');
		expect(cancelOperation('early')).toBe(false);
		const seen = await runLongOperation('early', undefined, async ({ signal }) => signal.aborted);
		expect(seen).toBe(true);
		// Only that operation: the next one with another id runs uncancelled, and an id is cancelled once.
		expect(await runLongOperation('other', undefined, async ({ signal }) => signal.aborted)).toBe(false);
		expect(await runLongOperation('early', undefined, async ({ signal }) => signal.aborted)).toBe(false);
	});

	it('aborts a running operation at once', async () => {
		const { cancelOperation, runLongOperation } = await import('../../src/lib/worker/operations.ts');
		let cancelled!: Promise<boolean>;
		const outcome = await runLongOperation('running', undefined, async ({ signal }) => {
			cancelled = Promise.resolve(cancelOperation('running'));
			return signal.aborted;
		});
		expect(await cancelled).toBe(true);
		expect(outcome).toBe(true);
	});
});
