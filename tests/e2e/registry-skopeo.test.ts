// Issue 19: our pushes checked by a client we did not write. Debian's skopeo (containers/image) copies a version
// pushed in each format (the shelf's own artifact and CNCF ModelPack) from a real Distribution into an OCI
// layout; every blob and the manifest must be what the shelf holds, and the layers written out by their
// `org.opencontainers.image.title` (what `oras pull` does) must be a BentoML model folder, read with PyYAML by
// check_bentoml_store.py. `skopeo inspect --raw` must agree with what the app's inspectRemote reports. A
// ModelPack push pulled into a fresh browser profile is the same version, model.yaml byte for byte.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { expect, test, type Browser, type Page } from '@playwright/test';
import { ANNOTATIONS, MODEL_ARTIFACT_TYPE, MODEL_CONFIG_TYPE } from '../../src/lib/core/oci/artifact.ts';
import { MODELPACK_ARTIFACT_TYPE, MODELPACK_CONFIG_TYPE } from '../../src/lib/core/oci/modelpack-types.ts';
import { useRegistry } from './registry-harness.ts';
import { openShelf } from './shelf-page.ts';

const registry = useRegistry();
const NAMESPACE = 'skopeo';
const FIXTURE = readFileSync(new URL('../fixtures/models/safetensors/tiny.safetensors', import.meta.url));
const FILES: Record<string, Buffer> = {
	'model.safetensors': FIXTURE,
	'config.json': Buffer.from('{"architectures": ["BertModel"], "hidden_size": 8}'),
	'README.md': Buffer.from('# sentiment\n'),
	'tokenizer/vocab.txt': Buffer.from('[PAD]\n[UNK]\nhello\n'),
	'weights/extra.bin': Buffer.from(Array.from({ length: 300_000 }, (_, i) => (i * 7919) & 0xff))
};
const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

let work: string;
test.describe.configure({ mode: 'serial' });
test.beforeAll(() => {
	work = mkdtempSync(join(tmpdir(), 'shelf-skopeo-'));
});
test.afterAll(() => rmSync(work, { recursive: true, force: true }));

async function shelfWithRemote(browser: Browser) {
	const context = await browser.newContext();
	const page = await context.newPage();
	await openShelf(page);
	await page.evaluate(({ url, namespace }) => window.modelShelf!.api.setRemote({ url, namespace }), { url: registry().url, namespace: NAMESPACE });
	return { context, page };
}

/** Saves `sentiment:<version>` with FILES, bytes carried in as base64. */
async function saveVersion(page: Page, version: string) {
	const files = Object.entries(FILES).map(([path, bytes]) => ({ path, base64: bytes.toString('base64') }));
	await page.evaluate(
		({ version, files }) =>
			window.modelShelf!.api.save({
				name: 'sentiment',
				version,
				labels: { license: 'Apache-2.0', stage: 'production' },
				files: files.map((file) => ({ path: file.path, data: new Blob([Uint8Array.from(atob(file.base64), (c) => c.charCodeAt(0))]) }))
			}),
		{ version, files }
	);
}

function skopeo(...args: string[]): Buffer {
	return execFileSync('/usr/bin/skopeo', args, { maxBuffer: 64 << 20 });
}

/** A blob of the OCI layout, checked against its descriptor (sha256 and size). */
function layoutBlob(layout: string, descriptor: { digest: string; size: number }): Buffer {
	const bytes = readFileSync(join(layout, 'blobs', ...descriptor.digest.split(':')));
	expect(`sha256:${sha256(bytes)}`).toBe(descriptor.digest);
	expect(bytes.byteLength).toBe(descriptor.size);
	return bytes;
}

