// Issue 17: PyTorch zip checkpoints read without torch and without running their pickle, against files
// torch.save wrote (tests/fixtures/models/pickle/make_fixtures.py: names, dtypes, shapes as torch reports them,
// byte ranges from the zip's own offsets), and hostile archives that must end in BAD_MODEL_FILE quickly.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { TensorInfo } from '../../src/lib/core/inspect/inspect-types.ts';
import { readPytorchCheckpoint } from '../../src/lib/core/inspect/pytorch.ts';
import { craftZip, memorySource } from './zip-craft.ts';

const fixtures = new URL('../fixtures/models/pytorch/', import.meta.url);
interface Expected {
	tensors: Array<Omit<TensorInfo, 'byteRange'> & { byteRange: [number, number] | null }>;
	globals: string[];
}
const expected = (JSON.parse(readFileSync(new URL('expected.json', fixtures), 'utf8')) as { files: Record<string, Expected> }).files;
const fixture = (name: string) => new Uint8Array(readFileSync(new URL(name, fixtures)));
const QUICK = 5_000;

const latin1 = (text: string) => Uint8Array.from(text, (char) => char.charCodeAt(0));

/** A checkpoint whose data.pkl is `pickle`, with storage entries `data/<key>` of the given sizes. */
function checkpoint(pickle: Uint8Array, storages: Record<string, number> = {}): Uint8Array {
	return craftZip([{ name: 'archive/data.pkl', data: pickle }, ...Object.entries(storages).map(([key, size]) => ({ name: `archive/data/${key}`, data: new Uint8Array(size) }))]);
}

/** `torch._utils._rebuild_tensor_v2(('storage', torch.FloatStorage, key, 'cpu', numel), offset, size, stride, False, OrderedDict())` in protocol 2. */
function tensorOps(key: string, offset: number, size: number[], stride: number[]): string {
	const int = (value: number) => `J${String.fromCharCode(value & 0xff, (value >> 8) & 0xff, (value >> 16) & 0xff, value >>> 24)}`;
	const ints = (values: number[]) => `(${values.map(int).join('')}t`;
	return `ctorch._utils\n_rebuild_tensor_v2\n((X\x07\x00\x00\x00storagectorch\nFloatStorage\nX${String.fromCharCode(key.length)}\x00\x00\x00${key}X\x03\x00\x00\x00cpuK\x04tQ${int(offset)}${ints(size)}${ints(stride)}\x89ccollections\nOrderedDict\n)RtR`;
}

async function reason(promise: Promise<unknown>) {
	return promise.then(
		() => 'read',
		(error: { code?: string; details?: { reason?: string } }) => `${error.code}:${error.details?.reason}`
	);
}

describe('PyTorch zip checkpoints torch.save wrote', () => {
	for (const [name, facts] of Object.entries(expected)) {
		it(`reads ${name}'s tensors as torch reports them`, async () => {
			const { tensors, pickle } = await readPytorchCheckpoint(memorySource(fixture(name)));
			expect(tensors).toEqual(facts.tensors.map(({ byteRange, ...info }) => (byteRange ? { ...info, byteRange } : info)));
			expect(pickle).toMatchObject({ verdict: 'safe', globals: facts.globals, dangerous: [] });
		});
	}

	it('reads float32, float16 and int64 tensors, a 0-dimensional one and two views of one storage', async () => {
		const { tensors, archive } = await readPytorchCheckpoint(memorySource(fixture('tiny-state-dict.pt')));
		expect(archive).toBe('tiny-state-dict');
		const byName = new Map(tensors.map((tensor) => [tensor.name, tensor]));
		expect(byName.get('fc.weight')).toMatchObject({ dtype: 'torch.float32', shape: [3, 4], elements: 12 });
		expect(byName.get('half_table')).toMatchObject({ dtype: 'torch.float16', shape: [2, 5], elements: 10 });
		expect(byName.get('bn.num_batches_tracked')).toMatchObject({ dtype: 'torch.int64', shape: [], elements: 1 });
		const head = byName.get('ids_head')?.byteRange;
		const tail = byName.get('ids_tail')?.byteRange;
		expect(tail && head && tail[0] - head[0]).toBe(6 * 8);
	});

	it('reads the directory, data.pkl and local headers only, never the tensor bytes', async () => {
		// A storage far larger than the end-record search window, so a stray read of it would show.
		const size = 1024 * 1024;
		const pickle = latin1(`\x80\x02}X\x01\x00\x00\x00t${tensorOps('0', 0, [size / 4], [1])}s.`);
		const source = memorySource(checkpoint(pickle, { '0': size }));
		const [tensor] = (await readPytorchCheckpoint(source)).tensors;
		expect(tensor?.byteRange?.[1]! - tensor?.byteRange?.[0]!).toBe(size);
		expect(source.bytesRead).toBeLessThan(70 * 1024 + pickle.length);
	});
});

