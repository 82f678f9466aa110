// The Models page's filter in the URL (src/routes/models-filter.ts): metric order, thresholds, "has alias",
// the alias view, and the listing request each one asks for.
import { describe, expect, it } from 'vitest';
import { pyFloat } from '../../src/lib/core/manifest.ts';
import { DEFAULT_FILTER, addRequirement, listRequestOf, matchingKey, metricValue, modelsFilterSearch, parseModelsFilter } from '../../src/routes/models-filter.ts';

const parse = (search: string) => parseModelsFilter(new URLSearchParams(search));

describe('Models filter in the URL', () => {
	it('an empty query string is the default filter and writes back as nothing', () => {
		expect(parse('')).toEqual(DEFAULT_FILTER);
		expect(modelsFilterSearch(DEFAULT_FILTER)).toBe('');
	});

	it('metric order, direction, thresholds, has-alias and the alias view round-trip', () => {
		const filter = { ...DEFAULT_FILTER, selector: 'stage=dev', sort: 'accuracy', dir: 'asc' as const, where: 'accuracy>=0.9, epochs<10', aliased: true, view: 'aliases' as const };
		const search = modelsFilterSearch(filter);
		expect(search).toBe('?selector=stage%3Ddev&view=aliases&sort=accuracy&dir=asc&where=accuracy%3E%3D0.9%2C+epochs%3C10&aliased=1');
		expect(parse(search)).toEqual(filter);
	});

	it('unknown values fall back to the defaults; a direction without a metric is not written', () => {
		expect(parse('view=cards&dir=sideways&aliased=yes&order=random')).toEqual(DEFAULT_FILTER);
		expect(modelsFilterSearch({ ...DEFAULT_FILTER, dir: 'asc' })).toBe('');
	});
});

describe('listRequestOf', () => {
	it('orders by the metric in the chosen direction and passes thresholds and has-alias', () => {
		expect(listRequestOf({ ...DEFAULT_FILTER, q: ' fraud ', sort: 'accuracy', where: ' accuracy>=0.9 ', aliased: true })).toEqual({
			order: 'newest',
			text: 'fraud',
			where: 'accuracy>=0.9',
			orderBy: { metadata: 'accuracy', direction: 'desc' },
			aliased: true
		});
	});

	it('by default lists newest first with nothing else', () => {
		expect(listRequestOf(DEFAULT_FILTER)).toEqual({ order: 'newest' });
	});

	it('one row per alias lists only aliased versions', () => {
		expect(listRequestOf({ ...DEFAULT_FILTER, view: 'aliases' }).aliased).toBe(true);
		expect(listRequestOf({ ...DEFAULT_FILTER, view: 'grouped' }).aliased).toBeUndefined();
	});

	it('the matching key ignores order and layout but not what matches', () => {
		const base = { ...DEFAULT_FILTER, selector: 'stage=dev' };
		expect(matchingKey({ ...base, sort: 'accuracy', order: 'oldest', view: 'grouped' })).toBe(matchingKey(base));
		expect(matchingKey({ ...base, where: 'accuracy>0.5' })).not.toBe(matchingKey(base));
		expect(matchingKey({ ...base, view: 'aliases' })).not.toBe(matchingKey(base));
	});
});

describe('metricValue', () => {
	it('reads ints, floats, boxed floats and bigints as numbers and anything else as no value', () => {
		expect([metricValue(0.93), metricValue(pyFloat(1)), metricValue(12n), metricValue('0.9'), metricValue(null), metricValue(Number.NaN)]).toEqual([0.93, 1, 12, null, null, null]);
	});
});

describe('addRequirement', () => {
	it('adds a label requirement once', () => {
		expect(addRequirement('team=risk', 'stage', 'production')).toBe('team=risk,stage=production');
		expect(addRequirement('team=risk, stage=production', 'stage', 'production')).toBe('team=risk, stage=production');
	});
});
