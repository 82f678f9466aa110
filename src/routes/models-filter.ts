// The Models page's filter as it lives in the URL, so a filtered view can be bookmarked and shared:
// `/?q=fraud&selector=stage%3Dproduction&order=oldest&view=grouped&sort=accuracy&dir=asc&where=epochs%3C10&aliased=1&params=1M..10B&format=gguf,onnx`.
import { MODEL_FORMATS, type ModelFormat } from '$lib/core/inspect/facts.ts';
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
	/** Only versions holding one of these model formats, in {@link MODEL_FORMATS} order; [] for any. */
	formats: ModelFormat[];
	/** A parameter range as typed, `min..max` with either end open (`1M..10B`, `..1B`, `7B..`); may be invalid when the URL was edited by hand. */
	params: string;
}

/** The filter with nothing set: what `/` shows. */
export const DEFAULT_FILTER: ModelsFilter = { q: '', selector: '', order: 'newest', view: 'flat', sort: '', dir: 'desc', where: '', aliased: false, formats: [], params: '' };

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
		aliased: params.get('aliased') === '1',
		formats: parseFormats(params.get('format') ?? ''),
		params: (params.get('params') ?? '').trim()
	};
}

/**
 * Reads a comma-separated list of model formats, dropping unknown names and duplicates.
 * @param text `gguf,onnx` as in the URL
 * @example
 * parseFormats('onnx, GGUF,zip'); // ['gguf', 'onnx']
 */
export function parseFormats(text: string): ModelFormat[] {
	const named = new Set(text.split(',').map((name) => name.trim().toLowerCase()));
	return MODEL_FORMATS.filter((format) => named.has(format));
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
	if (query.params !== '') params.set('params', query.params);
	// Format names are plain words, so the list is written with bare commas (`format=gguf,onnx`), not `%2C`.
	const formats = parseFormats(query.formats.join(','));
	const text = [params.toString(), formats.length > 0 ? `format=${formats.join(',')}` : ''].filter((part) => part !== '').join('&');
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
	if (query.formats.length > 0) request.formats = [...query.formats];
	// An invalid range (a hand-edited link) filters nothing; the filter bar says what is wrong with it.
	const range = parseParameterRange(query.params);
	if ('range' in range && range.range !== null) request.parameters = range.range;
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

/** Why a parameter count or range cannot be read: words, and where in the text it goes wrong. */
export interface ParameterProblem {
	/** Which box the problem is in: the minimum, the maximum, or the range as a whole (min above max). */
	field: 'min' | 'max' | 'range';
	message: string;
	/** 0-based index of the offending character in that box's text, when one is at fault. */
	position?: number;
}

/** A parameter range read from text: bounds to list by (null for no range), or why it cannot be read. */
export type ParameterRangeReading = { range: { min?: number; max?: number } | null } | { problem: ParameterProblem };

const UNITS: Record<string, number> = { K: 1e3, M: 1e6, B: 1e9, T: 1e12 };
const COUNT_HINT = 'Write a count like 7B, 125M, 1.5K or 500 (K, M, B, T: thousand, million, billion, trillion).';

/**
 * Reads a parameter count as people write it: `7B`, `125M`, `1.5K`, `500`, `7.24 B` (case and spaces do not matter).
 * @param text the count as typed
 * @returns the count, rounded to a whole number, or where and why it cannot be read
 * @example
 * parseParameterCount('1.5K'); // { value: 1500 }
 * parseParameterCount('7X');   // { problem: { message: '…', position: 1 } }
 */
export function parseParameterCount(text: string): { value: number } | { problem: Omit<ParameterProblem, 'field'> } {
	const match = /^(\s*)(\d+(?:\.\d*)?|\.\d+)\s*([kmbt])?\s*$/i.exec(text);
	if (match) return { value: Math.round(Number(match[2]) * (match[3] ? UNITS[match[3].toUpperCase()]! : 1)) };
	if (text.trim() === '') return { problem: { message: `No parameter count given. ${COUNT_HINT}` } };
	return { problem: { message: `"${text.trim()}" is not a parameter count. ${COUNT_HINT}`, position: _countErrorPosition(text) } };
}

/**
 * Reads a parameter range from its two ends, either of which may be empty (open).
 * @param min the lower bound as typed ('' for none)
 * @param max the upper bound as typed ('' for none)
 * @example
 * parameterRangeOf('1M', ''); // { range: { min: 1_000_000 } }
 */
export function parameterRangeOf(min: string, max: string): ParameterRangeReading {
	const range: { min?: number; max?: number } = {};
	for (const [field, text] of [['min', min], ['max', max]] as const) {
		if (text.trim() === '') continue;
		const count = parseParameterCount(text);
		if ('problem' in count) return { problem: { field, ...count.problem } };
		range[field] = count.value;
	}
	if (range.min !== undefined && range.max !== undefined && range.min > range.max) {
		return { problem: { field: 'range', message: `The minimum (${min.trim()}) is above the maximum (${max.trim()}): no version can match. Swap them?` } };
	}
	return { range: range.min === undefined && range.max === undefined ? null : range };
}

/**
 * Splits a range as the URL holds it (`1M..10B`) into its two ends; a text without `..` is all minimum.
 * @param text the range
 */
export function splitParameterRange(text: string): { min: string; max: string } {
	const at = text.indexOf('..');
	return at === -1 ? { min: text, max: '' } : { min: text.slice(0, at), max: text.slice(at + 2) };
}

/**
 * Writes a range's two ends as the URL holds it: `1M..10B`, `..1B`, `7B..`; '' when both are empty.
 * @param min the lower bound as typed
 * @param max the upper bound as typed
 */
export function joinParameterRange(min: string, max: string): string {
	const [low, high] = [min.replace(/\s+/g, ''), max.replace(/\s+/g, '')];
	return low === '' && high === '' ? '' : `${low}..${high}`;
}

/**
 * Reads a range as the URL holds it. A text without `..` is refused rather than guessed at (a minimum? exactly?).
 * @param text `1M..10B`, `..1B`, `7B..`, or '' for no range
 */
export function parseParameterRange(text: string): ParameterRangeReading {
	if (text.trim() === '') return { range: null };
	if (!text.includes('..')) return { problem: { field: 'range', message: `"${text.trim()}" is not a range: write min..max, either end open (1M..10B, ..1B, 7B..).` } };
	const { min, max } = splitParameterRange(text);
	return parameterRangeOf(min, max);
}

// ---------------------------------------------------------------------------------------------------

/** The first character a count cannot continue with: past the number, then past at most one unit letter. */
function _countErrorPosition(text: string): number {
	const number = /^\s*(?:\d+(?:\.\d*)?|\.\d+)\s*/.exec(text);
	if (!number) return /^\s*/.exec(text)![0].length;
	const unit = /^[kmbt]\s*/i.exec(text.slice(number[0].length));
	return number[0].length + (unit?.[0].length ?? 0);
}
