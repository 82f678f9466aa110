// Issue 21: blob writers compute CRC-32 on their own thread (openCrc32) while the hash worker computes
// SHA-256. Exports write this CRC into zip headers, so it must equal the one-shot CRC of the same bytes,
// including when instances are reused after release.
import { describe, expect, it } from 'vitest';
import { crc32Of, openCrc32 } from '../../src/lib/core/digest.ts';

describe('streaming CRC-32 (issue 21)', () => {
	it('gives the check value of "123456789" fed in pieces', async () => {
		const crc = await openCrc32();
		const bytes = new TextEncoder().encode('123456789');
		crc.update(bytes.subarray(0, 4));
		crc.update(bytes.subarray(4));
		expect(crc.value()).toBe(0xcbf43926);
		crc.release();
	});

	it('starts over when an instance is reused, and streams opened together do not mix', async () => {
		for (let round = 0; round < 3; round++) {
			const a = new Uint8Array(100_000).map((_, index) => (index * 7 + round) & 0xff);
			const b = new Uint8Array(30_000).map((_, index) => (index * 13 + round) & 0xff);
			const [left, right] = await Promise.all([openCrc32(), openCrc32()]);
			for (let at = 0; at < a.byteLength; at += 8192) {
				left.update(a.subarray(at, at + 8192));
				if (at < b.byteLength) right.update(b.subarray(at, Math.min(b.byteLength, at + 8192)));
			}
			expect(left.value()).toBe(await crc32Of(a));
			expect(right.value()).toBe(await crc32Of(b));
			left.release();
			right.release();
			left.release(); // idempotent: the instance is not handed out twice
		}
	});
});
