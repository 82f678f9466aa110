// One pull at a time from the Remote page: the reference being pulled and its Operation.
import { shelf } from '$lib/client/shelf.ts';
import type { Connectivity } from '$lib/ui/connectivity.svelte.ts';
import { Operation } from '$lib/ui/operation.svelte.ts';
import type { StoreEvents } from '$lib/ui/store-events.ts';
import type { PullResult, ShelfApi } from '$lib/worker/contract.ts';

/** Edits to what a foreign artifact becomes. */
export type PullAs = NonNullable<Parameters<ShelfApi['pull']>[0]['as']>;

/** The pull the Remote page runs; the page and its panels read it. */
export class PullJob {
	readonly operation = new Operation<PullResult>();
	#reference = $state<string | null>(null);
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

	/** The reference of the running or last pull. */
	get reference(): string | null {
		return this.#reference;
	}

	/**
	 * Pulls `name:version` or `name@sha256:…` into the shelf; one pull at a time.
	 * @param reference what to pull
	 * @param as for a foreign artifact, the edited proposal (name, version, labels)
	 */
	async start(reference: string, as?: PullAs): Promise<void> {
		if (this.operation.running) return;
		this.#reference = reference;
		const result = await this.operation.run((controls) => shelf().pull(as ? { reference, as } : { reference }, controls));
		this.#connectivity.learnFrom(this.operation);
		if (result?.status === 'created') this.#events.changed();
	}
}
