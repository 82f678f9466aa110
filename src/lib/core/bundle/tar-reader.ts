// Node + browser: pure TypeScript, no DOM, no idb, no OPFS.
//
// A streaming tar reader for BentoML's exports (`bentoml models export` writes tar.xz with Python's
// tarfile in PAX format: members prefixed "./" and a "./" folder entry). It pulls chunks of any size,
// hands each member's bytes on as they arrive and never holds more than one header in memory, so a
// multi-gigabyte weight file streams through. Header layouts live in tar-format.ts.
// PAX: an 'x' header's path, linkpath, size and mtime apply to the next entry; a 'g' header's apply
// to every later entry unless an 'x' overrides them (POSIX); all other keywords are ignored.

import { ShelfError } from '../errors.ts';
import { normalizeModelPath } from '../paths.ts';
import { DEFAULT_BUNDLE_LIMITS, badBundle, type BundleLimits } from './bundle-errors.ts';
import { ChunkReader } from './chunk-reader.ts';
import { MAX_PAX_HEADER_BYTES, TAR_BLOCK, decodeTarHeader, decodeUtf8, parsePaxRecords, type PaxValues, type TarHeader } from './tar-format.ts';

/** One file or folder of a tar archive. */
export interface TarEntry {
	/** The name as stored, after PAX `path` and GNU long names apply (e.g. `./saved_model.onnx`). */
	name: string;
	/** {@link normalizeModelPath} of `name`; `''` for the archive's own root folder (`./` or `.`). */
	path: string;
	type: 'file' | 'directory';
	/** Bytes of data (0 for folders), after a PAX `size` override. */
	size: number;
	/** Permission bits. */
	mode: number;
	/** Modification time in seconds since the Unix epoch (fractional when PAX gives it so). */
	mtime: number;
	/**
	 * The member's bytes, in order, exactly `size` of them. Chunks are views of the input chunks (never
	 * copied, never reused by the reader). Read it before asking for the next entry, or leave it unread
	 * to skip it; reading it afterwards throws `INTERNAL`.
	 */
	data: AsyncIterable<Uint8Array>;
}

/** Most extended headers ('x', 'g', 'L', 'K') allowed in front of one entry. */
const MAX_META_HEADERS = 8;

/** Bytes after the end marker read to let a decompressor verify its trailing checksum; Python pads to 10 KiB. */
const MAX_TRAILING_BYTES = 1024 * 1024;

/**
 * Reads a tar stream (ustar, PAX or GNU; what Python's tarfile and GNU tar write) entry by entry,
 * refusing anything a model bundle must not hold: links, devices, unsafe or duplicate paths.
 *
 * @param chunks the uncompressed tar bytes, in chunks of any size (see worker/bundle/decompress.ts)
 * @param limits entry count, total size and name length limits, checked before anything is allocated
 * @throws ShelfError `BAD_BUNDLE` with `details.reason` one of 'truncated', 'corrupt', 'link-entry',
 *   'unsafe-path' (cause: `INVALID_PATH`), 'duplicate-entry', 'too-many-entries', 'too-large',
 *   'unsupported-method' (sparse files, tape volumes)
 * @example
 * for await (const entry of readTar(decompressedChunks(file, 'tar.xz'))) {
 *   if (entry.type === 'file') for await (const chunk of entry.data) await writer.write(chunk);
 * }
 */
export async function* readTar(chunks: AsyncIterable<Uint8Array>, limits: BundleLimits = DEFAULT_BUNDLE_LIMITS): AsyncGenerator<TarEntry, void, undefined> {
	const input = chunks[Symbol.asyncIterator]();
	const bytes = new ChunkReader(input);
	const index = new _PathIndex();
	const global: PaxValues = {};
	const budget = { entries: 0, bytes: 0 };
	try {
		for (;;) {
			const found = await _nextHeader(bytes, global, limits, budget);
			if (found === null) break;
			const entry = _describe(found, limits, budget, index);
			// Folders carry no data blocks, whatever their size field says (POSIX; tarfile agrees).
			const stored = entry.type === 'file' ? entry.size : 0;
			const cursor = { remaining: stored, live: true };
			try {
				yield { ...entry, data: _data(bytes, cursor, entry.name) };
			} finally {
				cursor.live = false;
			}
			if (!(await bytes.skip(cursor.remaining + _padding(stored)))) throw _truncated(bytes, entry.name);
		}
		// Drain what follows the end marker (zero padding to tarfile's 10 KiB record) so that a
		// decompressor upstream reaches its own end and checks its CRC; tar itself has no data checksum.
		await bytes.skip(MAX_TRAILING_BYTES);
	} finally {
		// Releases the source: a decompressor holding a WASM context or a file reader must be told.
		await input.return?.();
	}
}

