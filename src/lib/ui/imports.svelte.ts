// Bundle imports started from the drop zone or the picker: a queue run one bundle at a time (the
// worker serialises writes anyway), each an Operation with its own progress, outcome and Cancel.
import { shelf } from '../client/shelf.ts';
import type { ImportResult, Progress, StoreResult } from '../worker/contract.ts';
import { Operation } from './operation.svelte.ts';
import type { StoreEvents } from './store-events.ts';
import { keepStorageFor } from './storage-persistence.ts';

/** One bundle on its way in. */
export class ImportJob {
	readonly id: number;
	readonly file: File;
	readonly operation = new Operation<ImportResult>();
	/** Cancelled before it started. */
	#dropped = $state(false);
	/** The bundle holds several versions (the worker's progress says so); each commits on its own. */
	#several = $state(false);

	/**
	 * @param id the job's number in the queue
	 * @param file the picked or dropped bundle
	 */
	constructor(id: number, file: File) {
		this.id = id;
		this.file = file;
	}

	/** The bundle file's name. */
	get fileName(): string {
		return this.file.name;
	}

	/** Where the job is: waiting its turn, running, or how it ended (`present`: the shelf held it already). */
	get state(): 'queued' | 'running' | 'imported' | 'present' | 'failed' | 'cancelled' {
		if (this.#dropped) return 'cancelled';
		const { state, result } = this.operation;
		if (state === 'idle') return 'queued';
		if (state === 'done') return result?.versions.some((version) => version.status === 'created') ? 'imported' : 'present';
		return state;
	}

	/** Every version the bundle held once imported (one for most bundles), in the bundle's order. */
	get versions(): readonly StoreResult[] {
		return this.operation.result?.versions ?? [];
	}

	/**
	 * True when a bundle of several versions failed or was cancelled part way: the versions it finished before
	 * stay on the shelf (a failure's message names them; progress is throttled, so the page cannot count them).
	 */
	get endedPartWay(): boolean {
		return this.#several && (this.state === 'failed' || this.state === 'cancelled');
	}

	/**
	 * Hears the worker's progress: `file.count` is the number of versions when the bundle holds several.
	 * @param progress the latest report
	 */
	noteProgress(progress: Progress): void {
		if (progress.file && progress.file.count > 1) this.#several = true;
	}

	/** The version's tag once imported (or found already present). */
	get tag(): string | null {
		return this.operation.result?.record.tag ?? null;
	}

	/** Takes it out of the queue before it starts; a running one is cancelled in the worker. */
	cancel(): void {
		if (this.state === 'queued') this.#dropped = true;
		else this.operation.cancel();
	}
}

/** The import queue shown in the Imports panel. */
export class ImportQueue {
	#jobs = $state.raw<ImportJob[]>([]);
	#nextId = 1;
	#pumping = false;
	readonly #events: StoreEvents;

	/** @param events told after each bundle that changed the store */
	constructor(events: StoreEvents) {
		this.#events = events;
	}

	/** Every import since the panel was last cleared, in the order they were started. */
	get jobs(): readonly ImportJob[] {
		return this.#jobs;
	}

	/** True while some import is queued or running. */
	get busy(): boolean {
		return this.#jobs.some((job) => job.state === 'queued' || job.state === 'running');
	}

	/**
	 * Queues bundles for import; they run one after another.
	 * @param files the picked or dropped files
	 */
	add(files: Iterable<File>): void {
		const added = [...files];
		void keepStorageFor(added.reduce((sum, file) => sum + file.size, 0)); // issue 22: before a large import
		this.#jobs = [...this.#jobs, ...added.map((file) => new ImportJob(this.#nextId++, file))];
		void this.#pump();
	}

	/**
	 * Cancels one import: a queued one never starts, a running one stops and stores nothing more (a bundle
	 * of several versions keeps those it finished).
	 * @param id the job's id
	 */
	cancel(id: number): void {
		this.#jobs.find((job) => job.id === id)?.cancel();
	}

	/** Removes finished imports from the list. */
	clearFinished(): void {
		this.#jobs = this.#jobs.filter((job) => job.state === 'queued' || job.state === 'running');
	}

	async #pump(): Promise<void> {
		if (this.#pumping) return;
		this.#pumping = true;
		try {
			for (let job = this.#nextQueued(); job; job = this.#nextQueued()) {
				await job.operation.run((controls) =>
					shelf().importBundle(
						{ file: job.file },
						{
							signal: controls.signal,
							onProgress: (progress) => {
								job.noteProgress(progress);
								controls.onProgress(progress);
							}
						}
					)
				);
				if (job.state === 'imported' || job.endedPartWay) this.#events.changed();
			}
		} finally {
			this.#pumping = false;
		}
	}

	#nextQueued(): ImportJob | undefined {
		return this.#jobs.find((job) => job.state === 'queued');
	}
}
