// Property-based fuzzing of the parsers (issue 22, item 6): inputs are mutations of valid seeds (committed
// fixtures, crafted archives) and random bytes or text. The property for every parser: it returns, or throws a
// ShelfError with one of the codes it documents, within HANG_MS per input, and leaves no large allocation
// behind. Runs per parser scale with SHELF_FUZZ_RUNS (`npm run test:fuzz`); the seed is fixed, so a run
// reproduces, and SHELF_FUZZ_SEED picks another corpus.
import fc from 'fast-check';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, expect } from 'vitest';
import { ShelfError, type ErrorCode } from '../../src/lib/core/errors.ts';
import type { RandomAccessSource } from '../../src/lib/core/byte-streams.ts';

/** Inputs per parser: a short run in `npm test`, SHELF_FUZZ_RUNS in `npm run test:fuzz`. */
export const FUZZ_RUNS = Number(process.env.SHELF_FUZZ_RUNS) || 60;
/** fast-check's seed: fixed, so every run tries the same inputs. */
export const FUZZ_SEED = Number(process.env.SHELF_FUZZ_SEED) || 22;
/** A hang detector, not a speed assertion: any input taking this much CPU time is a bug (a loop, a quadratic walk). */
export const HANG_MS = Number(process.env.SHELF_FUZZ_HANG_MS) || 2000;
/**
 * More ArrayBuffer memory than this, seen while a parser reads an input (each time it asks for more bytes, see
 * {@link bytesSource} and {@link pieces}) or after, means a length field was believed. zstd may need 128 MiB.
 */
const MEMORY_SLACK = 256 * 1024 * 1024;

/** The most ArrayBuffer memory seen during the current input. */
let _peak = 0;
const _notePeak = (): void => {
	_peak = Math.max(_peak, process.memoryUsage().arrayBuffers);
};

/** A vitest timeout for a fuzz test of `runs` inputs, with room for a loaded machine. */
export const testTimeout = (runs = FUZZ_RUNS): number => Math.max(120_000, runs * 200);

/** Reads a file next to the tests (`../fixtures/...`). */
export const fixture = (path: string): Uint8Array => new Uint8Array(readFileSync(fileURLToPath(new URL(`../fixtures/${path}`, import.meta.url))));
/** A committed fixture as text. */
export const fixtureText = (path: string): string => new TextDecoder().decode(fixture(path));

// ---------------------------------------------------------------------------------------------------
// Inputs

/** Values that break length and offset fields: zero, one, the sign bits, the all-ones sentinels. */
const _U32S = [0, 1, 0x7f, 0x80, 0xff, 0x7fff, 0x8000, 0xffff, 0x7fffffff, 0x80000000, 0xfffffffe, 0xffffffff];

type _Edit = { op: 'flip' | 'byte' | 'u32' | 'u64' | 'cut' | 'drop' | 'insert' | 'repeat'; at: number; value: number; span: number; bytes: Uint8Array };

const _edit: fc.Arbitrary<_Edit> = fc.record({
	op: fc.constantFrom('flip', 'byte', 'u32', 'u64', 'cut', 'drop', 'insert', 'repeat'),
	at: fc.nat(),
	value: fc.oneof(fc.constantFrom(..._U32S), fc.nat({ max: 0xffffffff })),
	span: fc.integer({ min: 1, max: 64 }),
	bytes: fc.uint8Array({ minLength: 1, maxLength: 16 })
});

/** Applies byte-level edits to a copy of `seed`: flips, interesting integers, cuts, deletions, insertions. */
function _mutate(seed: Uint8Array, edits: readonly _Edit[]): Uint8Array {
	let bytes: Uint8Array = seed.slice();
	for (const edit of edits) {
		if (bytes.length === 0) return edit.bytes.slice();
		const at = edit.at % bytes.length;
		const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
		switch (edit.op) {
			case 'flip':
				bytes[at] = bytes[at]! ^ (1 << edit.value % 8);
				break;
			case 'byte':
				bytes[at] = edit.value & 0xff;
				break;
			case 'u32':
				if (at + 4 <= bytes.length) view.setUint32(at, edit.value >>> 0, edit.span % 2 === 0);
				break;
			case 'u64':
				if (at + 8 <= bytes.length) view.setBigUint64(at, BigInt(edit.value) << BigInt(edit.span % 33), true);
				break;
			case 'cut':
				bytes = bytes.slice(0, at);
				break;
			case 'drop':
				bytes = _join(bytes.subarray(0, at), bytes.subarray(at + edit.span));
				break;
			case 'insert':
				bytes = _join(bytes.subarray(0, at), edit.bytes, bytes.subarray(at));
				break;
			case 'repeat':
				bytes = _join(bytes.subarray(0, at + edit.span), bytes.subarray(at));
				break;
		}
	}
	return bytes;
}

