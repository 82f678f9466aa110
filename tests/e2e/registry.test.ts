// Issue 9: push and pull through a real OCI registry (CNCF Distribution, scripts/registry.mjs), driven
// through the worker API the app exposes on window. Every digest is checked from Node over plain HTTP.
import { expect, test, type Browser, type Page } from '@playwright/test';
import { ANNOTATIONS, MODEL_ARTIFACT_TYPE, MODEL_CONFIG_TYPE, OCI_MANIFEST_TYPE } from '../../src/lib/core/oci/artifact.ts';
import { corruptBlob, sha256Digest, startAppRegistry, useRegistry, type Registry } from './registry-harness.ts';
import { openShelf, opfsFiles, save, seededBytes, shelfError } from './shelf-page.ts';
import { storedBlobs } from './stored-blobs.ts';
import { UPLOAD_CHUNK } from '../../src/lib/worker/remote/blob-upload.ts';

const registry = useRegistry();
const MiB = 1024 * 1024;

/** Points the page's shelf at a registry. */
async function useRemote(page: Page, url: string, namespace = 'team', credentials: { username?: string; password?: string; remember?: boolean } = {}) {
	return page.evaluate(({ url, namespace, credentials }) => window.modelShelf!.api.setRemote({ url, namespace, ...credentials }), { url, namespace, credentials });
}

async function push(page: Page, tag: string) {
	return page.evaluate((tag) => window.modelShelf!.api.push({ tag }), tag);
}

async function pull(page: Page, reference: string) {
	return page.evaluate((reference) => window.modelShelf!.api.pull({ reference }), reference);
}

/** GET from the registry in Node, without CORS or the app: what any other client sees. */
async function fetchRegistry(path: string, accept = OCI_MANIFEST_TYPE): Promise<Uint8Array> {
	const response = await fetch(`${registry().directUrl}/v2/${path}`, { headers: { Accept: accept } });
	expect(response.status, path).toBe(200);
	return new Uint8Array(await response.arrayBuffer());
}

/** A fresh browser profile (its own OPFS and IndexedDB) with the app open. */
async function freshShelf(browser: Browser) {
	const context = await browser.newContext();
	const page = await context.newPage();
	await openShelf(page);
	return { context, page };
}

/** A stored file's bytes, carried out of the page as base64 (a number array of megabytes would crawl). */
async function readStoredFile(page: Page, tag: string, path: string): Promise<Buffer> {
	const base64 = await page.evaluate(
		async ({ tag, path }) => {
			const bytes = new Uint8Array(await (await window.modelShelf!.api.readFile({ tag, path })).arrayBuffer());
			let binary = '';
			for (let offset = 0; offset < bytes.length; offset += 0x8000) binary += String.fromCharCode(...bytes.subarray(offset, offset + 0x8000));
			return btoa(binary);
		},
		{ tag, path }
	);
	return Buffer.from(base64, 'base64');
}

test.describe.configure({ mode: 'serial' });

// One browser profile, the "own shelf", lives across the serial tests (each test's `page` fixture would be a new one).
let own: { context: import('@playwright/test').BrowserContext; page: Page };
test.beforeAll(async ({ browser }) => {
	own = await freshShelf(browser);
	await useRemote(own.page, registry().url);
});
test.afterAll(async () => {
	await own?.context.close();
});

