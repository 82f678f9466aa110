// Issue 24: where there is no OPFS, an export is assembled as a Blob (export-target.ts blobExportTarget).
import { describe, expect, it } from 'vitest';
import { blobExportTarget } from '../../src/lib/worker/bundle/export-target.ts';

describe('the Blob export target (browsers without OPFS)', () => {
	it('gives back every byte written, in order, as a named zip File, though the writer reuses its chunk', async () => {
		const target = blobExportTarget('iris-v1.zip');
		const chunk = new Uint8Array(3 * 1024 * 1024);
		const expected: number[] = [];
		for (let round = 0; round < 5; round++) {
			chunk.fill(round + 1); // the same buffer each time, as the zip writer reuses its own
			await target.write(chunk.subarray(0, 3 * 1024 * 1024 - round));
			expected.push(3 * 1024 * 1024 - round);
		}
		const file = await target.finish();
		expect(file?.name).toBe('iris-v1.zip');
		expect(file?.type).toBe('application/zip');
		const bytes = new Uint8Array(await file!.arrayBuffer());
		expect(bytes.byteLength).toBe(expected.reduce((sum, size) => sum + size, 0));
		let at = 0;
		expected.forEach((size, round) => {
			expect(bytes[at]).toBe(round + 1);
			expect(bytes[at + size - 1]).toBe(round + 1);
			at += size;
		});
	});

	it('keeps nothing once discarded', async () => {
		const target = blobExportTarget('x.zip');
		await target.write(new Uint8Array(10));
		await target.discard();
		expect((await target.finish())?.size).toBe(0);
	});
});
