// Cases marked "k8s" come from kubernetes/apimachinery pkg/labels/selector_test.go.
import { describe, expect, it } from 'vitest';
import { isShelfError } from '../../src/lib/core/errors.ts';
import { formatSelector, parseSelector, type Requirement, type Selector } from '../../src/lib/core/selector.ts';
import { matchesSelector, selectorIndexHints } from '../../src/lib/core/selector-match.ts';

const req = (key: string, operator: Requirement['operator'], values: string[] = []): Requirement => ({ key, operator, values });

/** Runs `fn` and returns the ShelfError it throws. */
function thrown(fn: () => unknown) {
	try {
		fn();
	} catch (error) {
		if (isShelfError(error)) return error;
		throw error;
	}
	throw new Error('expected a ShelfError');
}

describe('parseSelector', () => {
	it.each<[string, Selector]>([
		['', []],
		['   ', []],
		['x=a', [req('x', '=', ['a'])]],
		['x==a', [req('x', '==', ['a'])]],
		['x!=a', [req('x', '!=', ['a'])]],
		['x in (b,a)', [req('x', 'in', ['a', 'b'])]],
		['x notin (a)', [req('x', 'notin', ['a'])]],
		['x', [req('x', 'exists')]],
		['!x', [req('x', '!')]],
		['x>1', [req('x', 'gt', ['1'])]],
		['x<7', [req('x', 'lt', ['7'])]],
		['x=', [req('x', '=', [''])]],
		['x!=', [req('x', '!=', [''])]],
		['x=in', [req('x', '=', ['in'])]],
		['in in (in)', [req('in', 'in', ['in'])]]
	])('parses %j into its requirements', (text, expected) => {
		expect(parseSelector(text)).toEqual(expected);
	});

	it.each<[string, Selector]>([
		// k8s TestSetSelectorParser, valid rows
		['\rx', [req('x', 'exists')]],
		['this-is-a-dns.domain.com/key-with-dash', [req('this-is-a-dns.domain.com/key-with-dash', 'exists')]],
		['this-is-another-dns.domain.com/key-with-dash in (so,what)', [req('this-is-another-dns.domain.com/key-with-dash', 'in', ['so', 'what'])]],
		['0.1.2.domain/99 notin (10.10.100.1, tick.tack.clock)', [req('0.1.2.domain/99', 'notin', ['10.10.100.1', 'tick.tack.clock'])]],
		['foo  in\t (abc)', [req('foo', 'in', ['abc'])]],
		['x notin\n (abc)', [req('x', 'notin', ['abc'])]],
		['x  notin\t\t(abc,def)', [req('x', 'notin', ['abc', 'def'])]],
		['x in (abc,)', [req('x', 'in', ['', 'abc'])]],
		['x in (abc,abc)', [req('x', 'in', ['abc'])]],
		['x in ()', [req('x', 'in', [''])]],
		['x in (a,,)', [req('x', 'in', ['', 'a'])]],
		['x in (a,,,,,,)', [req('x', 'in', ['', 'a'])]],
		['x in (a,,a,,a,,a,,)', [req('x', 'in', ['', 'a'])]],
		['x notin (abc,,def),bar,z in (),w', [req('bar', 'exists'), req('w', 'exists'), req('x', 'notin', ['', 'abc', 'def']), req('z', 'in', [''])]],
		['x,y in (a)', [req('x', 'exists'), req('y', 'in', ['a'])]],
		['x=a,y!=b,z in (h,i,j)', [req('x', '=', ['a']), req('y', '!=', ['b']), req('z', 'in', ['h', 'i', 'j'])]],
		['x notin ( )', [req('x', 'notin', [''])]],
		['x notin (, a)', [req('x', 'notin', ['', 'a'])]],
		['a ', [req('a', 'exists')]],
		['a in (x,y,notin, z,in)', [req('a', 'in', ['in', 'notin', 'x', 'y', 'z'])]]
	])('parses the Kubernetes test case %j the same way', (text, expected) => {
		expect(parseSelector(text)).toEqual(expected);
	});

	it('parses the example from the issue', () => {
		expect(parseSelector('stage=production,team!=cv,env in (a,b),!deprecated')).toEqual([
			req('deprecated', '!'),
			req('env', 'in', ['a', 'b']),
			req('stage', '=', ['production']),
			req('team', '!=', ['cv'])
		]);
	});

	it.each([
		'stage=production,team!=cv,env in (a,b),!deprecated',
		'  stage = production , team != cv , env in ( a , b ) , ! deprecated  ',
		'stage=production,\tteam!=cv,\r\nenv in(a,b),!deprecated',
		'\n\nstage\t=\tproduction,team\n!=\ncv,env\tin\t(\ta,\tb\t),\t!\tdeprecated\n'
	])('ignores spaces, tabs, CR and LF between tokens in %j', (text) => {
		expect(formatSelector(parseSelector(text))).toBe('!deprecated,env in (a,b),stage=production,team!=cv');
	});

	it('sorts requirements by key so equal selectors parse equally (k8s TestDeterministicParse)', () => {
		expect(parseSelector('x=a,a=x')).toEqual(parseSelector('a=x,x=a'));
	});

	it('keeps duplicate and contradictory requirements, as Kubernetes does', () => {
		expect(parseSelector('x=a,x=a,x!=a')).toEqual([req('x', '!=', ['a']), req('x', '=', ['a']), req('x', '=', ['a'])]);
		expect(matchesSelector(parseSelector('x=a,x!=a'), { x: 'a' })).toBe(false);
	});

	it.each(['a', 'A1', 'a.b_c-d', 'x'.repeat(63), 'example.com/Name', `${'a'.repeat(253)}/x`, 'a-1.b-2/c'])(
		'accepts the label key %j',
		(key) => {
			expect(parseSelector(key)).toEqual([req(key, 'exists')]);
		}
	);

	it.each(['', 'a', 'A-b_c.9', 'x'.repeat(63), '007'])('accepts the label value %j', (value) => {
		expect(parseSelector(`k=${value}`)).toEqual([req('k', '=', [value])]);
	});

	it('returns plain data that survives structuredClone and JSON', () => {
		const selector = parseSelector('stage=production,team!=cv,env in (a,b),!deprecated,n>3');
		expect(structuredClone(selector)).toEqual(selector);
		expect(JSON.parse(JSON.stringify(selector))).toEqual(selector);
	});
});

