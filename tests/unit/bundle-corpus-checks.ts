// Per-bundle cross-checks for bundle-corpus.test.ts: what Python's readers must see in each corpus file,
// proving the generator crafted the property the bundle is named for (and nothing else broke).
import { expect } from 'vitest';
import { HOSTILE_WEIGHTS, sha256Hex, utf8 } from '../fixtures/bundles/corpus-kit.ts';
import { BOMB_BYTES, DECLARED_HUGE, TOO_MANY_FILES } from '../fixtures/bundles/hostile-zips.ts';
import type { CorpusBundle } from '../fixtures/bundles/make-bundles.ts';

/** One zip entry as tests/fixtures/bundles/inspect-bundles.py reports it. */
export interface ZipEntryFacts {
	name: string;
	origName: string;
	isDir: boolean;
	flagBits: number;
	method: number;
	createSystem: number;
	externalAttr: number;
	fileSize: number;
	compressSize: number;
	headerOffset: number;
	local: { name: string; flags: number; crc: number; compressSize: number; fileSize: number; dataOffset: number; sha256: string | null; available?: number } | null;
	sha256Central: string | null;
	sha256?: string;
	readError?: string;
	decryptedSha256?: string;
	inflate?: { size: number; eof?: boolean; error?: string };
}

/** model.yaml as PyYAML reads it. */
export interface ManifestFacts {
	error?: string;
	type?: string;
	aliases?: number;
	name?: unknown;
	version?: unknown;
	text?: string;
	metadataLeaves?: number;
}

/** One tar member as Python's tarfile reads it, with what `tarfile.data_filter` thinks of it. */
export interface TarMemberFacts {
	name: string;
	type: string;
	linkname: string;
	size: number;
	pax: Record<string, string>;
	dataFilter: string | null;
	sha256?: string;
	readError?: string;
}

/** Everything the inspector reports for one file. */
export interface Facts {
	size: number;
	isZip: boolean;
	isTar: boolean;
	zip?: {
		error: string | null;
		testzip?: { firstBad?: string | null; error?: string; skipped?: string };
		entryCount?: number;
		readErrors?: number;
		entries?: ZipEntryFacts[] | null;
		manifest?: ManifestFacts | null;
		digest?: string;
		localHeaders?: NonNullable<ZipEntryFacts['local']>[];
	};
	stream?: { kind: string; error?: string | null; size?: number };
	tar?: { error: string | null; members?: TarMemberFacts[]; manifest?: ManifestFacts | null; digest?: string };
	rawTar?: { length: number; endsAt: number; headers: Array<{ offset: number; zero?: boolean; name?: string; type?: string; size?: number; declaredChecksum?: number; computedChecksum?: number }> };
}

type Check = (facts: Facts, bundle: CorpusBundle) => void;

const S_IFMT = 0o170000;

