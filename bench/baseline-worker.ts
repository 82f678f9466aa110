// Bench-only dedicated worker, never shipped with the app. Built by bench/vite.config.ts into
// build-bench/bench/baseline-worker.js so that it runs on the app's origin, in the same browser:
//  - the baselines every import and export is compared to (raw OPFS sync-handle write or read of N bytes
//    with streaming SHA-256 from hash-wasm, the library the store hashes with, in 8 MiB chunks);
//  - measurements that explain where time goes (hashing alone, reading a picked File, per-file costs);
//  - a bulk loader that fills the app's IndexedDB catalogue for the catalogue-at-scale figures.
// The same module also runs as the "parallel" baseline's hash worker (started with name 'bench-hash').
import { createCRC32, createSHA256 } from 'hash-wasm';
import { probeSmallFiles } from './file-probe.ts';
import { seedCatalogue } from './seed-catalogue.ts';

/** Chunk size of every baseline: the store's own (src/lib/worker/store/chunks.ts). */
const CHUNK = 8 * 1024 * 1024;
/** Buffers in flight to the hash worker: the store allows 4 chunks (hash-client.ts MAX_CHUNKS_IN_FLIGHT). */
const IN_FLIGHT = 4;
const BASELINE_FILE = 'baseline.bin';
/** Written by the floor rows: the import floor's copy of the picked File, the export floor's copy of BASELINE_FILE. */
const FLOOR_FILE = 'floor.bin';

type Request = { id: number; op: string; args: Record<string, unknown> };
type Scope = { name: string; postMessage(message: unknown, transfer?: Transferable[]): void; addEventListener(type: 'message', listener: (event: MessageEvent) => void): void };
const scope = self as unknown as Scope;

if (scope.name === 'bench-hash') _serveHashing();
else _serveRequests();

// ---------------------------------------------------------------------------------------------------------

const OPS: Record<string, (args: never) => Promise<unknown>> = {
	writeHash: (args: { bytes: number; parallel: boolean; preallocate?: boolean }) => writeHash(args.bytes, args.parallel, args.preallocate ?? true),
	readHash: (args: { bytes: number }) => readHash(args.bytes),
	hashOnly: (args: { bytes: number; crc: boolean }) => hashOnly(args.bytes, args.crc),
	readBlob: (args: { file: Blob }) => readBlob(args.file),
	fetchOnly: (args: { url: string }) => fetchOnly(args.url),
	floorImport: (args: { file: Blob }) => floorImport(args.file),
	floorExport: (args: { bytes: number }) => floorExport(args.bytes),
	probeSmallFiles: (args: { count: number; file: Blob }) => probeSmallFiles(args.count, args.file, _hashRoundTrip),
	seedCatalogue: (args: { versions: number; names: number }) => seedCatalogue(args.versions, args.names),
	cleanup: () => _benchDir().then((dir) => Promise.all([BASELINE_FILE, FLOOR_FILE].map((name) => dir.removeEntry(name).catch(() => undefined))))
};

/**
 * The pull's floor: one blob fetched from the registry and every chunk of its body read, nothing written or
 * hashed. Where this is slower than a native client's whole pull, no browser pull can match that client.
 */
async function fetchOnly(url: string) {
	const started = performance.now();
	const response = await fetch(url);
	if (!response.ok || !response.body) throw new Error(`GET ${url}: ${response.status}`);
	const reader = response.body.getReader();
	let bytes = 0;
	let chunks = 0;
	for (let read = await reader.read(); !read.done; read = await reader.read()) {
		bytes += read.value.byteLength;
		chunks++;
	}
	return { ms: performance.now() - started, bytes, chunks };
}

/**
 * Baseline (a): N bytes into a new OPFS file through a sync access handle, with streaming SHA-256 of the
 * same bytes, either one after the other in this thread or with the hash in a second worker (what the
 * store does). The file is sized up front: a writer that knows N can, and extending writes are slower.
 */
async function writeHash(bytes: number, parallel: boolean, preallocate: boolean) {
	const buffers = Array.from({ length: parallel ? IN_FLIGHT : 1 }, () => _randomBuffer(CHUNK));
	const hasher = parallel ? _hashWorker() : null;
	const started = performance.now();
	const dir = await _benchDir();
	await dir.removeEntry(BASELINE_FILE).catch(() => undefined);
	const access = await (await dir.getFileHandle(BASELINE_FILE, { create: true })).createSyncAccessHandle();
	const truncateStarted = performance.now();
	if (preallocate) access.truncate(bytes);
	const truncateMs = performance.now() - truncateStarted;
	const sha = parallel ? null : await createSHA256();
	sha?.init();
	let digest: string;
	for (let at = 0; at < bytes; ) {
		const length = Math.min(CHUNK, bytes - at);
		const buffer = buffers.pop() ?? (await hasher!.returned());
		const view = new Uint8Array(buffer, 0, length);
		access.write(view, { at });
		if (sha) sha.update(view);
		else hasher!.push(buffer, length);
		if (sha) buffers.push(buffer);
		at += length;
	}
	access.flush();
	access.close();
	if (sha) digest = sha.digest('hex');
	else digest = await hasher!.finish();
	return { ms: performance.now() - started, truncateMs, digest };
}