test('a pushed version is an OCI artifact whose manifest, config and layers all match their digests', async () => {
	const page = own.page;
	await save(page, {
		name: 'fraud_detector',
		version: 'v1',
		labels: { stage: 'production', team: 'risk' },
		files: [
			{ path: 'model.safetensors', size: 3 * MiB + 17, seed: 1 },
			{ path: 'extra/config.json', text: '{"threshold": 0.7}' },
			{ path: 'README.md', text: '# fraud detector' }
		]
	});
	await useRemote(page, registry().url);
	const result = await push(page, 'fraud_detector:v1');
	expect(result).toMatchObject({ status: 'pushed', repository: 'team/fraud_detector', tag: 'v1', skippedBytes: 0 });

	const manifestBytes = await fetchRegistry('team/fraud_detector/manifests/v1');
	expect(sha256Digest(manifestBytes)).toBe(result.digest);
	const manifest = JSON.parse(new TextDecoder().decode(manifestBytes));
	expect(manifest).toMatchObject({ schemaVersion: 2, mediaType: OCI_MANIFEST_TYPE, artifactType: MODEL_ARTIFACT_TYPE, config: { mediaType: MODEL_CONFIG_TYPE } });
	expect(manifest.annotations).toMatchObject({ [ANNOTATIONS.tag]: 'fraud_detector:v1', 'ai.bentoml.model.label.stage': 'production' });
	// The same manifest by its digest: what a colleague pins.
	expect(sha256Digest(await fetchRegistry(`team/fraud_detector/manifests/${result.digest}`))).toBe(result.digest);

	const config = await fetchRegistry(`team/fraud_detector/blobs/${manifest.config.digest}`);
	expect(sha256Digest(config)).toBe(manifest.config.digest);
	const modelYaml = await page.evaluate(() => window.modelShelf!.api.manifest({ tag: 'fraud_detector:v1' }));
	expect(new TextDecoder().decode(config)).toBe(modelYaml);

	const titles: string[] = [];
	for (const layer of manifest.layers) {
		const bytes = await fetchRegistry(`team/fraud_detector/blobs/${layer.digest}`);
		expect(sha256Digest(bytes), layer.annotations[ANNOTATIONS.title]).toBe(layer.digest);
		expect(bytes.byteLength).toBe(layer.size);
		titles.push(layer.annotations[ANNOTATIONS.title]);
	}
	expect(titles).toEqual(['README.md', 'extra/config.json', 'model.safetensors']);
	expect(Buffer.from(await fetchRegistry(`team/fraud_detector/blobs/${manifest.layers[2].digest}`)).equals(Buffer.from(seededBytes(3 * MiB + 17, 1)))).toBe(true);

	// The shelf remembers where the version went, with its digest.
	const copies = await page.evaluate(() => window.modelShelf!.api.remoteCopies({ tag: 'fraud_detector:v1' }));
	expect(copies).toEqual([expect.objectContaining({ repository: 'team/fraud_detector', digest: result.digest, how: 'pushed' })]);
	// Pushing again is a no-op: the registry's tag already points to the same manifest.
	expect(await push(page, 'fraud_detector:v1')).toMatchObject({ status: 'unchanged', uploadedBytes: 0, digest: result.digest });
});

test('a fresh profile pulls the version byte for byte, by tag or by digest, and a second pull is a no-op', async ({ browser }) => {
	const page = own.page;
	const [copy] = await page.evaluate(() => window.modelShelf!.api.remoteCopies({ tag: 'fraud_detector:v1' }));
	const fresh = await freshShelf(browser);
	try {
		await useRemote(fresh.page, registry().url);
		expect(await fresh.page.evaluate(() => window.modelShelf!.api.remoteModels())).toEqual({ names: ['fraud_detector'] });
		expect(await fresh.page.evaluate(() => window.modelShelf!.api.remoteTags({ name: 'fraud_detector' }))).toEqual(['v1']);
		const inspected = await fresh.page.evaluate(() => window.modelShelf!.api.inspectRemote({ reference: 'fraud_detector:v1' }));
		expect(inspected).toMatchObject({ digest: copy!.digest, labels: { stage: 'production', team: 'risk' }, size: 3 * MiB + 17 + 18 + 16 });

		const pulled = await pull(fresh.page, `fraud_detector@${copy!.digest}`);
		expect(pulled).toMatchObject({ status: 'created', digest: copy!.digest, downloadedBytes: 3 * MiB + 17 + 18 + 16, skippedBytes: 0 });
		for (const path of ['model.safetensors', 'extra/config.json', 'README.md']) {
			const pulledBytes = await readStoredFile(fresh.page, 'fraud_detector:v1', path);
			expect(pulledBytes.equals(await readStoredFile(page, 'fraud_detector:v1', path)), path).toBe(true);
		}
		const original = await page.evaluate(() => window.modelShelf!.api.get({ tag: 'fraud_detector:v1' }));
		const copyRecord = await fresh.page.evaluate(() => window.modelShelf!.api.get({ tag: 'fraud_detector:v1' }));
		expect(copyRecord.info).toEqual(original.info);
		expect(copyRecord.files).toEqual(original.files);

		expect(await pull(fresh.page, 'fraud_detector:v1')).toMatchObject({ status: 'unchanged', downloadedBytes: 0 });
	} finally {
		await fresh.context.close();
	}
});

