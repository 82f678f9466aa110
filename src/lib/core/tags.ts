// Node + browser: pure TypeScript, no DOM, no Node APIs; randomness from globalThis.crypto.getRandomValues.
//
// Tags follow BentoML's rules exactly (bentoml/BentoML src/bentoml/_internal/tag.py): `tag_fmt`,
// `tag_max_length`, `Tag.__init__`, `Tag.from_str`, `Tag.__str__` and `Tag.make_new_version`, with one
// deliberate difference: a trailing line feed is refused (see validateTagPart).

import { ShelfError } from './errors.ts';

/** A model's name and version; `version: null` means "the latest version", as in BentoML. */
export type Tag = { name: string; version: string | null };

/** A {@link Tag} that names one concrete version (not `null`, not `'latest'`). */
export type ExactTag = { name: string; version: string };

/** Which part of `name:version` (or of `name@alias`) a check is about. */
export type TagPart = 'name' | 'version' | 'alias';

/**
 * What a person may type to find a version: `name`, `name:latest`, `name:version`, or `name@alias`
 * (MLflow's convention: a movable name the store resolves to the version it points at).
 */
export type Reference = Tag | AliasReference;

/** `name@alias`: the version the alias points at now. */
export type AliasReference = { name: string; alias: string };

/** Why a tag was refused; found in `ShelfError.details.reason` for code `INVALID_TAG`. */
export type TagProblem =
	| 'empty'
	| 'too-long'
	| 'invalid-characters'
	| 'invalid-edge'
	| 'trailing-colon'
	| 'version-required'
	| 'invalid-date'
	| 'invalid-uuid'
	| 'reserved-alias';

/** Longest name or version BentoML accepts (`tag_max_length = 63`), counted after lower-casing. */
export const TAG_MAX_LENGTH = 63;

/** The version word that means "the newest one"; the store resolves it, as BentoML's `Store.get` does. */
export const LATEST = 'latest';

/**
 * BentoML's `tag_fmt`, `[a-z0-9]([-._a-z0-9]*[a-z0-9])?`, anchored. Python's `$` also matches before a
 * trailing "\n" (so BentoML accepts `"iris\n"`); JavaScript's `$` does not, and we keep that stricter reading.
 */
export const TAG_PART_PATTERN = /^[a-z0-9](?:[-._a-z0-9]*[a-z0-9])?$/;

/**
 * Lower-cases one name or version and checks it against BentoML's rules: 1–63 characters from
 * `a-z 0-9 - _ .`, starting and ending with a letter or digit. Upper case is not an error: like
 * BentoML's `Tag.__init__` (which logs "Converting 'X' to lowercase"), the value is lower-cased first,
 * with full Unicode case mapping (so the Kelvin sign "K" becomes "k", as in Python's `str.lower`).
 * One deliberate difference: a trailing line feed is refused (BentoML's regex lets `"iris\n"` through).
 *
 * @param value the name or the version on its own, without `:`
 * @param part which half it is, for the error details
 * @returns the lower-cased value
 * @throws ShelfError `INVALID_TAG` with `details: { tag, part, reason }`
 * @example
 * validateTagPart('My_Model', 'name'); // 'my_model'
 * validateTagPart('-v1', 'version'); // throws INVALID_TAG, reason 'invalid-edge'
 */
export function validateTagPart(value: string, part: TagPart): string {
	return _checkPart(value, part, value);
}

/**
 * Parses `name` or `name:version` the way BentoML's `Tag.from_str` does: the text is split at the
 * first `:`, both halves are lower-cased and validated. `'iris'` gives version `null` and
 * `'iris:latest'` gives version `'latest'`; both mean "the latest version" and the store resolves them.
 *
 * @param text a tag as a person types it
 * @throws ShelfError `INVALID_TAG` for an empty or invalid half, a trailing `:` or a second `:`
 * @example
 * parseTag('iris'); // { name: 'iris', version: null }
 * parseTag('Iris:V1'); // { name: 'iris', version: 'v1' }
 */