/** Cross-checks for the zip bundles, by file name. */
export const zipChecks: Record<string, Check> = {
	'valid-stored.zip': (f) => expect(_entries(f).map((e) => e.method)).toEqual([0, 0]),
	'valid-deflate-folders.zip': (f) => {
		expect(_entries(f).filter((e) => e.isDir).map((e) => [e.name, (e.externalAttr >>> 16) & S_IFMT])).toEqual([['extra/', 0o040000], ['extra/nested/', 0o040000]]);
		expect(_entry(f, 'saved_model.txt').method).toBe(8);
	},
	'valid-sha256-extra.zip': (f) => {
		for (const e of _entries(f)) expect([e.sha256Central, e.local?.sha256], e.name).toEqual([e.sha256, e.sha256]);
	},
	'valid-data-descriptor.zip': (f) => {
		for (const e of _entries(f)) expect([e.flagBits & 8, e.local?.crc, e.local?.compressSize, e.local?.fileSize], e.name).toEqual([8, 0, 0, 0]);
		expect(_entry(f, 'payload.bin').method).toBe(0);
	},
	'valid-unicode.zip': (f) => {
		const names = _entries(f).filter((e) => e.name !== 'model.yaml');
		for (const e of names) expect([e.flagBits & 0x800, e.name.normalize('NFC')], e.name).toEqual([0x800, e.name]);
	},
	'valid-10001-files.zip': (f) => expect(f.zip?.entryCount).toBe(10_002),
	'traversal-dotdot.zip': (f) => _has(f, '../evil.bin'),
	'traversal-nested.zip': (f) => _has(f, 'a/../../evil'),
	'absolute-path.zip': (f) => _has(f, '/etc/passwd'),
	'backslash-traversal.zip': (f) => _has(f, '..\\evil.bin'),
	'drive-letter.zip': (f) => _has(f, 'C:/evil.bin'),
	'long-name.zip': (f) => expect(_entries(f).some((e) => e.name.length === 10_000 && e.readError === undefined)).toBe(true),
	'name-nul.zip': (f) => expect(_entries(f).find((e) => e.origName.includes('\u0000'))?.name).toBe('evil'),
	'name-control.zip': (f) => _has(f, 'logs/\u001b[31mred\u001b[0m\n.txt'),
	'name-rtl-override.zip': (f) => expect(_entry(f, 'weights\u202enib.exe').flagBits & 0x800).toBe(0x800),
	'duplicate-plain.zip': (f) => expect(new Set(_entries(f).filter((e) => e.name === 'weights.bin').map((e) => e.sha256)).size).toBe(2),
	'duplicate-normalized.zip': (f) => expect(_entries(f).map((e) => e.name)).toEqual(['model.yaml', 'weights.bin', 'a.bin', './a.bin']),
	'duplicate-case.zip': (f) => expect(_entries(f).map((e) => e.name)).toEqual(['model.yaml', 'weights.bin', 'Weights.bin']),
	'duplicate-manifest.zip': (f) => expect(new Set(_entries(f).filter((e) => e.name === 'model.yaml').map((e) => e.sha256)).size).toBe(2),
	'symlink.zip': (f) => {
		const link = _entry(f, 'link.bin');
		expect([link.createSystem, (link.externalAttr >>> 16) & S_IFMT, (link.externalAttr >>> 16) & 0o777, link.sha256]).toEqual([3, 0o120000, 0o777, sha256Hex(utf8('/etc/passwd'))]);
	},
	'bomb-50mib.zip': (f) => {
		const bomb = _entry(f, 'weights.bin');
		expect([bomb.fileSize, bomb.inflate]).toEqual([1024, { size: BOMB_BYTES, eof: true }]);
		expect(bomb.compressSize).toBeLessThan(400_000);
		expect(bomb.readError).toMatch(/Bad CRC-32/);
	},
	'bomb-2tib.zip': (f) => {
		const huge = _entry(f, 'weights.bin');
		expect([huge.fileSize, huge.inflate?.size, huge.local?.fileSize]).toEqual([DECLARED_HUGE, 1024, 0xffffffff]);
	},
	'overlap-shared-header.zip': (f) => {
		const [original, copy] = [_entry(f, 'weights.bin'), _entry(f, 'weights-copy.bin')];
		expect(copy.headerOffset).toBe(original.headerOffset);
		expect(copy.readError).toMatch(/differ/);
	},
	'overlap-quoted.zip': (f) => {
		const [outer, inner] = [_entry(f, 'weights.bin'), _entry(f, 'extra.bin')];
		const dataStart = outer.local!.dataOffset;
		expect(inner.headerOffset).toBeGreaterThan(dataStart);
		expect(inner.headerOffset).toBeLessThan(dataStart + outer.compressSize);
		// Python 3.12+ refuses overlapped entries; 3.11 reads both, each self-consistent.
		for (const e of [outer, inner]) expect(e.readError ?? 'read').toMatch(/^read$|Overlapped/);
	},
	'truncated.zip': (f) => {
		expect(f.zip?.error).toMatch(/not a zip file/);
		const [manifest, weights] = f.zip?.localHeaders ?? [];
		expect([manifest?.name, weights?.name, weights?.available]).toEqual(['model.yaml', 'weights.bin', 2048]);
	},
	'corrupt-deflate.zip': (f) => {
		expect(_entry(f, 'weights.bin').inflate?.error).toMatch(/invalid block type/);
		expect(f.zip?.testzip?.error).toMatch(/invalid block type/); // zlib's error escapes testzip()
	},
	'encrypted.zip': (f) => {
		const locked = _entry(f, 'weights.bin');
		expect([locked.flagBits & 1, locked.decryptedSha256]).toEqual([1, sha256Hex(HOSTILE_WEIGHTS)]);
		expect(locked.readError).toMatch(/encrypted/);
	},
	'bzip2-method.zip': (f) => {
		const bz = _entry(f, 'weights.bin');
		expect([bz.method, bz.readError, bz.sha256]).toEqual([12, undefined, sha256Hex(utf8('weights compressed with bzip2, zip method 12\n'.repeat(3)))]);
	},
	'missing-manifest.zip': (f) => expect(_entries(f).map((e) => e.name)).toEqual(['weights.bin', 'config.json']),
	'manifest-in-folder.zip': (f) => expect(_entries(f).map((e) => e.name)).toEqual(['model/', 'model/model.yaml', 'model/weights.bin']),
	'manifest-not-yaml.zip': (f) => expect(f.zip?.manifest?.error).toMatch(/ParserError|ScannerError/),
	'manifest-not-mapping.zip': (f) => expect(f.zip?.manifest?.type).toBe('list'),
	'manifest-bad-name.zip': (f) => expect(f.zip?.manifest?.name).toBe('Bad Name!'),
	'manifest-alias-bomb.zip': (f) => {
		expect(f.zip?.manifest?.aliases).toBe(72);
		expect(f.zip?.manifest?.metadataLeaves).toBe((9 ** 10 - 9) / 8);
	},
	'crc-mismatch.zip': (f) => {
		expect(f.zip?.testzip?.firstBad).toBe('weights.bin');
		expect(_entry(f, 'weights.bin').readError).toMatch(/Bad CRC-32/);
	},
	'sha256-mismatch.zip': (f) => {
		expect(f.zip?.testzip?.firstBad).toBeNull();
		const weights = _entry(f, 'weights.bin');
		expect(weights.sha256).toBe(sha256Hex(HOSTILE_WEIGHTS));
		expect(weights.local?.sha256).toBe(weights.sha256Central);
		expect(weights.sha256Central).not.toBe(weights.sha256);
		expect(_entry(f, 'model.yaml').sha256Central).toBe(_entry(f, 'model.yaml').sha256);
	},
	'not-an-archive.zip': (f) => expect([f.isZip, f.isTar, f.zip?.error]).toEqual([false, false, 'BadZipFile: File is not a zip file']),
	'empty.zip': (f) => expect([f.size, f.isZip, f.isTar]).toEqual([0, false, false]),
	'too-many-entries.zip': (f) => {
		expect([f.zip?.error, f.zip?.entryCount, f.zip?.readErrors]).toEqual([null, TOO_MANY_FILES + 1, 0]);
		expect(f.zip?.manifest?.name).toBe('hostile-too-many-entries');
	}
};