/** Bytes: random, or a seed with 1–8 edits (mostly mutations: random bytes rarely pass a magic number). */
export function bytesFrom(seeds: readonly Uint8Array[], maxRandom = 4096): fc.Arbitrary<Uint8Array> {
	// One edit most of the time: every further edit makes an early, shallow refusal more likely.
	const edits = fc.oneof({ arbitrary: fc.array(_edit, { minLength: 1, maxLength: 1 }), weight: 3 }, { arbitrary: fc.array(_edit, { minLength: 2, maxLength: 8 }), weight: 1 });
	const mutated = fc.tuple(fc.nat({ max: seeds.length - 1 }), edits).map(([i, list]) => _mutate(seeds[i]!, list));
	return fc.oneof({ arbitrary: mutated, weight: 4 }, { arbitrary: fc.uint8Array({ maxLength: maxRandom }), weight: 1 });
}

/** Text: a seed with byte-level edits decoded leniently, a seed with a random slice spliced in, or random text. */
export function textFrom(seeds: readonly string[], alphabet: fc.Arbitrary<string> = fc.string({ unit: 'grapheme', maxLength: 200 })): fc.Arbitrary<string> {
	const encoded = seeds.map((seed) => new TextEncoder().encode(seed));
	const edited = bytesFrom(encoded, 0).map((bytes) => new TextDecoder().decode(bytes));
	const spliced = fc.tuple(fc.nat({ max: seeds.length - 1 }), fc.nat(), fc.nat({ max: 40 }), alphabet).map(([i, at, drop, text]) => {
		const seed = seeds[i]!;
		const cut = seed.length === 0 ? 0 : at % seed.length;
		return seed.slice(0, cut) + text + seed.slice(cut + drop);
	});
	return fc.oneof({ arbitrary: edited, weight: 2 }, { arbitrary: spliced, weight: 2 }, { arbitrary: alphabet, weight: 1 });
}

/**
 * A seed's slice (up to 40 characters) repeated to `maxSize / 16`–`maxSize`, whole or after the seed's start: a
 * quadratic scan or a backtracking regex shows up there as a hang.
 */
export function repeatedFrom(seeds: readonly string[], maxSize: number): fc.Arbitrary<string> {
	return fc.tuple(fc.nat({ max: seeds.length - 1 }), fc.nat(), fc.integer({ min: 1, max: 40 }), fc.integer({ min: maxSize / 16, max: maxSize }), fc.boolean()).map(([i, at, span, size, prefixed]) => {
		const seed = seeds[i]!;
		const start = seed.length === 0 ? 0 : at % seed.length;
		const slice = seed.slice(start, start + span) || 'a';
		const body = slice.repeat(Math.ceil(size / slice.length));
		return prefixed ? seed.slice(0, start) + body : body;
	});
}

/** Hostile JSON leaves: huge, negative, fractional and non-finite-looking numbers, path tricks, wrong types. */
const _hostileLeaf: fc.Arbitrary<unknown> = fc.oneof(
	fc.constantFrom(-1, 0, 1.5, 2 ** 53, 2 ** 64, -(2 ** 63), 1e308, 4294967295, '', '../../etc/passwd', '/abs', 'a\u0000b', 'sha256:zz', null, true, [], {}),
	fc.jsonValue({ maxDepth: 3 }),
	fc.string({ maxLength: 30 })
);

/**
 * JSON text: a seed document with 1–4 values (or keys) replaced by hostile ones, deeply nested, or random JSON;
 * structure-aware, so inputs get past `JSON.parse` and reach the checks behind it.
 */
