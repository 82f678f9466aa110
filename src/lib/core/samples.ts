// Node + browser: pure TypeScript, no DOM, no idb, no OPFS.
//
// The sample models (issue 25): what `static/samples/index.json` lists (written by static/samples/make_samples.py)
// and the label that marks a version as a sample. The worker imports them (worker/samples.ts); pages badge them.
import { manifestError } from './manifest-schema.ts';
import { parseExactTag, validateAlias } from './tags.ts';

/** Where the app serves the samples, from its own origin (precached with the app, so offline too). */
export const SAMPLES_PATH = '/samples/';

/** The label every sample version carries; "Remove sample models" removes exactly the versions that carry it. */
export const SAMPLE_LABEL = { key: 'sample', value: 'true' } as const;

/** The label selector of the sample versions. */
export const SAMPLE_SELECTOR = `${SAMPLE_LABEL.key}=${SAMPLE_LABEL.value}`;

/** One bundle of the samples: one version. */
export interface SampleBundle {
	/** The file's name under {@link SAMPLES_PATH}. */
	file: string;
	/** The version it holds, `name:version`. */
	tag: string;
	size: number;
	sha256: string;
}

/** An alias the import sets once its version is on the shelf. */
export interface SampleAlias {
	name: string;
	alias: string;
	version: string;
}

/** What `index.json` lists. */
export interface SamplesIndex {
	bundles: SampleBundle[];
	aliases: SampleAlias[];
	/** The bundles' total size. */
	bytes: number;
}

/**
 * True when a version's labels mark it as a sample.
 * @param labels the version's labels
 * @example
 * isSample({ stage: 'dev', sample: 'true' }); // true
 */
export function isSample(labels: Readonly<Record<string, string>>): boolean {
	return labels[SAMPLE_LABEL.key] === SAMPLE_LABEL.value;
}

/**
 * Reads `index.json` as parsed JSON, checking every field the import relies on.
 * @param json the parsed file
 * @throws ShelfError `INVALID_MANIFEST` naming the field (`bundles.2.sha256`), with `where: 'samples/index.json'`
 * @example
 * const index = parseSamplesIndex(await (await fetch('/samples/index.json')).json());
 */
export function parseSamplesIndex(json: unknown): SamplesIndex {
	const root = _object(json, '(document)');
	const bundles = _array(root.bundles, 'bundles').map((item, i): SampleBundle => {
		const bundle = _object(item, `bundles.${i}`);
		const file = _string(bundle.file, `bundles.${i}.file`);
		// Fetched next to index.json: a plain file name, never a path.
		if (!/^[a-z0-9][-._a-z0-9]*$/.test(file)) throw _invalid(`bundles.${i}.file`, `"${file}" is not a plain file name`);
		const sha256 = _string(bundle.sha256, `bundles.${i}.sha256`);
		if (!/^[0-9a-f]{64}$/.test(sha256)) throw _invalid(`bundles.${i}.sha256`, 'is not a SHA-256 in hex');
		const tag = _string(bundle.tag, `bundles.${i}.tag`);
		parseExactTag(tag);
		return { file, tag, size: _size(bundle.size, `bundles.${i}.size`), sha256 };
	});
	const aliases = _array(root.aliases, 'aliases').map((item, i): SampleAlias => {
		const alias = _object(item, `aliases.${i}`);
		const name = _string(alias.name, `aliases.${i}.name`);
		const version = _string(alias.version, `aliases.${i}.version`);
		parseExactTag(`${name}:${version}`);
		return { name, alias: validateAlias(_string(alias.alias, `aliases.${i}.alias`)), version };
	});
	return { bundles, aliases, bytes: bundles.reduce((sum, bundle) => sum + bundle.size, 0) };
}

// ---------------------------------------------------------------------------------------------------

function _invalid(field: string, what: string) {
	return manifestError(field, 'wrong-type', `The samples' index.json: "${field}" ${what}. Hint: write it again with static/samples/make_samples.py.`, { where: 'samples/index.json' });
}

function _object(value: unknown, field: string): Record<string, unknown> {
	if (value === null || typeof value !== 'object' || Array.isArray(value)) throw _invalid(field, 'must be an object');
	return value as Record<string, unknown>;
}

function _array(value: unknown, field: string): unknown[] {
	if (!Array.isArray(value)) throw _invalid(field, 'must be a list');
	return value;
}

function _string(value: unknown, field: string): string {
	if (typeof value !== 'string') throw _invalid(field, 'must be text');
	return value;
}

function _size(value: unknown, field: string): number {
	if (!(typeof value === 'number' && Number.isSafeInteger(value) && value > 0)) throw _invalid(field, 'must be a byte count');
	return value;
}
