// Storing a version's files a few at a time: enough writers in flight that their round trips overlap,
// few enough bytes that memory stays flat whatever the files' sizes.

/** Files `storeVersion` stores at once: each has its own writer, so their round trips overlap (issue 7). */
export const FILES_IN_FLIGHT = 4;

/**
 * Small files (at most {@link SMALL_FILE} bytes) stored at once instead: they wait mostly on the blob store's
 * group commit (issue 21), which grows with the number waiting; their bytes are held in memory meanwhile.
 */
export const SMALL_FILES_IN_FLIGHT = 64;

/** A file this small counts as 1 / (SMALL_FILES_IN_FLIGHT / FILES_IN_FLIGHT) of a file in flight. */
export const SMALL_FILE = 64 * 1024;

/**
 * Bytes those files may add up to (a file of unknown size counts as this much): a file larger than this is
 * stored alone, so large files keep the memory of one writer at a time.
 */
export const BYTES_IN_FLIGHT = 32 * 1024 * 1024;

/**
 * Runs tasks in order with at most {@link FILES_IN_FLIGHT} at once (or up to {@link SMALL_FILES_IN_FLIGHT}
 * when they are small) and their `bytes` within {@link BYTES_IN_FLIGHT} (one task always runs). After a failure no task starts; the first error is thrown
 * once every running task has settled, so nothing is still writing when the caller cleans up.
 * @param tasks each with the bytes it may hold in memory and how to run it
 */
export async function runBounded(tasks: { bytes: number; run: () => Promise<unknown> }[]): Promise<void> {
	let next = 0;
	let running = 0; // in slots: a small task takes 1, another SMALL_FILES_IN_FLIGHT / FILES_IN_FLIGHT
	let bytes = 0;
	const slots = (task: { bytes: number }) => (task.bytes <= SMALL_FILE ? 1 : SMALL_FILES_IN_FLIGHT / FILES_IN_FLIGHT);
	let failure: { error: unknown } | undefined;
	await new Promise<void>((resolve, reject) => {
		const launch = () => {
			while (failure === undefined && next < tasks.length) {
				const task = tasks[next]!;
				if (running > 0 && (running + slots(task) > SMALL_FILES_IN_FLIGHT || bytes + task.bytes > BYTES_IN_FLIGHT)) break;
				next++;
				running += slots(task);
				bytes += task.bytes;
				task.run().then(
					() => settle(task),
					(error: unknown) => {
						failure ??= { error };
						settle(task);
					}
				);
			}
			if (running > 0) return;
			if (failure) reject(failure.error);
			else resolve();
		};
		const settle = (task: { bytes: number }) => {
			running -= slots(task);
			bytes -= task.bytes;
			launch();
		};
		launch();
	});
}
