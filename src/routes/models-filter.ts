// The Models page's filter as it lives in the URL, so a filtered view can be bookmarked and shared:
// `/?q=fraud&selector=stage%3Dproduction&order=oldest&view=grouped`.
import { parseSelector } from '$lib/core/selector.ts';

/** What the Models page shows. */
export interface ModelsFilter {
	/** Free text matched against names and tags. */
	q: string;
	/** A Kubernetes label selector as typed (may be invalid when the URL was edited by hand). */
	selector: string;
	order: 'newest' | 'oldest';
	view: 'flat' | 'grouped';
}

/**
 * Reads the filter from a URL's query string; unknown values fall back to the defaults.
 * @param params the page URL's search params
 */
export function parseModelsFilter(params: URLSearchParams): ModelsFilter {
	return {
		q: params.get('q') ?? '',
		selector: params.get('selector') ?? '',
		order: params.get('order') === 'oldest' ? 'oldest' : 'newest',
		view: params.get('view') === 'grouped' ? 'grouped' : 'flat'
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
	const text = params.toString();
	return text === '' ? '' : `?${text}`;
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
