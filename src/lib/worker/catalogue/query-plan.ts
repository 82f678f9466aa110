// Worker: pure planning, no IDB calls of its own (statistics come through PlanStats), so it runs in Node tests.
//
// How a ListQuery becomes index ranges. Every plan walks one or more ranges whose entries are ordered by
// createdKey; several ranges are merged in createdKey order. An index is only ever a necessary condition:
// each candidate still passes compileFilter (name, text and matchesSelector) before it counts.

import type { Selector } from '../../core/selector.ts';
import { meetsThresholds } from '../../core/lifecycle/metric-filter.ts';
import { matchesSelector, selectorIndexHints } from '../../core/selector-match.ts';
import type { ListOrder, ListQuery, NameSummary, VersionRecord } from '../../core/store-types.ts';
import { KEY_SEPARATOR } from './schema.ts';

/** One range of one index, ordered by createdKey within it. */
export type PlanSource =
	| { index: 'by-created' }
	| { index: 'by-name-created'; name: string }
	| { index: 'by-label-created'; pair: string }
	| { index: 'by-key-created'; key: string };

/** How a query finds its candidates. */
export interface QueryPlan {
	/**
	 * `empty`: nothing can match (an unknown name, a pair no version carries); `created`: walk every version;
	 * `name`: one name's versions; `label`: versions carrying one `key=value`; `label-union`: versions
	 * carrying one of an `in` list's pairs; `label-key`: versions having a key; `text-names`: the versions
	 * of the names that free text matches.
	 */
	kind: 'empty' | 'created' | 'name' | 'label' | 'label-union' | 'label-key' | 'text-names';
	/** Ranges to merge; empty for `empty`. */
	sources: PlanSource[];
	/** Index entries the plan visits at most, when known; null for a full walk or an uncounted range. */
	estimate: number | null;
	/**
	 * The share of the visited entries expected to pass the query's other label requirements (each taken as
	 * independent: the product of their shares among the versions having their key), when the planner counted
	 * them; absent means unknown or all. A page reads about `page / density` entries at once instead of finding
	 * out by doubling reads.
	 */
	density?: number;
	/**
	 * With `density`: the other label requirements as ranges, each a list of ranges of which every match holds
	 * at least one entry (a pair, an `in` list's pairs, a key). A page checks them on index keys before it reads
	 * any version (window-scan.ts), so it reads only the versions it may return.
	 */
	filters?: PlanSource[][];
}

/** What the planner may ask the database; all are cheap next to the walk they save. */
export interface PlanStats {
	/** The summary of one name (the `names` store). */
	summary(name: string): Promise<NameSummary | undefined>;
	/** Every name on the shelf (one record: name-directory.ts). */
	names(): Promise<string[]>;
	/** Versions carrying `key=value` (what `by-label` holds for it; read from the kept counts). */
	pairCount(pair: string): Promise<number>;
	/** Versions having `key` (what `by-label-key` holds for it; read from the kept counts). */
	keyCount(key: string): Promise<number>;
}

/** The filtering part of a {@link ListQuery}. */
export type QueryFilter = Pick<ListQuery, 'name' | 'selector' | 'text' | 'thresholds' | 'formats' | 'parameters'>;

/** A key of one of the indexes plans walk: createdKey, [name, createdKey], or [metric, value, createdKey]. */
export type RangeKey = string | [string, string] | [string, number, string];

/** Lower/upper bounds of one range, as plain data (the adapter turns them into an IDBKeyRange). */
export interface RangeBounds {
	lower: RangeKey | undefined;
	upper: RangeKey | undefined;
	lowerOpen: boolean;
	upperOpen: boolean;
}

/** Above this many name ranges (or `in` values), a plan walks another range with a filter instead of merging them. */
export const MAX_MERGED_RANGES = 16;

/** A candidate this small is walked as is, without counting label ranges to look for a smaller one. */
export const SMALL_ENOUGH = 256;

