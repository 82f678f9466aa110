// Text compression for the static build: every compressible file gets a .br and a .gz sibling at build
// time (brotli at its best quality costs seconds, too slow for a first request), and scripts/serve.mjs
// answers with the one the browser accepts. The service worker's precache lists only the originals.
import { readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { extname, join } from 'node:path';
import { promisify } from 'node:util';
import { brotliCompress, constants, gzip } from 'node:zlib';

const COMPRESSIBLE = new Set(['.html', '.js', '.mjs', '.css', '.json', '.webmanifest', '.svg', '.wasm', '.txt']);
// Below this, headers and a round trip cost more than the bytes saved.
const MIN_BYTES = 1024;
// Brotli's best quality takes about a minute of CPU for onnxruntime-web's 15 MB .wasm ("Try it"); quality 5 takes
// 2 s for 20% more bytes (2.9 MB, against 2.4 MB), and such a file is fetched once and then cached.
const LARGE_BYTES = 4 * 1024 * 1024;

/** The encodings served, best first: Content-Encoding token and file suffix. */
export const ENCODINGS = [
	{ token: 'br', suffix: '.br' },
	{ token: 'gzip', suffix: '.gz' }
];

/** @param {string} file */
export const isCompressible = (file) => COMPRESSIBLE.has(extname(file));

const brotli = promisify(brotliCompress);
const gzipAsync = promisify(gzip);

/**
 * Writes `<file>.br` and `<file>.gz` next to every compressible file of `dir` worth compressing.
 * @param {string} dir the built site
 */
export async function precompressDir(dir) {
	const files = (await readdir(dir, { recursive: true })).map((name) => join(dir, name)).filter(isCompressible);
	await Promise.all(
		files.map(async (file) => {
			if (!(await stat(file)).isFile()) return;
			const bytes = await readFile(file);
			if (bytes.length < MIN_BYTES) return;
			const [br, gz] = await Promise.all([
				brotli(bytes, { params: { [constants.BROTLI_PARAM_QUALITY]: bytes.length > LARGE_BYTES ? 5 : 11, [constants.BROTLI_PARAM_SIZE_HINT]: bytes.length } }),
				gzipAsync(bytes, { level: 9 })
			]);
			await Promise.all([writeFile(`${file}.br`, br), writeFile(`${file}.gz`, gz)]);
		})
	);
}
