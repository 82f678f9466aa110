// Bundle imports started from the drop zone or the picker: a queue run one bundle at a time (the
// worker serialises writes anyway), each with progress, speed, outcome and its own Cancel.
import { callback, cancellable, shelf } from '../client/shelf.ts';
import { describeError, isAborted } from './errors.ts';
import type { StoreEvents } from './store-events.ts';

/** One bundle on its way in. */
export interface ImportJob {
	id: number;
	fileName: string;
	/** The bundle file's size in bytes. */
	size: number;
	state: 'queued' | 'running' | 'imported' | 'present' | 'failed' | 'cancelled';
	/** Progress of the worker's current phase. */
	loaded: number;
	total: number;
	phase: string;
	/** Bytes per second since the import started. */
	speed: number;
	/** The version's tag once imported (or found already present). */
	tag: string | null;
	/** The failure in plain words. */
	error: string | null;
}

/** The import queue shown in the Imports panel. */
export class ImportQueue {
	#jobs = $state.raw<ImportJob[]>([]);
	#files = new Map<number, File>();
	#controllers = new Map<number, AbortController>();
	#nextId = 1;
	#running = false;
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
		const added: ImportJob[] = [];
		for (const file of files) {
			const id = this.#nextId++;
			this.#files.set(id, file);
			added.push({ id, fileName: file.name, size: file.size, state: 'queued', loaded: 0, total: file.size, phase: 'waiting', speed: 0, tag: null, error: null });
		}
		this.#jobs = [...this.#jobs, ...added];
		void this.#pump();
	}

	/**
	 * Cancels one import: a queued one never starts, a running one stops and stores nothing.
	 * @param id the job's id
	 */
	cancel(id: number): void {
		const job = this.#jobs.find((candidate) => candidate.id === id);
		if (job?.state === 'queued') this.#update(id, { state: 'cancelled', phase: 'cancelled' });
		this.#controllers.get(id)?.abort();
	}

	/** Removes finished imports from the list. */
	clearFinished(): void {
		this.#jobs = this.#jobs.filter((job) => job.state === 'queued' || job.state === 'running');
	}

	async #pump(): Promise<void> {
		if (this.#running) return;
		this.#running = true;
		try {
			for (let job = this.#nextQueued(); job; job = this.#nextQueued()) await this.#run(job);
		} finally {
			this.#running = false;
		}
	}

	#nextQueued(): ImportJob | undefined {
		return this.#jobs.find((job) => job.state === 'queued');
	}

	async #run(job: ImportJob): Promise<void> {
		const file = this.#files.get(job.id)!;
		const controller = new AbortController();
		this.#controllers.set(job.id, controller);
		const started = performance.now();
		this.#update(job.id, { state: 'running', phase: 'reading' });
		const onProgress = callback(({ phase, loaded, total }: { phase: string; loaded: number; total: number }) => {
			const seconds = (performance.now() - started) / 1000;
			this.#update(job.id, { phase, loaded, total, speed: seconds > 0 ? loaded / seconds : 0 });
		});
		try {
			const result = await cancellable(controller.signal, (opId) => shelf().importBundle({ file, opId }, onProgress));
			const total = Math.max(this.#find(job.id)?.total ?? 0, 1);
			this.#update(job.id, { state: result.status === 'created' ? 'imported' : 'present', tag: result.record.tag, loaded: total, total, phase: 'done' });
			if (result.status === 'created') this.#events.changed();
		} catch (error) {
			if (isAborted(error)) this.#update(job.id, { state: 'cancelled', phase: 'cancelled' });
			else this.#update(job.id, { state: 'failed', phase: 'failed', error: describeError(error).message });
		} finally {
			this.#controllers.delete(job.id);
			this.#files.delete(job.id);
		}
	}

	#find(id: number): ImportJob | undefined {
		return this.#jobs.find((job) => job.id === id);
	}

	#update(id: number, patch: Partial<ImportJob>): void {
		this.#jobs = this.#jobs.map((job) => (job.id === id ? { ...job, ...patch } : job));
	}
}
