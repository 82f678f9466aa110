// Node + browser: pure TypeScript, no DOM, no idb, no OPFS.
//
// Kubernetes label selectors, parsed and written as k8s.io/apimachinery `pkg/labels/selector.go` does
// (Lexer, Parser, NewRequirement, Requirement.Matches, Requirement.String). Deliberate differences:
// errors are one ShelfError with a position; a NUL character is an ordinary (invalid) character, where
// Go's lexer treats it as end of input; requirements with the same key are ordered by their canonical
// text, where Go's sort is unstable.

import { ShelfError } from './errors.ts';
import { parseInt64 } from './selector-match.ts';

/** The operators of a {@link Requirement}, spelled like Kubernetes' `selection.Operator` values. */
export const SELECTOR_OPERATORS = {
	Equals: '=',
	DoubleEquals: '==',
	NotEquals: '!=',
	In: 'in',
	NotIn: 'notin',
	Exists: 'exists',
	DoesNotExist: '!',
	GreaterThan: 'gt',
	LessThan: 'lt'
} as const;

/** One of the values of {@link SELECTOR_OPERATORS}. */
export type SelectorOperator = (typeof SELECTOR_OPERATORS)[keyof typeof SELECTOR_OPERATORS];

/**
 * One condition on one label. `values` is sorted and duplicate-free; it is empty for `exists` and `!`,
 * holds one value for `=`, `==`, `!=`, `gt` and `lt`, and at least one for `in` and `notin`.
 */
export type Requirement = {
	readonly key: string;
	readonly operator: SelectorOperator;
	readonly values: readonly string[];
};

/** A parsed selector: requirements that must all hold (AND). Plain data, so it survives `structuredClone`. */
export type Selector = readonly Requirement[];

/**
 * Parses Kubernetes label-selector text. Comma means AND; spaces, tabs, CR and LF around tokens are ignored;
 * an empty selector matches everything. Keys are qualified names (`[dns-subdomain/]name`, name ≤ 63 chars),
 * values ≤ 63 chars of `[A-Za-z0-9-_.]` starting and ending alphanumeric, or empty. As in Kubernetes,
 * `k in ()` and `k=` mean the empty value, duplicate values collapse, and duplicate requirements are kept.
 * `k>n` and `k<n` compare 64-bit integers; they never match a missing or non-integer label.
 * Runs in O(n log n) of the text length (one lexing pass, then a sort of the requirements).
 *
 * @param text the selector, e.g. `stage=production,team!=cv,env in (a,b),!deprecated`
 * @returns the requirements, sorted by key
 * @throws {ShelfError} `INVALID_SELECTOR` with `details: { selector, position, found }`, where `position` is the
 *   0-based (UTF-16) index of the offending token and `found` its text (`''` at the end of the text)
 *
 * @example
 * const selector = parseSelector('stage=production, env in (a,b), !deprecated');
 * matchesSelector(selector, { stage: 'production', env: 'a' }); // true (selector-match.ts)
 */
export function parseSelector(text: string): Selector {
	const tokens = _lex(text);
	let at = 0;
	const next = (): _Token => tokens[at++] as _Token;
	const peek = (): _Token => tokens[at] as _Token;
	const fail = (token: _Token, expected: string, found = token.text): never =>
		_fail(text, token.pos, found, expected);

	const requirements: Requirement[] = [];
	if (peek().kind === 'end') return requirements;
	for (;;) {
		let token = next();
		const negated = token.kind === '!';
		if (negated) token = next();
		if (token.kind !== 'id') fail(token, negated ? 'a label key after "!"' : '"!" or a label key');
		if (!_isLabelKey(token.text)) fail(token, 'a label key: [dns-subdomain/]name, name ≤ 63 chars of A-Z a-z 0-9 - _ .');
		const key = token.text;
		const after = peek();
		if (negated || after.kind === ',' || after.kind === 'end') {
			requirements.push({ key, operator: negated ? '!' : 'exists', values: [] });
		} else {
			const opToken = next();
			const operator = _OPERATORS_BY_TOKEN.get(opToken.text);
			if (operator === undefined) fail(opToken, 'an operator: =, ==, !=, in, notin, >, <');
			const values = new Set<string>();
			if (operator === 'in' || operator === 'notin') {
				const open = next();
				if (open.kind !== '(') fail(open, '"(" after in/notin');
				// Between the parentheses: values separated by commas; every empty slot is the empty value.
				for (;;) {
					let item = next();
					let value = '';
					if (item.kind === 'id') {
						value = _checkedValue(text, item);
						item = next();
					}
					values.add(value);
					if (item.kind === ')') break;
					if (item.kind !== ',') fail(item, value === '' ? 'a value, "," or ")"' : '"," or ")"');
				}
			} else {
				const item = peek();
				if (item.kind === 'id') next();
				else if (item.kind !== ',' && item.kind !== 'end') fail(item, 'a value');
				const value = item.kind === 'id' ? _checkedValue(text, item) : '';
				if ((operator === 'gt' || operator === 'lt') && parseInt64(value) === undefined) {
					fail(item, 'a 64-bit integer after > or <', value);
				}
				values.add(value);
			}
			requirements.push({ key, operator: operator as SelectorOperator, values: [...values].sort() });
		}
		const separator = next();
		if (separator.kind === 'end') return _canonicalOrder(requirements);
		if (separator.kind !== ',') fail(separator, '"," or end of selector');
	}
}

