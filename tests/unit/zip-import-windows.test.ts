// Issue 7, fix 7: small zip entries are read a window at a time (local headers and data in one read), not
// with two reads each, and still arrive byte for byte, checked as before.
import 'fake-indexeddb/auto';
import { IDBFactory } from 'fake-indexeddb';
import { deflateRawSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { crc32 } from 'node:zlib';
import { ShelfError } from '../../src/lib/core/errors.ts';
import { openCatalogue } from '../../src/lib/worker/catalogue/idb-catalogue.ts';
import { createMemoryBlobStore, createMemoryVolume } from '../../src/lib/worker/blobs/memory-blob-store.ts';
import { importBundle } from '../../src/lib/worker/bundle/import.ts';
import { localCoordination } from '../../src/lib/worker/store/coordination.ts';
import { ModelStore } from '../../src/lib/worker/store/model-store.ts';
import { craftZip, randomBytes, type CraftEntry } from './zip-craft.ts';

const MANIFEST = 'name: windows\nversion: v1\nmodule: ""\nlabels: {}\noptions: {}\nmetadata: {}\ncontext:\n  framework_name: ""\n  framework_versions: {}\n  bentoml_version: 1.4.0\n  python_version: 3.11.0\nsignatures: {}\napi_version: v1\ncreation_time: "2025-01-01T00:00:00+00:00"\n';

/** A File that counts how often it is sliced (each slice is one read when its bytes are asked for). */
class CountingFile extends File {
	slices = 0;
	override slice(start?: number, end?: number, contentType?: string): Blob {
		this.slices++;
		return super.slice(start, end, contentType);
	}
}

async function openStore() {
	const volume = createMemoryVolume();
	const store = new ModelStore(await openCatalogue({ factory: new IDBFactory() }), createMemoryBlobStore({ volume }), localCoordination());
	return { store, volume };
}

function bundle(): { bytes: Uint8Array; contents: Map<string, Uint8Array> } {
	const contents = new Map<string, Uint8Array>();
	const entries: CraftEntry[] = [{ name: 'model.yaml', data: new TextEncoder().encode(MANIFEST) }, { name: 'f/', externalAttributes: (0o40755 << 16) >>> 0 }];
	for (let i = 0; i < 240; i++) {
		const data = new TextEncoder().encode(String(i));
		contents.set(`f/${i}`, data);
		entries.push({ name: `f/${i}`, data });
		if (i === 80) {
			// A large entry between runs of small ones is handed over as a slice of the file, as before.
			const big = randomBytes(300_000, 7);
			contents.set('big.bin', big);
			entries.push({ name: 'big.bin', data: big });
		}
		if (i === 160) {
			const text = new TextEncoder().encode('{"layers": 12, "layers2": 12, "layers3": 12}');
			contents.set('config.json', text);
			entries.push({ name: 'config.json', data: deflateRawSync(text), method: 8, crc32: crc32(text), uncompressedSize: text.length });
		}
	}
	return { bytes: craftZip(entries), contents };
}

describe('importing a zip of many small entries', () => {
	it('reads runs of small entries in a few reads and stores every file exactly', async () => {
		const { store } = await openStore();
		const { bytes, contents } = bundle();
		const file = new CountingFile([bytes as Uint8Array<ArrayBuffer>], 'windows.zip');
		const result = await importBundle(store, file);
		expect(result.status).toBe('created');
		// Before: two slices per entry (480+). Now: the head, the directory, the manifest, one window per
		// run of small entries and the large entry.
		expect(file.slices).toBeLessThan(20);
		expect(result.record.files).toHaveLength(contents.size);
		for (const stored of result.record.files) {
			const blob = await store.blobs.read(stored.sha256);
			expect(new Uint8Array(await blob.arrayBuffer()), stored.path).toEqual(contents.get(stored.path));
		}
		// The same bundle again is a no-op.
		expect((await importBundle(store, new File([bytes as Uint8Array<ArrayBuffer>], 'windows.zip'))).status).toBe('unchanged');
	}, 60_000);

	it('still refuses a damaged local header of a small entry, leaving nothing behind', async () => {
		const { store, volume } = await openStore();
		const { bytes } = bundle();
		const damaged = bytes.slice();
		// The local header of "f/5": find its name after a local header signature and break the signature.
		const name = new TextEncoder().encode('f/5');
		let at = -1;
		for (let i = 0; i < damaged.length - 40; i++) {
			if (damaged[i] === 0x50 && damaged[i + 1] === 0x4b && damaged[i + 2] === 3 && damaged[i + 3] === 4 && damaged[i + 26] === 3 && name.every((byte, j) => damaged[i + 30 + j] === byte)) {
				at = i;
				break;
			}
		}
		expect(at).toBeGreaterThan(0);
		damaged[at] = 0;
		const error = await importBundle(store, new File([damaged as Uint8Array<ArrayBuffer>], 'damaged.zip')).then(
			() => null,
			(caught: unknown) => caught
		);
		expect(error).toBeInstanceOf(ShelfError);
		expect(error).toMatchObject({ code: 'BAD_BUNDLE', details: { reason: 'corrupt' } });
		expect(await store.blobs.list()).toEqual([]);
		expect(volume.tmp.size).toBe(0);
		expect(await store.catalogue.names()).toEqual([]);
	}, 60_000);
});
