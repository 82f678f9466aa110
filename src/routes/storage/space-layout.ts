// Layout math and wording for the Storage page's "what takes the space" chart and the trash list. Pure
// functions, no DOM, so the unit tests pin them.
import { formatBytes, formatRelative } from '$lib/ui/format.ts';
import type { LastUse, ModelSpace } from '$lib/worker/contract.ts';

/** A bar's two segments as percentages of the chart's width. */
export interface BarSegments {
	/** Bytes freed if it goes. */
	unique: number;
	/** Bytes other versions (or the trash) also hold. */
	shared: number;
}

/** A segment narrower than this (in %) is drawn this wide, so a few bytes still show as a sliver. */
export const MIN_SEGMENT_PERCENT = 0.5;

/**
 * The bytes a model or version shares with others: its size less what only it holds.
 * @param size its size, every file counted
 * @param uniqueBytes what deleting it for good frees
 */
export function sharedBytesOf(size: number, uniqueBytes: number): number {
	return Math.max(0, size - uniqueBytes);
}

/**
 * Where a bar's unique and shared segments end, scaled so the largest bar spans the chart.
 * @param size the bar's total bytes
 * @param uniqueBytes its unique bytes (at most `size`)
 * @param scale the largest bar's bytes
 * @example
 * barSegments(100, 25, 200); // { unique: 12.5, shared: 37.5 }
 */
export function barSegments(size: number, uniqueBytes: number, scale: number): BarSegments {
	if (scale <= 0 || size <= 0) return { unique: 0, shared: 0 };
	const unique = Math.min(uniqueBytes, size);
	const visible = (bytes: number) => (bytes <= 0 ? 0 : Math.max(MIN_SEGMENT_PERCENT, (bytes / scale) * 100));
	const uniquePercent = Math.min(100, visible(unique));
	const sharedPercent = Math.min(100 - uniquePercent, visible(size - unique));
	return { unique: _round(uniquePercent), shared: _round(sharedPercent) };
}

/**
 * The chart in one sentence for screen readers: the largest models first, with their unique share.
 * @param models largest first
 * @param limit how many models to name
 */
export function spaceSummary(models: readonly ModelSpace[], limit = 5): string {
	if (models.length === 0) return 'No models on the shelf.';
	const named = models.slice(0, limit).map((model) => `${model.name} ${formatBytes(model.size)} (${formatBytes(model.uniqueBytes)} unique)`);
	const rest = models.length > limit ? `, and ${models.length - limit} more` : '';
	return `Models by size, largest first: ${named.join(', ')}${rest}.`;
}

/**
 * When a version was last used, in words: `'exported 3 days ago'`, or `'never'`.
 * @param lastUse the worker's record, or null
 * @param now the reference moment
 */
export function describeLastUse(lastUse: LastUse | null, now: Date = new Date()): string {
	if (!lastUse) return 'never';
	return `${lastUse.how} ${formatRelative(new Date(lastUse.at), now)}`;
}

/**
 * The creation time a `createdKey` starts with (`2025-11-03T10:15:00.250000Z~name:version`).
 * @param createdKey a version's sort key
 */
export function creationTimeOfKey(createdKey: string): string {
	const cut = createdKey.indexOf('~');
	return cut === -1 ? createdKey : createdKey.slice(0, cut);
}

/**
 * Whole days until the trash empties an item on its own (0 once due).
 * @param expiresAt when it expires (ms since epoch)
 * @param now the reference moment (ms since epoch)
 */
export function daysUntil(expiresAt: number, now: number = Date.now()): number {
	return Math.max(0, Math.ceil((expiresAt - now) / 86_400_000));
}

/**
 * A byte count in binary units with the exact count after it, for figures people check against each other.
 * @param bytes a non-negative byte count
 * @example
 * formatBytesExact(3072); // '3.00 KiB (3,072 bytes)'
 */
export function formatBytesExact(bytes: number): string {
	const exact = `${bytes.toLocaleString('en')} ${bytes === 1 ? 'byte' : 'bytes'}`;
	return bytes < 1024 ? exact : `${formatBytes(bytes)} (${exact})`;
}

// ---------------------------------------------------------------------------

function _round(percent: number): number {
	return Math.round(percent * 100) / 100;
}