// ---------------------------------------------------------------------------

/** A header with its PAX / GNU overrides resolved, where it starts. */
interface _Found {
	header: TarHeader;
	name: string;
	size: number;
	mtime: number;
	linkname: string;
	offset: number;
}

/** Reads metadata headers until an entry header; `null` at the end of the archive. */
async function _nextHeader(bytes: ChunkReader, global: PaxValues, limits: BundleLimits, budget: { bytes: number }): Promise<_Found | null> {
	const local: PaxValues = {};
	let longName: string | undefined;
	let longLink: string | undefined;
	for (let meta = 0; ; meta++) {
		const offset = bytes.offset;
		const block = await bytes.read(TAR_BLOCK);
		// Python's tarfile always writes the end marker, but a stream that stops right after the last
		// member's padding is a complete archive too (tarfile reads it without complaint).
		if (block.length === 0 && meta === 0 && offset > 0) return null;
		if (block.length < TAR_BLOCK) throw _truncated(bytes);
		const header = decodeTarHeader(block, offset);
		if (header === null) {
			if (meta > 0) throw badBundle('corrupt', `Extended tar headers at byte ${offset} are followed by no entry.`, { offset });
			const second = await bytes.read(TAR_BLOCK);
			if (second.some((byte) => byte !== 0)) {
				throw badBundle('corrupt', `A lone zero block at byte ${offset} is followed by more data; the archive is damaged.`, { offset });
			}
			return null;
		}
		if (!'xgLK'.includes(header.type)) {
			const pax = { ...global, ...local };
			return {
				header,
				name: pax.path ?? longName ?? header.name,
				size: pax.size ?? header.size,
				mtime: pax.mtime ?? header.mtime,
				linkname: pax.linkpath ?? longLink ?? header.linkname,
				offset
			};
		}
		if (meta >= MAX_META_HEADERS) throw badBundle('corrupt', `Too many extended tar headers in a row at byte ${offset}.`, { offset });
		const isPax = header.type === 'x' || header.type === 'g';
		if (isPax && header.size > MAX_PAX_HEADER_BYTES) {
			throw badBundle('corrupt', `A PAX header at byte ${offset} claims ${header.size} bytes; real ones are tiny.`, { offset, size: header.size });
		}
		if (!isPax && header.size > limits.maxNameBytes + 1) {
			throw badBundle('unsafe-path', `A GNU long name at byte ${offset} is ${header.size} bytes; at most ${limits.maxNameBytes} are accepted.`, {
				offset,
				bytes: header.size
			});
		}
		budget.bytes += header.size;
		const data = await bytes.read(header.size);
		if (data.length < header.size || !(await bytes.skip(_padding(header.size)))) throw _truncated(bytes);
		if (isPax) parsePaxRecords(data, header.type === 'x' ? local : global, limits.maxNameBytes, offset + TAR_BLOCK);
		else {
			const nul = data.indexOf(0);
			const text = _utf8OrRefuse(nul < 0 ? data : data.subarray(0, nul), offset);
			if (header.type === 'L') longName = text;
			else longLink = text;
		}
	}
}

