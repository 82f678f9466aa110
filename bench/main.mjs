// `npm run bench`: import, export, save, list and start-up of the production build in headless Chromium,
// against the in-browser physical limit (raw OPFS + SHA-256) measured in the same run. Prints the tables,
// writes bench/results/<date>.json and, after a full default run, the latest tables in docs/benchmarks.md.
// Transfers, registry, inspect and folder run in persistent profiles on disk (bench/persistent.mjs), with
// native peers (skopeo, unzip + sha256sum: bench/native.mjs) timed in the same repetitions.
// Flags (or env): --quick (64 MiB, 10,000 versions), --size=<MiB> (BENCH_SIZE_MIB, default 1024),
// --reps=<n> (BENCH_REPS, default 3), --versions=<n> (BENCH_VERSIONS, default 100000),
// --profile (BENCH_PROFILE=1: worker CPU profiles), --only=transfer|fallback|catalogue|registry|inspect|folder|lighthouse, --no-build (reuse build-bench/),
// --registry-size=<MiB> (BENCH_REGISTRY_MIB, default 256; 64 with --quick) for push/pull through a local registry,
// --catalogue-in=incognito|persistent (BENCH_CATALOGUE_IN) where the catalogue suite runs.
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, freemem, loadavg, release, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { CHROMIUM_ARGS, ensureChromium } from '../scripts/ensure-tools.mjs';
import { serveStatic } from '../scripts/serve.mjs';
import { BUILD_DIR, buildForBench } from './build.mjs';
import { findBrowserPid, WorkerTargets } from './cdp.mjs';
import { ensureNativeTools } from './native.mjs';
import { withProfile } from './persistent.mjs';
import { runInspect } from './suite-inspect.mjs';
import { updateDocs, writeSummary } from './output.mjs';
import { makeBundles } from './make-bundles.mjs';
import { evaluateMemory, evaluateSpeed } from './report.mjs';
import { runCatalogue } from './suite-catalogue.mjs';
import { runFallback } from './suite-fallback.mjs';
import { runFolder } from './suite-folder.mjs';
import { runLighthouse } from './suite-lighthouse.mjs';
import { runRegistry } from './suite-registry.mjs';
import { runTransfers } from './suite-transfer.mjs';

const MIB = 1024 * 1024;
const MEMORY_LIMIT = 64 * MIB;
const MANY_FILES = 'tests/fixtures/bundles/corpus/valid-10001-files.zip';
/** Where each suite's figures ran (issue 21): users run a persistent profile, with OPFS and IndexedDB on disk. */
const CONTEXTS = {
	persistent: 'persistent profile on disk (Chromium with --user-data-dir in a new folder, deleted after)',
	incognito: "browser.newContext(): incognito-like, Chromium keeps the site's storage in memory",
	native: 'native tools from Debian on the same disk (no browser)',
	lighthouse: "Lighthouse's own Chromium (chrome-launcher, a fresh profile), its default mobile throttling"
};

const options = parseOptions(process.argv.slice(2), process.env);
const startedAt = new Date();
const log = (line) => console.log(`[${((Date.now() - startedAt.getTime()) / 1000).toFixed(0).padStart(4)} s] ${line}`);

const executablePath = ensureChromium();
ensureNativeTools();
// Profiles need readable function names; minifying changes nothing that these byte-bound paths spend time on.
if (options.build) buildForBench({ minify: !options.profile });
const { server, url } = await serveStatic({ root: BUILD_DIR, port: 0 });
// A switch no renderer inherits, so that `ps` can find this browser's main process among others.
const marker = `--bench-run=${process.pid}-${Date.now()}`;
const browser = await chromium.launch({ executablePath, args: [...CHROMIUM_ARGS, marker] });
const loadBefore = loadavg();
// `browser` (new contexts, storage in memory) serves the catalogue; every other suite starts Chromiums of
// its own on persistent profiles in `profileParent` (bench/persistent.mjs).
const env = {
	browser,
	url,
	log,
	browserPid: await findBrowserPid(marker),
	workers: new WorkerTargets(await browser.newBrowserCDPSession()),
	executablePath,
	profileParent: join(options.dataDir, 'profiles')
};
await env.workers.start();

