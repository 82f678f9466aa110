// Windowing math for long tables (the tensor table of issue 17): which rows to put in the DOM for a scroll
// position, and how tall the spacers above and below them are. Pure, so it is tested without a browser.

/** Where the table is scrolled to and how its rows are laid out. */
export interface ScrollView {
	/** The scroll container's `scrollTop`, in px. */
	scrollTop: number;
	/** The container's visible height (`clientHeight`), in px. */
	viewportHeight: number;
	/** Every row's height, in px (fixed: rows never wrap). */
	rowHeight: number;
	/** Rows in the whole list. */
	count: number;
	/** Rows rendered beyond each edge of the viewport, so a quick scroll does not show blank space first. */
	overscan: number;
}

/** The rows to render, `[start, end)`, and the space the rows left out take above and below them. */
export interface RowWindow {
	start: number;
	end: number;
	/** Height of the spacer before row `start`, in px. */
	paddingTop: number;
	/** Height of the spacer after row `end - 1`, in px. */
	paddingBottom: number;
}

/**
 * The rows of a fixed-row-height list visible at a scroll position, with `overscan` rows either side.
 * Out-of-range input (a scroll past the end after the list shrank, a negative overscroll, a zero-height
 * viewport before layout) still gives a window inside `[0, count]`.
 * @param view the scroll position, the viewport and the rows
 * @example
 * visibleRows({ scrollTop: 300, viewportHeight: 100, rowHeight: 30, count: 1000, overscan: 2 });
 * // { start: 8, end: 16, paddingTop: 240, paddingBottom: 29520 }
 */
export function visibleRows(view: ScrollView): RowWindow {
	const count = Math.max(0, Math.floor(_finite(view.count)));
	const rowHeight = _finite(view.rowHeight);
	if (count === 0 || rowHeight <= 0) return { start: 0, end: 0, paddingTop: 0, paddingBottom: 0 };
	const overscan = Math.max(0, Math.floor(_finite(view.overscan)));
	const top = Math.min(Math.max(0, _finite(view.scrollTop)), count * rowHeight);
	const height = Math.max(0, _finite(view.viewportHeight));
	const first = Math.min(count - 1, Math.floor(top / rowHeight));
	const last = Math.ceil((top + height) / rowHeight);
	const start = Math.max(0, first - overscan);
	const end = Math.min(count, Math.max(first + 1, last) + overscan);
	return { start, end, paddingTop: start * rowHeight, paddingBottom: (count - end) * rowHeight };
}

// ---------------------------------------------------------------------------------------------------

function _finite(value: number): number {
	return Number.isFinite(value) ? value : 0;
}
