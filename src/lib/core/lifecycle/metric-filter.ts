// Node + browser: pure TypeScript, no DOM, no idb, no OPFS.
//
// Numbers in a version's metadata as things to order and filter by: `accuracy` descending, `accuracy>=0.9`.
// Only top-level metadata values that are finite numbers count (a whole float from `pyFloat` included).

import { ShelfError } from '../errors.ts';

/** One numeric threshold: `accuracy >= 0.9`. */
export interface MetricThreshold {
	key: string;
	op: '>' | '>=' | '<' | '<=' | '=' | '!=';
	value: number;
}

/**
 * A metadata value as a number, when it is one (a `bigint` only when it fits a double exactly).
 * @param metadata the version's metadata
 * @param key a top-level key
 */
export function metricValue(metadata: Readonly<Record<string, unknown>> | undefined, key: string): number | undefined {
	const value = metadata?.[key];
	const number = typeof value === 'number' || value instanceof Number ? Number(value) : typeof value === 'bigint' && BigInt(Number(value)) === value ? Number(value) : undefined;
	return number !== undefined && Number.isFinite(number) ? number : undefined;
}

/**
 * Every numeric metadata value as an index entry `[key, value, createdKey]`, so versions sort by a metric.
 * @param metadata the version's metadata
 * @param createdKey the version's createdKey (ties in value fall back to creation order)
 */
export function metricEntries(metadata: Readonly<Record<string, unknown>> | undefined, createdKey: string): Array<[string, number, string]> {
	const entries: Array<[string, number, string]> = [];
	for (const key of Object.keys(metadata ?? {})) {
		const value = metricValue(metadata, key);
		if (value !== undefined) entries.push([key, value, createdKey]);
	}
	return entries;
}

const _THRESHOLD = /^\s*([A-Za-z0-9_][-A-Za-z0-9_./]*)\s*(>=|<=|!=|==|=|>|<)\s*([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)\s*$/;

/**
 * Parses thresholds, comma-separated and ANDed: `accuracy>=0.9, epochs<10`.
 * @param text what the user typed ('' for none)
 * @throws ShelfError `INVALID_SELECTOR` with the position of the first part that does not parse
 * @example
 * parseMetricFilter('accuracy >= 0.9'); // [{ key: 'accuracy', op: '>=', value: 0.9 }]
 */
export function parseMetricFilter(text: string): MetricThreshold[] {
	const thresholds: MetricThreshold[] = [];
	let position = 0;
	for (const part of text.split(',')) {
		const match = _THRESHOLD.exec(part);
		if (match) {
			thresholds.push({ key: match[1]!, op: (match[2] === '==' ? '=' : match[2]) as MetricThreshold['op'], value: Number(match[3]) });
		} else if (part.trim() !== '' || text.trim() !== '') {
			const found = part.trim();
			const at = position + part.length - part.trimStart().length;
			throw new ShelfError(
				'INVALID_SELECTOR',
				`Metric threshold ${JSON.stringify(found)} does not read as "key op number" (at character ${at + 1}). Hint: write e.g. "accuracy>=0.9, epochs<10"; ops are > >= < <= = !=.`,
				{ selector: text, position: at, found }
			);
		}
		position += part.length + 1;
	}
	return thresholds;
}

/**
 * Whether a version's metadata meets every threshold; a version lacking a key fails that threshold.
 * @param thresholds from {@link parseMetricFilter}
 * @param metadata the version's metadata
 */
export function meetsThresholds(thresholds: readonly MetricThreshold[], metadata: Readonly<Record<string, unknown>> | undefined): boolean {
	return thresholds.every(({ key, op, value }) => {
		const actual = metricValue(metadata, key);
		if (actual === undefined) return false;
		switch (op) {
			case '>':
				return actual > value;
			case '>=':
				return actual >= value;
			case '<':
				return actual < value;
			case '<=':
				return actual <= value;
			case '=':
				return actual === value;
			case '!=':
				return actual !== value;
		}
	});
}
