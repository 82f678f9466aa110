// Issue 17: NumPy `.npy` and `.npz` headers, read as data (never evaluated), against files NumPy wrote
// (tests/fixtures/models/npy/make_fixtures.py) and hand-made hostile headers.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { RandomAccessSource } from '../../src/lib/core/byte-streams.ts';
import { readNpy, readNpz, npyTensor } from '../../src/lib/core/inspect/npy.ts';

const fixtures = new URL('../fixtures/models/npy/', import.meta.url);
const expected = JSON.parse(readFileSync(new URL('expected.json', fixtures), 'utf8')) as Record<string, { descr: string; shape: number[]; fortran_order: boolean }>;

function bytesSource(bytes: Uint8Array): RandomAccessSource {
	return { size: bytes.length, read: async (offset, length) => bytes.subarray(offset, Math.min(bytes.length, offset + length)) };
}

function npy(header: string, { major = 1, claimedLength }: { major?: number; claimedLength?: number } = {}): Uint8Array {
	const text = new TextEncoder().encode(header);
	const prefix = major === 1 ? 10 : 12;
	const bytes = new Uint8Array(prefix + text.length);
	bytes.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, major, 0]);
	const view = new DataView(bytes.buffer);
	if (major === 1) view.setUint16(8, claimedLength ?? text.length, true);
	else view.setUint32(8, claimedLength ?? text.length, true);
	bytes.set(text, prefix);
	return bytes;
}

async function reason(promise: Promise<unknown>) {
	return promise.then(
		() => 'read',
		(error: { code?: string; details?: { reason?: string } }) => `${error.code}:${error.details?.reason}`
	);
}

describe('.npy headers', () => {
	for (const [name, facts] of Object.entries(expected)) {
		it(`reads ${name} as NumPy wrote it`, async () => {
			const header = await readNpy(bytesSource(new Uint8Array(readFileSync(new URL(name, fixtures)))), { path: name });
			expect({ descr: header.descr, shape: header.shape, fortran_order: header.fortranOrder }).toEqual(facts);
			expect(npyTensor(name, header).elements).toBe(facts.shape.reduce((product, dim) => product * dim, 1));
		});
	}

	it('reads only the header of a huge array', async () => {
		const header = npy("{'descr': '<f4', 'fortran_order': False, 'shape': (1073741824, 4), }");
		let served = 0;
		const source = {
			size: header.length + 16 * 2 ** 30,
			read: async (offset: number, length: number) => {
				const slice = header.subarray(offset, Math.min(header.length, offset + length));
				served += slice.length;
				return slice;
			}
		};
		expect((await readNpy(source)).shape).toEqual([1073741824, 4]);
		expect(served).toBeLessThan(200);
	});

	it('refuses hostile headers with a reason, never evaluating them', async () => {
		expect(await reason(readNpy(bytesSource(new TextEncoder().encode('PK\u0003\u0004 not numpy'))))).toBe('BAD_MODEL_FILE:bad-magic');
		expect(await reason(readNpy(bytesSource(npy("{'descr': '<f4'", { claimedLength: 60_000 }))))).toBe('BAD_MODEL_FILE:truncated');
		expect(await reason(readNpy(bytesSource(npy('x', { major: 2, claimedLength: 2 ** 31 }))))).toBe('BAD_MODEL_FILE:too-large');
		expect(await reason(readNpy(bytesSource(npy("__import__('os').system('echo pwned')"))))).toBe('BAD_MODEL_FILE:bad-header');
		expect(await reason(readNpy(bytesSource(npy("{'descr': '<f4', 'fortran_order': False, 'shape': (-1,), }"))))).toBe('BAD_MODEL_FILE:bad-header');
		expect(await reason(readNpy(bytesSource(npy(`{'descr': ${'('.repeat(5000)}`))))).toBe('BAD_MODEL_FILE:bad-header');
		expect(await reason(readNpy(bytesSource(npy("{'descr': '<f4', 'fortran_order': False, 'shape': (3,), }", { major: 7 }))))).toBe('BAD_MODEL_FILE:unsupported-version');
	});
});

describe('.npz archives', () => {
	it('lists every member array of a stored and of a compressed .npz', async () => {
		const stored = await readNpz(bytesSource(new Uint8Array(readFileSync(new URL('bundle.npz', fixtures)))), { path: 'bundle.npz' });
		expect(stored.map(({ name, dtype, shape }) => ({ name, dtype, shape })).sort((a, b) => (a.name < b.name ? -1 : 1))).toEqual([
			{ name: 'bias', dtype: '<f4', shape: [2] },
			{ name: 'embeddings', dtype: '<f2', shape: [4, 2] }
		]);
		const compressed = await readNpz(bytesSource(new Uint8Array(readFileSync(new URL('bundle-compressed.npz', fixtures)))));
		expect(compressed.map(({ name, dtype, shape }) => ({ name, dtype, shape }))).toEqual([{ name: 'embeddings', dtype: '<f2', shape: [4, 2] }]);
	});
});