/** Baseline (b): N bytes read back from OPFS through a sync access handle, with streaming SHA-256. */
async function readHash(bytes: number) {
	const buffer = new Uint8Array(CHUNK);
	const started = performance.now();
	const dir = await _benchDir();
	const access = await (await dir.getFileHandle(BASELINE_FILE)).createSyncAccessHandle();
	const sha = await createSHA256();
	sha.init();
	let read = 0;
	while (read < bytes) {
		const got = access.read(buffer.subarray(0, Math.min(CHUNK, bytes - read)), { at: read });
		if (got === 0) break;
		sha.update(buffer.subarray(0, got));
		read += got;
	}
	access.close();
	return { ms: performance.now() - started, digest: sha.digest('hex'), read };
}

/** SHA-256 (and CRC-32, as the store computes both) of N bytes already in memory: the hashing ceiling alone. */
async function hashOnly(bytes: number, crc: boolean) {
	const buffer = _randomBuffer(CHUNK);
	const started = performance.now();
	const [sha, crc32] = await Promise.all([createSHA256(), crc ? createCRC32() : null]);
	sha.init();
	crc32?.init();
	for (let at = 0; at < bytes; at += CHUNK) {
		const view = new Uint8Array(buffer, 0, Math.min(CHUNK, bytes - at));
		sha.update(view);
		crc32?.update(view);
	}
	return { ms: performance.now() - started, digest: sha.digest('hex') };
}

/** Reads a picked File by 8 MiB slices, as the store's readChunks() does: the cost of the source alone. */
async function readBlob(file: Blob) {
	const started = performance.now();
	let read = 0;
	for (let at = 0; at < file.size; at += CHUNK) read += (await file.slice(at, at + CHUNK).arrayBuffer()).byteLength;
	return { ms: performance.now() - started, read };
}

/**
 * Floor of an import of one stored entry (explanatory, not a target): what the write baseline leaves out and
 * an import must do too. The picked File is read by 8 MiB slices with the next slice already being read,
 * each chunk written to a new, presized OPFS file through a sync access handle and CRC-32'd in this thread
 * (a zip entry's check), then transferred to the hash worker for SHA-256; flushed and closed at the end.
 */
async function floorImport(file: Blob) {
	const hasher = _hashWorker();
	const started = performance.now();
	const [access, crc32] = await Promise.all([_newFile(FLOOR_FILE, file.size), createCRC32()]);
	crc32.init();
	const slice = (at: number) => (at < file.size ? file.slice(at, at + CHUNK).arrayBuffer() : null);
	let next = slice(0);
	let inFlight = 0;
	for (let at = 0; next; ) {
		const buffer = await next;
		const length = buffer.byteLength; // read before push(): transferring the buffer detaches it (length 0)
		next = slice(at + length);
		const view = new Uint8Array(buffer);
		access.write(view, { at });
		crc32.update(view);
		// Backpressure as the store's: at most IN_FLIGHT chunks at the hash worker (their buffers are dropped on return).
		if (inFlight === IN_FLIGHT) await hasher.returned();
		else inFlight++;
		hasher.push(buffer, length);
		at += length;
	}
	access.flush();
	access.close();
	const digest = await hasher.finish();
	return { ms: performance.now() - started, digest, crc: crc32.digest('hex') };
}

/**
 * Floor of an export (explanatory, not a target): the read baseline plus what it leaves out, writing every
 * byte into a new file. BASELINE_FILE is read through a read-only sync handle, each chunk written into a
 * new, presized OPFS file through a second sync handle, and hashed with SHA-256 in the hash worker.
 */
