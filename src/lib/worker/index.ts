// The one object the page talks to. Everything that touches bytes or storage runs here, off the page thread.
import { expose } from 'comlink';
import { createSHA256 } from 'hash-wasm';
import '../bridge.ts';
import { ShelfError } from '../core/errors.ts';

const SELF_TEST_DIR = 'self-test';

const api = {
	/**
	 * Writes `bytes` to a file in the Origin Private File System, reads them back and returns their SHA-256.
	 * Proves the worker, OPFS and hashing path end to end.
	 * @param options.bytes the bytes to store
	 */
	async selfTest({ bytes }: { bytes: Uint8Array }): Promise<{ sha256: string; size: number }> {
		if (!(bytes instanceof Uint8Array)) throw new ShelfError('UNSUPPORTED', 'selfTest expects a Uint8Array of bytes.');
		const root = await navigator.storage.getDirectory();
		const dir = await root.getDirectoryHandle(SELF_TEST_DIR, { create: true });
		const fileHandle = await dir.getFileHandle('probe.bin', { create: true });
		const access = await fileHandle.createSyncAccessHandle();
		try {
			access.truncate(0);
			access.write(bytes, { at: 0 });
			access.flush();
			const readBack = new Uint8Array(access.getSize());
			access.read(readBack, { at: 0 });
			const hasher = await createSHA256();
			hasher.init();
			hasher.update(readBack);
			return { sha256: hasher.digest('hex'), size: readBack.byteLength };
		} finally {
			access.close();
			await root.removeEntry(SELF_TEST_DIR, { recursive: true });
		}
	}
};

/** The worker's API as the page sees it through Comlink. */
export type ShelfApi = typeof api;

expose(api);
