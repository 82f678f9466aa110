// Live examples for Help, taken from what is on this shelf now (the newest versions and the aliases), so
// every explanation can point at something real; null where the shelf has nothing to show.
import type { Alias, VersionRecord } from '$lib/worker/contract.ts';
import { parseSelector } from '$lib/core/selector.ts';
import { metricValue } from '../models-filter.ts';

/** What Help can show from this shelf. */
export interface ShelfExamples {
	/** Versions read (the newest first; at most the page Help asked for). */
	versions: number;
	/** A model with its version count and where `latest` points (the model with the most versions read). */
	model: { name: string; count: number; latest: string } | null;
	/** One alias: `name@alias` and the tag it points at. */
	alias: { reference: string; tag: string } | null;
	/** One label of the newest labelled version, as a selector requirement (`stage=production`). */
	label: string | null;
	/** Numeric metadata keys seen, sorted (what "Sort by metric" offers). */
	metrics: string[];
}

/**
 * Picks Help's examples from versions (newest first, as `list` gives them) and aliases.
 * @param versions the newest versions of the shelf
 * @param aliases every alias
 * @example
 * examplesFrom([], []).model; // null: the shelf is empty
 */
export function examplesFrom(versions: readonly VersionRecord[], aliases: readonly Alias[]): ShelfExamples {
	const byName = new Map<string, { count: number; latest: string }>();
	for (const version of versions) {
		const seen = byName.get(version.name);
		// Newest first, so the first one seen is the latest.
		byName.set(version.name, { count: (seen?.count ?? 0) + 1, latest: seen?.latest ?? version.tag });
	}
	let model: ShelfExamples['model'] = null;
	for (const [name, { count, latest }] of byName) if (!model || count > model.count) model = { name, count, latest };
	const first = aliases[0];
	const metrics = new Set<string>();
	for (const version of versions) {
		for (const [key, value] of Object.entries(version.info.metadata)) if (metricValue(value) !== null) metrics.add(key);
	}
	return {
		versions: versions.length,
		model,
		alias: first ? { reference: `${first.name}@${first.alias}`, tag: `${first.name}:${first.version}` } : null,
		label: _firstLabel(versions),
		metrics: [...metrics].sort()
	};
}

// ---------------------------------------------------------------------------------------------------

/** The first label (newest version, keys in order) that can be written as a selector: labels are free text. */
function _firstLabel(versions: readonly VersionRecord[]): string | null {
	for (const version of versions) {
		for (const key of Object.keys(version.info.labels).sort()) {
			const requirement = `${key}=${version.info.labels[key]}`;
			try {
				parseSelector(requirement);
				return requirement;
			} catch {
				// Not expressible in selector grammar (a space, a long value): try the next one.
			}
		}
	}
	return null;
}
