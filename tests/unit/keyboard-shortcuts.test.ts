// Issue 18: the keyboard shortcuts' reader — sequences, timeouts, modifiers and text fields.
import { describe, expect, it } from 'vitest';
import { SHORTCUTS, SEQUENCE_TIMEOUT_MS, createShortcutReader, isTextEntry, type KeyPress, type ShortcutAction } from '../../src/lib/ui/keyboard-shortcuts.ts';

const body = { tagName: 'BODY', isContentEditable: false };

/** A plain key press on the page body at `timeStamp`. */
const press = (key: string, timeStamp = 0, overrides: Partial<KeyPress> = {}): KeyPress => ({ key, timeStamp, ctrlKey: false, metaKey: false, altKey: false, target: body, ...overrides });

/** Feeds presses to a fresh reader; the action each answered (null for none). */
function read(presses: KeyPress[]): Array<ShortcutAction | null> {
	const reader = createShortcutReader();
	return presses.map((keyPress) => reader(keyPress));
}

describe('createShortcutReader', () => {
	it('completes every listed shortcut from its keys, one after another', () => {
		for (const shortcut of SHORTCUTS) {
			const answers = read(shortcut.keys.map((key, index) => press(key, index * 100)));
			expect(answers.at(-1), shortcut.keys.join(' ')).toBe(shortcut.action);
			expect(answers.slice(0, -1).every((answer) => answer === null)).toBe(true);
		}
	});

	it('reads "/" as search, "?" as help, and g then m, s or r as the three pages', () => {
		expect(read([press('/')])).toEqual(['search']);
		expect(read([press('Shift'), press('?')])).toEqual([null, 'help']);
		expect(read([press('g', 0), press('m', 10)])).toEqual([null, 'models']);
		expect(read([press('g', 0), press('s', 10)])).toEqual([null, 'storage']);
		expect(read([press('g', 0), press('r', 10)])).toEqual([null, 'remote']);
	});

	it('forgets a "g" left waiting longer than the timeout', () => {
		expect(read([press('g', 0), press('s', SEQUENCE_TIMEOUT_MS)])).toEqual([null, 'storage']);
		expect(read([press('g', 0), press('s', SEQUENCE_TIMEOUT_MS + 1)])).toEqual([null, null]);
	});

	it('does nothing for a second key that ends no sequence, and starts over after it', () => {
		expect(read([press('g', 0), press('x', 10), press('s', 20)])).toEqual([null, null, null]);
		expect(read([press('s'), press('m'), press('r')])).toEqual([null, null, null]);
		expect(read([press('g', 0), press('x', 10), press('g', 20), press('m', 30)])).toEqual([null, null, null, 'models']);
	});

	it('reads a key that breaks a sequence on its own: "g" then "/" still searches', () => {
		expect(read([press('g', 0), press('/', 10)])).toEqual([null, 'search']);
		expect(read([press('g', 0), press('g', 10), press('s', 20)])).toEqual([null, null, 'storage']);
	});

	it('lets Shift (on its way to a character) wait inside a sequence, but not held-down repeats of other keys', () => {
		expect(read([press('g', 0), press('Shift', 5), press('s', 10)])).toEqual([null, null, 'storage']);
		expect(read([press('g', 0), press('g', 5, { repeat: true }), press('r', 10)])).toEqual([null, null, 'remote']);
		expect(read([press('/', 0, { repeat: true })])).toEqual([null]);
	});

	it('never fires with Ctrl, Meta or Alt held, and such a press forgets a pending "g"', () => {
		for (const modifier of ['ctrlKey', 'metaKey', 'altKey'] as const) {
			expect(read([press('/', 0, { [modifier]: true })]), modifier).toEqual([null]);
			expect(read([press('g', 0, { [modifier]: true }), press('s', 10)]), modifier).toEqual([null, null]);
			expect(read([press('g', 0), press('s', 10, { [modifier]: true })]), modifier).toEqual([null, null]);
			expect(read([press('g', 0), press('x', 5, { [modifier]: true }), press('s', 10)]), modifier).toEqual([null, null, null]);
		}
	});

	it('never fires while typing in a text field, and typing there forgets a pending "g"', () => {
		const search = { tagName: 'INPUT', type: 'search', isContentEditable: false };
		expect(read([press('/', 0, { target: search })])).toEqual([null]);
		expect(read([press('g', 0, { target: search }), press('s', 10, { target: search })])).toEqual([null, null]);
		// "g" typed on the page, then "s" typed into a field: the s is text, and the g is gone afterwards.
		expect(read([press('g', 0), press('s', 10, { target: search }), press('s', 20)])).toEqual([null, null, null]);
	});

	it('is case-sensitive: Shift+G and Shift+S are not "g s"', () => {
		expect(read([press('G', 0), press('S', 10)])).toEqual([null, null]);
	});
});

describe('isTextEntry', () => {
	it('counts text inputs, text areas, selects and editable content as typing', () => {
		for (const type of ['text', 'search', 'email', 'number', 'password', 'url', 'date', 'TEXT']) {
			expect(isTextEntry({ tagName: 'INPUT', type }), type).toBe(true);
		}
		expect(isTextEntry({ tagName: 'input' })).toBe(true); // no type attribute: a text input
		expect(isTextEntry({ tagName: 'TEXTAREA' })).toBe(true);
		expect(isTextEntry({ tagName: 'SELECT' })).toBe(true);
		expect(isTextEntry({ tagName: 'DIV', isContentEditable: true })).toBe(true);
	});

	it('leaves shortcuts to inputs that take no text, buttons, links and the page itself', () => {
		for (const type of ['checkbox', 'radio', 'button', 'submit', 'reset', 'file', 'range', 'color']) {
			expect(isTextEntry({ tagName: 'INPUT', type }), type).toBe(false);
		}
		for (const tagName of ['BUTTON', 'A', 'BODY', 'MAIN']) expect(isTextEntry({ tagName, isContentEditable: false }), tagName).toBe(false);
		expect(isTextEntry(null)).toBe(false);
		expect(isTextEntry(undefined)).toBe(false);
		expect(isTextEntry({})).toBe(false);
	});
});
