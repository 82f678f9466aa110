// The app's keyboard shortcuts: which keys do what, and a reader that turns key presses into actions.
// Pure (no DOM access beyond duck-typing the event target), so the sequence logic runs in Node tests.

/** What a shortcut does; the root layout carries it out. */
export type ShortcutAction = 'search' | 'models' | 'storage' | 'remote' | 'help-page' | 'help';

/** One shortcut: the keys pressed one after another, and what it does. */
export interface Shortcut {
	/** `KeyboardEvent.key` values, in order (`['g', 's']` is "g, then s"). */
	readonly keys: readonly string[];
	readonly action: ShortcutAction;
	/** What it does, in the words the shortcuts dialog shows. */
	readonly description: string;
}

/** Every shortcut, in the order the dialog lists them. */
export const SHORTCUTS: readonly Shortcut[] = [
	{ keys: ['/'], action: 'search', description: 'Search names and tags (opens Models)' },
	{ keys: ['g', 'm'], action: 'models', description: 'Go to Models' },
	{ keys: ['g', 's'], action: 'storage', description: 'Go to Storage' },
	{ keys: ['g', 'r'], action: 'remote', description: 'Go to Remote' },
	{ keys: ['g', 'h'], action: 'help-page', description: 'Go to Help' },
	{ keys: ['?'], action: 'help', description: 'Show these keyboard shortcuts' }
];

/** How long the second key of a sequence may wait after the first (GitHub and Gmail use about as much). */
export const SEQUENCE_TIMEOUT_MS = 1500;

/** The parts of a `KeyboardEvent` the reader looks at. */
export interface KeyPress {
	key: string;
	ctrlKey: boolean;
	metaKey: boolean;
	altKey: boolean;
	/** Milliseconds, from any fixed origin (`KeyboardEvent.timeStamp`). */
	timeStamp: number;
	repeat?: boolean;
	target: unknown;
}

/**
 * Makes a reader of key presses: feed it every keydown, and it answers the action a press completes, or null.
 * Presses with Ctrl, Meta or Alt held, and presses into text fields, never complete anything (and forget a
 * pending "g"), so browser and OS shortcuts and typing are left alone.
 * @param timeoutMs how long a pending first key of a sequence is remembered
 * @example
 * const read = createShortcutReader();
 * addEventListener('keydown', (event) => { const action = read(event); if (action) event.preventDefault(); });
 */
export function createShortcutReader(timeoutMs = SEQUENCE_TIMEOUT_MS): (press: KeyPress) => ShortcutAction | null {
	let pending: { keys: string[]; at: number } | null = null;

	return (press) => {
		// Shift alone (on its way to "?") and other lone modifiers neither complete nor break a sequence.
		if (_MODIFIER_KEYS.has(press.key) || press.repeat) return null;
		if (press.ctrlKey || press.metaKey || press.altKey || isTextEntry(press.target)) {
			pending = null;
			return null;
		}
		const fresh = [press.key];
		const candidates = pending && press.timeStamp - pending.at <= timeoutMs ? [[...pending.keys, press.key], fresh] : [fresh];
		pending = null;
		// A broken sequence ("g" then "/") is read again from its last key alone.
		for (const keys of candidates) {
			const done = SHORTCUTS.find((shortcut) => _sameKeys(shortcut.keys, keys));
			if (done) return done.action;
			if (SHORTCUTS.some((shortcut) => shortcut.keys.length > keys.length && _sameKeys(shortcut.keys.slice(0, keys.length), keys))) {
				pending = { keys, at: press.timeStamp };
				return null;
			}
		}
		return null;
	};
}

/**
 * True when keys pressed on this element are text being typed: text inputs, text areas, selects (type to pick
 * an option) and editable content. Checkboxes, buttons and file inputs take no text, so shortcuts still work there.
 * @param target the event's target (duck-typed, so Node tests can pass plain objects)
 */
export function isTextEntry(target: unknown): boolean {
	if (typeof target !== 'object' || target === null) return false;
	const element = target as { tagName?: unknown; type?: unknown; isContentEditable?: unknown };
	if (element.isContentEditable === true) return true;
	const tag = typeof element.tagName === 'string' ? element.tagName.toUpperCase() : '';
	if (tag === 'TEXTAREA' || tag === 'SELECT') return true;
	if (tag !== 'INPUT') return false;
	return !_KEYLESS_INPUT_TYPES.has(typeof element.type === 'string' ? element.type.toLowerCase() : 'text');
}

// ---------------------------------------------------------------------------------------------------------

const _MODIFIER_KEYS = new Set(['Shift', 'Control', 'Alt', 'AltGraph', 'Meta', 'CapsLock', 'Fn', 'OS']);
const _KEYLESS_INPUT_TYPES = new Set(['checkbox', 'radio', 'button', 'submit', 'reset', 'file', 'image', 'range', 'color']);

function _sameKeys(left: readonly string[], right: readonly string[]): boolean {
	return left.length === right.length && left.every((key, index) => key === right[index]);
}