const result = { speed: [], memory: [], probe: null, profiles: [], catalogue: null, registry: null, lighthouse: null, contexts: {} };
// Each row says where it ran: native reference and peer rows on the disk, the others in their suite's context.
const add = (suite, context, rows) => {
	result.contexts[suite] = CONTEXTS[context];
	result.speed.push(...rows.map((row) => ({ ...row, context: row.reference || row.id.endsWith('-skopeo') ? 'native' : context })));
};
try {
	if (options.only === null || options.only === 'transfer') {
		log(`Writing the input files (${options.size / MIB} MiB and ${options.memorySize / MIB} MiB) into ${options.dataDir}`);
		const files = { full: makeBundles(options.dataDir, options.size), memory: makeBundles(options.dataDir, options.memorySize), manyFiles: MANY_FILES };
		const transfers = await runTransfers(env, options, files);
		add('transfer', 'persistent', transfers.rows);
		Object.assign(result, { memory: transfers.memory, probe: transfers.probe, profiles: transfers.profiles });
	}
	if (options.only === null || options.only === 'fallback') {
		// Issue 24: the IndexedDB-only store (browsers without OPFS) beside OPFS, the transfer suite's size.
		const fallback = await runFallback(env, options, makeBundles(options.dataDir, options.size));
		add('fallback', 'persistent', fallback.rows);
		result.memory.push(...fallback.memory);
		result.profiles.push(...fallback.profiles);
	}
	if (options.only === null || options.only === 'registry') {
		const { payload } = makeBundles(options.dataDir, options.registrySize);
		const registry = await runRegistry(env, options, payload);
		add('registry', 'persistent', registry.rows);
		result.registry = { secondVersion: registry.secondVersion };
		result.profiles.push(...registry.profiles);
	}
	if (options.only === null || options.only === 'inspect') {
		add('inspect', 'persistent', (await runInspect(env, options)).rows);
	}
	if (options.only === null || options.only === 'folder') {
		add('folder', 'persistent', (await runFolder(env, options)).rows);
	}
	if (options.only === null || options.only === 'catalogue') {
		const catalogue =
			options.catalogueIn === 'persistent'
				? await withProfile(env, (profile) => runCatalogue({ ...env, workers: profile.workers }, options, profile.context))
				: await browser.newContext().then((context) => runCatalogue(env, options, context).finally(() => context.close()));
		add('catalogue', options.catalogueIn, catalogue.rows);
		result.catalogue = { seed: catalogue.seed, startupFsckMs: catalogue.startupFsckMs };
		result.profiles.push(...catalogue.profiles);
	}
	if (options.only === null || options.only === 'lighthouse') {
		const lighthouse = await runLighthouse(env, options);
		add('lighthouse', 'lighthouse', lighthouse.rows);
		result.lighthouse = lighthouse.lighthouse;
	}
} finally {
	await browser.close();
	server.close();
}

