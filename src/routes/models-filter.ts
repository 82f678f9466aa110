// The Models page's filter as it lives in the URL, so a filtered view can be bookmarked and shared:
// `/?q=fraud&selector=stage%3Dproduction&order=oldest&view=grouped&sort=accuracy&dir=asc&where=epochs%3C10&aliased=1`.
import { parseSelector } from '$lib/core/selector.ts';
import type { ListRequest } from '$lib/worker/contract.ts';

/** How rows are laid out: one per version, grouped by model, or one per alias (`churn@champion → v4`). */
export type ModelsView = 'flat' | 'grouped' | 'aliases';

/** What the Models page shows. */
export interface ModelsFilter {
	/** Free text matched against names and tags. */
	q: string;
	/** A Kubernetes label selector as typed (may be invalid when the URL was edited by hand). */
	selector: string;
	/** Creation-time order, used when no metric is chosen. */
	order: 'newest' | 'oldest';
	view: ModelsView;
	/** A numeric metadata key to order by (`accuracy`); '' orders by creation time. */
	sort: string;
	/** Direction of the metric order: highest first by default. */
	dir: 'desc' | 'asc';
	/** Numeric thresholds on metadata as typed: `accuracy>=0.9, epochs<10`. */
	where: string;
	/** Only versions some alias points at. */
	aliased: boolean;
}

/** The filter with nothing set: what `/` shows. */
export const DEFAULT_FILTER: ModelsFilter = { q: '', selector: '', order: 'newest', view: 'flat', sort: '', dir: 'desc', where: '', aliased: false };

/**
 * Reads the filter from a URL's query string; unknown values fall back to the defaults.
 * @param params the page URL's search params
 */
export function parseModelsFilter(params: URLSearchParams): ModelsFilter {
	const view = params.get('view');
	return {
		q: params.get('q') ?? '',
		selector: params.get('selector') ?? '',
		order: params.get('order') === 'oldest' ? 'oldest' : 'newest',
		view: view === 'grouped' || view === 'aliases' ? view : 'flat',
		sort: (params.get('sort') ?? '').trim(),
		dir: params.get('dir') === 'asc' ? 'asc' : 'desc',
		where: params.get('where') ?? '',
		aliased: params.get('aliased') === '1'
	};
}

/**
 * Writes the filter as a query string (`''` or `?…`), leaving defaults out so URLs stay short.
 * @param query the filter
 */
export function modelsFilterSearch(query: ModelsFilter): string {
	const params = new URLSearchParams();
	if (query.q !== '') params.set('q', query.q);
	if (query.selector !== '') params.set('selector', query.selector);
	if (query.order !== 'newest') params.set('order', query.order);
	if (query.view !== 'flat') params.set('view', query.view);
	if (query.sort !== '') params.set('sort', query.sort);
	// A direction without a metric means nothing, so it is not written.
	if (query.sort !== '' && query.dir !== 'desc') params.set('dir', query.dir);
	if (query.where !== '') params.set('where', query.where);
	if (query.aliased) params.set('aliased', '1');
	const text = params.toString();
	return text === '' ? '' : `?${text}`;
}

/**
 * The listing request a filter asks the worker for (without limit and cursor). The layout is not part of
 * it, except that one row per alias lists only aliased versions.
 * @param query the filter
 * @example
 * listRequestOf({ ...DEFAULT_FILTER, sort: 'accuracy' }); // { order: 'newest', orderBy: { metadata: 'accuracy', direction: 'desc' } }
 */
export function listRequestOf(query: ModelsFilter): ListRequest {
	const request: ListRequest = { order: query.order };
	const text = query.q.trim();
	const selector = query.selector.trim();
	const where = query.where.trim();
	if (text !== '') request.text = text;
	if (selector !== '') request.selector = selector;
	if (where !== '') request.where = where;
	if (query.sort !== '') request.orderBy = { metadata: query.sort, direction: query.dir };
	if (query.aliased || query.view === 'aliases') request.aliased = true;
	return request;
}

/**
 * A key that changes exactly when the set of matching versions may change (not with the layout or the order),
 * so a selection survives a re-sort but not a new filter.
 * @param query the filter
 */
export function matchingKey(query: ModelsFilter): string {
	const { order: _order, orderBy: _orderBy, ...request } = listRequestOf(query);
	return JSON.stringify(request);
}

/**
 * Adds `key=value` to a selector (AND), unless it already holds exactly that requirement.
 * @param selector the selector text so far
 * @param key a label key
 * @param value its value
 * @returns the new selector text
 * @throws ShelfError `INVALID_SELECTOR` when the label cannot be written in selector grammar
 * @example
 * addRequirement('team=risk', 'stage', 'production'); // 'team=risk,stage=production'
 */
export function addRequirement(selector: string, key: string, value: string): string {
	const requirement = `${key}=${value}`;
	parseSelector(requirement);
	const parts = selector.split(',').map((part) => part.trim()).filter((part) => part !== '');
	if (parts.some((part) => part.replace(/\s+/g, '') === requirement || part.replace(/\s+/g, '') === `${key}==${value}`)) return selector;
	return [...parts, requirement].join(',');
}

/**
 * A metadata value as a number, when it is one (an int, a float, a boxed `pyFloat`, a bigint); else null.
 * @param value a `model.yaml` metadata value
 * @example
 * metricValue(0.93); // 0.93
 * metricValue('high'); // null
 */
export function metricValue(value: unknown): number | null {
	if (typeof value === 'number') return Number.isNaN(value) ? null : value;
	if (value instanceof Number) return value.valueOf();
	if (typeof value === 'bigint') return Number(value);
	return null;
}