test('the second version of a model uploads only the files that changed', async () => {
	const page = own.page;
	await save(page, {
		name: 'fraud_detector',
		version: 'v2',
		labels: { stage: 'staging' },
		files: [
			{ path: 'model.safetensors', size: 3 * MiB + 17, seed: 1 }, // unchanged
			{ path: 'extra/config.json', text: '{"threshold": 0.8}' }, // changed
			{ path: 'README.md', text: '# fraud detector' } // unchanged
		]
	});
	const before = (await registry().requests()).length;
	const result = await push(page, 'fraud_detector:v2');
	const requests = (await registry().requests()).slice(before);
	const original = await page.evaluate(() => window.modelShelf!.api.get({ tag: 'fraud_detector:v1' }));
	const unchanged = original.files.filter((file) => file.path !== 'extra/config.json').map((file) => `sha256:${file.sha256}`);

	expect(result.files.map((file) => [file.path, file.sent])).toEqual([
		['README.md', 'present'],
		['extra/config.json', 'uploaded'],
		['model.safetensors', 'present']
	]);
	expect(result.uploadedBytes).toBeLessThan(1024); // the new config.json and model.yaml only
	expect(result.skippedBytes).toBe(3 * MiB + 17 + 16);
	const uploads = requests.filter((request) => request.method === 'PUT' || request.method === 'PATCH');
	for (const digest of unchanged) expect(uploads.some((request) => request.uri.includes(digest)), digest).toBe(false);
	const bytesSent = uploads.filter((request) => request.path.includes('/blobs/uploads/'));
	expect(bytesSent).toHaveLength(2); // model.yaml and config.json, one PUT each
	expect(requests.filter((request) => request.method === 'HEAD' && unchanged.some((digest) => request.path.endsWith(digest)))).toHaveLength(2);
});

/** Starts a push in the page without waiting; `__loaded` follows its progress, `__push` settles with its outcome. */
async function startPush(page: Page, tag: string) {
	await page.evaluate((tag) => {
		const state = window as unknown as { __loaded: number; __push: Promise<unknown> };
		state.__loaded = 0;
		const progress = window.modelShelf!.callback((report: { loaded: number }) => void (state.__loaded = report.loaded));
		state.__push = window.modelShelf!.api.push({ tag }, progress).then(
			(result) => ({ result }),
			(error) => ({ error: { code: error.code, message: error.message, details: error.details } })
		);
	}, tag);
}

type PushOutcome = { error?: { code: string; message: string; details: { resumable?: boolean; offset?: number } } };

test('a push cut off by the registry going down continues from where it stopped after a restart', async ({ page }) => {
	test.setTimeout(120_000);
	await openShelf(page);
	await useRemote(page, registry().url);
	// Two whole chunks and a part: the registry goes down after the first, while the second is in flight.
	const size = 2 * UPLOAD_CHUNK + 16 * MiB;
	await save(page, { name: 'speech_encoder', version: 'big', files: [{ path: 'weights.bin', size, seed: 7 }] });

	// A maintenance restart: SIGTERM lets the chunk in flight finish, then the registry is gone.
	await startPush(page, 'speech_encoder:big');
	await page.waitForFunction((mark) => (window as unknown as { __loaded: number }).__loaded >= mark, UPLOAD_CHUNK);
	await registry().stop('SIGTERM');
	const interrupted = (await page.evaluate(() => (window as unknown as { __push: Promise<unknown> }).__push)) as PushOutcome;
	expect(interrupted.error?.code).toBe('REMOTE_UNREACHABLE');
	expect(interrupted.error?.details.resumable).toBe(true);
	expect(interrupted.error?.message).toMatch(/push again to continue/);
	const offset = interrupted.error!.details.offset!;
	expect(offset).toBeGreaterThanOrEqual(UPLOAD_CHUNK);

	await registry().restart();
	const before = (await registry().requests()).length;
	expect(await push(page, 'speech_encoder:big')).toMatchObject({ status: 'pushed' });
	const resumed = (await registry().requests()).slice(before);
	// It asked where the upload stood, then sent only the rest, in the same session.
	expect(resumed.some((request) => request.method === 'GET' && request.path.includes('/blobs/uploads/') && request.status === 204)).toBe(true);
	expect(resumed.filter((request) => request.method === 'PATCH')).toHaveLength(Math.ceil((size - offset) / UPLOAD_CHUNK));
	expect(resumed.filter((request) => request.method === 'POST')).toHaveLength(0);

	const record = await page.evaluate(() => window.modelShelf!.api.get({ tag: 'speech_encoder:big' }));
	const bytes = await fetchRegistry(`team/speech_encoder/blobs/sha256:${record.files[0]!.sha256}`);
	expect(sha256Digest(bytes)).toBe(`sha256:${record.files[0]!.sha256}`);
	expect(Buffer.from(bytes).equals(Buffer.from(seededBytes(size, 7)))).toBe(true);
});

