import { describe, expect, it } from 'vitest';
import * as core from '../../src/lib/core/index.ts';

describe('the core entry', () => {
	it('exports the names the app and outside checks use', () => {
		for (const name of ['parseTag', 'formatTag', 'newVersion', 'parseModelYaml', 'serializeModelYaml', 'parseSelector', 'matchesSelector', 'ShelfError']) {
			expect(typeof (core as Record<string, unknown>)[name], name).toBe('function');
		}
	});

	it('parses a tag, a manifest and a selector together as the store does', () => {
		const info = core.newModelInfo({ name: 'Fraud_Detector', version: 'v1', labels: { stage: 'production', team: 'risk' } });
		expect(core.formatTag(info)).toBe('fraud_detector:v1');
		const reread = core.parseModelYaml(core.serializeModelYaml(info));
		expect(reread).toEqual(info);
		const selector = core.parseSelector('stage=production,team!=cv,env notin (a,b),!deprecated');
		expect(core.matchesSelector(selector, reread.labels)).toBe(true);
		expect(core.parseTag('fraud_detector')).toEqual({ name: 'fraud_detector', version: null });
	});
});
