// Issue 16: the model page's alias history read back (what an alias was on a date, Roll back targets) and
// its best version by a metric (versions lacking the metric never count, and sort last).
import { describe, expect, it } from 'vitest';
import type { Alias, AliasEvent, VersionRecord } from '../../src/lib/core/store-types.ts';
import { aliasTargetAt, aliasesByVersion, aliasesInHistory, newestFirst, rollbackTargets } from '../../src/routes/models/[name]/alias-history.ts';
import { bestByMetric, metricValue, orderByMetric } from '../../src/routes/models/[name]/metrics.ts';

const DAY = 86_400_000;
const T0 = Date.UTC(2025, 10, 1);

let seq = 0;
/** One alias event of model `churn`, `days` after T0. */
function event(alias: string, from: string | null, to: string | null, days: number, note?: string): AliasEvent {
	return { seq: ++seq, name: 'churn', alias, from, to, at: T0 + days * DAY, ...(note ? { note } : {}) };
}

/** A version of `churn` with the given metadata (only what metrics read is filled in). */
function version(name: string, metadata: Record<string, unknown>): VersionRecord {
	const info = { name: 'churn', version: name, labels: {}, metadata, creationTime: '2025-11-01T00:00:00+00:00' };
	return { tag: `churn:${name}`, name: 'churn', version: name, info: info as unknown as VersionRecord['info'], files: [], size: 0, createdKey: name, savedAt: 0 };
}

// champion: set to v1 (day 0), moved to v2 (day 2), removed (day 5), set to v3 (day 7), moved to v4 (day 9);
// production: set to v1 (day 1), moved to v3 (day 8).
const history = [
	event('champion', null, 'v1', 0, 'first model'),
	event('production', null, 'v1', 1),
	event('champion', 'v1', 'v2', 2, 'better recall'),
	event('champion', 'v2', null, 5),
	event('champion', null, 'v3', 7),
	event('production', 'v1', 'v3', 8),
	event('champion', 'v3', 'v4', 9)
];

describe('aliasTargetAt answers "what was the alias on a date" from the history alone', () => {
	it('is null before the alias was first set', () => {
		expect(aliasTargetAt(history, 'champion', T0 - 1)).toBeNull();
	});
	it('follows every move, in whatever order the events are given', () => {
		const shuffled = [...history].reverse();
		expect(aliasTargetAt(shuffled, 'champion', T0)).toBe('v1'); // an event at exactly that moment has happened
		expect(aliasTargetAt(shuffled, 'champion', T0 + 1.5 * DAY)).toBe('v1');
		expect(aliasTargetAt(shuffled, 'champion', T0 + 3 * DAY)).toBe('v2');
		expect(aliasTargetAt(shuffled, 'champion', T0 + 8 * DAY)).toBe('v3');
		expect(aliasTargetAt(shuffled, 'champion', T0 + 100 * DAY)).toBe('v4');
	});
	it('is null while the alias was removed, and set again afterwards', () => {
		expect(aliasTargetAt(history, 'champion', T0 + 6 * DAY)).toBeNull();
		expect(aliasTargetAt(history, 'champion', T0 + 7 * DAY)).toBe('v3');
	});
	it('keeps aliases apart', () => {
		expect(aliasTargetAt(history, 'production', T0 + 3 * DAY)).toBe('v1');
		expect(aliasTargetAt(history, 'production', T0 + 8 * DAY)).toBe('v3');
		expect(aliasTargetAt(history, 'staging', T0 + 8 * DAY)).toBeNull();
	});
	it('orders events of the same millisecond by seq', () => {
		const at = T0 + 20 * DAY;
		const burst = [event('fast', 'v2', 'v3', 20), event('fast', null, 'v1', 20), event('fast', 'v1', 'v2', 20)];
		// seq, not array order, decides: the last event created is the one with the highest seq.
		burst[0]!.seq = 3;
		burst[1]!.seq = 1;
		burst[2]!.seq = 2;
		expect(aliasTargetAt(burst, 'fast', at)).toBe('v3');
	});
});

