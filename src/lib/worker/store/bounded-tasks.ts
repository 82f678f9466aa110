// Storing a version's files a few at a time: enough writers in flight that their round trips overlap,
// few enough bytes that memory stays flat whatever the files' sizes.

/** Files `storeVersion` stores at once: each has its own writer, so their round trips overlap (issue 7). */
export const FILES_IN_FLIGHT = 4;

/**
 * Bytes those files may add up to (a file of unknown size counts as this much): a file larger than this is
 * stored alone, so large files keep the memory of one writer at a time.
 */
export const BYTES_IN_FLIGHT = 32 * 1024 * 1024;

/**
 * Runs tasks in order with at most {@link FILES_IN_FLIGHT} at once and their `bytes` within
 * {@link BYTES_IN_FLIGHT} (one task always runs). After a failure no task starts; the first error is thrown
 * once every running task has settled, so nothing is still writing when the caller cleans up.
 * @param tasks each with the bytes it may hold in memory and how to run it
 */
export async function runBounded(tasks: { bytes: number; run: () => Promise<unknown> }[]): Promise<void> {
	let next = 0;
	let running = 0;
	let bytes = 0;
	let failure: { error: unknown } | undefined;
	await new Promise<void>((resolve, reject) => {
		const launch = () => {
			while (failure === undefined && next < tasks.length && running < FILES_IN_FLIGHT) {
				const task = tasks[next]!;
				if (running > 0 && bytes + task.bytes > BYTES_IN_FLIGHT) break;
				next++;
				running++;
				bytes += task.bytes;
				task.run().then(
					() => settle(task.bytes),
					(error: unknown) => {
						failure ??= { error };
						settle(task.bytes);
					}
				);
			}
			if (running > 0) return;
			if (failure) reject(failure.error);
			else resolve();
		};
		const settle = (taskBytes: number) => {
			running--;
			bytes -= taskBytes;
			launch();
		};
		launch();
	});
}
