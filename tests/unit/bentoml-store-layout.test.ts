// Issue 18: a picked folder read as BentoML's model store (bentoml/_internal/store.py): BENTOML_HOME, its
// `models/` folder, one model's folder, or one version folder — versions found by their model.yaml, `latest`
// files kept, and everything else passed over with a reason, never an error.
import { describe, expect, it } from 'vitest';
import { planStoreFolder, type FolderListingEntry } from '../../src/lib/core/bundle/bentoml-store-layout.ts';

/** A listing from paths: a trailing slash is a folder; every parent folder is listed too, as a walk lists them. */
function listing(...paths: string[]): FolderListingEntry[] {
	const entries = new Map<string, FolderListingEntry>();
	for (const path of paths) {
		const segments = path.replace(/\/$/, '').split('/');
		for (let depth = 1; depth < segments.length; depth++) entries.set(segments.slice(0, depth).join('/'), { path: segments.slice(0, depth).join('/'), kind: 'directory' });
		const full = segments.join('/');
		entries.set(full, { path: full, kind: path.endsWith('/') ? 'directory' : 'file' });
	}
	return [...entries.values()].reverse();
}

const STORE = [
	'iris/v1/model.yaml',
	'iris/v1/saved_model.pkl',
	'iris/v2/model.yaml',
	'iris/v2/saved_model.pkl',
	'iris/v2/extra/thresholds.json',
	'iris/latest',
	'resnet/abc/model.yaml',
	'resnet/abc/variables/data-0',
	'resnet/latest',
	'resnet/.DS_Store',
	'notes/readme.txt',
	'resnet/scratch/',
	'empty/',
	'.cache/x/model.yaml',
	'stray.txt'
];

describe('planStoreFolder', () => {
	it('reads the models folder: versions by their model.yaml, latest files, the rest passed over', () => {
		const plan = planStoreFolder(listing(...STORE));
		expect(plan.kind).toBe('models');
		expect(plan.versions).toEqual([
			{ folder: 'iris/v1', name: 'iris', version: 'v1', manifest: 'iris/v1/model.yaml', files: ['saved_model.pkl'] },
			{ folder: 'iris/v2', name: 'iris', version: 'v2', manifest: 'iris/v2/model.yaml', files: ['extra/thresholds.json', 'saved_model.pkl'] },
			{ folder: 'resnet/abc', name: 'resnet', version: 'abc', manifest: 'resnet/abc/model.yaml', files: ['variables/data-0'] }
		]);
		expect(plan.latest).toEqual([
			{ name: 'iris', path: 'iris/latest' },
			{ name: 'resnet', path: 'resnet/latest' }
		]);
		expect(plan.skipped.sort((a, b) => (a.path < b.path ? -1 : 1))).toEqual([
			{ path: '.cache', reason: 'hidden' },
			{ path: 'empty', reason: 'not-a-version' },
			{ path: 'notes', reason: 'not-a-version' },
			{ path: 'resnet/.DS_Store', reason: 'hidden' },
			{ path: 'resnet/scratch', reason: 'not-a-version' },
			{ path: 'stray.txt', reason: 'stray-file' }
		]);
	});

	it('reads BENTOML_HOME through its models folder, passing over bentos (which hold model copies), envs and tmp', () => {
		const home = ['.yatai.yaml', 'bentos/svc/abc/bento.yaml', 'bentos/svc/abc/models/iris/v1/model.yaml', 'envs/x/', 'tmp/t/model.yaml', ...STORE.map((path) => `models/${path}`)];
		const plan = planStoreFolder(listing(...home));
		expect(plan.kind).toBe('home');
		expect(plan.storeRoot).toBe('models');
		expect(plan.versions.map((version) => version.folder)).toEqual(['models/iris/v1', 'models/iris/v2', 'models/resnet/abc']);
		expect(plan.versions[1]!.files).toEqual(['extra/thresholds.json', 'saved_model.pkl']);
		expect(plan.skipped.filter((entry) => !entry.path.startsWith('models/'))).toEqual([
			{ path: '.yatai.yaml', reason: 'hidden' },
			{ path: 'bentos', reason: 'bentoml-internal' },
			{ path: 'envs', reason: 'bentoml-internal' },
			{ path: 'tmp', reason: 'bentoml-internal' }
		]);
	});

	it('tells a model named "models" from BENTOML_HOME', () => {
		const plan = planStoreFolder(listing('models/v1/model.yaml', 'models/latest', 'iris/v1/model.yaml'));
		expect(plan.kind).toBe('models');
		expect(plan.versions.map(({ name, version }) => `${name}:${version}`)).toEqual(['iris:v1', 'models:v1']);
	});

	it('reads one model\'s folder, named by the folder picked', () => {
		const plan = planStoreFolder(listing('v1/model.yaml', 'v1/w.bin', 'v2/model.yaml', 'latest', 'scratch/'), 'iris');
		expect(plan.kind).toBe('model');
		expect(plan.versions.map(({ name, version, folder }) => [name, version, folder])).toEqual([
			['iris', 'v1', 'v1'],
			['iris', 'v2', 'v2']
		]);
		expect(plan.latest).toEqual([{ name: 'iris', path: 'latest' }]);
		expect(plan.skipped).toEqual([{ path: 'scratch', reason: 'not-a-version' }]);
	});

	it('reads a single version folder, every file kept (hidden ones too: BentoML exports them)', () => {
		const plan = planStoreFolder(listing('model.yaml', 'saved_model.pkl', 'sub/.keep'));
		expect(plan).toEqual({ kind: 'version', storeRoot: '', versions: [{ folder: '', name: '', version: '', manifest: 'model.yaml', files: ['saved_model.pkl', 'sub/.keep'] }], latest: [], skipped: [] });
	});

	it('says when a folder holds no BentoML version at all', () => {
		const plan = planStoreFolder(listing('photos/cat.jpg', 'docs/'));
		expect(plan.kind).toBe('other');
		expect(plan.versions).toEqual([]);
		expect(plan.skipped).toEqual([{ path: 'docs', reason: 'not-a-version' }, { path: 'photos', reason: 'not-a-version' }]);
	});
});
