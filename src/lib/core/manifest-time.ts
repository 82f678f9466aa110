// Node + browser: pure TypeScript, no DOM, no idb, no OPFS.
//
// model.yaml's creation_time: BentoML writes `datetime.now(timezone.utc).isoformat()` and reads it back with
// `datetime.fromisoformat` (bentoml/BentoML src/bentoml/_internal/models/model.py, ModelInfo.__init__;
// src/bentoml/_internal/utils/cattr.py, the datetime hooks). Its store lists models newest first by it.

import { ShelfError } from './errors.ts';
import type { ModelInfo } from './manifest-schema.ts';

/** A creation time as an instant: epoch milliseconds, and a UTC text key that sorts with microsecond precision. */
export interface CreationInstant {
	epochMs: number;
	/** e.g. `'2025-11-03T10:15:00.250000Z'`: always 4-digit year and 6 fraction digits, so strings sort by time. */
	key: string;
}

/**
 * Reads a creation time the way BentoML does (`datetime.fromisoformat`): `YYYY-MM-DD`, optionally
 * `THH[:MM[:SS[.fraction]]]` and an offset `Z` or `±HH[:MM[:SS[.ffffff]]]`. Digits past microseconds are
 * cut, as Python 3.11 does. A time without offset is taken as UTC: Python would call it local time
 * (`astimezone()`), which differs between machines, and BentoML itself always writes `+00:00`.
 * @param text the `creation_time` string
 * @returns the instant, or `null` when the text is not such a time or falls outside years 1–9999 in UTC
 * @example
 * parseCreationTime('2025-11-03T11:15:00.25+01:00'); // { epochMs: 1762164900250, key: '2025-11-03T10:15:00.250000Z' }
 */
export function parseCreationTime(text: string): CreationInstant | null {
	const m = _ISO_TIME.exec(text);
	if (!m) return null;
	const n = (i: number): number => Number(m[i] ?? 0);
	const sign = m[9] === '-' ? -1 : 1;
	if (n(2) < 1 || n(2) > 12 || n(4) > 23 || n(5) > 59 || n(6) > 59 || n(10) > 23 || n(11) > 59 || n(12) > 59) return null;
	const day = new Date(0);
	day.setUTCFullYear(n(1), n(2) - 1, n(3)); // not Date.UTC, which reads years 0–99 as 1900–1999
	if (day.getUTCMonth() !== n(2) - 1 || day.getUTCDate() !== n(3)) return null;
	let seconds = day.getTime() / 1000 + n(4) * 3600 + n(5) * 60 + n(6) - sign * (n(10) * 3600 + n(11) * 60 + n(12));
	let micros = _micros(m[7]) - sign * _micros(m[13]);
	if (micros < 0) [micros, seconds] = [micros + 1_000_000, seconds - 1];
	if (micros >= 1_000_000) [micros, seconds] = [micros - 1_000_000, seconds + 1];
	const utc = new Date(seconds * 1000);
	if (utc.getUTCFullYear() < 1 || utc.getUTCFullYear() > 9999) return null;
	const key = `${utc.toISOString().slice(0, 19)}.${String(micros).padStart(6, '0')}Z`;
	return { epochMs: seconds * 1000 + Math.floor(micros / 1000), key };
}

/**
 * Writes a moment as BentoML stamps a new model: `datetime.now(timezone.utc).isoformat()`, i.e.
 * `YYYY-MM-DDTHH:MM:SS[.ffffff]+00:00`, the fraction left out when it is zero, as Python does.
 * @param date the moment (JavaScript has milliseconds, so the last three fraction digits are 0)
 * @throws ShelfError `INVALID_MANIFEST` (field `creation_time`) for an invalid date or a year outside 1–9999
 * @example
 * formatCreationTime(new Date('2025-11-03T10:15:00.250Z')); // '2025-11-03T10:15:00.250000+00:00'
 */
export function formatCreationTime(date: Date): string {
	const year = date.getUTCFullYear();
	if (!(year >= 1 && year <= 9999)) {
		const message = `Cannot stamp a model with ${String(date)}. Hint: pass a valid Date in the years 1–9999.`;
		throw new ShelfError('INVALID_MANIFEST', message, { field: 'creation_time', reason: 'invalid-time' });
	}
	const millis = date.getUTCMilliseconds();
	return `${date.toISOString().slice(0, 19)}${millis === 0 ? '' : `.${String(millis).padStart(3, '0')}000`}+00:00`;
}

/**
 * Now, as BentoML stamps a new model (`datetime.now(timezone.utc).isoformat()`), to the microsecond where the
 * platform's clock has them: the high-resolution clock (`performance.timeOrigin + performance.now()`) gives the
 * digits below the millisecond, and is used only while it agrees with the wall clock (`Date.now()`) to within
 * a few milliseconds; otherwise the wall clock's milliseconds are written, with three zero digits.
 * @example
 * currentCreationTime(); // '2025-11-03T10:15:00.250431+00:00'
 */
