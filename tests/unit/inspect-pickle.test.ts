// Issue 17: the inert pickle machine and the pickle safety scan, against pickles Python, scikit-learn and joblib
// wrote (tests/fixtures/models/pickle/make_fixtures.py), malicious pickles made by hand (never loaded) and
// hostile ones that must end in BAD_MODEL_FILE with a reason, quickly.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { scanPickle } from '../../src/lib/core/inspect/pickle-scan.ts';
import { isUnsafePickleGlobal } from '../../src/lib/core/inspect/pickle-unsafe-globals.ts';
import type { PickleValue } from '../../src/lib/core/inspect/pickle-values.ts';
import { readPickle } from '../../src/lib/core/inspect/pickle-vm.ts';

const fixtures = new URL('../fixtures/models/pickle/', import.meta.url);
interface Expected {
	verdict: string;
	globals?: string[];
	dangerous?: string[];
	reason?: string;
	protocol?: number;
	opcodes?: string[];
}
const expected = (JSON.parse(readFileSync(new URL('expected.json', fixtures), 'utf8')) as { files: Record<string, Expected> }).files;
const fixture = (name: string) => new Uint8Array(readFileSync(new URL(name, fixtures)));

/** A guard for inputs that could hang: every hostile case must finish well within this. */
const QUICK = 5_000;

function refusal(run: () => unknown): string {
	try {
		run();
		return 'read';
	} catch (error) {
		const { code, details } = error as { code?: string; details?: { reason?: string } };
		return `${code}:${details?.reason}`;
	}
}

function bytes(...parts: Array<string | number[] | Uint8Array>): Uint8Array {
	const arrays = parts.map((part) => (typeof part === 'string' ? Uint8Array.from(part, (char) => char.charCodeAt(0)) : Uint8Array.from(part)));
	const out = new Uint8Array(arrays.reduce((sum, part) => sum + part.length, 0));
	let at = 0;
	for (const part of arrays) {
		out.set(part, at);
		at += part.length;
	}
	return out;
}

function field(value: PickleValue, key: string): PickleValue {
	if (typeof value !== 'object' || value === null || value.kind !== 'dict') throw new Error('not a dict');
	const entry = value.entries.find(([name]) => name === key);
	if (!entry) throw new Error(`no ${key}`);
	return entry[1];
}

function items(value: PickleValue): PickleValue[] {
	if (typeof value !== 'object' || value === null || (value.kind !== 'list' && value.kind !== 'tuple')) throw new Error('not a sequence');
	return value.items;
}

describe('the pickle safety scan on files Python wrote', () => {
	for (const [name, facts] of Object.entries(expected)) {
		it(`scans ${name}: ${facts.verdict}${facts.reason ? ` (${facts.reason})` : ''}`, () => {
			const scan = scanPickle(fixture(name));
			expect(scan.verdict).toBe(facts.verdict);
			if (facts.globals) expect(scan.globals).toEqual(facts.globals);
			if (facts.dangerous) expect(scan.dangerous).toEqual(facts.dangerous);
			if (facts.verdict === 'safe') expect(scan.dangerous).toEqual([]);
			if (facts.reason) expect(scan.error?.reason).toBe(facts.reason);
		});
	}

	it('lists a plain scikit-learn pickle as sklearn and numpy globals, all safe', () => {
		const scan = scanPickle(fixture('sklearn-logreg.pkl'));
		expect(scan.globals).toContain('sklearn.linear_model._logistic.LogisticRegression');
		expect(scan.globals).toContain('numpy.core.multiarray._reconstruct');
		expect(scan).toMatchObject({ verdict: 'safe', dangerous: [], pickles: 1 });
	});

	it("steps over joblib's inline array bytes and reads the whole file as one pickle", () => {
		const data = fixture('sklearn-logreg.joblib');
		const scan = scanPickle(data);
		expect(scan).toMatchObject({ verdict: 'safe', pickles: 1 });
		expect(scan.error).toBeUndefined();
		expect(scan.globals).toContain('joblib.numpy_pickle.NumpyArrayWrapper');
	});

	it('flags os.system in the protocol 0 pickle and posix.system behind STACK_GLOBAL', () => {
		expect(scanPickle(fixture('malicious-os-system-proto0.pkl'))).toMatchObject({ verdict: 'dangerous', globals: ['os.system'], dangerous: ['os.system'] });
		expect(scanPickle(fixture('malicious-posix-stack-global.pkl'))).toMatchObject({ verdict: 'dangerous', dangerous: ['posix.system'] });
	});

	it('keeps a dangerous global seen before damage: Python would have run it before failing', () => {
		const scan = scanPickle(fixture('malicious-then-truncated.pkl'));
		expect(scan).toMatchObject({ verdict: 'dangerous', dangerous: ['os.system'] });
		expect(scan.error?.reason).toBe('truncated');
	});

	it('flags STACK_GLOBAL operands it cannot read, and copyreg extension codes, as unknown and dangerous', () => {
		// 1 and 2 are not strings: picklescan records such operands as "unknown".
		expect(scanPickle(bytes([0x80, 4, 0x4b, 1, 0x4b, 2, 0x93], '.')).dangerous).toEqual(['unknown.unknown']);
		expect(scanPickle(bytes([0x80, 2, 0x82, 7], '.')).dangerous).toEqual(['unknown.extension-7']);
	});

	it("follows picklescan's lists: whole modules with their submodules, named functions only", () => {
		expect(isUnsafePickleGlobal('os', 'system')).toBe(true);
		expect(isUnsafePickleGlobal('os.path', 'join')).toBe(true);
		expect(isUnsafePickleGlobal('builtins', 'eval')).toBe(true);
		expect(isUnsafePickleGlobal('__builtin__', 'getattr')).toBe(true);
		expect(isUnsafePickleGlobal('builtins', 'set')).toBe(false);
		expect(isUnsafePickleGlobal('torch.serialization', 'load')).toBe(true);
		expect(isUnsafePickleGlobal('torch', 'FloatStorage')).toBe(false);
		expect(isUnsafePickleGlobal('functools', 'partial')).toBe(true);
		expect(isUnsafePickleGlobal('functools', 'reduce')).toBe(false);
		expect(isUnsafePickleGlobal('constructor', 'x')).toBe(false);
	});

	it('scans pickles that follow one another, as picklescan does', () => {
		const safe = bytes('N.');
		const evil = fixture('malicious-os-system-proto0.pkl');
		expect(scanPickle(bytes(safe, evil))).toMatchObject({ verdict: 'dangerous', pickles: 2 });
		// Bytes after a complete pickle that are not one are data (as in legacy torch files), not damage.
		expect(scanPickle(bytes(safe, [0xff, 0xfe]))).toMatchObject({ verdict: 'safe', pickles: 1 });
	});
});