describe('parseSelector errors', () => {
	it.each<[string, number, string]>([
		// k8s TestSelectorParse bad strings
		['x=a||y=b', 2, 'a||y'],
		['x==a==b', 4, '=='],
		['!x=a', 2, '='],
		['x<a', 2, 'a'],
		// k8s TestSetSelectorParser invalid rows
		['x,,y', 2, ','],
		[',x,y', 0, ','],
		['x nott in (y)', 2, 'nott'],
		['a in (xyz),', 11, ''],
		['a in (xyz)b notin ()', 10, 'b'],
		['a in (xyz abc)', 10, 'abc'],
		['a notin(', 8, ''],
		['a (', 2, '('],
		['(', 0, '('],
		// k8s TestParseOperator: "!" is not a binary operator
		['x!', 1, '!'],
		// structure
		['!', 1, ''],
		['!!x', 1, '!'],
		['x in', 4, ''],
		['x in a', 5, 'a'],
		['x in (a', 7, ''],
		['x in ((a)', 6, '('],
		['x in (a=b)', 7, '='],
		['x in (a) y', 9, 'y'],
		['x=(', 2, '('],
		['x=a b', 4, 'b'],
		['x <= 5', 3, '='],
		['x=a,', 4, ''],
		['x=a, ,y', 5, ','],
		// keys (position of the key)
		['-x', 0, '-x'],
		['x-', 0, 'x-'],
		['é=1', 0, 'é'],
		['a/b/c', 0, 'a/b/c'],
		['/x', 0, '/x'],
		['x/', 0, 'x/'],
		['Example.com/x', 0, 'Example.com/x'],
		['a_b.com/x', 0, 'a_b.com/x'],
		[`y=1,${'x'.repeat(64)}`, 4, 'x'.repeat(64)],
		[`${'a'.repeat(254)}/x`, 0, `${'a'.repeat(254)}/x`],
		['!x y', 3, 'y'],
		['!-x', 1, '-x'],
		// values (position of the value)
		['x=-a', 2, '-a'],
		['x in (a, b_, c)', 9, 'b_'],
		['x!=a b', 5, 'b'],
		['x==a~', 3, 'a~'],
		['Key=axahm2EJ8Phiephe2eixohbee9eGeiyees1thuozi1xoh0GiuH3diewi8iem7Nui', 4, 'axahm2EJ8Phiephe2eixohbee9eGeiyees1thuozi1xoh0GiuH3diewi8iem7Nui'],
		// gt / lt need a 64-bit integer
		['x>', 2, ''],
		['x<,y', 2, ''],
		['x>1.5', 2, '1.5'],
		['x>-5', 2, '-5'],
		['x>9223372036854775808', 2, '9223372036854775808']
	])('rejects %j at position %i, found %j', (text, position, found) => {
		const error = thrown(() => parseSelector(text));
		expect(error.code).toBe('INVALID_SELECTOR');
		expect(error.details).toEqual({ selector: text, position, found });
	});
});

