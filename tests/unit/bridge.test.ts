import { describe, expect, it } from 'vitest';
import { expose, wrap, type Endpoint } from 'comlink';
import '../../src/lib/bridge.ts';
import { ERROR_CODES, ShelfError, isShelfError, type ErrorCode, type ErrorDetails } from '../../src/lib/core/errors.ts';

// Node's MessagePort is an EventTarget, so Comlink runs over a plain MessageChannel here,
// with the same structured clone a worker boundary applies.
function connect<T extends object>(api: T) {
	const { port1, port2 } = new MessageChannel();
	expose(api, port1 as unknown as Endpoint);
	const remote = wrap<T>(port2 as unknown as Endpoint);
	return { remote, close: () => (port1.close(), port2.close()) };
}

describe('errors crossing the worker boundary', () => {
	it('keeps the code, message and details of a ShelfError', async () => {
		const { remote, close } = connect({
			get: async (): Promise<void> => {
				throw new ShelfError('NOT_FOUND', 'No model named "iris".', { tag: 'iris:latest' });
			}
		});
		const error = await remote.get().catch((caught: unknown) => caught);
		close();
		expect(error).toBeInstanceOf(ShelfError);
		expect(error).toMatchObject({ code: 'NOT_FOUND', message: 'No model named "iris".', details: { tag: 'iris:latest' } });
	});

	it('keeps a ShelfError cause chain', async () => {
		const inner = new ShelfError('INVALID_TAG', 'bad tag', { tag: 'A:b', part: 'name', reason: 'invalid-characters' });
		const { remote, close } = connect({
			parse: async (): Promise<void> => {
				throw new ShelfError('INVALID_MANIFEST', 'bad name', { field: 'name' }, { cause: inner });
			}
		});
		const error = (await remote.parse().catch((caught: unknown) => caught)) as ShelfError;
		close();
		expect(error.code).toBe('INVALID_MANIFEST');
		expect(error.cause).toBeInstanceOf(ShelfError);
		expect((error.cause as ShelfError).code).toBe('INVALID_TAG');
	});

	it('turns an unexpected error into INTERNAL with the original message', async () => {
		const { remote, close } = connect({
			crash: async (): Promise<void> => {
				throw new TypeError('x is undefined');
			}
		});
		const error = (await remote.crash().catch((caught: unknown) => caught)) as ShelfError;
		close();
		expect(error).toBeInstanceOf(ShelfError);
		expect(error.code).toBe('INTERNAL');
		expect(error.message).toContain('x is undefined');
	});
});

// One example of every code's details, typed by the contract: a field the contract does not list for that
// code, or a value of the wrong type, fails to compile (npm run check), so this table is the contract's
// test at compile time, and the loop below is its test at run time.
const DETAILS: { [C in ErrorCode]: ErrorDetails<C> } = {
	INVALID_TAG: { tag: 'Iris:v1', part: 'name', reason: 'invalid-characters' },
	INVALID_MANIFEST: { field: 'signatures.predict.batch_dim', reason: 'wrong-type', expected: 'a list of two integers', actual: 'number', line: 3, column: 5 },
	INVALID_SELECTOR: { selector: 'stage in (prod', position: 14, found: 'end of input' },
	INVALID_PATH: { path: '../evil.bin', reason: 'parent-segment' },
	NOT_FOUND: { tag: 'iris:v9', name: 'iris', status: 404, url: 'http://127.0.0.1:5000/v2/team/iris/manifests/v9', registry: [{ code: 'MANIFEST_UNKNOWN', message: 'manifest unknown' }] },
	BAD_MODEL_FILE: { format: 'safetensors', reason: 'out-of-range', path: 'model.safetensors', offset: 8, limit: 100, found: 'data_offsets [0, 4096]' },
	ALIASED: { tag: 'churn:v3', name: 'churn', aliases: ['champion', 'production'] },
	ALIAS_CONFLICT: { name: 'churn', alias: 'v3', reason: 'is-version', repository: 'team/churn' },
	TAG_EXISTS: { tag: 'iris:v1', trashed: false, repository: 'team/iris', remoteDigest: `sha256:${'a'.repeat(64)}`, localDigest: `sha256:${'b'.repeat(64)}` },
	INTEGRITY: { path: 'weights.bin', expected: { sha256: 'c'.repeat(64), size: 10, crc32: 1 }, actual: { sha256: 'd'.repeat(64), size: 10, crc32: 2 }, fields: ['sha256', 'crc32'] },
	STORAGE_FULL: { quotaBytes: null, needed: 1_000_000 },
	BAD_BUNDLE: { reason: 'overlapping-entries', file: 'iris.zip', entry: 'a.bin', other: 'b.bin', offset: 120 },
	ABORTED: {},
	LOCK_LOST: { lock: 'model-shelf:write' },
	UNSUPPORTED: { artifactType: 'application/vnd.cncf.model.manifest.v1+json', configMediaType: 'application/vnd.cncf.model.config.v1+json' },
	INVALID_REMOTE: { field: 'name', repository: 'team/a..b', suggestion: 'a-b' },
	REMOTE_UNREACHABLE: { url: 'http://127.0.0.1:5000/v2/', offline: true, resumable: true, offset: 8_388_608 },
	REMOTE_CORS: { url: 'http://127.0.0.1:5000/v2/', origin: 'http://localhost:4173' },
	REMOTE_AUTH: { url: 'http://127.0.0.1:5000/v2/', status: 401, registry: [{ code: 'UNAUTHORIZED', message: 'authentication required' }] },
	REMOTE_QUOTA: { status: 413, url: 'http://127.0.0.1:5000/v2/team/iris/blobs/uploads/x', registry: [] },
	REMOTE_REJECTED: { status: 400, url: 'http://127.0.0.1:5000/v2/team/iris/blobs/uploads/x', registry: [{ code: 'DIGEST_INVALID', message: 'digest invalid' }], reason: 'digest-mismatch' },
	UNTRUSTED: { reason: 'wrong-digest', repository: 'team/iris', digest: `sha256:${'a'.repeat(64)}`, signedDigest: `sha256:${'b'.repeat(64)}` },
	INVALID_INPUT: { input: 'x', reason: 'shape', expected: '[batch, 4]', found: '[2, 3]' },
	INTERNAL: { tag: 'iris:v1', createdKey: '2025-11-03T10:15:00.250000~iris:v1' }
};

describe('every error code crosses the worker boundary with its typed details intact', () => {
	it('has an example for every code', () => {
		expect(Object.keys(DETAILS).sort()).toEqual([...ERROR_CODES].sort());
	});

	for (const code of ERROR_CODES) {
		it(code, async () => {
			const details = DETAILS[code];
			const { remote, close } = connect({
				fail: async (): Promise<void> => {
					throw new ShelfError(code, `${code} happened.`, details);
				}
			});
			const error = await remote.fail().catch((caught: unknown) => caught);
			close();
			expect(isShelfError(error, code)).toBe(true);
			expect((error as ShelfError).message).toBe(`${code} happened.`);
			expect((error as ShelfError).details).toEqual(details);
		});
	}
});