describe('the inert pickle machine', () => {
	for (let protocol = 0; protocol <= 5; protocol++) {
		it(`reads protocol ${protocol} as Python wrote it`, () => {
			const data = fixture(`protocol-${protocol}.pkl`);
			const read = readPickle(data);
			expect(read.end).toBe(data.length);
			expect(read.protocol).toBe(protocol < 2 ? 0 : protocol);
			expect(items(field(read.value, 'ints'))).toEqual([0, 1, -1, 255, 256, 65535, 65536, -(2 ** 31), 2 ** 31, 2n ** 63n, -(2n ** 70n), 10n ** 30n]);
			expect(items(field(read.value, 'floats'))).toEqual([0.5, -1e300, Infinity]);
			expect(items(field(read.value, 'text'))).toEqual(['', 'ascii', 'caf\u00e9 \u2603 \u{1f600}', 'x'.repeat(300)]);
			expect(items(field(read.value, 'flags'))).toEqual([null, true, false]);
			expect(items(field(read.value, 'tuples')).map((tuple) => items(tuple).length)).toEqual([0, 1, 2, 3, 4]);
			// The list that holds itself is one record holding itself; the shared one is the same record twice.
			const cyclic = field(read.value, 'cyclic');
			expect(items(cyclic)[2]).toBe(cyclic);
			expect(items(field(read.value, 'shared'))).toEqual([cyclic, cyclic]);
			expect(items(field(read.value, 'shared'))[0]).toBe(cyclic);
		});
	}

	it("runs every opcode of CPython's pickletools table across the fixtures and the hand-made cases here", () => {
		const used = new Set(Object.values(expected).flatMap((facts) => facts.opcodes ?? []));
		// Python no longer writes these; the cases below and the malicious fixtures (INST, OBJ) run them.
		const byHand = ['BINPERSID', 'EXT1', 'EXT2', 'EXT4', 'INST', 'OBJ', 'PERSID'];
		expect(used.size + byHand.length).toBe(68);
		for (const opcode of byHand) expect(used).not.toContain(opcode);
	});

	it('reads the opcodes Python no longer writes as Python loads them', () => {
		const { value } = readPickle(fixture('rare-opcodes.pkl'));
		const decoded = items(value).map((item) => (typeof item === 'object' && item !== null && item.kind === 'bytes' ? String.fromCharCode(...item.data) : item));
		expect(decoded).toEqual(['abc', 'de', 'fg', 'hi', 'j\nk', 'lm', 256, 256]);
		expect(readPickle(bytes([0x80, 2, 0x82, 1, 0x83, 2, 1, 0x84, 3, 0, 0, 0, 0x87], '.')).value).toEqual({
			kind: 'tuple',
			items: [{ kind: 'extension', code: 1 }, { kind: 'extension', code: 258 }, { kind: 'extension', code: 3 }]
		});
	});

	it("records protocol 5's out-of-band buffers without the data they refer to", () => {
		const { value } = readPickle(fixture('protocol-5-out-of-band.pkl'));
		expect(value).toEqual({ kind: 'list', items: [{ kind: 'buffer' }, { kind: 'buffer' }] });
	});

	it('records a REDUCE as a call and a persistent id as itself, never resolving either', () => {
		const { value } = readPickle(fixture('malicious-os-system-proto0.pkl'));
		expect(value).toEqual({ kind: 'call', callee: { kind: 'global', module: 'os', name: 'system' }, args: ['echo pwned'] });
		expect(readPickle(bytes([0x80, 2], "X\x01\x00\x00\x00kQ.")).value).toEqual({ kind: 'persistent', id: 'k' });
		expect(readPickle(bytes('P7\n.')).value).toEqual({ kind: 'persistent', id: '7' });
	});

	it('reads a dict that holds itself through the memo', () => {
		const { value } = readPickle(fixture('hostile-self-dict.pkl'));
		expect(field(value, 'self')).toBe(value);
	});
});