/**
 * Chooses the ranges that answer a query: the candidate with the fewest index entries among the name, the
 * names matched by free text, each `key=value` pair, each `in` list and each required key. Label counts are
 * only taken when there is something to compare.
 * @param query the filters (order, limit and cursor do not change the plan)
 * @param stats counts from the database, read in the caller's transaction
 * @example
 * await planQuery({ selector: parseSelector('stage=prod,team!=cv') }, stats);
 * // { kind: 'label', sources: [{ index: 'by-label-created', pair: 'stage=prod' }], estimate: null }
 */
export async function planQuery(query: QueryFilter, stats: PlanStats): Promise<QueryPlan> {
	const text = normalizeText(query.text);
	if (query.name !== undefined && text !== undefined && !textMatchesName(text, query.name)) return _EMPTY;
	const known: QueryPlan[] = [];
	if (query.name !== undefined) {
		const summary = await stats.summary(query.name);
		if (summary === undefined) return _EMPTY;
		known.push({ kind: 'name', sources: [{ index: 'by-name-created', name: query.name }], estimate: summary.count });
	}
	if (text !== undefined) {
		const names = (await stats.names()).filter((name) => textMatchesName(text, name));
		if (names.length === 0) return _EMPTY;
		if (names.length <= MAX_MERGED_RANGES) {
			// Only the matched names' summaries are read, together: each read costs (issue 21).
			const counts = await Promise.all(names.map(async (name) => (await stats.summary(name))?.count ?? 0));
			const sources = names.map((name): PlanSource => ({ index: 'by-name-created', name }));
			known.push({ kind: 'text-names', sources, estimate: counts.reduce((sum, count) => sum + count, 0) });
		}
	}
	let best = _smallest(known);
	if (best !== undefined && (best.estimate ?? Infinity) <= SMALL_ENOUGH) return best;

	const labels = _labelCandidates(query.selector);
	if (labels.length === 1 && best === undefined) return labels[0] as QueryPlan;
	// All counts are requested at once, so their round trips overlap. A pair's share is taken among the versions
	// having its key (versions without the key never match it, so the share is never underestimated).
	const [estimates, keyTotals] = await Promise.all([
		Promise.all(
			labels.map(async ({ sources }) => {
				const counts = sources.map((source) =>
					source.index === 'by-key-created' ? stats.keyCount(source.key) : source.index === 'by-label-created' ? stats.pairCount(source.pair) : 0
				);
				return (await Promise.all(counts)).reduce((sum, count) => sum + count, 0);
			})
		),
		Promise.all(labels.map(({ sources: [first] }) => (first?.index === 'by-label-created' ? stats.keyCount(_keyOfPair(first.pair)) : null)))
	]);
	for (const [i, candidate] of labels.entries()) {
		// Every match carries one of these entries: none at all means no match.
		if (estimates[i] === 0) return _EMPTY;
		known.push({ ...candidate, estimate: estimates[i] as number });
	}
	best = _smallest(known);
	if (best === undefined) return { kind: 'created', sources: [{ index: 'by-created' }], estimate: null };
	let density = 1;
	const filters: PlanSource[][] = [];
	for (const [i, candidate] of labels.entries()) {
		const total = keyTotals[i];
		const share = total ? Math.min(1, (estimates[i] as number) / total) : 1;
		if (candidate.sources === best.sources || share === 1) continue;
		density *= share;
		filters.push(candidate.sources);
	}
	return density < 1 ? { ...best, density, filters } : best;
}

/**
 * The bounds of one source's range for walking in `order`, starting strictly after `after` (a createdKey).
 * @param source a range of a plan
 * @param order newest (descending) or oldest (ascending)
 * @param after the cursor: the createdKey of the last item already returned, or null
 */