describe('matchesSelector', () => {
	it.each<[string, Record<string, string>, boolean]>([
		// k8s TestSelectorMatches
		['', { x: 'y' }, true],
		['x=y', { x: 'y' }, true],
		['x=y,z=w', { x: 'y', z: 'w' }, true],
		['x!=y,z!=w', { x: 'z', z: 'a' }, true],
		['notin=in', { notin: 'in' }, true],
		['x', { x: 'z' }, true],
		['!x', { y: 'z' }, true],
		['x>1', { x: '2' }, true],
		['x<1', { x: '0' }, true],
		['x=z', {}, false],
		['x=y', { x: 'z' }, false],
		['x=y,z=w', { x: 'w', z: 'w' }, false],
		['x!=y,z!=w', { x: 'z', z: 'w' }, false],
		['x', { y: 'z' }, false],
		['!x', { x: 'z' }, false],
		['x>1', { x: '0' }, false],
		['x<1', { x: '2' }, false],
		['foo=bar,baz=blah', { foo: 'bar', baz: 'blah' }, true],
		['foo=blah', { foo: 'bar', baz: 'blah' }, false],
		['foo=bar,foobar=bar,baz=blah', { foo: 'bar', baz: 'blah' }, false],
		// k8s TestRequirementSelectorMatching
		['x in (foo),y notin (alpha)', { x: 'foo', y: 'baz' }, true],
		['x in (foo),y in (alpha)', { x: 'foo', y: 'baz' }, false],
		['x notin (),y', { y: '' }, true],
		['!x,y', { y: '' }, true],
		['x notin (),!y', { y: '' }, false],
		['x in ()', { y: 'baz' }, false],
		['z>1', { z: '2' }, true],
		['z>1', { z: 'v2' }, false]
	])('matches %j against %j: %s', (text, labels, expected) => {
		expect(matchesSelector(parseSelector(text), labels)).toBe(expected);
	});

	it.each<[string, Record<string, string>, boolean]>([
		['team!=cv', {}, true],
		['team notin (cv,nlp)', {}, true],
		['team!=cv', { team: 'cv' }, false],
		['team notin (cv,nlp)', { team: 'nlp' }, false],
		['team notin (cv,nlp)', { team: 'rl' }, true],
		['team=cv', {}, false],
		['team in (cv)', {}, false],
		['x=', { x: '' }, true],
		['x in ()', { x: '' }, true]
	])('treats an absent or empty label correctly: %j against %j is %s', (text, labels, expected) => {
		expect(matchesSelector(parseSelector(text), labels)).toBe(expected);
	});

	it.each<[string, Record<string, string>, boolean]>([
		['x>5', {}, false],
		['x<5', {}, false],
		['x>5', { x: '10' }, true],
		['x<5', { x: '-3' }, true],
		['x<5', { x: '+4' }, true],
		['x>5', { x: '5' }, false],
		['x>05', { x: '6' }, true],
		['x<9223372036854775807', { x: '9223372036854775806' }, true],
		['x>9223372036854775806', { x: '9223372036854775807' }, true],
		['x>1', { x: '9223372036854775808' }, false],
		['x>1', { x: '2.5' }, false],
		['x>1', { x: '' }, false]
	])('compares 64-bit integers for > and <: %j against %j is %s', (text, labels, expected) => {
		expect(matchesSelector(parseSelector(text), labels)).toBe(expected);
	});

	it('looks only at own labels, never at Object.prototype', () => {
		expect(matchesSelector(parseSelector('constructor'), {})).toBe(false);
		expect(matchesSelector(parseSelector('!toString,hasOwnProperty!=x'), {})).toBe(true);
		expect(matchesSelector(parseSelector('constructor=a'), Object.assign(Object.create(null), { constructor: 'a' }))).toBe(true);
	});

	it('matches the example from the issue', () => {
		const selector = parseSelector('stage=production,team!=cv,env in (a,b),!deprecated');
		expect(matchesSelector(selector, { stage: 'production', env: 'a' })).toBe(true);
		expect(matchesSelector(selector, { stage: 'production', env: 'b', team: 'nlp' })).toBe(true);
		expect(matchesSelector(selector, { stage: 'production', env: 'a', team: 'cv' })).toBe(false);
		expect(matchesSelector(selector, { stage: 'production', env: 'c' })).toBe(false);
		expect(matchesSelector(selector, { stage: 'production', env: 'a', deprecated: '' })).toBe(false);
		expect(matchesSelector(selector, { env: 'a' })).toBe(false);
	});
});