export function parseTag(text: string): Tag {
	const colon = text.indexOf(':');
	if (colon === -1) return { name: _checkPart(text, 'name', text), version: null };
	const version = text.slice(colon + 1);
	// BentoML refuses "bento:" before it looks at the name ("contains trailing ':'").
	if (version === '') throw _invalid(text, 'version', 'trailing-colon');
	return { name: _checkPart(text.slice(0, colon), 'name', text), version: _checkPart(version, 'version', text) };
}

/**
 * Parses what a person types to find a version: a tag (see {@link parseTag}) or `name@alias`. An alias
 * follows BentoML's version grammar (lower-cased, 1–63 characters) and may not be `latest`.
 *
 * @param text `iris`, `iris:latest`, `iris:v1` or `iris@champion`
 * @throws ShelfError `INVALID_TAG` (part `alias`, reason `reserved-alias` for `iris@latest`)
 * @example
 * parseReference('Churn@Champion'); // { name: 'churn', alias: 'champion' }
 * parseReference('churn:v3'); // { name: 'churn', version: 'v3' }
 */
export function parseReference(text: string): Reference {
	const at = text.indexOf('@');
	if (at === -1) return parseTag(text);
	return { name: _checkPart(text.slice(0, at), 'name', text), alias: _checkAlias(text.slice(at + 1), text) };
}

/**
 * Checks an alias on its own: BentoML's version grammar, lower-cased, and not `latest`.
 *
 * @param alias the alias without `name@`
 * @throws ShelfError `INVALID_TAG` with part `alias`
 * @example
 * validateAlias('Production'); // 'production'
 */
export function validateAlias(alias: string): string {
	return _checkAlias(alias, alias);
}

/** True when `reference` is `name@alias`. */
export function isAliasReference(reference: Reference): reference is AliasReference {
	return 'alias' in reference;
}

/** Writes a reference back: `name@alias` or the tag as {@link formatTag} writes it. */
export function formatReference(reference: Reference): string {
	return isAliasReference(reference) ? `${reference.name}@${reference.alias}` : formatTag(reference);
}

/**
 * Parses a tag that must name one concrete version: `name:version`, where the version is not `latest`.
 *
 * @param text a tag such as `'iris:v1'`
 * @throws ShelfError `INVALID_TAG`, with reason `'version-required'` for `'iris'` or `'iris:latest'`
 * @example
 * parseExactTag('iris:V1'); // { name: 'iris', version: 'v1' }
 * parseExactTag('iris:latest'); // throws INVALID_TAG
 */
export function parseExactTag(text: string): ExactTag {
	const tag = parseTag(text);
	if (tag.version === null || tag.version === LATEST) throw _invalid(text, 'version', 'version-required');
	return { name: tag.name, version: tag.version };
}

/**
 * Lower-cases and validates both halves of a tag, as BentoML's `Tag(name, version)` constructor does.
 *
 * @param tag any tag-shaped object, e.g. one read from a manifest
 * @returns a new, canonical tag (the argument is not changed)
 * @throws ShelfError `INVALID_TAG`
 * @example
 * normalizeTag({ name: 'Iris', version: 'V1' }); // { name: 'iris', version: 'v1' }
 */
export function normalizeTag(tag: Tag): Tag {
	const text = tag.version === null ? tag.name : `${tag.name}:${tag.version}`;
	const name = _checkPart(tag.name, 'name', text);
	return { name, version: tag.version === null ? null : _checkPart(tag.version, 'version', text) };
}

/**
 * Writes a tag as BentoML's `str(tag)` does: `name` when the version is `null`, else `name:version`.
 * The tag is normalized first, so `parseTag(formatTag(tag))` always gives the tag back.
 *
 * @param tag the tag to write
 * @throws ShelfError `INVALID_TAG` when the tag is not valid
 * @example
 * formatTag({ name: 'iris', version: null }); // 'iris'
 * formatTag({ name: 'iris', version: 'latest' }); // 'iris:latest'
 */
export function formatTag(tag: Tag): string {
	const { name, version } = normalizeTag(tag);
	return version === null ? name : `${name}:${version}`;
}

/**
 * True when the tag asks for the latest version: version `null` (`'iris'`) or `'latest'` (`'iris:latest'`).
 *
 * @param tag a parsed tag
 * @example
 * isLatest(parseTag('iris')); // true
 * isLatest(parseTag('iris:v1')); // false
 */
