// Node + browser: pure TypeScript, no DOM, no idb, no OPFS.
//
// The fixed facts safetensors.ts checks a header against: the dtypes the format knows with their bit
// widths (huggingface/safetensors `safetensors/src/tensor.rs`, `Dtype::bitsize`), the error it refuses
// with, and a nesting scan that runs before JSON.parse so a hostile `[[[[…` costs one pass and no objects.
import { ShelfError } from '../errors.ts';

/** Every dtype the format defines, as the file spells it, with its width in bits. */
export const SAFETENSORS_DTYPE_BITS: ReadonlyMap<string, number> = new Map([
	['BOOL', 8],
	['F4', 4],
	['F6_E2M3', 6],
	['F6_E3M2', 6],
	['U8', 8],
	['I8', 8],
	['F8_E5M2', 8],
	['F8_E4M3', 8],
	['F8_E8M0', 8],
	['F8_E4M3FNUZ', 8],
	['F8_E5M2FNUZ', 8],
	['I16', 16],
	['U16', 16],
	['F16', 16],
	['BF16', 16],
	['I32', 32],
	['U32', 32],
	['F32', 32],
	['C64', 64],
	['F64', 64],
	['I64', 64],
	['U64', 64]
]);

/**
 * Refuses a safetensors file (or index) with `BAD_MODEL_FILE`.
 * @param reason the short stable word
 * @param message what is wrong, with a hint
 * @param extra where and what was found
 */
export function safetensorsError(reason: string, message: string, extra: { offset?: number; limit?: number; found?: string } = {}): ShelfError<'BAD_MODEL_FILE'> {
	return new ShelfError('BAD_MODEL_FILE', message, { format: 'safetensors', reason, ...extra });
}

/**
 * Refuses JSON nested deeper than `maxDepth` (a safetensors header needs 3), counting brackets outside
 * strings. Malformed JSON passes here and fails in JSON.parse.
 * @param bytes the UTF-8 JSON
 * @param maxDepth the deepest nesting allowed
 */
export function scanJsonDepth(bytes: Uint8Array, maxDepth: number): void {
	let depth = 0;
	let inString = false;
	for (let at = 0; at < bytes.length; at++) {
		const byte = bytes[at]!;
		if (inString) {
			if (byte === 0x5c) at++; // a backslash escapes the next byte, so \" does not end the string
			else if (byte === 0x22) inString = false;
		} else if (byte === 0x22) inString = true;
		else if (byte === 0x7b || byte === 0x5b) {
			if (++depth > maxDepth) throw safetensorsError('too-deep', `The safetensors header nests deeper than ${maxDepth} levels; a valid one needs 3.`, { offset: 8 + at, limit: maxDepth });
		} else if (byte === 0x7d || byte === 0x5d) depth--;
	}
}