describe('formatSelector', () => {
	it.each([
		// k8s TestSelectorParse good strings: the canonical text is the input without spaces
		'x=a,y=b,z=c',
		'',
		'x!=a,y=b',
		'x=',
		'x= ',
		'x=,z= ',
		'x= ,z= ',
		'!x',
		'x>1',
		'x>1,z<5'
	])('writes the Kubernetes test case %j back without spaces', (text) => {
		expect(formatSelector(parseSelector(text))).toBe(text.replaceAll(' ', ''));
	});

	it.each<[Selector, string]>([
		// k8s TestToString
		[[req('x', 'in', ['abc', 'def']), req('y', 'notin', ['jkl']), req('z', 'exists')], 'x in (abc,def),y notin (jkl),z'],
		[[req('x', 'notin', ['abc', 'def']), req('y', '!=', ['jkl']), req('z', '!')], 'x notin (abc,def),y!=jkl,!z'],
		[[req('x', 'notin', ['abc']), req('y', 'in', ['jkl', 'mno']), req('z', 'notin', [''])], 'x notin (abc),y in (jkl,mno),z notin ()'],
		// k8s writes 'z!=a,z' (insertion order); requirements with one key are ordered by their text here
		[[req('x', '=', ['abc']), req('y', '==', ['jkl']), req('z', '!=', ['a']), req('z', 'exists')], 'x=abc,y==jkl,z,z!=a'],
		[[req('x', 'gt', ['2']), req('y', 'lt', ['8']), req('z', 'exists')], 'x>2,y<8,z'],
		[[req('b', 'in', ['y', 'x']), req('a', '=', ['1'])], 'a=1,b in (x,y)']
	])('writes %j as %j', (selector, text) => {
		expect(formatSelector(selector)).toBe(text);
	});

	it.each([
		'stage=production,team!=cv,env in (a,b),!deprecated',
		'x notin (abc,,def),bar,z in (),w',
		'x in (a,),y==b,z!=,k>10,k<20,k,!j',
		'x=b,x=a,x!=a,x in (b,a),x',
		'example.com/a in (in,notin),in=notin'
	])('round-trips %j through parse and format', (text) => {
		const selector = parseSelector(text);
		const canonical = formatSelector(selector);
		expect(parseSelector(canonical)).toEqual(selector);
		expect(formatSelector(parseSelector(canonical))).toBe(canonical);
	});
});