test('a push cut off by a registry crash mid-chunk finishes after the restart, with that file sent again', async ({ page }) => {
	test.setTimeout(120_000);
	await openShelf(page);
	await useRemote(page, registry().url);
	const size = 40 * MiB;
	await save(page, { name: 'speech_encoder', version: 'crash', files: [{ path: 'weights.bin', size, seed: 8 }] });
	await startPush(page, 'speech_encoder:crash');
	await page.waitForFunction((mark) => (window as unknown as { __loaded: number }).__loaded >= mark, 8 * MiB);
	await registry().stop('SIGKILL');
	const interrupted = (await page.evaluate(() => (window as unknown as { __push: Promise<unknown> }).__push)) as PushOutcome;
	expect(interrupted.error?.code).toBe('REMOTE_UNREACHABLE');

	await registry().restart();
	expect(await push(page, 'speech_encoder:crash')).toMatchObject({ status: 'pushed' });
	const record = await page.evaluate(() => window.modelShelf!.api.get({ tag: 'speech_encoder:crash' }));
	const bytes = await fetchRegistry(`team/speech_encoder/blobs/sha256:${record.files[0]!.sha256}`);
	expect(Buffer.from(bytes).equals(Buffer.from(seededBytes(size, 8)))).toBe(true);
});

test('a registry serving wrong bytes for a digest is refused with INTEGRITY and the shelf is unchanged', async ({ browser }) => {
	const own = await startAppRegistry();
	const fresh = await freshShelf(browser);
	try {
		await useRemote(fresh.page, own.url);
		await save(fresh.page, { name: 'iris', version: 'good', files: [{ path: 'model.pkl', size: 2 * MiB, seed: 3 }, { path: 'notes.txt', text: 'kept' }] });
		const pushed = await push(fresh.page, 'iris:good');
		const record = await fresh.page.evaluate(() => window.modelShelf!.api.get({ tag: 'iris:good' }));
		const weights = record.files.find((file) => file.path === 'model.pkl')!;

		const victim = await freshShelf(browser);
		try {
			await useRemote(victim.page, own.url);
			// Something already on the victim's shelf must survive the failed pull untouched.
			await save(victim.page, { name: 'kept', version: 'v1', files: [{ path: 'notes.txt', text: 'kept' }] });
			const blobsBefore = await storedBlobs(victim.page);
			corruptBlob(own, `sha256:${weights.sha256}`);
			const error = await shelfError(victim.page, 'pull', { reference: `iris@${pushed.digest}` });
			expect(error.code).toBe('INTEGRITY');
			expect(error.message).toContain('model.pkl');
			const listed = await victim.page.evaluate(() => window.modelShelf!.api.list({}));
			expect(listed.items.map((item) => item.tag)).toEqual(['kept:v1']);
			expect(await storedBlobs(victim.page)).toEqual(blobsBefore);
			expect(await opfsFiles(victim.page, 'tmp')).toEqual([]);

			// A digest the registry does not have is NOT_FOUND, not an empty version.
			expect((await shelfError(victim.page, 'pull', { reference: `iris@sha256:${'0'.repeat(64)}` })).code).toBe('NOT_FOUND');
		} finally {
			await victim.context.close();
		}
	} finally {
		await fresh.context.close();
		await own.close();
	}
});

