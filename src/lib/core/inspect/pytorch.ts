// Node + browser: pure TypeScript, no DOM, no idb, no OPFS.
//
// Reads a PyTorch zip checkpoint (`torch.save` since 1.6: `.pt`, `.pth`, `pytorch_model.bin`) without torch
// and without running its pickle: the zip's central directory (bundle/zip-directory.ts), then only the
// `<archive>/data.pkl` entry (bounded), read by the inert pickle machine. Tensor bytes (`<archive>/data/<key>`)
// are never read; where an entry is stored uncompressed (torch always does so) its local header gives
// where each tensor's bytes are in the file.
import { concatBytes, type RandomAccessSource } from '../byte-streams.ts';
import { ShelfError } from '../errors.ts';
import { readZipDirectory, type ZipEntry } from '../bundle/zip-directory.ts';
import { readZipEntry, zipEntryData } from '../bundle/zip-reader.ts';
import { ZIP_METHOD } from '../bundle/zip-format.ts';
import { DEFAULT_READ_LIMITS, type ReadLimits, type TensorInfo } from './inspect-types.ts';
import { scanPickle, type PickleScanResult } from './pickle-scan.ts';
import { badPickle } from './pickle-values.ts';
import { readPickle } from './pickle-vm.ts';
import { collectPytorchTensors } from './pytorch-tensors.ts';

/** What a PyTorch checkpoint holds, as its pickle declares it. */
export interface PytorchCheckpoint {
	/** The archive's folder (`archive`, or the file's stem as torch names it). */
	archive: string;
	/** Tensors in pickle order, named by their state-dict keys (`fc.weight`; nested: `model.fc.weight`). */
	tensors: TensorInfo[];
	/** What `data.pkl` would import; a damaged one (`pickle.error`) yields no tensors. */
	pickle: PickleScanResult;
}

/**
 * Reads a PyTorch zip checkpoint's tensor table and scans its pickle, reading only the directory and `data.pkl`.
 * A damaged `data.pkl` is reported in `pickle` (with no tensors), not thrown, so the caller
 * keeps the verdict; a file that is not a checkpoint at all throws.
 * @param source the file
 * @param limits `maxHeaderBytes` bounds `data.pkl`, `maxTensors` and `maxDepth` the walk
 * @throws ShelfError `BAD_MODEL_FILE` (format pytorch; reasons: legacy-format, bad-archive, missing-entry, too-large, too-many, too-deep, bad-value)
 * @example
 * const { tensors, pickle } = await readPytorchCheckpoint(source);
 * if (pickle.verdict === 'dangerous') warn(pickle.dangerous);
 */
export async function readPytorchCheckpoint(source: RandomAccessSource, limits: ReadLimits = {}): Promise<PytorchCheckpoint> {
	const bounds = { ...DEFAULT_READ_LIMITS, ...limits };
	const entries = await _directory(source);
	const pkl = _dataPickle(entries);
	const archive = pkl.path.slice(0, -'/data.pkl'.length);
	if (pkl.uncompressedSize > bounds.maxHeaderBytes) {
		throw _bad('too-large', `${pkl.path} is ${pkl.uncompressedSize} bytes; at most ${bounds.maxHeaderBytes} are read.`, { path: pkl.path, limit: bounds.maxHeaderBytes });
	}
	const chunks: Uint8Array[] = [];
	for await (const chunk of _bundleErrors(readZipEntry(source, pkl))) chunks.push(chunk);
	const bytes = concatBytes(chunks);
	const pickle = scanPickle(bytes, { limits: bounds, format: 'pytorch' });
	// A dangerous pickle is still walked: its values are inert records, and the walk is bounded.
	if (pickle.error !== undefined) return { archive, tensors: [], pickle };
	const { value } = readPickle(bytes, { limits: bounds, format: 'pytorch' });
	const refs = collectPytorchTensors(value, bounds);
	const byPath = new Map(entries.map((entry) => [entry.path, entry]));
	const dataOffsets = new Map<string, number | null>();
	const tensors: TensorInfo[] = [];
	for (const ref of refs) {
		const entry = byPath.get(`${archive}/data/${ref.storageKey}`);
		if (entry === undefined) throw _bad('missing-entry', `Tensor "${ref.info.name}" lives in storage ${ref.storageKey}, which the archive does not hold.`, { path: pkl.path, found: ref.storageKey });
		if (!dataOffsets.has(ref.storageKey)) dataOffsets.set(ref.storageKey, entry.method === ZIP_METHOD.stored ? (await _bundleErrorsOnce(zipEntryData(source, entry))).offset : null);
		const base = dataOffsets.get(ref.storageKey);
		const info = { ...ref.info };
		const elements = info.elements ?? 0;
		if (base !== null && base !== undefined && ref.itemSize !== undefined && ref.contiguous) {
			const start = base + ref.storageOffset * ref.itemSize;
			const end = start + elements * ref.itemSize;
			if (end > base + entry.uncompressedSize) {
				throw _bad('out-of-range', `Tensor "${info.name}" reaches past the end of its storage.`, { path: entry.path, offset: start });
			}
			info.byteRange = [start, end];
		}
		tensors.push(info);
	}
	return { archive, tensors, pickle };
}

