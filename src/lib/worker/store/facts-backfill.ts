// Worker: facts for versions stored before they existed (issue 17), derived once in the background after
// the upgrade. Not under the write lock: reading headers may take a while and must not hold up saves; a
// version deleted or moved meanwhile is simply not written (the catalogue checks), and the next start-up
// picks up whatever a pass missed.
import { ShelfError } from '../../core/errors.ts';
import type { FactsProgress } from '../contract.ts';
import type { StoreChange } from './coordination.ts';
import type { ModelStore } from './model-store.ts';
import { deriveFacts } from './version-facts.ts';

/** Versions read per catalogue batch. */
const BATCH = 200;

/** A background pass deriving facts, and how far it got. */
export class FactsBackfill {
	#running: Promise<void> | null = null;
	#derived = 0;

	/**
	 * @param store the shelf
	 * @param notify hears of each batch of versions given facts (the worker tells its own pages and other tabs)
	 */
	constructor(
		private readonly store: ModelStore,
		private readonly notify: (change: StoreChange) => void
	) {}

	/** Starts a pass unless one runs; resolves when it ends (failures end it quietly: the next start tries again). */
	start(signal?: AbortSignal): Promise<void> {
		this.#running ??= this.#pass(signal)
			.catch(() => undefined)
			.finally(() => (this.#running = null));
		return this.#running;
	}

	/** Versions still without facts, and whether a pass is running. */
	async progress(): Promise<FactsProgress> {
		return { pending: await this.store.catalogue.countWithoutFacts(), derived: this.#derived, running: this.#running !== null };
	}

	async #pass(signal?: AbortSignal): Promise<void> {
		const { catalogue, blobs } = this.store;
		if ((await catalogue.countWithoutFacts()) === 0) return;
		for (const place of ['versions', 'trash'] as const) {
			for (let after: string | null = null; ; ) {
				const batch = await catalogue.withoutFacts(place, after, BATCH);
				const written: string[] = [];
				for (const record of batch.records) {
					if (signal?.aborted) throw new ShelfError('ABORTED', 'Deriving facts was stopped.', {});
					if (await catalogue.setFacts(place, record.tag, await deriveFacts(blobs, record.files, signal))) written.push(record.tag);
				}
				this.#derived += written.length;
				if (written.length > 0) this.notify({ kind: 'changed', tags: written });
				if (batch.next === null) break;
				after = batch.next;
			}
		}
	}
}