async function floorExport(bytes: number) {
	const buffers = Array.from({ length: IN_FLIGHT }, () => new ArrayBuffer(CHUNK));
	const hasher = _hashWorker();
	const started = performance.now();
	const dir = await _benchDir();
	const handle = await dir.getFileHandle(BASELINE_FILE);
	// Read-only mode (Chromium 121+) lets other readers in, as the store's blob reads use; an older browser ignores it.
	const source = await (handle.createSyncAccessHandle as (options?: { mode: string }) => Promise<FileSystemSyncAccessHandle>).call(handle, { mode: 'read-only' });
	const target = await _newFile(FLOOR_FILE, bytes);
	let read = 0;
	while (read < bytes) {
		const buffer = buffers.pop() ?? (await hasher.returned());
		const view = new Uint8Array(buffer, 0, Math.min(CHUNK, bytes - read));
		const got = source.read(view, { at: read });
		if (got === 0) break;
		target.write(view.subarray(0, got), { at: read });
		hasher.push(buffer, got);
		read += got;
	}
	source.close();
	target.flush();
	target.close();
	return { ms: performance.now() - started, digest: await hasher.finish(), read };
}

// ---------------------------------------------------------------------------------------------------------

/** A new, empty file in the bench folder, open through a sync access handle and sized to `bytes` up front. */
async function _newFile(name: string, bytes: number): Promise<FileSystemSyncAccessHandle> {
	const dir = await _benchDir();
	await dir.removeEntry(name).catch(() => undefined);
	const access = await (await dir.getFileHandle(name, { create: true })).createSyncAccessHandle();
	access.truncate(bytes);
	return access;
}

function _serveRequests(): void {
	scope.addEventListener('message', async (event: MessageEvent<Request>) => {
		const { id, op, args } = event.data;
		try {
			const run = OPS[op];
			if (!run) throw new Error(`Unknown bench op "${op}".`);
			scope.postMessage({ id, result: await run(args as never) });
		} catch (error) {
			scope.postMessage({ id, error: error instanceof Error ? `${error.name}: ${error.message}` : String(error) });
		}
	});
}

/** The hash side of the parallel baseline: digests chunks and hands each buffer straight back (no copies). */
function _serveHashing(): void {
	let sha: Awaited<ReturnType<typeof createSHA256>> | null = null;
	const ready = createSHA256().then((hasher) => (sha = hasher));
	scope.addEventListener('message', async (event: MessageEvent<{ type: string; buffer?: ArrayBuffer; length?: number }>) => {
		await ready;
		const message = event.data;
		if (message.type === 'open') sha!.init();
		else if (message.type === 'chunk') {
			sha!.update(new Uint8Array(message.buffer!, 0, message.length));
			scope.postMessage({ type: 'ack', buffer: message.buffer }, [message.buffer!]);
		} else if (message.type === 'finish') scope.postMessage({ type: 'digest', digest: sha!.digest('hex') });
	});
}

let hashWorker: Worker | null = null;

/** Streams buffers to the hash worker; `returned()` waits for one to come back, as backpressure. */
function _hashWorker() {
	hashWorker ??= new Worker(self.location.href, { type: 'module', name: 'bench-hash' });
	const worker = hashWorker;
	const waiting: ((buffer: ArrayBuffer) => void)[] = [];
	const spare: ArrayBuffer[] = [];
	let onDigest: ((digest: string) => void) | null = null;
	worker.onmessage = (event: MessageEvent<{ type: string; buffer?: ArrayBuffer; digest?: string }>) => {
		if (event.data.type === 'ack') {
			const next = waiting.shift();
			if (next) next(event.data.buffer!);
			else spare.push(event.data.buffer!);
		} else onDigest?.(event.data.digest!);
	};
	worker.postMessage({ type: 'open' });
	return {
		returned: () => (spare.length > 0 ? Promise.resolve(spare.pop()!) : new Promise<ArrayBuffer>((resolve) => waiting.push(resolve))),
		push: (buffer: ArrayBuffer, length: number) => worker.postMessage({ type: 'chunk', buffer, length }, [buffer]),
		finish: () => new Promise<string>((resolve) => ((onDigest = resolve), worker.postMessage({ type: 'finish' })))
	};
}

/** One tiny file through the hash worker: open, chunk and finish posted, then one wait for the digest (as the store does). */
async function _hashRoundTrip(bytes: Uint8Array): Promise<void> {
	const hasher = _hashWorker();
	hasher.push(bytes.slice().buffer, bytes.byteLength);
	await hasher.finish();
}

async function _benchDir(): Promise<FileSystemDirectoryHandle> {
	// Its own folder: the store's fsck only looks at tmp/ and blobs/, so nothing here is touched by it.
	return (await navigator.storage.getDirectory()).getDirectoryHandle('bench', { create: true });
}

/** Random bytes (getRandomValues fills at most 64 KiB per call), so nothing downstream can shortcut zeros. */
function _randomBuffer(size: number): ArrayBuffer {
	const bytes = new Uint8Array(size);
	for (let at = 0; at < size; at += 65536) crypto.getRandomValues(bytes.subarray(at, at + 65536));
	return bytes.buffer;
}
