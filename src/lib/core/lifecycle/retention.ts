// Node + browser: pure TypeScript, no DOM, no idb, no OPFS.
//
// Retention: which versions a rule deletes, and the bytes that frees, counted honestly (a blob shared with a
// version that stays, or with one already in the trash, frees nothing). Pure, over the ledger.

import { ShelfError } from '../errors.ts';
import { creationTimeKey } from '../manifest-time.ts';
import type { Selector } from '../selector.ts';
import { matchesSelector } from '../selector-match.ts';
import { bytesFreedBy, countShared, type LedgerEntry } from './ledger.ts';

/**
 * A retention rule. A version goes when it is outside the newest `keepNewest` of its name and older than
 * `olderThanDays` (each criterion given must agree; at least one must be given). `selector` restricts the rule
 * to the versions it matches, and the newest N are counted among those. `latest` and aliased versions are
 * kept unless `includeLatest` / `includeAliased` (an aliased version going takes its aliases with it).
 */
export interface RetentionRule {
	/** Only this model's versions (the Storage page's per-model clean-up). */
	name?: string;
	keepNewest?: number;
	olderThanDays?: number;
	selector?: string;
	includeLatest?: boolean;
	includeAliased?: boolean;
}

/**
 * One version a rule would delete. Lean on purpose: a plan can list 100,000 versions, and each field of each
 * one is cloned across the worker boundary (the name and version are in the tag).
 */
export interface PlannedRemoval {
	tag: string;
	size: number;
	/** Bytes no other version (on the shelf or in the trash) shares: freed once it is gone for good. */
	uniqueBytes: number;
	/** Present (true) only for a model's latest version, which goes only when the rule includes latest. */
	latest?: true;
	/** Present only for an aliased version (the rule includes aliased ones): its aliases, which go with it. */
	aliases?: string[];
}

/** What a rule would do: the exact versions, and the bytes emptying them from the trash would free. */
export interface RetentionPlan {
	versions: PlannedRemoval[];
	/** Bytes of blobs that only these versions reference (shared with a version that stays: not counted). */
	bytesFreed: number;
	/** Versions the rule selected but keeps because they are `latest` or aliased. */
	exempt: Array<{ tag: string; reason: 'latest' | 'aliased' }>;
}

/** What the planner needs besides the ledger. */
export interface RetentionInput {
	/** Every ledger entry, shelf and trash. */
	entries: readonly LedgerEntry[];
	/** Tags that are their model's `latest`. */
	latest: ReadonlySet<string>;
	/** Aliases per tag. */
	aliases: ReadonlyMap<string, string[]>;
	/** The rule's selector, parsed. */
	selector?: Selector;
	/** The current time (ms since epoch). */
	now: number;
}

const DAY_MS = 24 * 3600 * 1000;

/**
 * Plans a retention rule: the exact versions it deletes (oldest first within each name, names in order) and
 * the bytes freed once they are gone for good.
 * @param rule the rule (its `selector` text is ignored here: pass it parsed in `input.selector`)
 * @param input the ledger, latest tags, aliases and the time
 * @throws ShelfError `UNSUPPORTED` for a rule without criteria or with a negative or non-integer count
 * @example
 * planRetention({ keepNewest: 3 }, { entries, latest, aliases, now: Date.now() }).bytesFreed;
 */
export function planRetention(rule: RetentionRule, input: RetentionInput): RetentionPlan {
	checkRetentionRule(rule);
	const cutoff = rule.olderThanDays === undefined ? null : creationTimeKey({ creationTime: new Date(input.now - rule.olderThanDays * DAY_MS).toISOString() });
	const byName = new Map<string, LedgerEntry[]>();
	for (const entry of input.entries) {
		if (entry.trashed || (rule.name !== undefined && entry.name !== rule.name) || (input.selector && !matchesSelector(input.selector, entry.labels()))) continue;
		const list = byName.get(entry.name) ?? [];
		list.push(entry);
		byName.set(entry.name, list);
	}
	const going: LedgerEntry[] = [];
	const exempt: RetentionPlan['exempt'] = [];
	for (const name of [...byName.keys()].sort()) {
		const newestFirst = byName.get(name)!.sort((a, b) => (a.createdKey < b.createdKey ? 1 : -1));
		// Oldest first within a name: the order the versions are listed and deleted in.
		for (let index = newestFirst.length - 1; index >= 0; index--) {
			const entry = newestFirst[index]!;
			const beyondNewest = rule.keepNewest === undefined || index >= rule.keepNewest;
			const oldEnough = cutoff === null || entry.createdKey < cutoff;
			if (!beyondNewest || !oldEnough) continue;
			if (input.latest.has(entry.tag) && !rule.includeLatest) exempt.push({ tag: entry.tag, reason: 'latest' });
			else if (input.aliases.has(entry.tag) && !rule.includeAliased) exempt.push({ tag: entry.tag, reason: 'aliased' });
			else going.push(entry);
		}
	}
	const counts = countShared(input.entries);
	return {
		versions: going.map((entry) => {
			const aliases = input.aliases.get(entry.tag);
			return { tag: entry.tag, size: entry.size, uniqueBytes: entry.uniqueBytes, ...(input.latest.has(entry.tag) ? { latest: true as const } : {}), ...(aliases ? { aliases } : {}) };
		}),
		bytesFreed: bytesFreedBy(going, counts),
		exempt
	};
}

/**
 * Refuses a rule that would not say what to keep.
 * @param rule the rule as the page sent it
 * @throws ShelfError `UNSUPPORTED` with `details.kind: 'retention-rule'`
 */
export function checkRetentionRule(rule: RetentionRule): void {
	const problem =
		rule.keepNewest === undefined && rule.olderThanDays === undefined
			? 'says neither how many versions to keep nor how old a version must be to go'
			: rule.keepNewest !== undefined && !(Number.isInteger(rule.keepNewest) && rule.keepNewest >= 0)
				? 'keeps a number of versions that is not a whole number of at least 0'
				: rule.olderThanDays !== undefined && !(Number.isFinite(rule.olderThanDays) && rule.olderThanDays >= 0)
					? 'gives an age that is not a number of days of at least 0'
					: null;
	if (problem) {
		throw new ShelfError('UNSUPPORTED', `This retention rule ${problem}. Hint: give "keep the newest N" and/or "older than D days".`, { kind: 'retention-rule' });
	}
}