/** Applies the rules every entry must pass and works out its type and path. */
function _describe(found: _Found, limits: BundleLimits, budget: { entries: number; bytes: number }, index: _PathIndex): Omit<TarEntry, 'data'> {
	const { header, name, offset } = found;
	const details = { entry: name, offset };
	const flag = header.type;
	if ('1234'.includes(flag) || flag === '6') {
		const what = { '1': 'a hard link', '2': 'a symbolic link', '3': 'a character device', '4': 'a block device', '6': 'a FIFO' }[flag];
		throw badBundle('link-entry', `Entry ${JSON.stringify(name)} is ${what}; a model bundle holds files and folders only.`, {
			...details,
			linkname: found.linkname
		});
	}
	let type: TarEntry['type'];
	if (flag === '5' || (flag === '\0' && name.endsWith('/'))) type = 'directory';
	else if (flag === '0' || flag === '\0' || flag === '7') type = 'file';
	else throw badBundle('unsupported-method', `Entry ${JSON.stringify(name)} has tar type ${JSON.stringify(flag)}, which a model bundle cannot hold.`, details);
	if (++budget.entries > limits.maxEntries) {
		throw badBundle('too-many-entries', `The archive has more than ${limits.maxEntries} entries.`, { ...details, limit: limits.maxEntries });
	}
	const size = type === 'file' ? found.size : 0;
	budget.bytes += size;
	if (budget.bytes > limits.maxTotalBytes) {
		throw badBundle('too-large', `The archive expands to more than ${limits.maxTotalBytes} bytes.`, { ...details, limit: limits.maxTotalBytes });
	}
	const path = _path(name, type, details);
	index.add(path, type, name);
	return { name, path, type, size, mode: header.mode, mtime: found.mtime };
}

function _path(name: string, type: TarEntry['type'], details: Record<string, unknown>): string {
	// BentoML's exports start with a "./" entry: the model folder itself.
	if (type === 'directory' && /^\.(\/+\.)*\/*$/.test(name)) return '';
	try {
		return normalizeModelPath(name);
	} catch (error) {
		if (!(error instanceof ShelfError) || error.code !== 'INVALID_PATH') throw error;
		throw badBundle('unsafe-path', `Entry ${JSON.stringify(name.slice(0, 200))} cannot be stored: ${error.message}`, details, error);
	}
}

/** One entry's data; stale once the reader has moved to the next header. */
async function* _data(bytes: ChunkReader, cursor: { remaining: number; live: boolean }, name: string): AsyncGenerator<Uint8Array, void, undefined> {
	for (;;) {
		if (!cursor.live) {
			throw new ShelfError('INTERNAL', `The data of tar entry ${JSON.stringify(name)} was read after the next entry was requested; read it first.`);
		}
		if (cursor.remaining === 0) return;
		const chunk = await bytes.take(cursor.remaining);
		if (chunk.length === 0) throw _truncated(bytes, name);
		cursor.remaining -= chunk.length;
		yield chunk;
	}
}

/** Path keys seen so far, case-folded: a second "A.bin" next to "a.bin", or "a" as both file and folder, collide. */
class _PathIndex {
	#types = new Map<string, TarEntry['type']>();
	#folders = new Set<string>();

	add(path: string, type: TarEntry['type'], name: string): void {
		const key = path.toLowerCase();
		const clash = (other: string): ShelfError =>
			badBundle('duplicate-entry', `Entry ${JSON.stringify(name)} collides with another entry (${JSON.stringify(other)}), ignoring case.`, {
				entry: name,
				other
			});
		if (this.#types.has(key) || (type === 'file' && this.#folders.has(key))) throw clash(path);
		const segments = key.split('/');
		for (let depth = 1; depth < segments.length; depth++) {
			const folder = segments.slice(0, depth).join('/');
			if (this.#types.get(folder) === 'file') throw clash(folder);
			this.#folders.add(folder);
		}
		this.#types.set(key, type);
	}
}

function _padding(size: number): number {
	return (TAR_BLOCK - (size % TAR_BLOCK)) % TAR_BLOCK;
}

function _utf8OrRefuse(raw: Uint8Array, offset: number): string {
	const text = decodeUtf8(raw);
	if (text === null) throw badBundle('unsafe-path', `A GNU long name at byte ${offset} is not valid UTF-8.`, { offset });
	return text;
}

function _truncated(bytes: ChunkReader, entry?: string): ShelfError {
	const where = entry === undefined ? '' : ` inside entry ${JSON.stringify(entry)}`;
	return badBundle('truncated', `The tar archive ends early, at byte ${bytes.offset}${where}; the file is incomplete.`, {
		offset: bytes.offset,
		...(entry === undefined ? {} : { entry })
	});
}
