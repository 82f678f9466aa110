// Issue 8: free-form values (metadata, options, context) nested deeper than MAX_VALUE_DEPTH are refused
// with INVALID_MANIFEST / too-deep, whether they come from a save or from a model.yaml, instead of
// overflowing the stack; values just inside the bound round-trip through model.yaml.
import { describe, expect, it } from 'vitest';
import { ShelfError } from '../../src/lib/core/errors.ts';
import { MAX_VALUE_DEPTH, newModelInfo, parseModelYaml, serializeModelYaml } from '../../src/lib/core/manifest.ts';

/** `{ a: { a: ... 1 } }` with `levels` mappings. */
function nested(levels: number): Record<string, unknown> {
	let value: unknown = 1;
	for (let i = 0; i < levels; i++) value = { a: value };
	return value as Record<string, unknown>;
}

function thrown(fn: () => unknown): ShelfError {
	try {
		fn();
	} catch (error) {
		return error as ShelfError;
	}
	throw new Error('expected a failure');
}

describe('nesting depth of free-form values', () => {
	it('refuses metadata nested past the bound, even a thousand levels, as INVALID_MANIFEST too-deep', () => {
		for (const levels of [MAX_VALUE_DEPTH + 1, 1000, 5000]) {
			const error = thrown(() => newModelInfo({ name: 'deep', version: 'v1', metadata: nested(levels) as never }));
			expect({ code: error.code, details: error.details }).toMatchObject({ code: 'INVALID_MANIFEST', details: { field: 'metadata', reason: 'too-deep' } });
		}
	});

	it('keeps metadata nested up to the bound, through model.yaml and back', () => {
		const info = newModelInfo({ name: 'deep', version: 'v1', metadata: nested(MAX_VALUE_DEPTH - 1) as never });
		expect(parseModelYaml(serializeModelYaml(info)).metadata).toEqual(nested(MAX_VALUE_DEPTH - 1));
	});

	it('refuses a model.yaml whose options nest past the bound, lists included', () => {
		const text = serializeModelYaml(newModelInfo({ name: 'deep', version: 'v1' })).replace('options: {}', `options: {x: ${'['.repeat(MAX_VALUE_DEPTH + 5)}${']'.repeat(MAX_VALUE_DEPTH + 5)}}`);
		expect(thrown(() => parseModelYaml(text)).details).toMatchObject({ field: 'options', reason: 'too-deep' });
	});
});