/** Cross-checks for the tar bundles (.tar, .tar.gz, .bentomodel), by file name. */
export const tarChecks: Record<string, Check> = {
	'valid-bentoml.tar': _bentoLayout,
	'valid-bentoml.tar.gz': (f) => {
		expect(f.stream?.kind).toBe('gzip');
		_bentoLayout(f);
	},
	'valid-bentoml.bentomodel': (f) => {
		expect(f.stream?.kind).toBe('xz');
		_bentoLayout(f);
	},
	'not-an-archive.bentomodel': (f) => expect([f.isZip, f.isTar, f.stream?.kind]).toEqual([false, false, 'none']),
	'symlink.tar': (f) => expect(_member(f, './link.onnx')).toMatchObject({ type: '2', linkname: '/etc/passwd', dataFilter: 'AbsoluteLinkError' }),
	'hardlink.tar': (f) => expect(_member(f, './copy.onnx')).toMatchObject({ type: '1', linkname: './saved_model.onnx' }),
	'device.tar': (f) => expect(_member(f, './null')).toMatchObject({ type: '3', dataFilter: 'SpecialFileError' }),
	'fifo.tar': (f) => expect(_member(f, './pipe')).toMatchObject({ type: '6', dataFilter: 'SpecialFileError' }),
	'traversal.tar': (f) => expect(_member(f, './../evil.bin')).toMatchObject({ type: '0', dataFilter: 'OutsideDestinationError' }),
	'pax-traversal.tar': (f) => {
		expect(_member(f, '../x')).toMatchObject({ pax: { path: '../x' }, dataFilter: 'OutsideDestinationError' });
		expect(f.rawTar?.headers.filter((h) => h.name !== undefined).at(-1)?.name).toBe('x'); // the ustar name
	},
	'bad-checksum.tar': (f) => {
		const header = f.rawTar?.headers.find((h) => h.name === './model.yaml');
		expect(header?.declaredChecksum).toBe(header!.computedChecksum! + 1);
		expect(f.tar?.members?.map((m) => m.name)).toEqual(['.']);
		expect(f.tar?.error).toBe('ReadError: bad checksum');
	},
	'truncated-header.tar': (f) => {
		expect(f.size % 512).toBe(100);
		expect(f.tar?.members?.map((m) => m.name)).toEqual(['.', './model.yaml']);
	},
	'truncated-data.tar': (f) => expect(_member(f, './saved_model.onnx').readError).toMatch(/unexpected end of data/),
	'truncated.tar.gz': (f) => expect([f.stream?.kind, f.stream?.error]).toEqual(['gzip', expect.stringMatching(/EOFError/)]),
	'truncated.bentomodel': (f) => expect([f.stream?.kind, f.stream?.error]).toEqual(['xz', expect.stringMatching(/LZMAError|EOFError/)])
};

