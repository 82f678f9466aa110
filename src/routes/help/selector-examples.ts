// The label-selector examples Help documents: one per operator the parser knows (core/selector.ts), plus a
// combination. One list, so the table, the "Try" buttons and the tests all use the same examples. Each matches
// some but not all of the sample models (static/samples/make_samples.py; tests/e2e/ui-samples.test.ts checks it).
import type { SelectorOperator } from '$lib/core/selector.ts';

/** One documented selector and what it asks for. */
export interface SelectorExample {
	/** The selector as a person types it. */
	text: string;
	/** The operator it shows; null for a combination of several. */
	operator: SelectorOperator | null;
	/** What it matches, in plain words. */
	says: string;
}

/** Every operator of `SELECTOR_OPERATORS`, in the order Help explains them, then a combination (AND). */
export const SELECTOR_EXAMPLES: readonly SelectorExample[] = [
	{ text: 'stage=production', operator: '=', says: 'has the label stage with exactly the value production' },
	{ text: 'stage==production', operator: '==', says: 'the same as =' },
	{ text: 'stage!=production', operator: '!=', says: 'stage is something else, or the version has no stage label at all' },
	{ text: 'team in (risk,vision)', operator: 'in', says: 'team is one of the values listed' },
	{ text: 'team notin (risk)', operator: 'notin', says: 'team is none of the values listed, or the label is missing' },
	{ text: 'deprecated', operator: 'exists', says: 'has a deprecated label, whatever its value' },
	{ text: '!deprecated', operator: '!', says: 'has no deprecated label' },
	{ text: 'epochs>10', operator: 'gt', says: 'the label reads as a whole number above 10 (a missing or non-numeric label never matches)' },
	{ text: 'epochs<20', operator: 'lt', says: 'the label reads as a whole number below 20' },
	{ text: 'stage=production,team!=cv', operator: null, says: 'a comma means AND: both must hold (there is no OR; use in for one key)' }
];
