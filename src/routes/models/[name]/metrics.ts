// Numbers in versions' metadata (accuracy, loss, …) as series to chart across versions.
import type { YamlValue } from '$lib/core/manifest-schema.ts';
import type { VersionRecord } from '$lib/core/store-types.ts';
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

// ---------------------------------------------------------------------------------------------------
// Internals

function* _numbers(value: Record<string, YamlValue>, prefix: string): Generator<[string, number]> {
	for (const [key, item] of Object.entries(value)) {
		const path = prefix === '' ? key : `${prefix}.${key}`;
		if (typeof item === 'number' && Number.isFinite(item)) yield [path, item];
		else if (item !== null && typeof item === 'object' && !Array.isArray(item) && !(item instanceof Uint8Array)) yield* _numbers(item, path);
	}
}
