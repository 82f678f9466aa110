// Node + browser: pure TypeScript, no DOM, no idb, no OPFS.
//
// What a pickle would import when loaded, and whether any of it is dangerous (issue 17), without running it:
// the inert machine (pickle-vm.ts) reports every GLOBAL, STACK_GLOBAL (its operands resolved from the stack,
// memoized strings included) and INST target as it reads them. Python imports and calls as it goes, so a
// pickle that breaks after `os.system` has already run it: globals seen before a damaged opcode still count,
// and such a pickle is `dangerous`, not merely `unreadable`. Like picklescan, pickles that follow one another
// in a file are all scanned (joblib's inline arrays are stepped over, see pickle-joblib.ts).
import { ShelfError } from '../errors.ts';
import { DEFAULT_READ_LIMITS, type ReadLimits } from './inspect-types.ts';
import { withJoblibArrays } from './pickle-joblib.ts';
import { isUnsafePickleGlobal } from './pickle-unsafe-globals.ts';
import { readPickle } from './pickle-vm.ts';

/** `safe`: imports nothing dangerous; `dangerous`: imports something picklescan flags; `unreadable`: damaged, nothing dangerous seen before the damage. */
export type PickleVerdict = 'safe' | 'dangerous' | 'unreadable';

/** What a pickle would import. */
export interface PickleScanResult {
	verdict: PickleVerdict;
	/** Every global as `module.name`, sorted, each once. */
	globals: string[];
	/** The dangerous ones among {@link globals}. */
	dangerous: string[];
	/** Pickles read one after another in the bytes. */
	pickles: number;
	/** Why reading stopped early (the `BAD_MODEL_FILE` reason and where), when it did. */
	error?: { reason: string; offset?: number; message: string };
}

/**
 * Lists the globals a pickle would import and flags the dangerous ones, never executing anything.
 * @param bytes the pickle file's bytes (a joblib file, a `.pkl`, a PyTorch `data.pkl`)
 * @param options `limits` (size, nesting), `format` for errors
 * @returns the verdict; a damaged pickle is `unreadable` (or `dangerous`) with the reason, never a throw
 * @example
 * scanPickle(bytes); // { verdict: 'dangerous', globals: ['posix.system'], dangerous: ['posix.system'], pickles: 1 }
 */
export function scanPickle(bytes: Uint8Array, options: { limits?: ReadLimits; format?: string } = {}): PickleScanResult {
	const limits = { ...DEFAULT_READ_LIMITS, ...options.limits };
	const seen = new Map<string, boolean>();
	const onGlobal = ({ module, name }: { module: string; name: string }) => void seen.set(`${module}.${name}`, isUnsafePickleGlobal(module, name));
	const read = withJoblibArrays(bytes, { limits, format: options.format ?? 'pickle', onGlobal });
	let pickles = 0;
	let error: PickleScanResult['error'];
	let at = 0;
	if (bytes.length > limits.maxHeaderBytes) {
		error = { reason: 'too-large', message: `The pickle is ${bytes.length} bytes; at most ${limits.maxHeaderBytes} are scanned.` };
	}
	while (error === undefined && at < bytes.length) {
		try {
			at = readPickle(bytes, { ...read, start: at }).end;
			pickles++;
		} catch (caught) {
			if (!(caught instanceof ShelfError) || caught.code !== 'BAD_MODEL_FILE') throw caught;
			// Bytes after a complete pickle that are not a pickle are data, not damage (as picklescan stops there).
			if (pickles === 0) error = { reason: caught.details?.reason ?? 'unknown', offset: caught.details?.offset, message: caught.message };
			break;
		}
	}
	const globals = [...seen.keys()].sort();
	const dangerous = globals.filter((global) => seen.get(global));
	const verdict: PickleVerdict = dangerous.length > 0 ? 'dangerous' : error !== undefined ? 'unreadable' : 'safe';
	return error === undefined ? { verdict, globals, dangerous, pickles } : { verdict, globals, dangerous, pickles, error };
}
