// Issue 20: how a signature check, a key and an UNTRUSTED refusal read on the page.
import { describe, expect, it } from 'vitest';
import { ShelfError } from '../../src/lib/core/errors.ts';
import { describeError } from '../../src/lib/ui/errors.ts';
import { publicKeyFileName, shortFingerprint, signatureText, TRUST_POLICY_TEXT } from '../../src/lib/ui/signature.ts';

describe('signatureText', () => {
	it('names the trusted key that verified a version', () => {
		expect(signatureText({ status: 'signed', keyName: 'release', at: 1 })).toEqual({ text: 'signed by release', tone: 'ok' });
	});

	it('warns for every checked state that is not signed, with the reason for an invalid one', () => {
		expect(signatureText({ status: 'unsigned', at: 1 })).toEqual({ text: 'unsigned', tone: 'warning' });
		expect(signatureText({ status: 'untrusted', at: 1 })).toEqual({ text: 'signed by an untrusted key', tone: 'warning' });
		expect(signatureText({ status: 'invalid', reason: 'the payload names sha256:ab…', at: 1 })).toEqual({ text: 'signature invalid: the payload names sha256:ab…', tone: 'warning' });
		expect(signatureText({ status: 'invalid', at: 1 }).text).toBe('signature invalid');
	});

	it('says "not checked" under policy off and when there is no check at all', () => {
		expect(signatureText({ status: 'unchecked', at: 1 })).toEqual({ text: 'not checked', tone: 'muted' });
		expect(signatureText(undefined)).toEqual({ text: 'not checked', tone: 'muted' });
	});
});

describe('key display', () => {
	it('shortens a fingerprint to its first 16 hex digits in groups of four', () => {
		expect(shortFingerprint('0123456789abcdef'.repeat(4))).toBe('0123:4567:89ab:cdef');
	});

	it('names the public key file after the key, safe for any file system', () => {
		expect(publicKeyFileName('release')).toBe('release.pub');
		expect(publicKeyFileName('Team key / 2026')).toBe('Team-key-2026.pub');
		expect(publicKeyFileName('../..')).toBe('signing-key.pub');
		expect(publicKeyFileName('  ')).toBe('signing-key.pub');
	});

	it('has one sentence per trust policy, and enforce says nothing is stored', () => {
		expect(Object.keys(TRUST_POLICY_TEXT)).toEqual(['off', 'warn', 'enforce']);
		expect(TRUST_POLICY_TEXT.enforce).toMatch(/refused.*nothing is stored/);
	});
});

describe('describeError for UNTRUSTED', () => {
	const refusal = (reason: 'unsigned' | 'untrusted-key' | 'bad-signature' | 'wrong-digest' | 'bad-payload' | 'expired-key') =>
		describeError(new ShelfError('UNTRUSTED', 'shelf-e2e/iris:v1 is refused.', { reason, repository: 'shelf-e2e/iris', digest: `sha256:${'a'.repeat(64)}` }));

	it('says in words which check refused the version, and that nothing was stored', () => {
		expect(refusal('unsigned')).toMatchObject({ code: 'UNTRUSTED', message: 'shelf-e2e/iris:v1 is refused.', title: 'Refused by the trust policy: not signed; nothing was stored' });
		expect(refusal('untrusted-key').title).toContain('signed by a key not trusted here');
		expect(refusal('bad-signature').title).toContain('signature does not verify');
		expect(refusal('wrong-digest').title).toContain('signature is for another manifest (re-tagged or swapped)');
		expect(refusal('bad-payload').title).toContain('signature payload not readable');
		expect(refusal('expired-key').title).toContain('signed by a key whose trust has ended');
	});
});