// ---------------------------------------------------------------------------

/** Files written by `torch.save` before 1.6 (or with `_use_new_zipfile_serialization=False`) are a row of pickles. */
const _PICKLE_PROTO = 0x80;

async function _directory(source: RandomAccessSource): Promise<ZipEntry[]> {
	try {
		return await readZipDirectory(source);
	} catch (error) {
		if (!(error instanceof ShelfError) || error.code !== 'BAD_BUNDLE') throw error;
		const head = source.size > 0 ? await source.read(0, 1) : new Uint8Array(0);
		if (head[0] === _PICKLE_PROTO) {
			throw _bad('legacy-format', 'This is a PyTorch checkpoint in the legacy format (torch.save before 1.6), which is not read. Scan it as a pickle instead.', {}, error);
		}
		throw _bad('bad-archive', `This is not a PyTorch zip checkpoint: ${error.message}`, { found: String(error.details?.reason ?? '') }, error);
	}
}

/** The one `<archive>/data.pkl` at the archive's top level. */
function _dataPickle(entries: ZipEntry[]): ZipEntry {
	const candidates = entries.filter((entry) => !entry.isDirectory && /^[^/]+\/data\.pkl$/.test(entry.path));
	if (candidates.length !== 1) {
		const found = candidates.map((entry) => entry.path).join(', ');
		throw _bad('missing-entry', candidates.length === 0 ? 'The archive holds no <archive>/data.pkl: it is not a PyTorch checkpoint.' : `The archive holds several data.pkl entries (${found}).`, { found });
	}
	return candidates[0] as ZipEntry;
}

async function* _bundleErrors<T>(items: AsyncGenerator<T>): AsyncGenerator<T> {
	try {
		yield* items;
	} catch (error) {
		throw _fromBundle(error);
	}
}

async function _bundleErrorsOnce<T>(promise: Promise<T>): Promise<T> {
	try {
		return await promise;
	} catch (error) {
		throw _fromBundle(error);
	}
}

function _fromBundle(error: unknown): unknown {
	if (!(error instanceof ShelfError) || error.code !== 'BAD_BUNDLE') return error;
	return _bad(String(error.details?.reason ?? 'bad-archive'), `The checkpoint's zip is damaged: ${error.message}`, {}, error);
}

function _bad(reason: string, message: string, details: { path?: string; offset?: number; limit?: number; found?: string }, cause?: unknown): ShelfError<'BAD_MODEL_FILE'> {
	const error = badPickle(reason, message, { ...details, format: 'pytorch' });
	return cause === undefined ? error : new ShelfError('BAD_MODEL_FILE', message, error.details, { cause });
}
