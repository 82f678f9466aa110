// The Storage page's pure helpers (issue 16): the retention form as a rule and as a URL, the space chart's
// bars and wording.
import { describe, expect, it } from 'vitest';
import { EMPTY_RETENTION_FORM, describeRule, formToRule, parseRetentionQuery, retentionSearch } from '../../src/routes/storage/retention-form.ts';
import { barSegments, creationTimeOfKey, daysUntil, describeLastUse, formatBytesExact, sharedBytesOf, spaceSummary } from '../../src/routes/storage/space-layout.ts';
import { parseCreationTime } from '../../src/lib/core/manifest-time.ts';

describe('the retention form', () => {
	it('reads keep and older as whole numbers and leaves unset criteria out of the rule', () => {
		expect(formToRule({ ...EMPTY_RETENTION_FORM, keep: '3' })).toEqual({ rule: { keepNewest: 3 } });
		expect(formToRule({ ...EMPTY_RETENTION_FORM, older: ' 30 ' })).toEqual({ rule: { olderThanDays: 30 } });
		expect(formToRule({ name: '', keep: '2', older: '7', selector: ' stage=dev ', includeLatest: true, includeAliased: true })).toEqual({
			rule: { keepNewest: 2, olderThanDays: 7, selector: 'stage=dev', includeLatest: true, includeAliased: true }
		});
	});

	it('refuses a rule with neither criterion, since it would select every version', () => {
		expect(formToRule(EMPTY_RETENTION_FORM).problem?.field).toBe('rule');
		expect(formToRule({ ...EMPTY_RETENTION_FORM, selector: 'stage=dev' }).problem?.field).toBe('rule');
	});

	it('refuses numbers that are not whole and non-negative, naming the field', () => {
		for (const keep of ['-1', '2.5', 'three', '1e3']) expect(formToRule({ ...EMPTY_RETENTION_FORM, keep }).problem?.field).toBe('keep');
		expect(formToRule({ ...EMPTY_RETENTION_FORM, keep: '1', older: '1.5' }).problem?.field).toBe('older');
	});

	it('gives an invalid selector its position, like the Models page', () => {
		const { problem } = formToRule({ ...EMPTY_RETENTION_FORM, keep: '1', selector: 'stage=dev,,x' });
		expect(problem?.field).toBe('selector');
		expect(problem?.position).toBe(10);
	});

	it('round-trips through the URL, short when empty', () => {
		const form = { name: 'churn', keep: '3', older: '30', selector: 'team in (a,b)', includeLatest: false, includeAliased: true };
		const search = retentionSearch(form);
		expect(search).toBe('?name=churn&keep=3&older=30&selector=team+in+%28a%2Cb%29&aliased=1');
		expect(formToRule(form)).toEqual({ rule: { name: 'churn', keepNewest: 3, olderThanDays: 30, selector: 'team in (a,b)', includeAliased: true } });
		expect(parseRetentionQuery(new URLSearchParams(search))).toEqual(form);
		expect(retentionSearch(EMPTY_RETENTION_FORM)).toBe('');
		expect(parseRetentionQuery(new URLSearchParams(''))).toEqual(EMPTY_RETENTION_FORM);
	});

	it('says a rule in words', () => {
		expect(describeRule({ keepNewest: 1, olderThanDays: 30, selector: 'stage=dev' })).toBe('keep the newest 1 version of each model; only versions older than 30 days; matching stage=dev');
	});
});

describe('the space chart', () => {
	it('scales bars to the largest and splits them into unique then shared', () => {
		expect(barSegments(200, 50, 200)).toEqual({ unique: 25, shared: 75 });
		expect(barSegments(100, 25, 200)).toEqual({ unique: 12.5, shared: 37.5 });
		expect(barSegments(100, 100, 100)).toEqual({ unique: 100, shared: 0 });
		expect(barSegments(0, 0, 100)).toEqual({ unique: 0, shared: 0 });
	});

	it('keeps a few bytes visible as a sliver and never overflows the chart', () => {
		const { unique, shared } = barSegments(1_000_001, 1, 1_000_001);
		expect(unique).toBeGreaterThan(0);
		expect(unique + shared).toBeLessThanOrEqual(100);
	});

	it('counts shared bytes as size less unique, never below zero', () => {
		expect(sharedBytesOf(300, 100)).toBe(200);
		expect(sharedBytesOf(100, 120)).toBe(0);
	});

	it('summarizes the largest models for screen readers', () => {
		const models = ['a', 'b', 'c'].map((name, i) => ({ name, size: 3072 - i * 1024, uniqueBytes: 1024, versions: [] }));
		expect(spaceSummary(models, 2)).toBe('Models by size, largest first: a 3.00 KiB (1.00 KiB unique), b 2.00 KiB (1.00 KiB unique), and 1 more.');
		expect(spaceSummary([])).toBe('No models on the shelf.');
	});

	it('says when a version was last used, or never', () => {
		const now = new Date('2025-11-10T12:00:00Z');
		expect(describeLastUse({ tag: 'a:1', how: 'exported', at: now.getTime() - 3 * 86_400_000 }, now)).toBe('exported 3 days ago');
		expect(describeLastUse(null, now)).toBe('never');
	});

	it('reads the creation time out of a createdKey', () => {
		const time = creationTimeOfKey('2025-11-03T10:15:00.250000Z~fraud_detector:6st47ifytwe2p45h');
		expect(time).toBe('2025-11-03T10:15:00.250000Z');
		expect(parseCreationTime(time)?.epochMs).toBe(Date.UTC(2025, 10, 3, 10, 15, 0, 250));
	});

	it('writes figures people compare with their exact byte count', () => {
		expect(formatBytesExact(3072)).toBe('3.00 KiB (3,072 bytes)');
		expect(formatBytesExact(1)).toBe('1 byte');
		expect(formatBytesExact(0)).toBe('0 bytes');
	});

	it('counts whole days until a trashed version expires', () => {
		const now = Date.UTC(2025, 0, 1);
		expect(daysUntil(now + 30 * 86_400_000, now)).toBe(30);
		expect(daysUntil(now + 86_400_000 / 2, now)).toBe(1);
		expect(daysUntil(now - 1, now)).toBe(0);
	});
});
