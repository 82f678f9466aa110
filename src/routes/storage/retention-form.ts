// The Storage page's retention form as it lives in the URL, so the space view (or anyone) can link to a
// prefilled rule: `/storage?keep=3&older=30&selector=stage%3Ddev&latest=1#retention`.
import { parseSelector } from '$lib/core/selector.ts';
import { describeError } from '$lib/ui/errors.ts';
import type { RetentionRule } from '$lib/worker/contract.ts';

/** The form as typed: text boxes stay text so a half-typed number is not lost. */
export interface RetentionForm {
	/** Only this model ('' = every model). */
	name: string;
	/** Keep the newest N versions of each model ('' = no such criterion). */
	keep: string;
	/** Delete versions older than D days ('' = no such criterion). */
	older: string;
	/** A label selector restricting the rule ('' = every version). */
	selector: string;
	includeLatest: boolean;
	includeAliased: boolean;
}

/** Which part of the form a problem is about. */
export type RetentionField = 'keep' | 'older' | 'selector' | 'rule';

/** Why the form is not a rule yet, in plain words; `position` for a selector's offending character. */
export interface RetentionProblem {
	field: RetentionField;
	message: string;
	position?: number;
}

/** The form read as a rule, or what stops it. */
export type RetentionFormResult = { rule: RetentionRule; problem?: undefined } | { rule?: undefined; problem: RetentionProblem };

/** The form before anyone typed. */
export const EMPTY_RETENTION_FORM: RetentionForm = { name: '', keep: '', older: '', selector: '', includeLatest: false, includeAliased: false };

/**
 * Reads the form from a URL's query string; absent values are empty, the checkboxes are on only for `1`.
 * @param params the page URL's search params
 */
export function parseRetentionQuery(params: URLSearchParams): RetentionForm {
	return {
		name: params.get('name') ?? '',
		keep: params.get('keep') ?? '',
		older: params.get('older') ?? '',
		selector: params.get('selector') ?? '',
		includeLatest: params.get('latest') === '1',
		includeAliased: params.get('aliased') === '1'
	};
}

/**
 * Writes the form as a query string (`''` or `?…`), leaving empty fields out so links stay short.
 * @param form the form
 * @example
 * retentionSearch({ ...EMPTY_RETENTION_FORM, keep: '3' }); // '?keep=3'
 */
export function retentionSearch(form: RetentionForm): string {
	const params = new URLSearchParams();
	if (form.name.trim() !== '') params.set('name', form.name.trim());
	if (form.keep.trim() !== '') params.set('keep', form.keep.trim());
	if (form.older.trim() !== '') params.set('older', form.older.trim());
	if (form.selector.trim() !== '') params.set('selector', form.selector.trim());
	if (form.includeLatest) params.set('latest', '1');
	if (form.includeAliased) params.set('aliased', '1');
	const text = params.toString();
	return text === '' ? '' : `?${text}`;
}

/**
 * Reads the form as a {@link RetentionRule}: whole numbers of versions and days, a selector that parses, and at
 * least one of keep / older (a rule with neither would select every version).
 * @param form the form as typed
 * @example
 * formToRule({ ...EMPTY_RETENTION_FORM, keep: '3' }); // { rule: { keepNewest: 3 } }
 */
export function formToRule(form: RetentionForm): RetentionFormResult {
	const keep = _wholeNumber(form.keep);
	if (keep === 'invalid') return { problem: { field: 'keep', message: 'The number of versions to keep must be a whole number, 0 or more.' } };
	const older = _wholeNumber(form.older);
	if (older === 'invalid') return { problem: { field: 'older', message: 'The age in days must be a whole number, 0 or more.' } };
	if (keep === null && older === null) return { problem: { field: 'rule', message: 'Say how many versions to keep, or how old a version must be to go (or both).' } };
	const selector = form.selector.trim();
	if (selector !== '') {
		try {
			parseSelector(selector);
		} catch (error) {
			const shown = describeError(error);
			return { problem: { field: 'selector', message: shown.message, ...(shown.position === undefined ? {} : { position: shown.position }) } };
		}
	}
	const rule: RetentionRule = {};
	if (form.name.trim() !== '') rule.name = form.name.trim();
	if (keep !== null) rule.keepNewest = keep;
	if (older !== null) rule.olderThanDays = older;
	if (selector !== '') rule.selector = selector;
	if (form.includeLatest) rule.includeLatest = true;
	if (form.includeAliased) rule.includeAliased = true;
	return { rule };
}

/**
 * Says a rule in words, as the Run button's confirmation and the plan's heading use it.
 * @param rule a rule from {@link formToRule}
 * @example
 * describeRule({ keepNewest: 3, olderThanDays: 30 }); // 'keep the newest 3 versions of each model; only versions older than 30 days'
 */
export function describeRule(rule: RetentionRule): string {
	const parts: string[] = [];
	const models = rule.name === undefined ? 'each model' : rule.name;
	if (rule.keepNewest !== undefined) parts.push(`keep the newest ${rule.keepNewest} ${rule.keepNewest === 1 ? 'version' : 'versions'} of ${models}`);
	else if (rule.name !== undefined) parts.push(`only ${rule.name}`);
	if (rule.olderThanDays !== undefined) parts.push(`only versions older than ${rule.olderThanDays} ${rule.olderThanDays === 1 ? 'day' : 'days'}`);
	if (rule.selector) parts.push(`matching ${rule.selector}`);
	if (rule.includeLatest) parts.push('latest versions included');
	if (rule.includeAliased) parts.push('aliased versions included');
	return parts.join('; ');
}

// ---------------------------------------------------------------------------

function _wholeNumber(text: string): number | null | 'invalid' {
	const trimmed = text.trim();
	if (trimmed === '') return null;
	if (!/^\d+$/.test(trimmed)) return 'invalid';
	const value = Number(trimmed);
	return Number.isSafeInteger(value) ? value : 'invalid';
}