export function isLatest(tag: Tag): boolean {
	return tag.version === null || tag.version === LATEST;
}

/**
 * Makes a version the way BentoML's `Tag.make_new_version` does: a uuid1 (60-bit count of 100 ns since
 * 1582-10-15, clock sequence, node), keeping bytes 0–5 (time_low, time_mid) and 8–11 (clock sequence,
 * first two node bytes), base32-encoded and lower-cased: 16 characters from `a-z2-7`.
 *
 * Unique: within one page or worker the uuid1 timestamp is kept strictly increasing (a 100 ns counter
 * inside each millisecond, and a new clock sequence when the clock goes back or a millisecond holds more
 * than 10,000 versions); between tabs and machines, 29 random bits (14 of clock sequence, 15 of node) separate them.
 *
 * NOT sortable by time, neither in BentoML nor here: the fastest-changing clock bits (time_low, which
 * wraps every 429.5 s) come first and base32's digits `2-7` sort before its letters. Versions one second
 * apart can sort backwards; order by the manifest's creation time instead, as BentoML's store does.
 *
 * @param date the moment to stamp (default: now); must lie between 1582-10-15 and the year 5236
 * @throws ShelfError `INVALID_TAG` with reason `'invalid-date'` for an invalid or out-of-range date
 * @example
 * newVersion(); // e.g. 'yizkwaeucsz4rh3l'
 */
export function newVersion(date: Date = new Date()): string {
	const ms = date.getTime();
	const ticks = Number.isFinite(ms) ? BigInt(ms) * 10_000n + _GREGORIAN_OFFSET : -1n;
	if (ticks < 0n || ticks + 9_999n >= 1n << 60n) {
		throw _invalid(String(date), 'version', 'invalid-date');
	}
	return _encodeVersion(_uuid1Bytes(ms, ticks));
}

/**
 * The version BentoML's `make_new_version` derives from a given uuid1, to check compatibility.
 *
 * @param uuid 32 hex digits, dashes optional (e.g. `'c232ab00-9414-11ec-b3c8-9f6bdeced846'`)
 * @throws ShelfError `INVALID_TAG` with reason `'invalid-uuid'` when it is not a UUID
 * @example
 * versionFromUuid1('C232AB00-9414-11EC-B3C8-9F6BDECED846'); // 'yizkwaeucsz4rh3l'
 */
export function versionFromUuid1(uuid: string): string {
	const hex = uuid.replaceAll('-', '');
	if (!/^[0-9a-f]{32}$/i.test(hex)) throw _invalid(uuid, 'version', 'invalid-uuid');
	const bytes = new Uint8Array(16);
	for (let i = 0; i < 16; i++) bytes[i] = Number.parseInt(hex.slice(2 * i, 2 * i + 2), 16);
	return _encodeVersion(bytes);
}

// ---------------------------------------------------------------------------------------------------
// Internals

/** 100 ns ticks between the uuid1 epoch (1582-10-15) and the Unix epoch. */
const _GREGORIAN_OFFSET = 0x01b21dd213814000n;
const _BASE32 = 'abcdefghijklmnopqrstuvwxyz234567';

/** What a message says for each problem, and the hint that follows it. */
const _PROBLEMS = {
	empty: ['is empty', 'give it at least one letter or digit, e.g. "iris:v1"'],
	'too-long': [`is longer than ${TAG_MAX_LENGTH} characters`, `shorten it to at most ${TAG_MAX_LENGTH}`],
	'invalid-characters': [
		'may only contain letters a-z, digits, "-", "_" and "." (upper case is lower-cased)',
		'replace spaces and other symbols with "-" or "_"; a tag has at most one ":"'
	],
	'invalid-edge': ['must start and end with a letter or digit', 'remove the leading or trailing "-", "_" or "."'],
	'trailing-colon': ['is empty after ":"', 'write "name" or "name:latest" for the latest version'],
	'version-required': ['must be a concrete version here', 'write "name:version", e.g. "iris:v1", not "latest"'],
	'invalid-date': ['cannot be stamped with that date', 'pass a valid Date between 1582-10-15 and 5236'],
	'invalid-uuid': ['is not built from a UUID', 'pass 32 hex digits such as "c232ab00-9414-11ec-b3c8-9f6bdeced846"'],
	'reserved-alias': ['"latest" is reserved: it always means the newest version', 'choose another alias, e.g. "champion" or "production"']
} as const satisfies Record<TagProblem, readonly [string, string]>;

