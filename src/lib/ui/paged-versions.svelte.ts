// A listing of versions fetched a page at a time (never everything: a shelf may hold 100,000 versions).
import { shelf } from '../client/shelf.ts';
import { parseSelector } from '../core/selector.ts';
import type { ListRequest, VersionRecord } from '../worker/contract.ts';
import { describeError, type ShownError } from './errors.ts';

/** Versions per request. */
export const PAGE_SIZE = 50;
/** A refresh re-reads what is shown in one request, up to this many versions. */
const MAX_REFRESH = 1000;

/** The versions a page shows for one query, grown by `more()`, kept current by `refresh()`. */
export class PagedVersions {
	#items = $state.raw<VersionRecord[] | null>(null);
	#next = $state.raw<string | null>(null);
	#loadingMore = $state(false);
	#failure = $state.raw<ShownError | null>(null);
	#selectorError = $state.raw<ShownError | null>(null);
	#whereError = $state.raw<ShownError | null>(null);
	/** The last query that listed successfully; a refresh or `more()` repeats it. */
	#query = $state.raw<ListRequest | null>(null);
	/** Drops answers to requests that a newer one replaced. */
	#generation = 0;

	/** The versions loaded so far, or null before the first answer. */
	get items(): readonly VersionRecord[] | null {
		return this.#items;
	}
	/** True when the worker has more versions for this query. */
	get hasMore(): boolean {
		return this.#next !== null;
	}
	get loadingMore(): boolean {
		return this.#loadingMore;
	}
	/** Why the listing failed (other than a bad selector). */
	get failure(): ShownError | null {
		return this.#failure;
	}
	/** The worker's `INVALID_SELECTOR`, with position; the items still show the last valid result. */
	get selectorError(): ShownError | null {
		return this.#selectorError;
	}
	/** The worker's `INVALID_SELECTOR` for the metric thresholds (`where`), with position; the items stay as for the selector. */
	get whereError(): ShownError | null {
		return this.#whereError;
	}
	/** The query of the items shown. */
	get query(): ListRequest | null {
		return this.#query;
	}

	/**
	 * Lists the first page of a new query. On an invalid selector or thresholds the last valid result stays
	 * (or, on the first load, the same query without the invalid part is shown).
	 * @param request the filter, without limit and cursor
	 */
	async show(request: ListRequest): Promise<void> {
		const generation = ++this.#generation;
		try {
			const page = await shelf().list({ ...request, limit: PAGE_SIZE });
			if (generation !== this.#generation) return;
			this.#accept(request, page.items, page.next);
			[this.#selectorError, this.#whereError] = [null, null];
		} catch (error) {
			if (generation !== this.#generation) return;
			const shown = describeError(error);
			if (shown.code !== 'INVALID_SELECTOR') return void (this.#failure = shown);
			const field = _invalidField(request);
			if (field === 'where') [this.#whereError, this.#selectorError] = [shown, null];
			else [this.#selectorError, this.#whereError] = [shown, null];
			if (this.#items === null) await this.#fallback(request, field, generation);
		}
	}

	/** Appends the next page. */
	async more(): Promise<void> {
		const query = this.#query;
		const cursor = this.#next;
		if (!query || cursor === null || this.#loadingMore) return;
		const generation = this.#generation;
		this.#loadingMore = true;
		try {
			const page = await shelf().list({ ...query, limit: PAGE_SIZE, cursor });
			if (generation !== this.#generation) return;
			this.#items = [...(this.#items ?? []), ...page.items];
			this.#next = page.next;
		} catch (error) {
			if (generation === this.#generation) this.#failure = describeError(error);
		} finally {
			this.#loadingMore = false;
		}
	}

	/** Re-reads as many versions as are shown (after a change in this or another tab). */
	async refresh(): Promise<void> {
		const query = this.#query;
		if (!query) return;
		const generation = ++this.#generation;
		const limit = Math.min(MAX_REFRESH, Math.max(PAGE_SIZE, this.#items?.length ?? 0));
		try {
			const page = await shelf().list({ ...query, limit });
			if (generation === this.#generation) this.#accept(query, page.items, page.next);
		} catch (error) {
			if (generation === this.#generation) this.#failure = describeError(error);
		}
	}

	async #fallback(request: ListRequest, field: 'selector' | 'where', generation: number): Promise<void> {
		const rest = { ...request };
		delete rest[field];
		try {
			const page = await shelf().list({ ...rest, limit: PAGE_SIZE });
			if (generation === this.#generation) this.#accept(rest, page.items, page.next);
		} catch (error) {
			// Both parts invalid: show neither.
			if (generation !== this.#generation) return;
			if (describeError(error).code !== 'INVALID_SELECTOR') return void (this.#failure = describeError(error));
			const { selector: _selector, where: _where, ...bare } = request;
			const page = await shelf().list({ ...bare, limit: PAGE_SIZE });
			if (generation === this.#generation) this.#accept(bare, page.items, page.next);
		}
	}

	#accept(query: ListRequest, items: VersionRecord[], next: string | null): void {
		this.#query = query;
		this.#items = items;
		this.#next = next;
		this.#failure = null;
	}
}

// ---------------------------------------------------------------------------

/**
 * Which text an `INVALID_SELECTOR` is about: the worker answers that code for the thresholds too, and the selector
 * is checked here with the same parser, so a valid selector means the thresholds are at fault.
 */
function _invalidField(request: ListRequest): 'selector' | 'where' {
	if (!request.where) return 'selector';
	if (!request.selector) return 'where';
	try {
		parseSelector(request.selector);
		return 'where';
	} catch {
		return 'selector';
	}
}