describe('checkpoints made by hand', () => {
	it('names tensors inside a parameter wrapper and nested dicts', async () => {
		const pickle = latin1(`\x80\x02}(X\x05\x00\x00\x00modelq\x00}X\x01\x00\x00\x00wctorch._utils\n_rebuild_parameter\n(${tensorOps('0', 1, [2, 3], [3, 1])}\x88ccollections\nOrderedDict\n)RtRsu.`);
		const { tensors } = await readPytorchCheckpoint(memorySource(checkpoint(pickle, { '0': 28 })));
		expect(tensors).toEqual([{ name: 'model.w', dtype: 'torch.float32', shape: [2, 3], elements: 6, byteRange: expect.any(Array) }]);
		const [start, end] = tensors[0]!.byteRange!;
		expect(end - start).toBe(24);
	});

	it('leaves out the byte range of a non-contiguous tensor and refuses one past its storage', async () => {
		const transposed = latin1(`\x80\x02}X\x01\x00\x00\x00t${tensorOps('0', 0, [3, 2], [1, 3])}s.`);
		const [tensor] = (await readPytorchCheckpoint(memorySource(checkpoint(transposed, { '0': 24 })))).tensors;
		expect(tensor).toEqual({ name: 't', dtype: 'torch.float32', shape: [3, 2], elements: 6 });
		const overflowing = latin1(`\x80\x02}X\x01\x00\x00\x00t${tensorOps('0', 4, [2, 3], [3, 1])}s.`);
		expect(await reason(readPytorchCheckpoint(memorySource(checkpoint(overflowing, { '0': 24 }))))).toBe('BAD_MODEL_FILE:out-of-range');
		const missing = latin1(`\x80\x02}X\x01\x00\x00\x00t${tensorOps('9', 0, [2], [1])}s.`);
		expect(await reason(readPytorchCheckpoint(memorySource(checkpoint(missing))))).toBe('BAD_MODEL_FILE:missing-entry');
	});

	it('reports a dangerous data.pkl in the verdict, still listing its tensors', async () => {
		const evil = latin1(`\x80\x02}X\x01\x00\x00\x00t${tensorOps('0', 0, [2], [1])}sX\x01\x00\x00\x00xcposix\nsystem\nX\x04\x00\x00\x00echo\x85Rs.`);
		const { pickle, tensors } = await readPytorchCheckpoint(memorySource(checkpoint(evil, { '0': 8 })));
		expect(pickle).toMatchObject({ verdict: 'dangerous', dangerous: ['posix.system'] });
		expect(tensors.map((tensor) => tensor.name)).toEqual(['t']);
	});

	it('reports a damaged data.pkl as unreadable, with no tensors', async () => {
		const { pickle, tensors } = await readPytorchCheckpoint(memorySource(checkpoint(latin1('\x80\x02}X\x05\x00\x00'))));
		expect(pickle).toMatchObject({ verdict: 'unreadable', error: { reason: 'truncated' } });
		expect(tensors).toEqual([]);
	});
});

describe('hostile checkpoints end in BAD_MODEL_FILE with a reason, quickly', () => {
	it('refuses a file that is no zip, a legacy pickle checkpoint and a zip without data.pkl', async () => {
		expect(await reason(readPytorchCheckpoint(memorySource(latin1('not a checkpoint at all'))))).toBe('BAD_MODEL_FILE:bad-archive');
		expect(await reason(readPytorchCheckpoint(memorySource(latin1('\x80\x02\x8a\x0alp\xfc\x9cF\xf9 j\xa8P\x19.'))))).toBe('BAD_MODEL_FILE:legacy-format');
		expect(await reason(readPytorchCheckpoint(memorySource(craftZip([{ name: 'archive/other.pkl', data: latin1('N.') }]))))).toBe('BAD_MODEL_FILE:missing-entry');
	});

	it('refuses a data.pkl larger than the header limit without reading it', async () => {
		const source = memorySource(fixture('tiny-state-dict.pt'));
		expect(await reason(readPytorchCheckpoint(source, { maxHeaderBytes: 100 }))).toBe('BAD_MODEL_FILE:too-large');
	});

	it('refuses more tensors than allowed', { timeout: QUICK }, async () => {
		// One tensor record, memoized, then referenced under 100 keys.
		let ops = `\x80\x02}(X\x01\x00\x00\x00a${tensorOps('0', 0, [2], [1])}q\x00`;
		for (let index = 0; index < 100; index++) ops += `X\x04\x00\x00\x00k${String(index).padStart(3, '0')}h\x00`;
		const pickle = latin1(`${ops}u.`);
		expect(await reason(readPytorchCheckpoint(memorySource(checkpoint(pickle, { '0': 8 })), { maxTensors: 10 }))).toBe('BAD_MODEL_FILE:too-many');
		expect((await readPytorchCheckpoint(memorySource(checkpoint(pickle, { '0': 8 })))).tensors).toHaveLength(101);
	});

	it('refuses values nested deeper than allowed, and a list that holds itself ends', { timeout: QUICK }, async () => {
		const deep = latin1(`\x80\x02${']'.repeat(10_000)}${'a'.repeat(9_999)}.`);
		expect(await reason(readPytorchCheckpoint(memorySource(checkpoint(deep))))).toBe('BAD_MODEL_FILE:too-deep');
		expect((await readPytorchCheckpoint(memorySource(checkpoint(latin1('\x80\x04]\x94h\x00a.'))))).tensors).toEqual([]);
	});

	it('refuses sharing that would make the walk exponential', { timeout: QUICK }, async () => {
		// x0 = []; x(n+1) = [xn, xn]: 60 levels are 2^60 paths through 60 lists.
		let ops = '\x80\x02]q\x00';
		for (let level = 1; level <= 60; level++) ops += `h${String.fromCharCode(level - 1)}h${String.fromCharCode(level - 1)}\x86q${String.fromCharCode(level)}`;
		expect(await reason(readPytorchCheckpoint(memorySource(checkpoint(latin1(`${ops}.`)))))).toBe('BAD_MODEL_FILE:too-many');
	});
});
