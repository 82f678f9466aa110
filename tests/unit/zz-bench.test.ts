// Temporary throughput bench (deleted after use).
import { it } from 'vitest';
import { open, rm } from 'node:fs/promises';
import { randomFillSync } from 'node:crypto';
import { crc32 as zcrc } from 'node:zlib';
import { deflateRawSync } from 'node:zlib';
import { ZipWriter } from '../../src/lib/core/bundle/zip-writer.ts';
import { readZipDirectory, readZipEntry } from '../../src/lib/core/bundle/zip-reader.ts';
import { fileSource } from './zip-craft.ts';
const MiB = 1 << 20, GiB = 1 << 30;
it('bench', async () => {
  const block = new Uint8Array(8 * MiB); randomFillSync(block);
  let crc = 0; for (let i = 0; i < 128; i++) crc = zcrc(block, crc);
  const path = '/tmp/zs/bench.zip';
  for (let run = 0; run < 3; run++) {
    const handle = await open(path, 'w');
    let t = performance.now();
    const w = new ZipWriter({ write: async (c) => { await handle.write(c); } });
    await w.addEntry({ path: 'w.bin', size: GiB, crc32: crc, data: (async function* () { for (let i = 0; i < 128; i++) yield block; })() });
    await w.finish(); await handle.close();
    const wt = performance.now() - t;
    const src = await fileSource(path);
    t = performance.now();
    const [e] = await readZipDirectory(src);
    let n = 0; for await (const c of readZipEntry(src, e!)) n += c.length;
    const rt = performance.now() - t; await src.close();
    console.log(`run ${run}: write ${(GiB / 1e6 / (wt / 1000)).toFixed(0)} MB/s, read ${(GiB / 1e6 / (rt / 1000)).toFixed(0)} MB/s (${n === GiB})`);
  }
  // deflated 256 MiB (half-random) through the inflate path
  const raw = new Uint8Array(256 * MiB); for (let i = 0; i < raw.length; i += 4096) randomFillSync(raw, i, 2048);
  const comp = new Uint8Array(deflateRawSync(raw, { level: 1 }));
  const craw = zcrc(raw);
  const handle = await open(path, 'w');
  const w = new ZipWriter({ write: async (c) => { await handle.write(c); } });
  await w.addEntry({ path: 'd.bin', size: raw.length, crc32: craw, method: 'deflate', data: comp });
  await w.finish(); await handle.close();
  for (let run = 0; run < 2; run++) {
    const src = await fileSource(path);
    const t = performance.now();
    const [e] = await readZipDirectory(src);
    let n = 0; for await (const c of readZipEntry(src, e!)) n += c.length;
    const rt = performance.now() - t; await src.close();
    console.log(`inflate read ${(raw.length / 1e6 / (rt / 1000)).toFixed(0)} MB/s of output (${n === raw.length}), ratio ${(comp.length / raw.length).toFixed(2)}`);
  }
  await rm(path);
}, 600_000);
