// The Models page's filter in the URL (src/routes/models-filter.ts): metric order, thresholds, "has alias",
// the alias view, model formats and parameter ranges (issue 17), and the listing request each one asks for.
import { describe, expect, it } from 'vitest';
import { pyFloat } from '../../src/lib/core/manifest.ts';
import {
	DEFAULT_FILTER,
	addRequirement,
	joinParameterRange,
	listRequestOf,
	matchingKey,
	metricValue,
	modelsFilterSearch,
	parameterRangeOf,
	parseFormats,
	parseModelsFilter,
	parseParameterCount,
	parseParameterRange,
	splitParameterRange
} from '../../src/routes/models-filter.ts';

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

describe('model formats and parameter ranges in the URL (issue 17)', () => {
	it('formats are written with bare commas and a range as min..max, and both read back', () => {
		const filter = { ...DEFAULT_FILTER, formats: ['gguf' as const, 'onnx' as const], params: '1M..10B' };
		const search = modelsFilterSearch(filter);
		expect(search).toBe('?params=1M..10B&format=gguf,onnx');
		expect(parse(search)).toEqual(filter);
		expect(parse('format=gguf%2Connx').formats).toEqual(['gguf', 'onnx']);
	});

	it('unknown format names and duplicates are dropped; the known ones keep the formats order', () => {
		expect(parseFormats('onnx, GGUF,zip,onnx,')).toEqual(['gguf', 'onnx']);
		expect(parse('format=zip').formats).toEqual([]);
		expect(modelsFilterSearch({ ...DEFAULT_FILTER, formats: ['pickle', 'safetensors'] })).toBe('?format=safetensors,pickle');
	});

	it('the listing asks for the formats and the range read from the URL', () => {
		expect(listRequestOf(parse('format=onnx&params=1.5K..7B'))).toEqual({ order: 'newest', formats: ['onnx'], parameters: { min: 1500, max: 7_000_000_000 } });
		expect(listRequestOf(parse('params=..1B')).parameters).toEqual({ max: 1_000_000_000 });
		expect(listRequestOf(parse('params=7B..')).parameters).toEqual({ min: 7_000_000_000 });
	});

	it('an invalid range in a link filters nothing (the filter bar says why)', () => {
		for (const params of ['7B', 'lots..', '10B..1M']) expect(listRequestOf(parse(`params=${params}`)).parameters).toBeUndefined();
	});

	it('the matching key changes with the formats and the range', () => {
		expect(matchingKey({ ...DEFAULT_FILTER, formats: ['gguf'] })).not.toBe(matchingKey(DEFAULT_FILTER));
		expect(matchingKey({ ...DEFAULT_FILTER, params: '1M..' })).not.toBe(matchingKey(DEFAULT_FILTER));
	});
});

describe('parseParameterCount', () => {
	it('reads counts with K, M, B and T in either case, decimals and spaces', () => {
		const counts = ['7B', '125M', '1.5K', '500', '7.24 B', ' 2t ', '.5k', '0'].map((text) => parseParameterCount(text));
		expect(counts).toEqual([7e9, 125e6, 1500, 500, 7.24e9, 2e12, 500, 0].map((value) => ({ value })));
	});

	it('rounds to a whole number of parameters', () => {
		expect(parseParameterCount('1.2345K')).toEqual({ value: 1235 });
	});

	it('says where a count goes wrong', () => {
		const position = (text: string) => {
			const reading = parseParameterCount(text);
			return 'problem' in reading ? reading.problem.position : 'read';
		};
		expect([position('7X'), position('7BB'), position('abc'), position('B7'), position('1.5.3'), position('-5'), position('7 B x')]).toEqual([1, 2, 0, 0, 3, 0, 4]);
		const reading = parseParameterCount('7X');
		expect('problem' in reading && reading.problem.message).toContain('7B, 125M, 1.5K or 500');
	});
});

describe('parameter ranges', () => {
	it('either end may be open; both open is no range', () => {
		expect(parameterRangeOf('1M', '')).toEqual({ range: { min: 1e6 } });
		expect(parameterRangeOf('', '10B')).toEqual({ range: { max: 1e10 } });
		expect(parameterRangeOf(' ', '')).toEqual({ range: null });
		expect(parseParameterRange('')).toEqual({ range: null });
	});

	it('names the end at fault, and a minimum above the maximum', () => {
		expect(parameterRangeOf('1M', '10Q')).toMatchObject({ problem: { field: 'max', position: 2 } });
		expect(parameterRangeOf('x', '10B')).toMatchObject({ problem: { field: 'min', position: 0 } });
		expect(parameterRangeOf('10B', '1M')).toMatchObject({ problem: { field: 'range' } });
		expect(parameterRangeOf('1M', '1M')).toEqual({ range: { min: 1e6, max: 1e6 } });
	});

	it('a range in the URL without ".." is refused rather than guessed at', () => {
		expect(parseParameterRange('7B')).toMatchObject({ problem: { field: 'range' } });
	});

	it('splits and joins the two ends, dropping spaces', () => {
		expect(splitParameterRange('1M..10B')).toEqual({ min: '1M', max: '10B' });
		expect(splitParameterRange('..1B')).toEqual({ min: '', max: '1B' });
		expect(splitParameterRange('7B')).toEqual({ min: '7B', max: '' });
		expect(joinParameterRange(' 7 B', '')).toBe('7B..');
		expect(joinParameterRange('', '')).toBe('');
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
