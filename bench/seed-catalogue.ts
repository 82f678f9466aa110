// Bench-only: fills the app's IndexedDB catalogue with many versions quickly. Saving 100,000 versions
// through the worker API would take hours (one transaction, one fsync and one `names` update per
// version); here records are built with the app's own code (newModelInfo, createdKey, toStored: the
// exact stored shape and index fields) and written thousands per transaction, with the per-name
// summaries, ledgers and label counts computed once at the end. Files point at made-up digests: listing never reads blobs.
// Each version carries the facts a save derives for files of no model format (as the app stores them now),
// so the background facts backfill has nothing to do: only versions stored before issue 17 lack them.
import { versionFacts } from '../src/lib/core/inspect/facts.ts';
import { newModelInfo } from '../src/lib/core/manifest.ts';
import { createdKey, type NameSummary, type VersionRecord } from '../src/lib/core/store-types.ts';
import { ledgerLine } from '../src/lib/core/lifecycle/ledger.ts';
import { newVersion } from '../src/lib/core/tags.ts';
import { tallyLabels, type LabelFields } from '../src/lib/worker/catalogue/label-counts.ts';
import { NAME_DIRECTORY_KEY, sortedNames } from '../src/lib/worker/catalogue/name-directory.ts';
import { openCatalogueDatabase, toStored } from '../src/lib/worker/catalogue/schema.ts';

const BATCH = 2000;
const NOTHING_SHARED: ReadonlySet<string> = new Set();
const TEAMS = ['nlp', 'cv', 'speech', 'recsys', 'fraud', 'search', 'ads', 'forecast'];
const TASKS = ['sentiment', 'classifier', 'detector', 'ranker', 'encoder', 'tagger', 'segmenter', 'embedder', 'resnet', 'tokenizer'];
const FRAMEWORKS = [
	['pytorch', { torch: '2.4.1' }],
	['onnx', { onnx: '1.17.0' }],
	['sklearn', { 'scikit-learn': '1.5.2' }],
	['transformers', { transformers: '4.46.0', torch: '2.4.1' }]
] as const;
/** Two years of creation times, so that "newest first" interleaves every name. */
const SPAN_MS = 2 * 365 * 24 * 3600 * 1000;
const NEWEST = Date.UTC(2026, 10, 1);

/** What the bench needs to know about the catalogue it made: names and tags to query. */
export interface SeedReport {
	ms: number;
	versions: number;
	names: number;
	/** A name with versions, for the by-name and latest figures. */
	sampleName: string;
	/** Names whose latest version the delete figure removes, one per repetition. */
	deleteNames: string[];
	/** A free-text query that matches a few names (about 1 in 100). */
	searchText: string;
}

/**
 * Writes `versions` versions spread over `names` model names into the app's catalogue database.
 * @param versions how many versions
 * @param names over how many names
 */
