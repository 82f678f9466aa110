// Long operations in the worker: cancellation by id (an AbortSignal cannot cross postMessage)
// and throttled progress reports (a Comlink proxy call per chunk would flood the page).
import { releaseProxy, type Remote } from 'comlink';
import { ShelfError } from '../core/errors.ts';
import type { Progress, ProgressListener } from './contract.ts';

const running = new Map<string, AbortController>();
/** Cancels that arrived before their operation started (it may still wait for the write lock); kept briefly. */
const cancelledEarly = new Set<string>();
const CANCELLED_EARLY_KEPT = 100;

/**
 * Registers a cancellable operation; `cancel(opId)` aborts its signal.
 * @param opId the id the page chose, or undefined for an operation nobody can cancel
 */
export function startOperation(opId: string | undefined): { signal: AbortSignal; finish(): void } {
	const controller = new AbortController();
	if (opId !== undefined) running.set(opId, controller);
	if (opId !== undefined && cancelledEarly.delete(opId)) controller.abort();
	return { signal: controller.signal, finish: () => opId !== undefined && running.delete(opId) };
}

/**
 * Runs a long operation: cancellable by `opId`, progress throttled, and the page's progress proxy released
 * when it ends (else every operation would leave a MessagePort open on both sides).
 * @param opId the id the page's client chose
 * @param listener the page's progress callback (a Comlink proxy), if any
 * @param run the work, given the operation's signal and a throttled `report`
 */
export async function runLongOperation<T>(
	opId: string | undefined,
	listener: ProgressListener | undefined,
	run: (controls: { signal: AbortSignal; report: (progress: Progress) => void }) => Promise<T>
): Promise<T> {
	const operation = startOperation(opId);
	try {
		return await run({ signal: operation.signal, report: throttleProgress(listener) });
	} finally {
		operation.finish();
		(listener as Partial<Remote<ProgressListener>> | undefined)?.[releaseProxy]?.();
	}
}

/**
 * Aborts the operation with this id, if it is still running.
 * @param opId the id passed when it started
 */
export function cancelOperation(opId: string): boolean {
	const controller = running.get(opId);
	if (controller) {
		controller.abort();
		return true;
	}
	// The page cancels as soon as the user clicks; the operation may not have registered yet (waiting to open the store).
	cancelledEarly.add(opId);
	if (cancelledEarly.size > CANCELLED_EARLY_KEPT) cancelledEarly.delete(cancelledEarly.values().next().value!);
	return false;
}

/**
 * Throws `ABORTED` when the signal has fired; called between chunks.
 * @param signal the operation's signal
 */
export function throwIfAborted(signal: AbortSignal | undefined): void {
	// What a cancel leaves is the operation's to say (one version: nothing; several: those finished before it).
	if (signal?.aborted) throw new ShelfError('ABORTED', 'The operation was cancelled.');
}

/**
 * Wraps a listener so it is called at most every `intervalMs`, plus always for the final report.
 * Reports are fire-and-forget: a slow page never stalls the work.
 * @param listener the page's callback, or undefined
 * @param intervalMs minimum time between two reports
 */
export function throttleProgress(listener: ProgressListener | undefined, intervalMs = 100): (progress: Progress) => void {
	if (!listener) return () => undefined;
	let last = 0;
	return (progress) => {
		const now = Date.now();
		const final = progress.loaded >= progress.total;
		if (!final && now - last < intervalMs) return;
		last = now;
		void Promise.resolve(listener(progress)).catch(() => undefined);
	};
}