export function currentCreationTime(): string {
	const wall = Date.now();
	const clock = (globalThis as { performance?: { now(): number; timeOrigin: number } }).performance;
	const fine = clock ? clock.timeOrigin + clock.now() : Number.NaN;
	const micros = Math.abs(fine - wall) <= _CLOCK_TOLERANCE_MS ? Math.floor(fine * 1000) : wall * 1000;
	const date = new Date(Math.floor(micros / 1000));
	const fraction = micros % 1_000_000;
	return `${formatCreationTime(date).slice(0, 19)}${fraction === 0 ? '' : `.${String(fraction).padStart(6, '0')}`}+00:00`;
}

/**
 * A creation time as Python writes it: `datetime.fromisoformat(text).isoformat()`, which is what BentoML puts
 * in model.yaml (`T` between date and time, seconds always, six fraction digits or none, the offset as
 * `±HH:MM[:SS[.ffffff]]`, `Z` as `+00:00`; a naive time stays naive).
 * @param text a time {@link parseCreationTime} accepts
 * @returns the text Python would write, or null when the text is not such a time
 * @example
 * isoformatCreationTime('2025-11-03 15:45:00.25+0530'); // '2025-11-03T15:45:00.250000+05:30'
 */
export function isoformatCreationTime(text: string): string | null {
	const m = parseCreationTime(text) === null ? null : _ISO_TIME.exec(text);
	if (!m) return null;
	const two = (i: number) => (m[i] ?? '00').padStart(2, '0');
	const six = (fraction: string | undefined) => (_micros(fraction) === 0 ? '' : `.${String(_micros(fraction)).padStart(6, '0')}`);
	const local = `${m[1]}-${m[2]}-${m[3]}T${two(4)}:${two(5)}:${two(6)}${six(m[7])}`;
	if (m[8] === undefined && m[9] === undefined) return local;
	const seconds = m[12] !== undefined && (Number(m[12]) !== 0 || _micros(m[13]) !== 0) ? `:${two(12)}${six(m[13])}` : '';
	const zero = Number(m[10] ?? 0) === 0 && Number(m[11] ?? 0) === 0 && seconds === '';
	return `${local}${m[9] === '-' && !zero ? '-' : '+'}${two(10)}:${two(11)}${seconds}`;
}

/**
 * The creation time as milliseconds since the epoch (microseconds cut), e.g. for `new Date(...)`.
 * @param info a parsed model info
 * @throws ShelfError `INVALID_MANIFEST` (field `creation_time`) when the time cannot be read
 * @example
 * creationTimeMs({ creationTime: '2025-11-03T10:15:00.250000+00:00' }); // 1762164900250
 */
export function creationTimeMs(info: Pick<ModelInfo, 'creationTime'>): number {
	return _instant(info.creationTime).epochMs;
}

/**
 * A text key that sorts like the creation time, to the microsecond: the instant in UTC with six
 * fraction digits. Two spellings of one instant (`+01:00` and `Z`) give the same key.
 * @param info a parsed model info
 * @throws ShelfError `INVALID_MANIFEST` (field `creation_time`) when the time cannot be read
 * @example
 * creationTimeKey({ creationTime: '2025-11-03T11:15:00+01:00' }); // '2025-11-03T10:15:00.000000Z'
 */
export function creationTimeKey(info: Pick<ModelInfo, 'creationTime'>): string {
	return _instant(info.creationTime).key;
}

/**
 * Orders models oldest first by creation time, then by name and version, so equal times still sort
 * the same way everywhere (BentoML's store sorts by creation time alone). Reverse it for newest first.
 * @param a one model info
 * @param b another
 * @example
 * infos.sort(compareByCreationTime).at(-1); // the newest
 */
export function compareByCreationTime(a: _Dated, b: _Dated): number {
	const [ka, kb] = [creationTimeKey(a), creationTimeKey(b)];
	if (ka !== kb) return ka < kb ? -1 : 1;
	const [ta, tb] = [`${a.name}:${a.version}`, `${b.name}:${b.version}`];
	return ta === tb ? 0 : ta < tb ? -1 : 1;
}

// ---------------------------------------------------------------------------------------------------
// Internals

type _Dated = Pick<ModelInfo, 'name' | 'version' | 'creationTime'>;

// Groups: 1-3 date, 4-6 time, 7 fraction, 8 Z, 9-13 offset sign, hours, minutes, seconds, fraction.
const _ISO_TIME =
	/^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2})(?::(\d{2})(?::(\d{2})(?:\.(\d+))?)?)?(?:(Z)|([+-])(\d{2})(?::?(\d{2})(?::?(\d{2})(?:\.(\d{1,6}))?)?)?)?)?$/;

/** How far apart the high-resolution and wall clocks may be for the former's microseconds to be written. */
const _CLOCK_TOLERANCE_MS = 5;

const _micros = (fraction: string | undefined): number => Number(`${fraction ?? ''}000000`.slice(0, 6));

function _instant(creationTime: string): CreationInstant {
	const instant = parseCreationTime(creationTime);
	if (instant !== null) return instant;
	const message = `"creation_time" ${JSON.stringify(creationTime)} is not an ISO-8601 time, e.g. '2025-11-03T10:15:00+00:00'.`;
	throw new ShelfError('INVALID_MANIFEST', message, { field: 'creation_time', reason: 'invalid-time', value: creationTime });
}
