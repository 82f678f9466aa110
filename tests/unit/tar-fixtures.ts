// Helpers for tar-reader.test.ts and decompress.test.ts: tars written by Python's tarfile at test time
// (python3 is on every machine that runs the tests), tars crafted byte by byte for hostile cases, and
// ways to feed and summarize them.
import { PYTHON } from '../tools.ts';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';
import { ShelfError } from '../../src/lib/core/errors.ts';
import type { TarEntry } from '../../src/lib/core/bundle/tar-reader.ts';

/** One entry as a test compares it; `sha256` only for files. */
export interface EntrySummary {
	path: string;
	type: 'file' | 'directory';
	size: number;
	sha256?: string;
}

/**
 * Writes a small model folder into `dir/tree` and archives it with tarfile in every format and
 * compression BentoML can produce, plus `dir/expected.json`: what Python itself reads back.
 * The tree has a "./" root, an empty file, sizes off and on the 512-byte grid, a path over 100
 * characters (PAX `path`, GNU 'L' or the ustar prefix, per format) and non-ASCII names.
 */
export function writePythonTars(dir: string): Record<string, EntrySummary[]> {
	const script = String.raw`
import hashlib, json, os, sys, tarfile
root = sys.argv[1]
tree = os.path.join(root, 'tree')
files = {
    'model.yaml': b'name: tiny\nversion: abc\n',
    'saved_model.bin': bytes(i % 251 for i in range(1000)),
    'empty.txt': b'',
    'blocks.bin': bytes((i * 7) % 256 for i in range(1536)),
    'deep/' + 'd' * 60 + '/' + 'w' * 60 + '.bin': bytes(i % 13 for i in range(700)),
    'caf\u00e9/na\u00efve.txt': 'h\u00e9llo'.encode(),
}
for name, data in files.items():
    path = os.path.join(tree, name)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, 'wb') as f:
        f.write(data)
jobs = {
    'pax.tar': ('w', dict(format=tarfile.PAX_FORMAT, pax_headers={'comment': 'a global header'})),
    'gnu.tar': ('w', dict(format=tarfile.GNU_FORMAT)),
    'ustar.tar': ('w', dict(format=tarfile.USTAR_FORMAT)),
    'model.tar.gz': ('w:gz', {}),
    'model.tar.xz': ('w:xz', {}),
    'model.tar.bz2': ('w:bz2', {}),
}
expected = {}
for out, (mode, kwargs) in jobs.items():
    with tarfile.open(os.path.join(root, out), mode, **kwargs) as t:
        t.add(tree, arcname='.')
    with tarfile.open(os.path.join(root, out)) as t:
        rows = []
        for m in t.getmembers():
            path = os.path.normpath(m.name) if m.name not in ('.', './') else ''
            row = {'path': path, 'type': 'directory' if m.isdir() else 'file', 'size': m.size if m.isfile() else 0}
            if m.isfile():
                row['sha256'] = hashlib.sha256(t.extractfile(m).read()).hexdigest()
            rows.append(row)
        expected[out] = rows
json.dump(expected, open(os.path.join(root, 'expected.json'), 'w'))
`;
	python(script, dir);
	return JSON.parse(readFileSync(join(dir, 'expected.json'), 'utf8')) as Record<string, EntrySummary[]>;
}

/** Runs a Python 3 script with arguments and returns what it prints. */
export function python(script: string, ...args: string[]): string {
	return execFileSync(PYTHON, ['-c', script, ...args], { encoding: 'utf8' });
}

/** Feeds `bytes` as chunks of `size` bytes (the last one shorter). */
export async function* chunked(bytes: Uint8Array, size: number): AsyncGenerator<Uint8Array> {
	for (let offset = 0; offset < bytes.length; offset += size) yield bytes.subarray(offset, offset + size);
}