export function sourceBounds(source: PlanSource, order: ListOrder, after: string | null): RangeBounds {
	let bounds: RangeBounds;
	if (source.index === 'by-created') {
		bounds = { lower: undefined, upper: undefined, lowerOpen: false, upperOpen: false };
	} else if (source.index === 'by-name-created') {
		// createdKeys start with a digit, so '' and '\uffff' enclose every one.
		bounds = { lower: [source.name, ''], upper: [source.name, '\uffff'], lowerOpen: false, upperOpen: false };
	} else {
		// The separator is U+0000, so the prefix ending in U+0001 instead is the first key past the range.
		const prefix = _prefixOf(source);
		bounds = { lower: prefix, upper: `${prefix.slice(0, -1)}\u0001`, lowerOpen: false, upperOpen: true };
	}
	if (after === null) return bounds;
	const at = sourceKey(source, after);
	return order === 'oldest' ? { ...bounds, lower: at, lowerOpen: true } : { ...bounds, upper: at, upperOpen: true };
}

/**
 * The bounds of one source's entries strictly after `after` and up to `end` inclusive, in `order`: one
 * window of a windowed page (window-scan.ts).
 * @param source a range of a plan
 * @param order newest (descending) or oldest (ascending)
 * @param after the createdKey the window starts after, or null for the start of the range
 * @param end the createdKey of the window's last entry, or null for the end of the range
 */
export function windowBounds(source: PlanSource, order: ListOrder, after: string | null, end: string | null): RangeBounds {
	const bounds = sourceBounds(source, order, after);
	if (end === null) return bounds;
	const at = sourceKey(source, end);
	return order === 'oldest' ? { ...bounds, upper: at, upperOpen: false } : { ...bounds, lower: at, lowerOpen: false };
}

/**
 * The index key of the version created at `createdKey` in a source's range, and back: every index a plan
 * walks ends its keys with the createdKey.
 * @param source a range of a plan
 * @param createdKey a version's createdKey
 */
export function sourceKey(source: PlanSource, createdKey: string): RangeKey {
	if (source.index === 'by-created') return createdKey;
	if (source.index === 'by-name-created') return [source.name, createdKey];
	return `${_prefixOf(source)}${createdKey}`;
}

/**
 * The createdKey at the end of an index key of any range a plan walks (the inverse of {@link sourceKey}).
 * @param key an index key of `by-created`, `by-name-created`, `by-label-created` or `by-key-created`
 */
export function createdKeyOf(key: RangeKey): string {
	if (Array.isArray(key)) return key[key.length - 1] as string;
	// Labels never hold the separator (schema.ts replaces it), so the createdKey follows the first one.
	return key.slice(key.indexOf(KEY_SEPARATOR) + 1);
}

/**
 * A predicate for the filters of a query: name, free text and selector, all of which must hold.
 * @param query the filters
 */
export function compileFilter(query: QueryFilter): (record: Pick<VersionRecord, 'name' | 'tag' | 'info' | 'facts'>) => boolean {
	const text = normalizeText(query.text);
	const selector: Selector = query.selector ?? [];
	const formats = query.formats?.length ? new Set(query.formats) : undefined;
	const { min = -Infinity, max = Infinity } = query.parameters ?? {};
	return (record) =>
		(query.name === undefined || record.name === query.name) &&
		(text === undefined || _textMatchesTag(text, record)) &&
		(selector.length === 0 || matchesSelector(selector, record.info.labels ?? {})) &&
		(query.thresholds === undefined || meetsThresholds(query.thresholds, record.info.metadata)) &&
		(formats === undefined || (record.facts?.formats.some((format) => formats.has(format)) ?? false)) &&
		// A version whose facts are not derived yet, or that declares no tensors, has no count to be in range.
		(query.parameters === undefined || (record.facts?.parameters != null && record.facts.parameters >= min && record.facts.parameters <= max));
}

/**
 * Free text as it is matched: trimmed and lower-cased; undefined when nothing is left.
 * @param text what the user typed
 */
export function normalizeText(text: string | undefined): string | undefined {
	const normalized = text?.trim().toLowerCase();
	return normalized === undefined || normalized === '' ? undefined : normalized;
}

/**
 * Whether some version of `name` may match normalized free text: the name contains it, or the text is
 * `name:` followed by the start of a version (tags never contain a second colon).
 * @param text from {@link normalizeText}
 * @param name a model name
 */
export function textMatchesName(text: string, name: string): boolean {
	const lower = name.toLowerCase();
	const colon = text.indexOf(':');
	return lower.includes(text) || (colon !== -1 && lower === text.slice(0, colon));
}