export async function seedCatalogue(versions: number, names: number): Promise<SeedReport> {
	const started = performance.now();
	const random = _xorshift(20261125);
	const db = await openCatalogueDatabase();
	const modelNames = Array.from({ length: names }, (_, i) => `${TEAMS[i % TEAMS.length]}-${TASKS[Math.floor(i / TEAMS.length) % TASKS.length]}-${String(i).padStart(4, '0')}`);
	const summaries = new Map<string, NameSummary>();
	const ledgers = new Map<string, string[]>();
	const labels: LabelFields[] = [];
	for (let first = 0; first < versions; first += BATCH) {
		const tx = db.transaction('versions', 'readwrite');
		for (let i = first; i < Math.min(versions, first + BATCH); i++) {
			const name = modelNames[i % names]!;
			const record = _record(name, i, random);
			const stored = toStored(record);
			void tx.store.put(stored);
			labels.push(stored);
			const lines = ledgers.get(name) ?? [];
			lines.push(ledgerLine(record, false, NOTHING_SHARED)); // made-up digests, each its own
			ledgers.set(name, lines);
			const summary = summaries.get(name);
			const newest = !summary || record.createdKey > summary.latestCreatedKey;
			summaries.set(name, {
				name,
				count: (summary?.count ?? 0) + 1,
				latest: newest ? record.tag : summary.latest,
				latestCreatedKey: newest ? record.createdKey : summary.latestCreatedKey,
				size: (summary?.size ?? 0) + record.size
			});
		}
		await tx.done;
	}
	const tx = db.transaction(['names', 'name-directory', 'ledger', 'label-counts'], 'readwrite');
	for (const summary of summaries.values()) void tx.objectStore('names').put(summary);
	void tx.objectStore('name-directory').put(sortedNames(summaries.keys()), NAME_DIRECTORY_KEY);
	for (const count of tallyLabels(labels)) void tx.objectStore('label-counts').put(count);
	for (const [name, lines] of ledgers) void tx.objectStore('ledger').put({ name, lines });
	await tx.done;
	db.close();
	const withVersions = modelNames.filter((name) => summaries.has(name));
	return {
		ms: performance.now() - started,
		versions,
		names: withVersions.length,
		sampleName: withVersions[Math.floor(withVersions.length / 2)]!,
		deleteNames: withVersions.slice(0, 50),
		searchText: 'resnet-01'
	};
}

// ---------------------------------------------------------------------------------------------------------

/** One version as a team would save it: four labels, metrics, a signature and three files. */
function _record(name: string, index: number, random: () => number): VersionRecord {
	const team = name.slice(0, name.indexOf('-'));
	const created = new Date(NEWEST - Math.floor(random() * SPAN_MS));
	const [frameworkName, frameworkVersions] = FRAMEWORKS[index % FRAMEWORKS.length]!;
	const stage = _pick(random, ['production', 'staging', 'staging', 'dev', 'dev', 'dev']);
	const info = newModelInfo({
		name,
		version: newVersion(created),
		module: `bentoml.${frameworkName}`,
		labels: { stage, team, env: _pick(random, ['aws', 'gcp', 'onprem']), owner: `owner-${Math.floor(random() * 60)}` },
		metadata: { accuracy: Math.round(random() * 1000) / 1000, epochs: 1 + Math.floor(random() * 40), dataset: `${team}-data-v${1 + Math.floor(random() * 9)}` },
		context: { frameworkName, frameworkVersions: { ...frameworkVersions }, bentomlVersion: '1.3.20', pythonVersion: '3.11.7' },
		signatures: { predict: { batchable: random() < 0.5 } },
		creationTime: created
	});
	const weights = 50_000_000 + Math.floor(random() * 400_000_000);
	const files = [
		{ path: 'config.json', size: 1200, sha256: _digest(random), crc32: Math.floor(random() * 2 ** 32) },
		{ path: 'saved_model.bin', size: weights, sha256: _digest(random), crc32: Math.floor(random() * 2 ** 32) },
		{ path: 'tokenizer.json', size: 2_400_000, sha256: _digest(random), crc32: Math.floor(random() * 2 ** 32) }
	];
	return {
		tag: `${info.name}:${info.version}`,
		name: info.name,
		version: info.version,
		info,
		files,
		size: files.reduce((sum, file) => sum + file.size, 0),
		createdKey: createdKey(info),
		savedAt: created.getTime(),
		facts: versionFacts([]) // as a save derives them when no file has a model-format header
	};
}

function _pick<T>(random: () => number, values: readonly T[]): T {
	return values[Math.floor(random() * values.length)]!;
}

function _digest(random: () => number): string {
	let hex = '';
	for (let i = 0; i < 8; i++) hex += Math.floor(random() * 2 ** 32).toString(16).padStart(8, '0');
	return hex;
}

/** xorshift32 in [0, 1): the same catalogue every run. */
function _xorshift(seed: number): () => number {
	let state = seed >>> 0 || 1;
	return () => {
		state ^= state << 13;
		state ^= state >>> 17;
		state ^= state << 5;
		return (state >>> 0) / 2 ** 32;
	};
}
