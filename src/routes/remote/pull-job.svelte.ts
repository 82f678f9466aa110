// One pull at a time from the Remote page: progress, Cancel, and the outcome or the failure.
import { callback, cancellable, shelf } from '$lib/client/shelf.ts';
import { describeError, isAborted, type ShownError } from '$lib/ui/errors.ts';
import type { PullResult } from '$lib/ui/remote-types.ts';
import type { Connectivity } from '$lib/ui/connectivity.svelte.ts';
import type { StoreEvents } from '$lib/ui/store-events.ts';

/** Where a running pull is. */
export interface PullProgress {
	reference: string;
	loaded: number;
	total: number;
	speed: number;
	/** The file being downloaded (or found already on the shelf). */
	item: string | null;
}

/** The pull the Remote page runs; the page and its panels read it. */
export class PullJob {
	#progress = $state.raw<PullProgress | null>(null);
	#outcome = $state.raw<{ reference: string; result: PullResult } | null>(null);
	#failure = $state.raw<{ reference: string; error: ShownError } | null>(null);
	#cancelled = $state<string | null>(null);
	#controller: AbortController | null = null;
	readonly #events: StoreEvents;
	readonly #connectivity: Connectivity;

	/**
	 * @param events told when a pull changed the store
	 * @param connectivity told whether the registry's requests found a network
	 */
	constructor(events: StoreEvents, connectivity: Connectivity) {
		this.#events = events;
		this.#connectivity = connectivity;
	}

	/** The running pull, or null. */
	get progress(): PullProgress | null {
		return this.#progress;
	}
	/** The last finished pull. */
	get outcome() {
		return this.#outcome;
	}
	/** The last failed pull, in plain words. */
	get failure() {
		return this.#failure;
	}
	/** The reference of the last cancelled pull. */
	get cancelled(): string | null {
		return this.#cancelled;
	}

	/**
	 * Pulls `name:version` or `name@sha256:…` into the shelf; one pull at a time.
	 * @param reference what to pull
	 */
	async start(reference: string): Promise<void> {
		if (this.#progress) return;
		this.#controller = new AbortController();
		[this.#outcome, this.#failure, this.#cancelled] = [null, null, null];
		const started = performance.now();
		this.#progress = { reference, loaded: 0, total: 0, speed: 0, item: null };
		const onProgress = callback(({ loaded, total, item }: { loaded: number; total: number; item?: string }) => {
			if (!this.#progress) return;
			this.#progress = { reference, loaded, total, item: item ?? null, speed: loaded / Math.max((performance.now() - started) / 1000, 0.001) };
		});
		try {
			const result = await cancellable(this.#controller.signal, (opId) => shelf().pull({ reference, opId }, onProgress));
			this.#outcome = { reference, result };
			this.#connectivity.learn('ok');
			if (result.status === 'created') this.#events.changed();
		} catch (error) {
			this.#connectivity.learn(error);
			if (isAborted(error)) this.#cancelled = reference;
			else this.#failure = { reference, error: describeError(error) };
		} finally {
			this.#progress = null;
			this.#controller = null;
		}
	}

	/** Cancels the running pull; the worker stores nothing of it. */
	cancel(): void {
		this.#controller?.abort();
	}
}