export function jsonFrom(seeds: readonly string[]): fc.Arbitrary<string> {
	const docs = seeds.map((seed) => JSON.parse(seed) as unknown);
	const replaced = fc
		.tuple(fc.nat({ max: docs.length - 1 }), fc.array(fc.tuple(fc.nat(), _hostileLeaf, fc.boolean()), { minLength: 1, maxLength: 4 }))
		.map(([i, edits]) => {
			const doc = structuredClone(docs[i]);
			let root: unknown = doc;
			for (const [pick, leaf, asKey] of edits) root = _replaceAt(root, pick, leaf, asKey);
			return JSON.stringify(root);
		});
	const nested = fc.nat({ max: 5000 }).map((depth) => '['.repeat(depth) + ']'.repeat(depth));
	return fc.oneof({ arbitrary: replaced, weight: 6 }, { arbitrary: textFrom(seeds), weight: 2 }, { arbitrary: fc.json({ maxDepth: 4 }), weight: 1 }, { arbitrary: nested, weight: 1 });
}

/** Replaces the `pick`-th node (pre-order) of `root` with `leaf`, or renames its key to `leaf` when it is a string. */
function _replaceAt(root: unknown, pick: number, leaf: unknown, asKey: boolean): unknown {
	const nodes: { parent: Record<string, unknown> | unknown[] | null; key: string | number }[] = [{ parent: null, key: 0 }];
	const walk = (value: unknown): void => {
		if (typeof value !== 'object' || value === null) return;
		for (const [key, child] of Object.entries(value)) {
			nodes.push({ parent: value as Record<string, unknown>, key: Array.isArray(value) ? Number(key) : key });
			walk(child);
		}
	};
	walk(root);
	const node = nodes[pick % nodes.length]!;
	if (node.parent === null) return leaf;
	if (asKey && typeof leaf === 'string' && !Array.isArray(node.parent)) {
		const parent = node.parent as Record<string, unknown>;
		parent[leaf] = parent[node.key as string];
		delete parent[node.key as string];
	} else (node.parent as Record<string | number, unknown>)[node.key] = leaf;
	return root;
}

// ---------------------------------------------------------------------------------------------------
// The property

/** Inputs tried per parser in this file, printed (and written to SHELF_FUZZ_REPORT) when it ends. */
const _tried = new Map<string, number>();
/** Outcomes per parser ('ok', or code/reason), printed with SHELF_FUZZ_VERBOSE=1 to see how deep inputs get. */
const _outcomes = new Map<string, Map<string, number>>();

/**
 * Runs `parse` on every input `inputs` yields and asserts it returns, or throws a ShelfError whose code is one of
 * `codes`, within {@link HANG_MS}. Fails with fast-check's shrunk counterexample and seed otherwise.
 * @param name the parser, for the printed count
 * @param inputs what to feed it
 * @param codes the ShelfError codes it may throw
 * @param parse the parser, driven to completion (streams drained)
 * @param runs how many inputs (default {@link FUZZ_RUNS})
 */
export async function fuzzParser<T>(name: string, inputs: fc.Arbitrary<T>, codes: readonly ErrorCode[], parse: (input: T) => unknown, runs = FUZZ_RUNS): Promise<void> {
	let count = 0;
	const outcomes = _outcomes.get(name) ?? new Map<string, number>();
	_outcomes.set(name, outcomes);
	const details = await fc.check(
		fc.asyncProperty(inputs, async (input) => {
			count++;
			// Measured from this input's start: garbage an earlier input left for the collector is not this one's.
			const before = process.memoryUsage().arrayBuffers;
			const outcome = await checkInput(input, codes, parse);
			outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1);
			_notePeak();
			const held = _peak - before;
			_peak = 0;
			if (held > MEMORY_SLACK) throw new Error(`${held} bytes of ArrayBuffers held while reading one input`);
		}),
		{ numRuns: runs, seed: FUZZ_SEED }
	);
	_tried.set(name, (_tried.get(name) ?? 0) + count);
	if (details.failed) {
		// fast-check would print the whole counterexample; a 1 MiB input is shown by its start and length.
		const shown = JSON.stringify(details.counterexample, (_, value: unknown) => (value instanceof Uint8Array ? `<${value.length} bytes: ${Buffer.from(value.subarray(0, 64)).toString('hex')}…>` : value));
		const error = details.errorInstance as Error | undefined;
		throw new Error(
			`${name}: ${error?.message}\n  input (${shown.length} chars): ${shown.slice(0, 400)}${shown.length > 400 ? '…' : ''}\n  replay: seed ${details.seed}, path "${details.counterexamplePath}"`,
			{ cause: error }
		);
	}
}