/** Reads every entry and its data. */
export async function summarize(entries: AsyncIterable<TarEntry>): Promise<EntrySummary[]> {
	const rows: EntrySummary[] = [];
	for await (const entry of entries) {
		const row: EntrySummary = { path: entry.path, type: entry.type, size: entry.size };
		const hash = createHash('sha256');
		let read = 0;
		for await (const chunk of entry.data) {
			hash.update(chunk);
			read += chunk.length;
		}
		expect(read).toBe(entry.size);
		if (entry.type === 'file') row.sha256 = hash.digest('hex');
		rows.push(row);
	}
	return rows;
}

/** Runs `work` and returns the ShelfError it rejects with (failing the test when it does not). */
export async function refusal(work: () => Promise<unknown>): Promise<ShelfError> {
	try {
		await work();
	} catch (error) {
		expect(error).toBeInstanceOf(ShelfError);
		return error as ShelfError;
	}
	throw new Error('expected a ShelfError');
}

/** Header fields a crafted tar entry may set; the rest get ustar defaults. */
export interface HeaderFields {
	name: string;
	size?: number;
	type?: string;
	linkname?: string;
	prefix?: string;
	/** 'ustar' (POSIX, the default), 'gnu' ("ustar  \0") or 'v7' (no magic). */
	magic?: 'ustar' | 'gnu' | 'v7';
	/** Raw bytes for the 12-byte size field (e.g. GNU base-256), instead of octal `size`. */
	sizeField?: Uint8Array;
	/** Computes the checksum over signed bytes, as old Sun tars did. */
	signedChecksum?: boolean;
}

/** One 512-byte header block with a correct checksum. */
export function tarHeader(fields: HeaderFields): Uint8Array {
	const block = new Uint8Array(512);
	const put = (offset: number, text: string | Uint8Array): void => {
		block.set(typeof text === 'string' ? new TextEncoder().encode(text) : text, offset);
	};
	const octal = (value: number, width: number): string => `${value.toString(8).padStart(width - 1, '0')}\0`;
	put(0, fields.name);
	put(100, octal(0o644, 8));
	put(108, octal(1000, 8));
	put(116, octal(1000, 8));
	put(124, fields.sizeField ?? octal(fields.size ?? 0, 12));
	put(136, octal(1_700_000_000, 12));
	put(148, '        ');
	put(156, fields.type ?? '0');
	put(157, fields.linkname ?? '');
	const magic = fields.magic ?? 'ustar';
	if (magic === 'ustar') put(257, 'ustar\u000000');
	if (magic === 'gnu') put(257, 'ustar  \0');
	if (fields.prefix !== undefined) put(345, fields.prefix);
	let sum = 0;
	for (const byte of block) sum += fields.signedChecksum && byte >= 0x80 ? byte - 0x100 : byte;
	put(148, `${sum.toString(8).padStart(6, '0')}\0 `);
	return block;
}

/** A header, `data`, and zero padding to the next block. */
export function tarEntry(fields: HeaderFields, data: Uint8Array | string = new Uint8Array(0)): Uint8Array {
	const bytes = typeof data === 'string' ? new TextEncoder().encode(data) : data;
	return concat(tarHeader({ size: bytes.length, ...fields }), bytes, new Uint8Array((512 - (bytes.length % 512)) % 512));
}

/** A PAX extended header ('x', or 'g' for global) holding `records`, each "%d %s=%s\n". */
export function paxEntry(records: Record<string, string>, type: 'x' | 'g' = 'x'): Uint8Array {
	let text = '';
	for (const [key, value] of Object.entries(records)) {
		const body = ` ${key}=${value}\n`;
		const bodyBytes = new TextEncoder().encode(body).length;
		let length = bodyBytes + 1;
		while (String(length).length + bodyBytes !== length) length = String(length).length + bodyBytes;
		text += `${length}${body}`;
	}
	return tarEntry({ name: 'PaxHeader/entry', type }, text);
}

/** The two zero blocks that end an archive. */
export const END = new Uint8Array(1024);

/** Joins byte arrays. */
export function concat(...parts: Uint8Array[]): Uint8Array {
	const out = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0));
	let offset = 0;
	for (const part of parts) {
		out.set(part, offset);
		offset += part.length;
	}
	return out;
}
