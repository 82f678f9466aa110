// Node + browser: pure TypeScript, no DOM, no idb, no OPFS.
//
// Evaluating parsed label selectors (selector.ts) as Kubernetes' `Requirement.Matches` does, and the
// conditions an index can use to find the candidates.

import type { Requirement, Selector } from './selector.ts';

/** Necessary conditions of a selector, for choosing an index; always filter results with {@link matchesSelector}. */
export interface SelectorIndexHints {
	/** `key=value` strings every match carries (from `=`, `==` and one-value `in`), for a multi-entry index. */
	equals: string[];
	/** Per multi-value `in`: `key=value` strings of which every match carries at least one. */
	oneOf: string[][];
	/** Keys every match has (`exists`, `=`, `==`, `in`, `gt`, `lt`). */
	required: string[];
	/** Keys no match has (`!key`). */
	forbidden: string[];
}

/**
 * Tells whether labels satisfy every requirement (Kubernetes `Requirement.Matches`): `!=` and `notin` match
 * when the key is absent; `gt`/`lt` need the label to parse as a 64-bit integer.
 *
 * @param selector from {@link parseSelector}; the empty selector matches everything
 * @param labels the model's labels
 *
 * @example
 * matchesSelector(parseSelector('team!=cv'), {}); // true: the key is absent
 */
export function matchesSelector(selector: Selector, labels: Readonly<Record<string, string>>): boolean {
	return selector.every((requirement) => _matchesRequirement(requirement, labels));
}

/**
 * Extracts what an index can use: `key=value` strings for a multi-entry index of `key=value` label
 * strings (a key never contains `=`, so split at the first one), plus required and forbidden keys.
 * `!=` and `notin` give no hints, as they also match absent keys.
 *
 * @param selector from {@link parseSelector}
 *
 * @example
 * selectorIndexHints(parseSelector('stage=prod,env in (a,b),!old'));
 * // { equals: ['stage=prod'], oneOf: [['env=a', 'env=b']], required: ['env', 'stage'], forbidden: ['old'] }
 */
export function selectorIndexHints(selector: Selector): SelectorIndexHints {
	const equals = new Set<string>();
	const required = new Set<string>();
	const forbidden = new Set<string>();
	const oneOf: string[][] = [];
	for (const { key, operator, values } of selector) {
		if (operator === '=' || operator === '==' || operator === 'in') {
			required.add(key);
			const pairs = [...new Set(values)].sort().map((value) => `${key}=${value}`);
			if (pairs.length === 1) equals.add(pairs[0] as string);
			else oneOf.push(pairs);
		} else if (operator === 'exists' || operator === 'gt' || operator === 'lt') {
			required.add(key);
		} else if (operator === '!') {
			forbidden.add(key);
		}
	}
	return { equals: [...equals].sort(), oneOf, required: [...required].sort(), forbidden: [...forbidden].sort() };
}

/**
 * Go's `strconv.ParseInt(s, 10, 64)`: optional sign, decimal digits, within int64; undefined otherwise.
 * @param text the would-be integer
 */
export function parseInt64(text: string): bigint | undefined {
	if (!/^[+-]?[0-9]+$/.test(text)) return undefined;
	const value = BigInt(text);
	return value < _INT64_MIN || value > _INT64_MAX ? undefined : value;
}

// ---------------------------------------------------------------------------------------------------

const _INT64_MIN = -(2n ** 63n);
const _INT64_MAX = 2n ** 63n - 1n;

function _matchesRequirement({ key, operator, values }: Requirement, labels: Readonly<Record<string, string>>): boolean {
	const has = Object.hasOwn(labels, key);
	const value = has ? labels[key] : undefined;
	switch (operator) {
		case '=':
		case '==':
		case 'in':
			return has && values.includes(value as string);
		case '!=':
		case 'notin':
			return !has || !values.includes(value as string);
		case 'exists':
			return has;
		case '!':
			return !has;
		case 'gt':
		case 'lt': {
			const actual = has ? parseInt64(value as string) : undefined;
			const limit = values.length === 1 ? parseInt64(values[0] as string) : undefined;
			if (actual === undefined || limit === undefined) return false;
			return operator === 'gt' ? actual > limit : actual < limit;
		}
		default:
			return false;
	}
}