/** A count that indexes give exactly, without walking (see {@link exactCount}). */
export type ExactCount =
	| { kind: 'all' }
	| { kind: 'name'; name: string }
	/** Versions carrying one of the pairs or (`negate`) all versions but those. */
	| { kind: 'pairs'; pairs: string[]; negate: boolean }
	/** Versions having the key or (`negate`) all versions but those. */
	| { kind: 'key'; key: string; negate: boolean };

/**
 * How to count a query from index counts alone: everything, one name, or one label requirement other
 * than `>`/`<` (a version has one value per key, so pair counts add up, and `!=`, `notin` and `!k` are
 * the total minus the versions they exclude). Null when the versions must be walked.
 * @param query the filters
 */
export function exactCount(query: QueryFilter): ExactCount | null {
	const selector = query.selector ?? [];
	if (normalizeText(query.text) !== undefined || (query.thresholds?.length ?? 0) > 0) return null;
	if ((query.formats?.length ?? 0) > 0 || query.parameters !== undefined) return null;
	if (query.name !== undefined) return selector.length === 0 ? { kind: 'name', name: query.name } : null;
	if (selector.length === 0) return { kind: 'all' };
	const [only] = selector;
	if (selector.length !== 1 || only === undefined) return null;
	const pairs = [...new Set(only.values)].map((value) => `${only.key}=${value}`);
	switch (only.operator) {
		case '=':
		case '==':
		case 'in':
			return { kind: 'pairs', pairs, negate: false };
		case '!=':
		case 'notin':
			return { kind: 'pairs', pairs, negate: true };
		case 'exists':
			return { kind: 'key', key: only.key, negate: false };
		case '!':
			return { kind: 'key', key: only.key, negate: true };
		default:
			return null;
	}
}

// ---------------------------------------------------------------------------------------------------
// Internal helpers

const _EMPTY: QueryPlan = { kind: 'empty', sources: [], estimate: 0 };

/** Uncounted label candidates: one per equality pair, per `in` list and per key required by nothing else. */
function _labelCandidates(selector: Selector | undefined): QueryPlan[] {
	if (selector === undefined || selector.length === 0) return [];
	const hints = selectorIndexHints(selector);
	const candidates: QueryPlan[] = hints.equals.map((pair) => ({
		kind: 'label',
		sources: [{ index: 'by-label-created', pair }],
		estimate: null
	}));
	const covered = new Set(hints.equals.map(_keyOfPair));
	for (const group of hints.oneOf) {
		group.forEach((pair) => covered.add(_keyOfPair(pair)));
		if (group.length > MAX_MERGED_RANGES) continue;
		const sources = group.map((pair): PlanSource => ({ index: 'by-label-created', pair }));
		candidates.push({ kind: 'label-union', sources, estimate: null });
	}
	for (const key of hints.required) {
		// A pair range of the same key is never larger than the key's range.
		if (!covered.has(key)) candidates.push({ kind: 'label-key', sources: [{ index: 'by-key-created', key }], estimate: null });
	}
	return candidates;
}

/** The first plan with the lowest estimate (so ties go to the name, then text, then labels in order). */
function _smallest(plans: QueryPlan[]): QueryPlan | undefined {
	let best: QueryPlan | undefined;
	for (const plan of plans) if (best === undefined || (plan.estimate ?? Infinity) < (best.estimate ?? Infinity)) best = plan;
	return best;
}

function _prefixOf(source: PlanSource & { index: 'by-label-created' | 'by-key-created' }): string {
	return `${source.index === 'by-label-created' ? source.pair : source.key}${KEY_SEPARATOR}`;
}

/** Label keys never contain `=` (selector.ts), so the key ends at the first one. */
function _keyOfPair(pair: string): string {
	return pair.slice(0, pair.indexOf('='));
}

function _textMatchesTag(text: string, record: Pick<VersionRecord, 'name' | 'tag'>): boolean {
	return record.name.toLowerCase().includes(text) || record.tag.toLowerCase().startsWith(text);
}