// ---------------------------------------------------------------------------

function _entries(facts: Facts): ZipEntryFacts[] {
	const entries = facts.zip?.entries;
	if (!entries) throw new Error(`Python could not list the entries: ${JSON.stringify(facts.zip)}`);
	return entries;
}

function _entry(facts: Facts, name: string): ZipEntryFacts {
	const found = _entries(facts).find((e) => e.name === name);
	if (!found) throw new Error(`Python sees no entry ${JSON.stringify(name)}`);
	return found;
}

function _has(facts: Facts, name: string) {
	expect(_entries(facts).map((e) => e.name)).toContain(name);
}

function _member(facts: Facts, name: string): TarMemberFacts {
	const found = facts.tar?.members?.find((m) => m.name === name);
	if (!found) throw new Error(`Python sees no member ${JSON.stringify(name)}: ${JSON.stringify(facts.tar)}`);
	return found;
}

/** BentoML's layout: ./ first, a pax mtime before every member, names prefixed ./, zero-padded to 10,240 bytes. */
function _bentoLayout(facts: Facts) {
	const members = facts.tar?.members ?? [];
	expect(members.map((m) => [m.name, m.type])).toEqual([
		['.', '5'],
		['./model.yaml', '0'],
		['./saved_model.onnx', '0'],
		['./tokenizer', '5'],
		['./tokenizer/vocab.txt', '0']
	]);
	for (const m of members) expect(m.pax.mtime, m.name).toMatch(/^\d+\.25$/);
	expect(facts.rawTar!.length % 10240).toBe(0);
}
