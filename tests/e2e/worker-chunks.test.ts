// The built workers' module graph: no file imports a worker's entry. WebKitGTK 2.50 evaluates a worker's entry a
// second time, in the same worker, when a chunk loaded later with import() imports it: on WebKit every call was
// then answered twice, by two shelves with their own database connections, and writes hung (vite.config.ts,
// workerEntryChunks). Only WebKit shows it, and only now and then, so the build itself is checked here.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, test } from '@playwright/test';
import { buildDir as servedDir } from '../../scripts/build-dir.mjs';

const workersDir = resolve(fileURLToPath(new URL('../../', import.meta.url)), servedDir, '_app/immutable/workers');
const scripts = (readdirSync(workersDir, { recursive: true }) as string[]).filter((path) => path.endsWith('.js')).map((path) => join(workersDir, path));
/** The workers' entries: the files the page and the shelf worker start with `new Worker(…)`, next to chunks/. */
const entries = new Set(scripts.filter((path) => dirname(path) === workersDir));

/** Every module a script imports, statically or with import(), as a path in the build. */
function importsOf(path: string): string[] {
	const code = readFileSync(path, 'utf8');
	const specifiers = [...code.matchAll(/(?:\bfrom\s*|\bimport\s*\(\s*|\bimport\s*)["'`](\.{1,2}\/[^"'`]+)["'`]/g)].map((match) => match[1]!);
	return specifiers.map((specifier) => resolve(dirname(path), specifier));
}

test('no built file imports a worker entry, so no engine runs a worker twice', () => {
	expect([...entries].map((path) => relative(workersDir, path).replace(/-[\w-]{8}\.js$/, '')).sort()).toEqual(['hash-worker', 'index', 'inference-worker']);
	const shelfEntry = [...entries].find((path) => /\/index-[\w-]+\.js$/.test(path))!;
	// The shelf's entry does import its code, and its lazy parts come as chunks: the check below has edges to look at.
	expect(importsOf(shelfEntry).length).toBeGreaterThan(1);
	const edges = scripts.flatMap((importer) => importsOf(importer).map((imported) => ({ importer: relative(workersDir, importer), imported })));
	expect(edges.length).toBeGreaterThan(10);
	expect(edges.filter(({ imported }) => entries.has(imported)).map(({ importer, imported }) => `${importer} → ${relative(workersDir, imported)}`)).toEqual([]);
});