const report = {
	date: startedAt.toISOString(),
	durationS: Math.round((Date.now() - startedAt.getTime()) / 1000),
	machine: {
		cpus: cpus().length,
		cpuModel: cpus()[0]?.model ?? 'unknown',
		memoryGiB: +(totalmem() / 2 ** 30).toFixed(1),
		freeMemoryGiB: +(freemem() / 2 ** 30).toFixed(1),
		loadAverage: { before: loadBefore.map((value) => +value.toFixed(2)), after: loadavg().map((value) => +value.toFixed(2)) },
		chromium: browser.version(),
		node: process.version,
		os: release()
	},
	options: { ...options, dataDir: undefined },
	speed: evaluateSpeed(result.speed),
	memory: evaluateMemory(result.memory, MEMORY_LIMIT),
	memoryLimitBytes: MEMORY_LIMIT,
	probe: result.probe,
	profiles: result.profiles,
	catalogue: result.catalogue,
	registry: result.registry,
	lighthouse: result.lighthouse,
	contexts: { ...result.contexts, ...(result.speed.some((row) => row.context === 'native') ? { native: CONTEXTS.native } : {}) }
};
const resultsDir = 'bench/results';
mkdirSync(resultsDir, { recursive: true });
const jsonPath = join(resultsDir, `${startedAt.toISOString().replace(/:/g, '-').replace(/\.\d+Z$/, 'Z')}${options.quick ? '-quick' : ''}.json`);
writeFileSync(jsonPath, `${JSON.stringify(report, null, '\t')}\n`);
console.log(`\n${writeSummary(report)}\n`);
console.log(`Results: ${jsonPath} (${report.durationS} s in all)`);
if (options.isDefault && options.only === null) console.log(`Latest tables written to ${updateDocs(report, jsonPath)}.`);
// Lighthouse's target: 100 in each of its four categories.
const lighthouseMissed = Object.values(report.lighthouse?.scores ?? {}).some((score) => score < 100);
process.exit(report.speed.some((row) => row.met === false) || report.memory.some((row) => !row.met) || lighthouseMissed ? 2 : 0);

// ---------------------------------------------------------------------------------------------------------

function parseOptions(argv, env) {
	const flags = new Map(argv.map((arg) => arg.replace(/^--/, '').split('=')).map(([key, value]) => [key, value ?? 'true']));
	for (const key of flags.keys()) {
		if (!['quick', 'size', 'reps', 'versions', 'profile', 'only', 'no-build', 'registry-size', 'catalogue-in'].includes(key)) throw new Error(`Unknown flag --${key}. See the top of bench/main.mjs.`);
	}
	const quick = flags.has('quick') || env.BENCH_QUICK === '1';
	const number = (flag, name, fallback) => {
		const text = flags.get(flag) ?? env[name];
		if (text === undefined) return fallback;
		const value = Number(text);
		if (!Number.isFinite(value) || value <= 0) throw new Error(`--${flag} must be a positive number, not "${text}".`);
		return value;
	};
	const size = Math.round(number('size', 'BENCH_SIZE_MIB', quick ? 64 : 1024) * MIB);
	const versions = Math.round(number('versions', 'BENCH_VERSIONS', quick ? 10_000 : 100_000));
	const reps = Math.max(1, Math.round(number('reps', 'BENCH_REPS', 3)));
	const only = flags.get('only') ?? env.BENCH_ONLY ?? null;
	if (only !== null && !['transfer', 'fallback', 'catalogue', 'registry', 'inspect', 'folder', 'lighthouse'].includes(only)) throw new Error('--only takes transfer, fallback, catalogue, registry, inspect, folder or lighthouse.');
	const catalogueIn = flags.get('catalogue-in') ?? env.BENCH_CATALOGUE_IN ?? 'incognito';
	if (!['persistent', 'incognito'].includes(catalogueIn)) throw new Error('--catalogue-in takes persistent or incognito.');
	return {
		quick,
		size,
		// The memory comparison point: 256 MiB against 1 GiB, a quarter of the size for other sizes.
		memorySize: size > 256 * MIB ? 256 * MIB : Math.max(MIB, Math.round(size / 4 / MIB) * MIB),
		reps,
		// 10,001 tiny files take minutes per import: once in a quick run.
		smallFileReps: quick ? 1 : reps,
		registrySize: Math.round(number('registry-size', 'BENCH_REGISTRY_MIB', quick ? 64 : 256) * MIB),
		versions,
		names: Math.min(1000, versions),
		queryReps: 20,
		probeFiles: 500,
		profile: flags.has('profile') || env.BENCH_PROFILE === '1',
		only,
		catalogueIn,
		build: !flags.has('no-build') && env.BENCH_NO_BUILD !== '1',
		isDefault: !quick && size === 1024 * MIB && versions === 100_000 && reps >= 3,
		dataDir: env.BENCH_DATA_DIR ?? join(tmpdir(), 'model-shelf-bench')
	};
}