for (const format of ['shelf', 'modelpack'] as const) {
	const version = format === 'shelf' ? 'v1' : 'v2';

	test(`skopeo copies a ${format} push into an OCI layout: manifest, config and every layer are what the shelf holds`, async ({ browser }) => {
		const own = await shelfWithRemote(browser);
		try {
			await saveVersion(own.page, version);
			const pushed = await own.page.evaluate(({ tag, format }) => window.modelShelf!.api.push({ tag, format }), { tag: `sentiment:${version}`, format });
			expect(pushed).toMatchObject({ status: 'pushed', format, repository: `${NAMESPACE}/sentiment`, tag: version });
			const modelYaml = Buffer.from(await own.page.evaluate((tag) => window.modelShelf!.api.manifest({ tag }), `sentiment:${version}`));
			const record = await own.page.evaluate((tag) => window.modelShelf!.api.get({ tag }), `sentiment:${version}`);

			const source = `docker://${new URL(registry().directUrl).host}/${NAMESPACE}/sentiment:${version}`;
			const layout = join(work, format);
			skopeo('copy', '--src-tls-verify=false', source, `oci:${layout}:${version}`);

			// The layout's index names the tag and the digest the shelf reported; the manifest bytes hash to it.
			expect(JSON.parse(readFileSync(join(layout, 'oci-layout'), 'utf8'))).toEqual({ imageLayoutVersion: '1.0.0' });
			const index = JSON.parse(readFileSync(join(layout, 'index.json'), 'utf8'));
			const entry = index.manifests.find((candidate: { annotations?: Record<string, string> }) => candidate.annotations?.['org.opencontainers.image.ref.name'] === version);
			expect(entry).toMatchObject({ digest: pushed.digest });
			const manifest = JSON.parse(layoutBlob(layout, entry).toString('utf8'));
			const config = layoutBlob(layout, manifest.config);

			// Every file of the version is a layer with its bytes, titled with its path.
			const layers: Array<{ mediaType: string; digest: string; size: number; annotations: Record<string, string> }> = manifest.layers;
			const byTitle = new Map(layers.map((layer) => [layer.annotations[ANNOTATIONS.title]!, layoutBlob(layout, layer)]));
			for (const file of record.files) {
				expect(sha256(byTitle.get(file.path)!), file.path).toBe(file.sha256);
				expect(byTitle.get(file.path)!.equals(FILES[file.path]!)).toBe(true);
			}

			if (format === 'shelf') {
				expect(manifest).toMatchObject({ artifactType: MODEL_ARTIFACT_TYPE, config: { mediaType: MODEL_CONFIG_TYPE } });
				expect(config.equals(modelYaml)).toBe(true);
				// The layers alone are not a BentoML folder: model.yaml is the config, which title-based pulls skip.
				expect(byTitle.has('model.yaml')).toBe(false);
				byTitle.set('model.yaml', config);
			} else {
				expect(manifest).toMatchObject({ artifactType: MODELPACK_ARTIFACT_TYPE, config: { mediaType: MODELPACK_CONFIG_TYPE } });
				expect(byTitle.get('model.yaml')!.equals(modelYaml)).toBe(true);
				const modelPack = JSON.parse(config.toString('utf8'));
				expect(modelPack).toMatchObject({
					descriptor: { name: 'sentiment', version, createdAt: record.info.creationTime, licenses: ['Apache-2.0'] },
					config: { format: 'safetensors' },
					modelfs: { type: 'layers', diffIds: layers.map((layer) => layer.digest) }
				});
				expect(modelPack.config.precision).toMatch(/^[a-z0-9_]+$/);
			}
			expect(byTitle.size).toBe(record.files.length + 1);

			// Written out by title, the layers are a BentoML model folder: PyYAML reads it as the version.
			const store = join(work, `${format}-store`);
			for (const [title, bytes] of byTitle) {
				const target = join(store, 'sentiment', version, title);
				mkdirSync(dirname(target), { recursive: true });
				writeFileSync(target, bytes);
			}
			const read = JSON.parse(execFileSync('python3', [new URL('./check_bentoml_store.py', import.meta.url).pathname, store], { encoding: 'utf8' }));
			expect(read.problems).toEqual([]);
			expect(read.models.sentiment.versions[version]).toMatchObject({
				name: 'sentiment',
				version,
				labels: { license: 'Apache-2.0', stage: 'production' },
				model_yaml_sha256: sha256(modelYaml),
				files: Object.fromEntries(record.files.map((file) => [file.path, file.sha256]))
			});

			// `skopeo inspect --raw` gives the bytes the app's inspectRemote reports: same digest, same files.
			const raw = skopeo('inspect', '--tls-verify=false', '--raw', source);
			const remote = await own.page.evaluate((reference) => window.modelShelf!.api.inspectRemote({ reference }), `sentiment:${version}`);
			expect(`sha256:${sha256(raw)}`).toBe(remote.digest);
			expect(remote.digest).toBe(pushed.digest);
			const listed = JSON.parse(raw.toString('utf8')).layers.filter((layer: { annotations: Record<string, string> }) => layer.annotations[ANNOTATIONS.modelYaml] !== 'true');
			expect(remote.files.map((file) => [file.path, `sha256:${file.sha256}`, file.size])).toEqual(listed.map((layer: (typeof layers)[number]) => [layer.annotations[ANNOTATIONS.title], layer.digest, layer.size]));
			expect(remote.info.version).toBe(version);
		} finally {
			await own.context.close();
		}
	});
}

test('a ModelPack push pulled into a fresh browser profile is the same version: same tag, files and model.yaml bytes', async ({ browser }) => {
	const own = await shelfWithRemote(browser);
	const fresh = await shelfWithRemote(browser);
	try {
		await saveVersion(own.page, 'v3');
		const pushed = await own.page.evaluate(() => window.modelShelf!.api.push({ tag: 'sentiment:v3', format: 'modelpack' }));
		const pulled = await fresh.page.evaluate(() => window.modelShelf!.api.pull({ reference: 'sentiment:v3' }));
		expect(pulled).toMatchObject({ status: 'created', digest: pushed.digest, record: { tag: 'sentiment:v3' } });
		const mine = await own.page.evaluate(() => window.modelShelf!.api.get({ tag: 'sentiment:v3' }));
		const files = (record: typeof mine) => record.files.map((file) => [file.path, file.sha256, file.size]).sort();
		expect(files(pulled.record)).toEqual(files(mine));
		const yaml = (page: Page) => page.evaluate(() => window.modelShelf!.api.manifest({ tag: 'sentiment:v3' }));
		expect(await yaml(fresh.page)).toBe(await yaml(own.page));
		expect(pulled.record.info.labels).toEqual({ license: 'Apache-2.0', stage: 'production' });
	} finally {
		await own.context.close();
		await fresh.context.close();
	}
});
