// Numbers in versions' metadata (accuracy, loss, …) as series to chart across versions.
import type { YamlValue } from '$lib/core/manifest-schema.ts';
import type { MetricOrder, VersionRecord } from '$lib/core/store-types.ts';
import { creationDate } from '$lib/ui/format.ts';

/** One version's value of a metric. */
export interface MetricPoint {
	version: string;
	tag: string;
	date: Date;
	value: number;
}

/** Metrics people look for first; the chart opens on the first one present. */
const PREFERRED = ['accuracy', 'f1', 'auc', 'precision', 'recall', 'loss', 'wer'];

/**
 * The dotted paths of every finite number in the versions' metadata (`accuracy`, `eval.f1`), preferred first.
 * @param versions the versions shown
 */
export function metricNames(versions: readonly VersionRecord[]): string[] {
	const names = new Set<string>();
	for (const version of versions) for (const [path] of _numbers(version.info.metadata, '')) names.add(path);
	const rank = (name: string) => {
		const index = PREFERRED.indexOf(name.split('.').at(-1)!.toLowerCase());
		return index === -1 ? PREFERRED.length : index;
	};
	return [...names].sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
}

/**
 * One metric across versions, oldest first; versions without it are left out.
 * @param versions the versions shown
 * @param metric a dotted path from {@link metricNames}
 */
export function metricSeries(versions: readonly VersionRecord[], metric: string): MetricPoint[] {
	const points: MetricPoint[] = [];
	for (const version of versions) {
		const value = new Map(_numbers(version.info.metadata, '')).get(metric);
		const date = creationDate(version.info.creationTime);
		if (value !== undefined && date) points.push({ version: version.version, tag: version.tag, date, value });
	}
	return points.sort((a, b) => a.date.getTime() - b.date.getTime());
}

/**
 * One version's value of a metric, or undefined when its metadata lacks it (or it is not a finite number).
 * @param version a version
 * @param metric a dotted path from {@link metricNames}
 */
export function metricValue(version: VersionRecord, metric: string): number | undefined {
	for (const [path, value] of _numbers(version.info.metadata, '')) if (path === metric) return value;
	return undefined;
}

/**
 * The versions ordered by a metric (`desc`: highest first), versions lacking it last in their given order.
 * @param versions the versions shown
 * @param order the metric and direction
 */
export function orderByMetric(versions: readonly VersionRecord[], order: MetricOrder): VersionRecord[] {
	const sign = order.direction === 'desc' ? -1 : 1;
	const keyed = versions.map((version, index) => ({ version, index, value: metricValue(version, order.metadata) }));
	keyed.sort((a, b) => {
		if (a.value === undefined || b.value === undefined) return a.value === b.value ? a.index - b.index : a.value === undefined ? 1 : -1;
		return sign * (a.value - b.value) || a.index - b.index;
	});
	return keyed.map((entry) => entry.version);
}

/**
 * The best version by a metric: the highest value for `desc`, the lowest for `asc`; ties go to the version
 * listed first. Versions lacking the metric do not count.
 * @param versions the versions shown
 * @param order the metric and which direction is better
 * @returns the version and its value, or null when no version has the metric
 * @example
 * bestByMetric(versions, { metadata: 'accuracy', direction: 'desc' }); // { version: v7, value: 0.97 }
 */
export function bestByMetric(versions: readonly VersionRecord[], order: MetricOrder): { version: VersionRecord; value: number } | null {
	const [first] = orderByMetric(versions, order);
	const value = first ? metricValue(first, order.metadata) : undefined;
	return first && value !== undefined ? { version: first, value } : null;
}

// ---------------------------------------------------------------------------------------------------
// Internals

function* _numbers(value: Record<string, YamlValue>, prefix: string): Generator<[string, number]> {
	for (const [key, item] of Object.entries(value)) {
		const path = prefix === '' ? key : `${prefix}.${key}`;
		if (typeof item === 'number' && Number.isFinite(item)) yield [path, item];
		else if (item !== null && typeof item === 'object' && !Array.isArray(item) && !(item instanceof Uint8Array)) yield* _numbers(item, path);
	}
}
