// Help (issue 25): its selector examples cover every operator the parser has, its CORS lines are README's,
// and its live examples come from what is on the shelf.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseSelector, SELECTOR_OPERATORS } from '../../src/lib/core/selector.ts';
import type { Alias, VersionRecord } from '../../src/lib/worker/contract.ts';
import { examplesFrom } from '../../src/routes/help/help-examples.ts';
import { distributionCorsYaml, EXAMPLE_ORIGIN, nginxRegistryCors, nginxTokenCors } from '../../src/lib/ui/registry-cors.ts';
import { SELECTOR_EXAMPLES } from '../../src/routes/help/selector-examples.ts';

const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');

describe('Help: selector examples', () => {
	it('show every operator the parser supports, each parsing to that operator', () => {
		for (const example of SELECTOR_EXAMPLES) {
			const selector = parseSelector(example.text);
			if (example.operator !== null) expect(selector.map((requirement) => requirement.operator), example.text).toEqual([example.operator]);
			else expect(selector.length, example.text).toBeGreaterThan(1);
		}
		const shown = new Set(SELECTOR_EXAMPLES.map((example) => example.operator));
		expect(Object.values(SELECTOR_OPERATORS).filter((operator) => !shown.has(operator))).toEqual([]);
	});
});

describe('Help: registry CORS lines', () => {
	const section = readme.slice(readme.indexOf('## Sharing through a registry: registry configuration'));

	it("are README's Distribution config.yml lines, for README's example origin", () => {
		const yaml = /```yaml\n([\s\S]*?)\n```/.exec(section)?.[1];
		expect(yaml).toBe(distributionCorsYaml(EXAMPLE_ORIGIN));
	});

	it("are README's nginx lines (which tests/e2e/registry-nginx.test.ts runs), in order", () => {
		const tested = /<!-- nginx-cors:start[^>]*-->([\s\S]*?)<!-- nginx-cors:end -->/.exec(readme)?.[1] ?? '';
		const blocks = [...tested.matchAll(/```nginx\n([\s\S]*?)\n```/g)].map((match) => match[1]);
		expect(blocks).toEqual([nginxRegistryCors(EXAMPLE_ORIGIN), nginxTokenCors(EXAMPLE_ORIGIN)]);
	});

	it('name the origin they are written for', () => {
		expect(distributionCorsYaml('http://localhost:4173')).toContain('Access-Control-Allow-Origin: ["http://localhost:4173"]');
		expect(nginxTokenCors('http://localhost:4173').match(/localhost:4173/g)).toHaveLength(2);
	});
});

describe('Help: live examples from the shelf', () => {
	const version = (tag: string, labels: Record<string, string> = {}, metadata: Record<string, unknown> = {}) =>
		({ tag, name: tag.split(':')[0], version: tag.split(':')[1], info: { labels, metadata } }) as unknown as VersionRecord;

	it('say nothing about an empty shelf', () => {
		expect(examplesFrom([], [])).toEqual({ versions: 0, model: null, alias: null, label: null, metrics: [] });
	});

	it('take the model with most versions, its newest as latest, a selectable label, numeric metrics and an alias', () => {
		const versions = [
			version('b:v1', { note: 'has spaces' }, { accuracy: 0.9, notes: 'text' }),
			version('a:v3', { team: 'risk', stage: 'production' }, { epochs: 3 }),
			version('a:v2'),
			version('c:v1')
		];
		const aliases: Alias[] = [{ name: 'a', alias: 'champion', version: 'v2', since: 0 }];
		expect(examplesFrom(versions, aliases)).toEqual({
			versions: 4,
			model: { name: 'a', count: 2, latest: 'a:v3' },
			alias: { reference: 'a@champion', tag: 'a:v2' },
			label: 'stage=production',
			metrics: ['accuracy', 'epochs']
		});
	});
});
