// Bench-only: what one tiny file costs, step by step, when it goes the way the store takes it
// (opfs-blob-store.ts + opfs-writer.ts + import.ts). Importing 10,001 two-byte files is all per-file
// overhead, so timing each step in isolation says where that time goes.
import { openCatalogueDatabase } from '../src/lib/worker/catalogue/schema.ts';

const STEPS = ['zip local header read (slice)', 'entry bytes read (slice)', 'tmp getFileHandle(create)', 'createSyncAccessHandle', 'write+flush+close', 'hash worker round trip', 'blob exists? (NotFound)', 'move tmp → blobs', 'IndexedDB get'] as const;

/**
 * Times each per-file step on `count` tiny files.
 * @param count how many files
 * @param source a picked File to read slices from (the bundle), as import.ts reads entries
 * @param hashRoundTrip sends bytes to a hash worker and waits for the digest (the store's open/chunk/finish)
 */
export async function probeSmallFiles(count: number, source: Blob, hashRoundTrip: (bytes: Uint8Array) => Promise<void>) {
	const root = await (await navigator.storage.getDirectory()).getDirectoryHandle('bench', { create: true });
	await root.removeEntry('probe', { recursive: true }).catch(() => undefined);
	const probe = await root.getDirectoryHandle('probe', { create: true });
	const tmp = await probe.getDirectoryHandle('tmp', { create: true });
	const blobs = await probe.getDirectoryHandle('blobs', { create: true });
	const db = await openCatalogueDatabase();
	const samples = new Map<string, number[]>(STEPS.map((step) => [step, []]));
	const time = async <T>(step: (typeof STEPS)[number], run: () => Promise<T> | T): Promise<T> => {
		const started = performance.now();
		const result = await run();
		samples.get(step)!.push((performance.now() - started) * 1000);
		return result;
	};
	const started = performance.now();
	for (let i = 0; i < count; i++) {
		const at = (i * 4099) % Math.max(1, source.size - 64);
		await time('zip local header read (slice)', () => source.slice(at, at + 30 + 16).arrayBuffer());
		const bytes = new Uint8Array(await time('entry bytes read (slice)', () => source.slice(at + 46, at + 48).arrayBuffer()));
		const id = crypto.randomUUID();
		const handle = await time('tmp getFileHandle(create)', () => tmp.getFileHandle(id, { create: true }));
		const access = await time('createSyncAccessHandle', () => handle.createSyncAccessHandle());
		await time('write+flush+close', () => {
			access.write(bytes, { at: 0 });
			access.flush();
			access.close();
		});
		await time('hash worker round trip', () => hashRoundTrip(bytes));
		const name = `${String(i).padStart(8, '0')}${id.replaceAll('-', '')}`;
		await time('blob exists? (NotFound)', () => blobs.getFileHandle(name).then(() => true, () => false));
		await time('move tmp → blobs', () => (handle as FileSystemFileHandle & { move(dir: FileSystemDirectoryHandle, name: string): Promise<void> }).move(blobs, name));
		await time('IndexedDB get', () => db.get('versions', `probe:${i}`));
	}
	const totalMs = performance.now() - started;
	db.close();
	await root.removeEntry('probe', { recursive: true }).catch(() => undefined);
	const steps: Record<string, { medianUs: number; meanUs: number }> = {};
	for (const [step, values] of samples) {
		const sorted = [...values].sort((a, b) => a - b);
		steps[step] = { medianUs: Math.round(sorted[Math.floor(sorted.length / 2)] ?? 0), meanUs: Math.round(values.reduce((a, b) => a + b, 0) / Math.max(1, values.length)) };
	}
	return { files: count, msPerFile: totalMs / count, steps };
}
