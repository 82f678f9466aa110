// A model's alias history (append-only events from the worker) read back: what an alias pointed at when,
// and which aliases can be rolled back. Pure functions, no DOM.
import type { Alias, AliasEvent } from '$lib/core/store-types.ts';

/**
 * The version an alias pointed at at a moment, answered from its history alone.
 * @param events the model's alias events, in any order
 * @param alias the alias asked about
 * @param atMs the moment (ms since epoch); an event at exactly that moment counts as done
 * @returns the version, or null when the alias was not set then (never yet, or removed)
 * @example
 * aliasTargetAt(events, 'production', Date.parse('2025-11-03T12:00:00Z')); // 'v3'
 */
export function aliasTargetAt(events: readonly AliasEvent[], alias: string, atMs: number): string | null {
	let last: AliasEvent | null = null;
	for (const event of events) {
		if (event.alias !== alias || event.at > atMs) continue;
		// `seq` orders events that share a millisecond.
		if (!last || event.at > last.at || (event.at === last.at && event.seq > last.seq)) last = event;
	}
	return last?.to ?? null;
}

/**
 * The history newest first, as the timeline shows it.
 * @param events the model's alias events, in any order
 */
export function newestFirst(events: readonly AliasEvent[]): AliasEvent[] {
	return [...events].sort((a, b) => b.seq - a.seq);
}

/**
 * Every alias the history mentions, sorted, for the "what was it then" question (removed ones included).
 * @param events the model's alias events
 */
export function aliasesInHistory(events: readonly AliasEvent[]): string[] {
	return [...new Set(events.map((event) => event.alias))].sort();
}

/**
 * Where Roll back would move each alias that is set now: the `from` of its last change, when there is one.
 * @param current the model's aliases now
 * @param events the model's alias events
 * @returns alias → version to roll back to (aliases whose last change was their first setting are left out)
 */
export function rollbackTargets(current: readonly Alias[], events: readonly AliasEvent[]): Map<string, string> {
	const lastByAlias = new Map<string, AliasEvent>();
	for (const event of events) {
		const last = lastByAlias.get(event.alias);
		if (!last || event.seq > last.seq) lastByAlias.set(event.alias, event);
	}
	const targets = new Map<string, string>();
	for (const { alias } of current) {
		const from = lastByAlias.get(alias)?.from;
		if (from) targets.set(alias, from);
	}
	return targets;
}

/**
 * Aliases grouped by the version they point at, for badges beside versions.
 * @param current the model's aliases now
 */
export function aliasesByVersion(current: readonly Alias[]): Map<string, string[]> {
	const byVersion = new Map<string, string[]>();
	for (const { version, alias } of current) byVersion.set(version, [...(byVersion.get(version) ?? []), alias]);
	return byVersion;
}