/**
 * Writes a selector as canonical text (Kubernetes `Selector.String`): sorted requirements joined by `,`,
 * sorted values, `k in (a,b)`, `k>1`; `parseSelector(formatSelector(s))` equals `s`.
 *
 * @param selector from {@link parseSelector}
 *
 * @example
 * formatSelector(parseSelector(' b in (y, x) , a=1 ')); // 'a=1,b in (x,y)'
 */
export function formatSelector(selector: Selector): string {
	return _canonicalOrder(selector).map(_formatRequirement).join(',');
}

// ---------------------------------------------------------------------------------------------------
// Internal helpers

type _Token = { kind: 'id' | 'end' | ',' | '!' | '=' | '==' | '!=' | '>' | '<' | '(' | ')'; text: string; pos: number };

const _SPECIAL = '=!(),><';
const _NAME = /^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
const _DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

// A Map, not an object literal: keys such as "constructor" must not hit Object.prototype.
const _OPERATORS_BY_TOKEN = new Map<string, SelectorOperator>([
	['=', '='],
	['==', '=='],
	['!=', '!='],
	['>', 'gt'],
	['<', 'lt'],
	['in', 'in'],
	['notin', 'notin']
]);

/** Splits text into tokens in one pass; like k8s, `!=` and `==` are the only two-character symbols. */
function _lex(text: string): _Token[] {
	const tokens: _Token[] = [];
	const isSpace = (ch: string): boolean => ch === ' ' || ch === '\t' || ch === '\r' || ch === '\n';
	let i = 0;
	for (;;) {
		while (i < text.length && isSpace(text.charAt(i))) i++;
		if (i >= text.length) break;
		const start = i;
		const ch = text.charAt(i);
		if (_SPECIAL.includes(ch)) {
			const symbol = (ch === '!' || ch === '=') && text.charAt(i + 1) === '=' ? `${ch}=` : ch;
			i += symbol.length;
			tokens.push({ kind: symbol as _Token['kind'], text: symbol, pos: start });
		} else {
			while (i < text.length && !isSpace(text.charAt(i)) && !_SPECIAL.includes(text.charAt(i))) i++;
			tokens.push({ kind: 'id', text: text.slice(start, i), pos: start });
		}
	}
	tokens.push({ kind: 'end', text: '', pos: text.length });
	return tokens;
}

/** k8s `IsLabelKey`: optional lowercase DNS-1123 subdomain (≤ 253) and `/`, then a name (≤ 63). */
function _isLabelKey(key: string): boolean {
	const slash = key.indexOf('/');
	if (slash === -1) return _isName(key);
	const prefix = key.slice(0, slash);
	const name = key.slice(slash + 1);
	// Lengths are checked before each regex, so no pattern ever sees more than 253 characters.
	return prefix.length <= 253 && _DNS_SUBDOMAIN.test(prefix) && _isName(name);
}

function _isName(name: string): boolean {
	return name.length <= 63 && _NAME.test(name);
}

function _checkedValue(text: string, token: _Token): string {
	if (token.text !== '' && !_isName(token.text)) {
		_fail(text, token.pos, token.text, 'a label value: empty or ≤ 63 chars of A-Z a-z 0-9 - _ ., alphanumeric at both ends');
	}
	return token.text;
}

function _formatRequirement({ key, operator, values }: Requirement): string {
	const list = [...values].sort().join(',');
	if (operator === 'exists') return key;
	if (operator === '!') return `!${key}`;
	if (operator === 'in' || operator === 'notin') return `${key} ${operator} (${list})`;
	if (operator === 'gt') return `${key}>${list}`;
	if (operator === 'lt') return `${key}<${list}`;
	return `${key}${operator}${list}`;
}

/** Sorted by key like k8s `ByKey`, then by canonical text so the order is deterministic. */
function _canonicalOrder(selector: Selector): Requirement[] {
	const keyed = selector.map((requirement) => ({ requirement, text: _formatRequirement(requirement) }));
	keyed.sort((a, b) => _compare(a.requirement.key, b.requirement.key) || _compare(a.text, b.text));
	return keyed.map(({ requirement }) => requirement);
}

function _compare(a: string, b: string): number {
	return a < b ? -1 : a > b ? 1 : 0;
}

function _fail(selector: string, position: number, found: string, expected: string): never {
	const shown = found === '' ? 'nothing' : `"${found.length > 40 ? `${found.slice(0, 40)}…` : found}"`;
	throw new ShelfError(
		'INVALID_SELECTOR',
		`Invalid selector: expected ${expected} at position ${position}, found ${shown}. ` +
			'Selectors look like "stage=production,team!=cv,env in (a,b),!deprecated".',
		{ selector, position, found }
	);
}