test('pulling a tag the shelf holds with other content is TAG_EXISTS; pushing over another version’s remote tag too', async ({ browser }) => {
	const fresh = await freshShelf(browser);
	try {
		await useRemote(fresh.page, registry().url);
		await save(fresh.page, { name: 'fraud_detector', version: 'v1', files: [{ path: 'model.safetensors', text: 'something else' }] });
		expect((await shelfError(fresh.page, 'pull', { reference: 'fraud_detector:v1' })).code).toBe('TAG_EXISTS');
		const conflict = await shelfError(fresh.page, 'push', { tag: 'fraud_detector:v1' });
		expect(conflict.code).toBe('TAG_EXISTS');
		expect(conflict.message).toContain('team/fraud_detector:v1');
	} finally {
		await fresh.context.close();
	}
});

test('basic auth: the right password pushes, a wrong one is a clear REMOTE_AUTH that never shows the password', async ({ browser }) => {
	const secured = await startAppRegistry({ auth: { user: 'alice', password: 'correct horse' } });
	const fresh = await freshShelf(browser);
	try {
		await save(fresh.page, { name: 'iris', version: 'v1', files: [{ path: 'model.pkl', text: 'weights' }] });
		await useRemote(fresh.page, secured.url, 'team', {});
		const anonymous = await shelfError(fresh.page, 'push', { tag: 'iris:v1' });
		expect(anonymous.code).toBe('REMOTE_AUTH');
		expect(anonymous.message).toMatch(/needs a user name and password/);

		await useRemote(fresh.page, secured.url, 'team', { username: 'alice', password: 'wrong battery' });
		const wrong = await shelfError(fresh.page, 'push', { tag: 'iris:v1' });
		expect(wrong.code).toBe('REMOTE_AUTH');
		expect(wrong.message).toContain('alice');
		expect(JSON.stringify(wrong)).not.toContain('wrong battery');

		await useRemote(fresh.page, secured.url, 'team', { username: 'alice', password: 'correct horse' });
		expect(await push(fresh.page, 'iris:v1')).toMatchObject({ status: 'pushed', repository: 'team/iris' });
		// Not remembered: the password is not on disk, and the page never gets it back.
		const settings = await fresh.page.evaluate(() => window.modelShelf!.api.remote());
		expect(settings).toEqual({ url: secured.url, namespace: 'team', username: 'alice', remembered: false, signedIn: true });
		const onDisk = await fresh.page.evaluate(
			() =>
				new Promise<string>((resolve) => {
					const open = indexedDB.open('model-shelf-remote');
					open.onsuccess = () => {
						const read = open.result.transaction('settings').objectStore('settings').get('remote');
						read.onsuccess = () => resolve(JSON.stringify(read.result));
					};
				})
		);
		expect(onDisk).not.toContain('correct horse');
	} finally {
		await fresh.context.close();
		await secured.close();
	}
});

test('an unreachable registry, and one that refuses this origin (CORS), each say so plainly', async ({ page }) => {
	await openShelf(page);
	await save(page, { name: 'iris', version: 'v1', files: [{ path: 'model.pkl', text: 'weights' }] });

	await useRemote(page, 'http://127.0.0.1:9'); // nothing listens on the discard port
	const unreachable = await shelfError(page, 'checkRemote', {});
	expect(unreachable.code).toBe('REMOTE_UNREACHABLE');
	expect(unreachable.message).toContain('cannot be reached');

	const elsewhere = (await import('../../scripts/registry.mjs')).startRegistry({ origin: 'https://some-other-app.example' });
	const other = await elsewhere;
	try {
		await useRemote(page, other.url);
		const refused = await shelfError(page, 'push', { tag: 'iris:v1' });
		expect(refused.code).toBe('REMOTE_CORS');
		expect(refused.message).toContain('http://localhost');
		expect(refused.message).toMatch(/CORS/);
	} finally {
		await other.close();
	}

	expect((await shelfError(page, 'setRemote', { url: 'https://alice:pw@example.com', namespace: '' })).code).toBe('INVALID_REMOTE');
});
