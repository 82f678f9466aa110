// A pulled version's signature check, in the words the version page and the pull result show.
import type { SignatureCheck } from '../worker/contract.ts';

/** How a check is shown: `ok` (signed by a trusted key), `warning` (anything else that was checked), `muted` (not checked). */
export type SignatureTone = 'ok' | 'warning' | 'muted';

/**
 * Says what a signature check found.
 * @param check the check (undefined: a push, or a pull from before signatures were checked)
 * @example
 * signatureText({ status: 'signed', keyName: 'release', at: 0 }); // { text: 'signed by release', tone: 'ok' }
 */
export function signatureText(check: SignatureCheck | undefined): { text: string; tone: SignatureTone } {
	switch (check?.status) {
		case 'signed':
			return { text: `signed by ${check.keyName ?? 'a trusted key'}`, tone: 'ok' };
		case 'unsigned':
			return { text: 'unsigned', tone: 'warning' };
		case 'untrusted':
			return { text: 'signed by an untrusted key', tone: 'warning' };
		case 'invalid':
			return { text: check.reason ? `signature invalid: ${check.reason}` : 'signature invalid', tone: 'warning' };
		default:
			return { text: 'not checked', tone: 'muted' };
	}
}

/**
 * A fingerprint short enough for a table cell: the first 16 hex digits in groups of four (the full one goes in a title).
 * @param fingerprint the SHA-256 of the DER public key, hex
 */
export function shortFingerprint(fingerprint: string): string {
	return (fingerprint.slice(0, 16).match(/.{1,4}/g) ?? []).join(':');
}

/**
 * A file name for a key's public half: the key's name made safe for a file system, ending `.pub`.
 * @param name the key's name
 */
export function publicKeyFileName(name: string): string {
	const safe = name.trim().replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^[-.]+|-+$/g, '');
	return `${safe || 'signing-key'}.pub`;
}

/** What each trust policy does, one sentence each (the Remote page's radio group). */
export const TRUST_POLICY_TEXT = {
	off: 'Signatures are not checked; versions are pulled as they are.',
	warn: 'Signatures are checked and the result is shown; unsigned or badly signed versions are still pulled, with a warning.',
	enforce: 'Unsigned or badly signed versions are refused, and nothing is stored.'
} as const;