/**
 * One input: `parse` returns or throws a ShelfError with one of `codes`, within `hangMs` (default {@link HANG_MS})
 * of CPU time. CPU time, not wall time, so that a loaded machine (2 cores, four test runs) neither fails a fast
 * parser nor hides a slow one; a promise that never settles uses no CPU, and is caught by a wall-clock timer at
 * {@link STALL_FACTOR} times the bound. Also the assertion of the named regression tests. Returns the outcome:
 * 'ok', or the error's code and reason.
 */
export async function checkInput<T>(input: T, codes: readonly ErrorCode[], parse: (input: T) => unknown, hangMs = HANG_MS): Promise<string> {
	const cpu = process.cpuUsage();
	let timer: ReturnType<typeof setTimeout> | undefined;
	const stall = new Promise<never>((_, reject) => {
		timer = setTimeout(() => reject(new Error(`no answer after ${STALL_FACTOR * hangMs} ms (a stalled promise)`)), STALL_FACTOR * hangMs);
	});
	let outcome = 'ok';
	try {
		await Promise.race([Promise.resolve().then(() => parse(input)), stall]);
	} catch (error) {
		if (!(error instanceof ShelfError)) throw new Error(`threw ${(error as Error)?.name}: ${(error as Error)?.message}`, { cause: error });
		if (!codes.includes(error.code)) throw new Error(`threw ShelfError ${error.code} (${error.message}); expected one of ${codes.join(', ')}`, { cause: error });
		const reason = (error.details as { reason?: unknown } | undefined)?.reason;
		outcome = typeof reason === 'string' ? `${error.code}/${reason}` : error.code;
	} finally {
		clearTimeout(timer);
	}
	// A synchronous loop never lets a timer fire: measured after the fact.
	const used = process.cpuUsage(cpu);
	const ms = (used.user + used.system) / 1000;
	if (ms > hangMs) throw new Error(`took ${Math.round(ms)} ms of CPU (over ${hangMs}: a hang)`);
	return outcome;
}

/** A promise unsettled after this many times the CPU bound, in wall time, is a stall. */
export const STALL_FACTOR = 15;

/** Prints what this file tried, per parser and in total, and adds it to SHELF_FUZZ_REPORT for `npm run test:fuzz`. */
export function reportInputs(file: string): void {
	afterAll(() => {
		const total = [..._tried.values()].reduce((sum, n) => sum + n, 0);
		console.log(`fuzz ${file}: ${[..._tried].map(([name, n]) => `${name} ${n}`).join(', ')}; ${total} inputs`);
		if (process.env.SHELF_FUZZ_VERBOSE === '1') {
			for (const [name, outcomes] of _outcomes) console.log(`  ${name}: ${[...outcomes].sort((a, b) => b[1] - a[1]).map(([what, n]) => `${what} ${n}`).join(', ')}`);
		}
		const dir = process.env.SHELF_FUZZ_REPORT;
		if (dir) {
			mkdirSync(dir, { recursive: true });
			writeFileSync(join(dir, `${file}.json`), JSON.stringify(Object.fromEntries(_tried)));
		}
		expect(total).toBeGreaterThan(0);
	});
}

/** A random-access source over bytes in memory, as a `File` is read in the browser. */
export function bytesSource(bytes: Uint8Array): RandomAccessSource {
	return {
		size: bytes.length,
		read: async (offset, length) => {
			_notePeak();
			return bytes.slice(offset, offset + length);
		}
	};
}

/** Yields `bytes` in pieces of `size`, noting the memory in use before each (what a decoder allocated so far). */
export async function* pieces(bytes: Uint8Array, size: number): AsyncGenerator<Uint8Array> {
	for (let at = 0; at < bytes.length; at += size) {
		_notePeak();
		yield bytes.subarray(at, at + size);
	}
	_notePeak();
}

/** Reads an async iterable to its end, keeping only the byte count. */
export async function drain(chunks: AsyncIterable<Uint8Array>): Promise<number> {
	let total = 0;
	for await (const chunk of chunks) total += chunk.length;
	return total;
}

function _join(...parts: Uint8Array[]): Uint8Array {
	const out = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0));
	let at = 0;
	for (const part of parts) {
		out.set(part, at);
		at += part.length;
	}
	return out;
}
