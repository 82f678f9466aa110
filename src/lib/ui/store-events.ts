// One place that hears about store changes: from other tabs (the worker's `watch`) and from this tab's
// own operations (which the worker does not echo back), so every page refreshes the same way.
import { shelf } from '../client/shelf.ts';

/** What a listener hears: a change from another tab, or one this tab made. */
export type ChangeSource = 'other-tab' | 'this-tab';

/** Fans store changes out to the pages that show store data. */
export class StoreEvents {
	#listeners = new Set<(source: ChangeSource) => void>();
	#watching = false;
	#pending: ReturnType<typeof setTimeout> | undefined;

	/** Starts listening to other tabs; call once, in the browser. */
	start(): void {
		if (this.#watching) return;
		this.#watching = true;
		// Another tab's import of many bundles is a burst of changes: refresh once per burst.
		void shelf().watch(() => {
			clearTimeout(this.#pending);
			this.#pending = setTimeout(() => this.#emit('other-tab'), 150);
		});
	}

	/** Tells every listener that this tab changed the store. */
	changed(): void {
		this.#emit('this-tab');
	}

	/**
	 * Calls `listener` after every change; returns the function that stops it.
	 * @param listener usually a page's refresh
	 */
	subscribe(listener: (source: ChangeSource) => void): () => void {
		this.#listeners.add(listener);
		return () => this.#listeners.delete(listener);
	}

	#emit(source: ChangeSource): void {
		for (const listener of this.#listeners) listener(source);
	}
}