describe('selectorIndexHints', () => {
	it('lists equality pairs, one-of sets, required and forbidden keys', () => {
		expect(selectorIndexHints(parseSelector('stage=production,team!=cv,env in (a,b),!deprecated'))).toEqual({
			equals: ['stage=production'],
			oneOf: [['env=a', 'env=b']],
			required: ['env', 'stage'],
			forbidden: ['deprecated']
		});
	});

	it('treats ==, one-value in and the empty value as equalities, and ignores != and notin', () => {
		expect(selectorIndexHints(parseSelector('a==1,b in (2),c=,d in (),e!=3,f notin (4),g,h>1,i<2'))).toEqual({
			equals: ['a=1', 'b=2', 'c=', 'd='],
			oneOf: [],
			required: ['a', 'b', 'c', 'd', 'g', 'h', 'i'],
			forbidden: []
		});
	});

	it('returns no hints for the empty selector', () => {
		expect(selectorIndexHints(parseSelector(''))).toEqual({ equals: [], oneOf: [], required: [], forbidden: [] });
	});
});

describe('10,000-character selectors', () => {
	const timed = (fn: () => void): number => {
		const start = performance.now();
		fn();
		return performance.now() - start;
	};

	it('parses a valid 10,000-character selector quickly', () => {
		let text = '';
		for (let i = 0; text.length < 10_000; i++) text += `${i ? ',' : ''}key-${i}=value-${i}`;
		let selector: Selector = [];
		expect(timed(() => (selector = parseSelector(text)))).toBeLessThan(500);
		expect(selector.length).toBe(text.split(',').length);
		expect(matchesSelector(selector, Object.fromEntries(selector.map((r) => [r.key, r.values[0] as string])))).toBe(true);
	});

	it('parses an in-list of 10,000 commas quickly', () => {
		const text = `x in (${','.repeat(10_000)})`;
		expect(timed(() => expect(parseSelector(text)).toEqual([req('x', 'in', [''])]))).toBeLessThan(500);
	});

	it.each<[string, string, number]>([
		['a long key', 'a'.repeat(10_000), 0],
		['a long prefix', `${'a-'.repeat(5_000)}/x`, 0],
		['a long value', `x=${'a'.repeat(9_998)}`, 2],
		['a long almost-valid value', `x=${'a-'.repeat(4_999)}`, 2],
		['a long integer', `x>${'9'.repeat(9_998)}`, 2],
		['open parentheses', '('.repeat(10_000), 0],
		['bangs', '!'.repeat(10_000), 1],
		['equals signs', `x${'='.repeat(9_999)}`, 3],
		['nested in-lists', `x in ${'('.repeat(9_995)}`, 6],
		['a missing comma at the end', `${'x=a,'.repeat(2_499)}x=a y`, 10_000]
	])('fails fast on %s', (_name, text, position) => {
		let error: ReturnType<typeof thrown> | undefined;
		expect(timed(() => (error = thrown(() => parseSelector(text))))).toBeLessThan(500);
		expect(error?.code).toBe('INVALID_SELECTOR');
		expect(error?.details?.['position']).toBe(position);
	});
});
