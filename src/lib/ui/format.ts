// How the pages write numbers, sizes and times for people. Pure functions, no DOM.
import { parseCreationTime } from '../core/manifest-time.ts';

const BINARY_UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'] as const;

/**
 * Writes a byte count in binary units with three significant digits.
 * @param bytes a non-negative byte count
 * @example
 * formatBytes(1536); // '1.50 KiB'
 */
export function formatBytes(bytes: number): string {
	if (!Number.isFinite(bytes) || bytes < 1024) return `${Math.max(0, Math.round(bytes || 0))} B`;
	let value = bytes;
	let unit = 0;
	while (value >= 1024 && unit < BINARY_UNITS.length - 1) {
		value /= 1024;
		unit++;
	}
	const digits = value >= 100 ? 0 : value >= 10 ? 1 : 2;
	return `${value.toFixed(digits)} ${BINARY_UNITS[unit]}`;
}

/**
 * Writes a transfer rate, e.g. `'12.4 MiB/s'`.
 * @param bytesPerSecond the rate
 */
export function formatSpeed(bytesPerSecond: number): string {
	return `${formatBytes(bytesPerSecond)}/s`;
}

/**
 * Writes a share as a whole percentage, never 100 % before the end.
 * @param loaded done so far
 * @param total everything (0 means unknown)
 */
export function formatPercent(loaded: number, total: number): string {
	if (total <= 0) return '0 %';
	const percent = Math.floor((loaded / total) * 100);
	return `${Math.min(loaded >= total ? 100 : 99, percent)} %`;
}

/**
 * The instant a `creation_time` stands for, or null when it cannot be read.
 * @param creationTime model.yaml's `creation_time`
 */
export function creationDate(creationTime: string): Date | null {
	const instant = parseCreationTime(creationTime);
	return instant === null ? null : new Date(instant.epochMs);
}

const RELATIVE_STEPS: Array<[RelativeUnit, number]> = [
	['second', 60],
	['minute', 60],
	['hour', 24],
	['day', 30],
	['month', 12],
	['year', Infinity]
];

type RelativeUnit = 'second' | 'minute' | 'hour' | 'day' | 'month' | 'year';

/** English's words for -1, 0 and +1 of a unit, as CLDR's `numeric: 'auto'` writes them. */
const RELATIVE_WORDS: Record<RelativeUnit, [string | null, string, string | null]> = {
	second: [null, 'now', null],
	minute: [null, 'this minute', null],
	hour: [null, 'this hour', null],
	day: ['yesterday', 'today', 'tomorrow'],
	month: ['last month', 'this month', 'next month'],
	year: ['last year', 'this year', 'next year']
};

/**
 * Writes how long ago (or ahead) a moment is: `'5 minutes ago'`, `'yesterday'`, `'in 2 hours'`. The words of
 * `Intl.RelativeTimeFormat('en', { numeric: 'auto' })`, written here because building that formatter costs
 * 25–70 ms of the page's start (its locale data) and every list row shows one.
 * @param date the moment
 * @param now the reference moment (default: now)
 */
export function formatRelative(date: Date, now: Date = new Date()): string {
	let value = (date.getTime() - now.getTime()) / 1000;
	if (Math.abs(value) < 45) return 'just now';
	for (const [unit, size] of RELATIVE_STEPS) {
		if (Math.abs(value) < size) return _relative(Math.round(value), unit);
		value /= size;
	}
	return _relative(Math.round(value), 'year');
}

function _relative(count: number, unit: RelativeUnit): string {
	const word = Math.abs(count) <= 1 ? RELATIVE_WORDS[unit][count + 1] : null;
	if (word) return word;
	// Grouped by hand, not toLocaleString('en'): its first call loads number-format locale data too (~20 ms).
	const amount = `${String(Math.abs(count)).replace(/\B(?=(\d{3})+$)/g, ',')} ${unit}${Math.abs(count) === 1 ? '' : 's'}`;
	return count < 0 ? `${amount} ago` : `in ${amount}`;
}

/**
 * Writes a moment exactly, in the reader's time zone, e.g. `'3 Nov 2025, 11:15:00 CET'`.
 * @param date the moment
 */
export function formatExact(date: Date): string {
	// Building a DateTimeFormat costs ~1–3 ms (locale data): once per page, not once per table row.
	_exactFormat ??= new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'long' });
	return _exactFormat.format(date);
}

let _exactFormat: Intl.DateTimeFormat | undefined;

/**
 * Writes a count with its noun, e.g. `'1 version'`, `'3 versions'`.
 * @param count how many
 * @param noun the singular noun
 * @param plural the plural, when not noun + 's'
 */
export function plural(count: number, noun: string, plural = `${noun}s`): string {
	return `${count.toLocaleString('en')} ${count === 1 ? noun : plural}`;
}

/**
 * The registry's address without its scheme, as people say it (`ghcr.io`, `127.0.0.1:5000`).
 * @param url a normalized registry URL
 */
export function registryHost(url: string): string {
	return url.replace(/^https?:\/\//, '');
}

/**
 * A tensor's or a graph input's dims as people write them: `4096 × 4096`, `N × 4` (symbolic dims keep their name).
 * @param shape the dims; `null` when the file does not say
 * @example
 * formatShape([4096, 4096]); // '4,096 × 4,096'
 */
export function formatShape(shape: ReadonlyArray<number | string> | null): string {
	if (shape === null) return 'unknown';
	if (shape.length === 0) return 'scalar';
	return shape.map((dim) => (typeof dim === 'number' ? dim.toLocaleString('en') : dim)).join(' × ');
}