describe('the timeline and Roll back', () => {
	it('lists the history newest first and names every alias it mentions once', () => {
		expect(newestFirst(history).map((e) => e.at)).toEqual([9, 8, 7, 5, 2, 1, 0].map((days) => T0 + days * DAY));
		expect(aliasesInHistory(history)).toEqual(['champion', 'production']);
	});
	it('rolls an alias back to where its last change came from, and offers nothing for a first setting', () => {
		const current: Alias[] = [
			{ name: 'churn', alias: 'champion', version: 'v4', since: T0 + 9 * DAY },
			{ name: 'churn', alias: 'production', version: 'v3', since: T0 + 8 * DAY },
			{ name: 'churn', alias: 'fresh', version: 'v1', since: T0 + 10 * DAY }
		];
		const withFresh = [...history, event('fresh', null, 'v1', 10)];
		expect(Object.fromEntries(rollbackTargets(current, withFresh))).toEqual({ champion: 'v3', production: 'v1' });
	});
	it('groups the aliases by the version they point at, for the badges', () => {
		const current: Alias[] = [
			{ name: 'churn', alias: 'champion', version: 'v4', since: 0 },
			{ name: 'churn', alias: 'production', version: 'v4', since: 0 },
			{ name: 'churn', alias: 'staging', version: 'v2', since: 0 }
		];
		expect(Object.fromEntries(aliasesByVersion(current))).toEqual({ v4: ['champion', 'production'], v2: ['staging'] });
	});
});

describe('best version by a metric', () => {
	const versions = [
		version('v1', { accuracy: 0.91, loss: 0.3 }),
		version('v2', { loss: 0.1 }),
		version('v3', { accuracy: 0.97, eval: { f1: 0.5 } }),
		version('v4', { accuracy: 'n/a' }),
		version('v5', { accuracy: 0.95, eval: { f1: 0.8 } })
	];

	it('names the highest for desc and the lowest for asc; versions lacking the metric do not count', () => {
		expect(bestByMetric(versions, { metadata: 'accuracy', direction: 'desc' })).toEqual({ version: versions[2], value: 0.97 });
		expect(bestByMetric(versions, { metadata: 'accuracy', direction: 'asc' })).toEqual({ version: versions[0], value: 0.91 });
		expect(bestByMetric(versions, { metadata: 'loss', direction: 'asc' })?.version.version).toBe('v2');
		expect(bestByMetric(versions, { metadata: 'eval.f1', direction: 'desc' })?.value).toBe(0.8);
		expect(bestByMetric(versions, { metadata: 'wer', direction: 'desc' })).toBeNull();
	});

	it('orders by the metric with versions lacking it last, in the order they came', () => {
		expect(orderByMetric(versions, { metadata: 'accuracy', direction: 'desc' }).map((v) => v.version)).toEqual(['v3', 'v5', 'v1', 'v2', 'v4']);
		expect(orderByMetric(versions, { metadata: 'accuracy', direction: 'asc' }).map((v) => v.version)).toEqual(['v1', 'v5', 'v3', 'v2', 'v4']);
		expect(versions.map((v) => v.version)).toEqual(['v1', 'v2', 'v3', 'v4', 'v5']); // not sorted in place
	});

	it('reads nested metrics by their dotted path and ignores non-numbers', () => {
		expect(metricValue(versions[2]!, 'eval.f1')).toBe(0.5);
		expect(metricValue(versions[3]!, 'accuracy')).toBeUndefined();
	});

	it('breaks ties by the order given', () => {
		const tied = [version('a', { accuracy: 0.9 }), version('b', { accuracy: 0.9 })];
		expect(bestByMetric(tied, { metadata: 'accuracy', direction: 'desc' })?.version.version).toBe('a');
	});
});
