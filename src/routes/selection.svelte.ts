// Which versions of the Models list are selected for a bulk action: ticked rows, shift-click ranges, the
// loaded rows at once, or every version matching the filter (collected by paging through the listing).
import type { ListPage, ListRequest } from '$lib/worker/contract.ts';

/** How the header checkbox shows the loaded rows: all ticked, some, or none. */
export type RowsState = 'all' | 'some' | 'none';

/** The selected tags of one filter; changing the filter clears them. */
export class Selection {
	#tags = $state.raw<ReadonlySet<string>>(new Set());
	/** True while the selection is exactly "every version matching the filter". */
	#allMatching = $state(false);
	/** The row a shift-click range starts from: the last one clicked. */
	#anchor: string | null = null;
	#filterKey: string | null = null;

	/** How many versions are selected. */
	get size(): number {
		return this.#tags.size;
	}
	/** The selected tags, in the order they were selected. */
	get tags(): string[] {
		return [...this.#tags];
	}
	/** True when "select all matching" made the selection and nothing was unticked since. */
	get allMatching(): boolean {
		return this.#allMatching;
	}

	/**
	 * Whether a version is selected.
	 * @param tag `name:version`
	 */
	has(tag: string): boolean {
		return this.#tags.has(tag);
	}

	/**
	 * Ticks or unticks one row; with `range`, every row from the last clicked one to this one takes this row's new state.
	 * @param tag the clicked row's tag
	 * @param rows the tags of the rows in the order shown (for ranges)
	 * @param range true on shift-click
	 */
	toggle(tag: string, rows: readonly string[], range = false): void {
		const checked = !this.#tags.has(tag);
		const from = range && this.#anchor !== null ? rows.indexOf(this.#anchor) : -1;
		const to = rows.indexOf(tag);
		const affected = from >= 0 && to >= 0 ? rows.slice(Math.min(from, to), Math.max(from, to) + 1) : [tag];
		this.#set(affected, checked);
		this.#anchor = tag;
	}

	/**
	 * Ticks or unticks every loaded row (the header checkbox).
	 * @param rows the tags of the rows shown
	 * @param checked the new state
	 */
	setRows(rows: readonly string[], checked: boolean): void {
		this.#set(rows, checked);
		this.#anchor = null;
	}

	/**
	 * How the loaded rows stand, for the header checkbox.
	 * @param rows the tags of the rows shown
	 */
	rowsState(rows: readonly string[]): RowsState {
		const ticked = rows.filter((tag) => this.#tags.has(tag)).length;
		return ticked === 0 ? 'none' : ticked === rows.length ? 'all' : 'some';
	}

	/**
	 * Selects exactly the versions matching the filter, replacing whatever was ticked.
	 * @param tags every matching tag (from {@link collectMatching})
	 */
	selectAllMatching(tags: readonly string[]): void {
		this.#tags = new Set(tags);
		this.#allMatching = true;
		this.#anchor = null;
	}

	/** Unticks everything. */
	clear(): void {
		this.#tags = new Set();
		this.#allMatching = false;
		this.#anchor = null;
	}

	/**
	 * Forgets tags that are gone (deleted here or in another tab).
	 * @param tags the tags that no longer exist
	 */
	forget(tags: Iterable<string>): void {
		const next = new Set(this.#tags);
		for (const tag of tags) next.delete(tag);
		if (next.size !== this.#tags.size) this.#tags = next;
	}

	/**
	 * Clears the selection when the filter changed: a selection belongs to the versions one filter matched.
	 * @param key identifies the filter (see `matchingKey`)
	 * @returns true when it cleared
	 */
	useFilter(key: string): boolean {
		if (this.#filterKey === key) return false;
		const cleared = this.#filterKey !== null;
		this.#filterKey = key;
		if (cleared) this.clear();
		return cleared;
	}

	#set(tags: readonly string[], checked: boolean): void {
		const next = new Set(this.#tags);
		for (const tag of tags) {
			if (checked) next.add(tag);
			else next.delete(tag);
		}
		this.#tags = next;
		if (!checked) this.#allMatching = false;
	}
}

/** Versions per request while collecting every match (the listing's pages are bounded). */
export const COLLECT_PAGE = 1000;

/**
 * Collects the tags of every version a filter matches, a page at a time: there is no count in the API, and
 * 100,000 tags are a few MB. Stops with the signal's reason when aborted.
 * @param list the worker's `list`
 * @param request the filter (without limit and cursor)
 * @param options `onProgress` hears the count so far; `signal` stops it
 * @example
 * const tags = await collectMatching((r) => shelf().list(r), { selector: 'stage=dev' }, { onProgress: (n) => (counted = n) });
 */
export async function collectMatching(
	list: (request: ListRequest) => Promise<ListPage>,
	request: ListRequest,
	{ onProgress, signal }: { onProgress?: (count: number) => void; signal?: AbortSignal } = {}
): Promise<string[]> {
	const tags: string[] = [];
	let cursor: string | null = null;
	do {
		signal?.throwIfAborted();
		const page: ListPage = await list({ ...request, limit: COLLECT_PAGE, cursor });
		for (const item of page.items) tags.push(item.tag);
		cursor = page.next;
		onProgress?.(tags.length);
	} while (cursor !== null);
	signal?.throwIfAborted();
	return tags;
}