/** Minimal Web Crypto surface; core's lib is es2022 only, and Node 20 and browsers both provide it. */
type _Crypto = { getRandomValues<T extends Uint8Array>(array: T): T };

/** uuid1 generator state: kept per module instance (one per page or worker). */
const _clock = { lastMs: Number.NEGATIVE_INFINITY, tick: 0, clockSeq: 0, node: new Uint8Array(0) };

function _checkPart(value: string, part: TagPart, tag: string): string {
	const lower = value.toLowerCase();
	// Python's len() counts code points, so count those too.
	const reason: TagProblem | null =
		lower === ''
			? 'empty'
			: [...lower].length > TAG_MAX_LENGTH
				? 'too-long'
				: /[^-._a-z0-9]/.test(lower)
					? 'invalid-characters'
					: TAG_PART_PATTERN.test(lower)
						? null
						: 'invalid-edge';
	if (reason !== null) throw _invalid(tag, part, reason);
	return lower;
}

function _checkAlias(alias: string, text: string): string {
	const lower = _checkPart(alias, 'alias', text);
	if (lower === LATEST) throw _invalid(text, 'alias', 'reserved-alias');
	return lower;
}

function _invalid(tag: string, part: TagPart, reason: TagProblem): ShelfError {
	const [what, hint] = _PROBLEMS[reason];
	return new ShelfError('INVALID_TAG', `Invalid tag ${JSON.stringify(tag)}: the ${part} ${what}. Hint: ${hint}.`, {
		tag,
		part,
		reason
	});
}

/** Builds the 16 bytes of a uuid1 as CPython's `uuid.uuid1()` lays them out (RFC 9562 §5.1). */
function _uuid1Bytes(ms: number, msTicks: bigint): Uint8Array {
	if (_clock.node.length === 0) {
		const random = (globalThis as unknown as { crypto: _Crypto }).crypto.getRandomValues(new Uint8Array(8));
		random[0] = random[0]! | 0x01; // a random node sets the multicast bit, as Python's _random_getnode does
		_clock.node = random.slice(0, 6);
		_clock.clockSeq = ((random[6]! << 8) | random[7]!) & 0x3fff;
	}
	if (ms === _clock.lastMs) _clock.tick += 1;
	if (ms < _clock.lastMs || _clock.tick >= 10_000) {
		// RFC 9562 §6.1: a new clock sequence keeps versions unique when the timestamp cannot advance.
		_clock.clockSeq = (_clock.clockSeq + 1) & 0x3fff;
		_clock.tick = 0;
	} else if (ms > _clock.lastMs) {
		_clock.tick = 0;
	}
	_clock.lastMs = ms;
	const t = msTicks + BigInt(_clock.tick);
	const timeLow = Number(t & 0xffffffffn);
	const timeMid = Number((t >> 32n) & 0xffffn);
	const timeHiAndVersion = Number((t >> 48n) & 0x0fffn) | 0x1000;
	const bytes = new Uint8Array(16);
	const view = new DataView(bytes.buffer);
	view.setUint32(0, timeLow);
	view.setUint16(4, timeMid);
	view.setUint16(6, timeHiAndVersion);
	bytes[8] = 0x80 | (_clock.clockSeq >> 8); // RFC 4122 variant bits 10
	bytes[9] = _clock.clockSeq & 0xff;
	bytes.set(_clock.node, 10);
	return bytes;
}

/** BentoML's encoding: `base64.b32encode(bytes[:6] + bytes[8:12]).lower()`; 80 bits give 16 characters, no padding. */
function _encodeVersion(uuid: Uint8Array): string {
	const kept = [...uuid.subarray(0, 6), ...uuid.subarray(8, 12)];
	let out = '';
	let buffer = 0;
	let bits = 0;
	for (const byte of kept) {
		buffer = ((buffer << 8) | byte) & 0xfff;
		bits += 8;
		while (bits >= 5) {
			bits -= 5;
			out += _BASE32.charAt((buffer >> bits) & 31);
		}
	}
	return out;
}