describe('hostile pickles end in BAD_MODEL_FILE with a reason, quickly', () => {
	it('refuses a million nested MARKs', { timeout: QUICK }, () => {
		expect(refusal(() => readPickle(new Uint8Array(1_000_000).fill(0x28)))).toBe('BAD_MODEL_FILE:too-deep');
		expect(scanPickle(new Uint8Array(1_000_000).fill(0x28))).toMatchObject({ verdict: 'unreadable', error: { reason: 'too-deep' } });
	});

	it('refuses a stack grown past its bound by DUP', { timeout: QUICK }, () => {
		expect(refusal(() => readPickle(bytes('N', new Uint8Array(1_100_000).fill(0x32), '.')))).toBe('BAD_MODEL_FILE:too-many');
	});

	it('reads a million nested lists without recursing', { timeout: QUICK }, () => {
		const depth = 1_000_000;
		const { value } = readPickle(bytes([0x80, 2], new Uint8Array(depth).fill(0x5d), new Uint8Array(depth - 1).fill(0x61), '.'));
		expect(typeof value === 'object' && value !== null && value.kind).toBe('list');
	});

	it('refuses lengths that claim more than the file holds', { timeout: QUICK }, () => {
		expect(refusal(() => readPickle(bytes([0x80, 4, 0x8e, 0, 0, 0, 0, 0, 0, 0, 0x10], '.')))).toBe('BAD_MODEL_FILE:truncated');
		expect(refusal(() => readPickle(bytes([0x80, 4, 0x8b, 0xff, 0xff, 0xff, 0x7f], '.')))).toBe('BAD_MODEL_FILE:truncated');
		expect(refusal(() => readPickle(bytes([0x80, 4, 0x95, 0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0], 'N.')))).toBe('BAD_MODEL_FILE:truncated');
		expect(refusal(() => readPickle(bytes('T', [0xff, 0xff, 0xff, 0xff], '.')))).toBe('BAD_MODEL_FILE:bad-value');
	});

	it('refuses a pickle without STOP, an unknown opcode, a bad literal and a missing mark', () => {
		expect(refusal(() => readPickle(bytes([0x80, 4], 'N')))).toBe('BAD_MODEL_FILE:truncated');
		expect(refusal(() => readPickle(bytes('cos\nsys')))).toBe('BAD_MODEL_FILE:truncated');
		expect(refusal(() => readPickle(fixture('hostile-unknown-opcode.pkl')))).toBe('BAD_MODEL_FILE:bad-opcode');
		expect(refusal(() => readPickle(bytes('I12x\n.')))).toBe('BAD_MODEL_FILE:bad-value');
		expect(refusal(() => readPickle(bytes('Sunquoted\n.')))).toBe('BAD_MODEL_FILE:bad-value');
		expect(refusal(() => readPickle(bytes('Nt.')))).toBe('BAD_MODEL_FILE:stack-underflow');
		expect(refusal(() => readPickle(new Uint8Array(0)))).toBe('BAD_MODEL_FILE:truncated');
	});

	it('refuses a pickle larger than the header limit before reading it', () => {
		expect(refusal(() => readPickle(fixture('sklearn-logreg.pkl'), { limits: { maxHeaderBytes: 100 } }))).toBe('BAD_MODEL_FILE:too-large');
		expect(scanPickle(fixture('sklearn-logreg.pkl'), { limits: { maxHeaderBytes: 100 } })).toMatchObject({ verdict: 'unreadable', error: { reason: 'too-large' } });
	});

	it('names where the damage is', () => {
		try {
			readPickle(fixture('hostile-unknown-opcode.pkl'));
			expect.unreachable();
		} catch (error) {
			expect((error as { details?: unknown }).details).toEqual({ format: 'pickle', reason: 'bad-opcode', offset: 2, found: '0xff' });
		}
	});
});
