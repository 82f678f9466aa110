import { describe, expect, it } from 'vitest';
import * as errors from '../../src/lib/core/errors.ts';
import * as manifest from '../../src/lib/core/manifest.ts';
import * as selector from '../../src/lib/core/selector.ts';
import * as selectorMatch from '../../src/lib/core/selector-match.ts';
import * as tags from '../../src/lib/core/tags.ts';

// The core has no index module: the app and outside checks import each module directly.
const core = { ...errors, ...tags, ...manifest, ...selector, ...selectorMatch };

describe('the core modules', () => {
	it('export the names the app and outside checks use', () => {
		for (const name of ['parseTag', 'formatTag', 'newVersion', 'parseModelYaml', 'serializeModelYaml', 'parseSelector', 'matchesSelector', 'ShelfError']) {
			expect(typeof (core as Record<string, unknown>)[name], name).toBe('function');
		}
	});

	it('parse a tag, a manifest and a selector together as the store does', () => {
		const info = core.newModelInfo({ name: 'Fraud_Detector', version: 'v1', labels: { stage: 'production', team: 'risk' } });
		expect(core.formatTag(info)).toBe('fraud_detector:v1');
		const reread = core.parseModelYaml(core.serializeModelYaml(info));
		expect(reread).toEqual(info);
		const parsed = core.parseSelector('stage=production,team!=cv,env notin (a,b),!deprecated');
		expect(core.matchesSelector(parsed, reread.labels)).toBe(true);
		expect(core.parseTag('fraud_detector')).toEqual({ name: 'fraud_detector', version: null });
	});
});
