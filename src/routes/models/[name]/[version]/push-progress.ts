// Per-file progress of a push, from the worker's running total and the name of the file being sent.
import type { StoredFile } from '$lib/core/store-types.ts';

/** One blob in the order the worker sends them: model.yaml first, then each distinct file once. */
export interface PushStep {
	path: string;
	size: number;
}

/**
 * The blobs of a push in the worker's order (see `pushVersion`): model.yaml, whose size is what the
 * total holds beyond the files, then each distinct file (by SHA-256) in the version's order.
 * @param files the version's files
 * @param total the total the worker reports
 */
export function pushOrder(files: readonly StoredFile[], total: number): PushStep[] {
	const seen = new Set<string>();
	const unique = files.filter((file) => !seen.has(file.sha256) && seen.add(file.sha256));
	const filesSize = unique.reduce((sum, file) => sum + file.size, 0);
	return [{ path: 'model.yaml', size: Math.max(total - filesSize, 0) }, ...unique.map((file) => ({ path: file.path, size: file.size }))];
}

/**
 * Where the file being sent is: its place, and its bytes done (everything before it is done).
 * @param steps from {@link pushOrder}
 * @param item the file the worker last reported, or null before the first
 * @param loaded the worker's running total
 * @returns null before the first file and while the manifest is written
 */
export function fileProgress(steps: readonly PushStep[], item: string | null, loaded: number) {
	const index = steps.findIndex((step) => step.path === item);
	if (index < 0) return null;
	const before = steps.slice(0, index).reduce((sum, step) => sum + step.size, 0);
	const step = steps[index]!;
	return { index: index + 1, count: steps.length, path: step.path, size: step.size, loaded: Math.min(Math.max(loaded - before, 0), step.size) };
}
