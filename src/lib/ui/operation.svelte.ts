// One long task as the page shows it: running or not, progress and speed, the result or the failure in
// plain words, and Cancel. Every long operation in the UI (import, save, export, push, pull, verify, fsck)
// is one of these, so a new one is a few lines.
import type { OperationControls } from '../client/shelf.ts';
import type { Progress } from '../worker/contract.ts';
import { describeError, isAborted, type ShownError } from './errors.ts';

/** Where an operation is: not started, running, or how it ended. */
export type OperationState = 'idle' | 'running' | 'done' | 'failed' | 'cancelled';

/**
 * A long worker call with its state for the page.
 * @example
 * const exporting = new Operation<ExportResult>();
 * const result = await exporting.run((controls) => shelf().exportBundle({ tag }, controls));
 * // exporting.progress, exporting.speed while it runs; exporting.cancel() to stop it
 */
export class Operation<T> {
	#state = $state<OperationState>('idle');
	#progress = $state.raw<Progress | null>(null);
	#speed = $state(0);
	#result = $state.raw<T | null>(null);
	#error = $state.raw<ShownError | null>(null);
	#controller: AbortController | null = null;

	/** Where it is. */
	get state(): OperationState {
		return this.#state;
	}
	/** True while it runs. */
	get running(): boolean {
		return this.#state === 'running';
	}
	/** The last progress report while running; null before the first and after the end. */
	get progress(): Progress | null {
		return this.#progress;
	}
	/** Bytes per second since it started (the progress's `loaded` over the time taken). */
	get speed(): number {
		return this.#speed;
	}
	/** What the last successful run answered. */
	get result(): T | null {
		return this.#result;
	}
	/** The last failure in plain words; null after success or cancel. */
	get error(): ShownError | null {
		return this.#error;
	}

	/**
	 * Runs the task unless one is already running. Never throws: the outcome is in `state`, `result` and `error`.
	 * @param task starts the worker call with the controls it must be given
	 * @returns the result, or undefined when it failed, was cancelled or was already running
	 */
	async run(task: (controls: Required<OperationControls>) => Promise<T>): Promise<T | undefined> {
		if (this.running) return undefined;
		const controller = new AbortController();
		this.#controller = controller;
		const started = performance.now();
		[this.#state, this.#progress, this.#speed, this.#result, this.#error] = ['running', null, 0, null, null];
		const onProgress = (progress: Progress) => {
			if (this.#controller !== controller) return;
			this.#progress = progress;
			this.#speed = progress.loaded / Math.max((performance.now() - started) / 1000, 0.001);
		};
		try {
			const result = await task({ signal: controller.signal, onProgress });
			[this.#state, this.#result] = ['done', result];
			return result;
		} catch (error) {
			if (isAborted(error)) this.#state = 'cancelled';
			else [this.#state, this.#error] = ['failed', describeError(error)];
			return undefined;
		} finally {
			this.#controller = null;
			this.#progress = null;
		}
	}

	/** Cancels the running task; the worker stops it and leaves nothing behind. */
	cancel(): void {
		this.#controller?.abort();
	}
}
