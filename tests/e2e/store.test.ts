import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { expect, test } from '@playwright/test';
import { opfsFiles, openShelf, save, seededBytes, shelfError } from './shelf-page.ts';
import { damageBlob, storedBlobs } from './stored-blobs.ts';

test.describe('the model store in the worker, on real OPFS and IndexedDB', () => {
	test('saves versions, lists them newest first, resolves latest and repoints it on delete', async ({ page }) => {
		await openShelf(page);
		const first = await save(page, {
			name: 'iris',
			version: 'v1',
			labels: { stage: 'dev' },
			creationTime: '2025-01-01T00:00:00+00:00',
			files: [{ path: 'model.pkl', text: 'weights one' }]
		});
		expect(first.status).toBe('created');
		await save(page, {
			name: 'iris',
			version: 'v2',
			labels: { stage: 'production' },
			creationTime: '2025-02-01T00:00:00+00:00',
			files: [{ path: 'model.pkl', text: 'weights two' }]
		});
		const generated = await save(page, { name: 'resnet', files: [{ path: 'w.bin', size: 1000, seed: 3 }] });
		expect(generated.record.version).toMatch(/^[a-z2-7]{16}$/);

		const listed = await page.evaluate(() => window.modelShelf!.api.list({}));
		expect(listed.items.map((item) => item.tag)).toEqual([generated.record.tag, 'iris:v2', 'iris:v1']);
		const oldest = await page.evaluate(() => window.modelShelf!.api.list({ order: 'oldest', limit: 1 }));
		expect(oldest.items.map((item) => item.tag)).toEqual(['iris:v1']);
		expect(oldest.next).not.toBeNull();

		for (const tag of ['iris', 'iris:latest']) {
			expect((await page.evaluate((tag) => window.modelShelf!.api.get({ tag }), tag)).tag).toBe('iris:v2');
		}
		const production = await page.evaluate(() => window.modelShelf!.api.list({ selector: 'stage=production' }));
		expect(production.items.map((item) => item.tag)).toEqual(['iris:v2']);

		const file = await page.evaluate(async () => (await window.modelShelf!.api.readFile({ tag: 'iris:v1', path: 'model.pkl' })).text());
		expect(file).toBe('weights one');

		// A dry run says what the delete will do and deletes nothing.
		const planned = await page.evaluate(() => window.modelShelf!.api.delete({ tag: 'iris:latest', dryRun: true }));
		expect(planned).toEqual({ removed: 'iris:v2', latest: 'iris:v1', latestMoves: true, aliasesRemoved: [] });
		expect((await page.evaluate(() => window.modelShelf!.api.get({ tag: 'iris' }))).tag).toBe('iris:v2');
		expect(await page.evaluate(() => window.modelShelf!.api.delete({ tag: 'iris:v1', dryRun: true }))).toEqual({ removed: 'iris:v1', latest: 'iris:v2', latestMoves: false, aliasesRemoved: [] });
		const deleted = await page.evaluate(() => window.modelShelf!.api.delete({ tag: 'iris:latest' }));
		expect(deleted).toEqual({ removed: 'iris:v2', latest: 'iris:v1', latestMoves: true, aliasesRemoved: [] });
		expect((await page.evaluate(() => window.modelShelf!.api.get({ tag: 'iris' }))).tag).toBe('iris:v1');
		await page.evaluate(() => window.modelShelf!.api.delete({ tag: 'iris:v1' }));
		expect(await shelfError(page, 'get', { tag: 'iris' })).toMatchObject({ code: 'NOT_FOUND', details: { tag: 'iris' } });
		const names = await page.evaluate(() => window.modelShelf!.api.names());
		expect(names.map((entry) => entry.name)).toEqual(['resnet']);
		// Deleted versions wait in the trash with their bytes; emptying it removes the blobs only they used.
		expect(await storedBlobs(page)).toHaveLength(3);
		expect((await page.evaluate(() => window.modelShelf!.api.emptyTrash({}))).removed.sort()).toEqual(['iris:v1', 'iris:v2']);
		expect(await storedBlobs(page)).toEqual([generated.record.files[0]!.sha256]);
	});

	test('refuses an existing tag with other content and treats identical content as a no-op', async ({ page }) => {
		await openShelf(page);
		const spec = { name: 'bert', version: 'base', files: [{ path: 'a.bin', text: 'same' }] };
		expect((await save(page, spec)).status).toBe('created');
		expect((await save(page, spec)).status).toBe('unchanged');
		const refused = await page.evaluate(async () => {
			try {
				await window.modelShelf!.api.save({ name: 'bert', version: 'base', files: [{ path: 'a.bin', data: new Blob(['else']) }] });
				return null;
			} catch (error) {
				return (error as { code: string }).code;
			}
		});
		expect(refused).toBe('TAG_EXISTS');
		const text = await page.evaluate(async () => (await window.modelShelf!.api.readFile({ tag: 'bert:base', path: 'a.bin' })).text());
		expect(text).toBe('same');
		expect(await storedBlobs(page)).toHaveLength(1);
	});

	test('stores a file shared by two versions once, and reports the bytes saved', async ({ page }) => {
		await openShelf(page);
		const weights = { path: 'weights.bin', size: 3 << 20, seed: 42 };
		const v1 = await save(page, { name: 'llm', version: 'v1', files: [weights, { path: 'config.json', text: '{"a":1}' }] });
		await save(page, { name: 'llm', version: 'v2', files: [weights, { path: 'config.json', text: '{"a":2}' }] });
		expect(await storedBlobs(page)).toHaveLength(3);
		const usage = await page.evaluate(() => window.modelShelf!.api.usage());
		expect(usage).toMatchObject({ versions: 2, models: 1, savedByDedup: 3 << 20 });
		expect(usage.logicalBytes - usage.storedBytes).toBe(3 << 20);
		const shared = v1.record.files.find((file) => file.path === 'weights.bin')!;
		const readBack = await page.evaluate(async () => {
			const file = await window.modelShelf!.api.readFile({ tag: 'llm:v2', path: 'weights.bin' });
			const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', await file.arrayBuffer()));
			return { size: file.size, sha256: Array.from(digest, (byte) => byte.toString(16).padStart(2, '0')).join('') };
		});
		expect(readBack).toEqual({ size: 3 << 20, sha256: shared.sha256 });
		expect(shared.sha256).toBe(createHash('sha256').update(seededBytes(3 << 20, 42)).digest('hex'));
	});

	test('rejects invalid input with typed errors and stores nothing', async ({ page }) => {
		await openShelf(page);
		expect(await shelfError(page, 'get', { tag: 'Bad Tag' })).toMatchObject({ code: 'INVALID_TAG' });
		expect(await shelfError(page, 'list', { selector: 'stage in (a,' })).toMatchObject({ code: 'INVALID_SELECTOR', details: { position: 12 } });
		const badPath = await page.evaluate(async () => {
			try {
				await window.modelShelf!.api.save({ name: 'x', files: [{ path: '../escape.bin', data: new Blob(['x']) }] });
			} catch (error) {
				return (error as { code: string }).code;
			}
		});
		expect(badPath).toBe('INVALID_PATH');
		expect(await storedBlobs(page)).toEqual([]);
		expect((await page.evaluate(() => window.modelShelf!.api.list({}))).items).toEqual([]);
	});

	test('a write past the storage limit fails with STORAGE_FULL and loses nothing stored before', async ({ page }) => {
		await openShelf(page);
		await save(page, { name: 'small', version: 'v1', files: [{ path: 'w.bin', size: 1 << 20, seed: 1 }] });
		await page.evaluate(() => window.modelShelf!.api.setStorageLimit({ bytes: 2 << 20 }));
		const full = await page.evaluate(async () => {
			try {
				await window.modelShelf!.api.save({ name: 'big', version: 'v1', files: [{ path: 'w.bin', data: new Blob([new Uint8Array(4 << 20)]) }] });
			} catch (error) {
				return (error as { code: string }).code;
			}
		});
		expect(full).toBe('STORAGE_FULL');
		expect((await page.evaluate(() => window.modelShelf!.api.list({}))).items.map((item) => item.tag)).toEqual(['small:v1']);
		expect(await opfsFiles(page, 'tmp')).toEqual([]);
		const report = await page.evaluate(() => window.modelShelf!.api.verify({}));
		expect(report).toMatchObject({ versions: 1, problems: [] });
		await page.evaluate(() => window.modelShelf!.api.setStorageLimit({ bytes: null }));
		expect((await save(page, { name: 'big', version: 'v1', files: [{ path: 'w.bin', size: 4 << 20, seed: 2 }] })).status).toBe('created');
	});

	test('verify reports a blob corrupted on disk as INTEGRITY, naming the version and file', async ({ page }) => {
		await openShelf(page);
		const saved = await save(page, { name: 'fraud', version: 'v1', files: [{ path: 'model.onnx', size: 4096, seed: 9 }] });
		const sha = saved.record.files[0]!.sha256;
		await damageBlob(page, sha, 10, [1, 2, 3]);
		const report = await page.evaluate(() => window.modelShelf!.api.verify({ tag: 'fraud:v1' }));
		expect(report.problems).toEqual([{ code: 'INTEGRITY', tag: 'fraud:v1', path: 'model.onnx', sha256: sha, actual: expect.stringMatching(/^[0-9a-f]{64}$/) }]);
	});

	test('a tab closed in the middle of writing a large file leaves no partial version, and fsck cleans up', async ({ context }) => {
		const page = await context.newPage();
		await openShelf(page);
		await save(page, { name: 'kept', version: 'v1', files: [{ path: 'a.bin', text: 'kept' }] });
		await page.evaluate(() => {
			const piece = new Uint8Array(1 << 20).fill(7);
			const data = new Blob(Array.from({ length: 512 }, () => piece));
			const progress = window.modelShelf!.callback((report: { loaded: number }) => {
				if (report.loaded > 64 << 20) document.title = 'writing';
			});
			void window.modelShelf!.api.save({ name: 'huge', version: 'v1', files: [{ path: 'w.bin', data }] }, progress).catch(() => undefined);
		});
		await page.waitForFunction(() => document.title === 'writing');
		await page.close();

		const reopened = await context.newPage();
		await openShelf(reopened);
		const { startup } = await reopened.evaluate(() => window.modelShelf!.api.fsck());
		expect(startup.tempFilesRemoved).toBeGreaterThanOrEqual(1);
		expect((await reopened.evaluate(() => window.modelShelf!.api.list({}))).items.map((item) => item.tag)).toEqual(['kept:v1']);
		expect(await shelfError(reopened, 'get', { tag: 'huge' })).toMatchObject({ code: 'NOT_FOUND' });
		expect(await opfsFiles(reopened, 'tmp')).toEqual([]);
		expect(await storedBlobs(reopened)).toHaveLength(1);
	});

	test('cancelling a save throws ABORTED and leaves nothing behind', async ({ page }) => {
		await openShelf(page);
		const code = await page.evaluate(async () => {
			const data = new Blob(Array.from({ length: 256 }, () => new Uint8Array(1 << 20).fill(1)));
			const opId = 'cancel-me';
			const progress = window.modelShelf!.callback((report: { loaded: number }) => {
				if (report.loaded > 32 << 20) void window.modelShelf!.api.cancel({ opId });
			});
			try {
				await window.modelShelf!.api.save({ name: 'cancelled', version: 'v1', files: [{ path: 'w.bin', data }], opId }, progress);
			} catch (error) {
				return (error as { code: string }).code;
			}
		});
		expect(code).toBe('ABORTED');
		expect(await opfsFiles(page, 'tmp')).toEqual([]);
		expect(await storedBlobs(page)).toEqual([]);
		expect((await page.evaluate(() => window.modelShelf!.api.list({}))).items).toEqual([]);
	});

	test('two tabs saving at once lose nothing, and each hears about the other', async ({ context }) => {
		const [left, right] = [await context.newPage(), await context.newPage()];
		await Promise.all([openShelf(left), openShelf(right)]);
		await right.evaluate(() => {
			(window as unknown as { heard: string[] }).heard = [];
			void window.modelShelf!.api.watch(
				window.modelShelf!.callback((change: { kind: string; tag?: string }) => {
					(window as unknown as { heard: string[] }).heard.push(`${change.kind}:${change.tag}`);
				})
			);
		});
		const saveMany = (page: typeof left, side: string) =>
			Promise.all(
				Array.from({ length: 6 }, (_, index) =>
					save(page, {
						name: 'shared',
						version: `${side}${index}`,
						creationTime: `2025-03-0${index + 1}T00:00:00${side === 'l' ? '.000001' : ''}+00:00`,
						files: [{ path: 'w.bin', size: 256 << 10, seed: index + 1 }]
					})
				)
			);
		await Promise.all([saveMany(left, 'l'), saveMany(right, 'r')]);
		for (const page of [left, right]) {
			const page1 = await page.evaluate(() => window.modelShelf!.api.list({ name: 'shared', limit: 100 }));
			expect(page1.items).toHaveLength(12);
			expect(new Set(page1.items.map((item) => item.tag)).size).toBe(12);
			expect((await page.evaluate(() => window.modelShelf!.api.get({ tag: 'shared' }))).tag).toBe('shared:l5');
		}
		// Equal content across tabs: six distinct weights files stored once each.
		expect(await storedBlobs(left)).toHaveLength(6);
		await expect.poll(() => right.evaluate(() => (window as unknown as { heard: string[] }).heard.sort())).toEqual(
			Array.from({ length: 6 }, (_, index) => `added:shared:l${index}`)
		);
	});

	test('inspect reads a stored file\'s model header in the worker, and its typed errors cross to the page (issue 17)', async ({ page }) => {
		await openShelf(page);
		const fixture = (path: string) => [...readFileSync(new URL(`../fixtures/models/${path}`, import.meta.url))];
		const files = { 'model.safetensors': fixture('safetensors/tiny.safetensors'), 'model.gguf': fixture('gguf/tiny-llama-v3.gguf'), 'custom_objects.pkl': fixture('pickle/malicious-os-system-proto0.pkl'), 'broken.onnx': fixture('onnx/truncated-varint.onnx') };
		const facts = await page.evaluate(async (files) => {
			const api = window.modelShelf!.api;
			await api.save({ name: 'zoo', version: 'v1', files: Object.entries(files).map(([path, bytes]) => ({ path, data: new Blob([new Uint8Array(bytes)]) })) });
			const safetensors = await api.inspect({ tag: 'zoo', path: 'model.safetensors' });
			const gguf = await api.inspect({ tag: 'zoo:v1', path: 'model.gguf' });
			const pickle = await api.inspect({ tag: 'zoo:v1', path: 'custom_objects.pkl' });
			const broken = await api.inspect({ tag: 'zoo:v1', path: 'broken.onnx' }).catch((error: { code: string; details: unknown }) => ({ code: error.code, details: error.details }));
			return {
				safetensors: safetensors.format === 'safetensors' ? safetensors.header.tensors.length : null,
				gguf: gguf.format === 'gguf' ? { architecture: gguf.header.architecture, tensors: gguf.header.tensors.length } : null,
				pickle: pickle.format === 'pickle' ? pickle.scan.dangerous : null,
				broken
			};
		}, files);
		const expected = (folder: string) => JSON.parse(readFileSync(new URL(`../fixtures/models/${folder}/expected.json`, import.meta.url), 'utf8'));
		expect(facts.safetensors).toBe(expected('safetensors')['tiny.safetensors'].tensors.length);
		expect(facts.gguf).toEqual({ architecture: 'llama', tensors: expected('gguf')['tiny-llama-v3.gguf'].tensors.length });
		expect(facts.pickle).toEqual(['os.system']);
		expect(facts.broken).toMatchObject({ code: 'BAD_MODEL_FILE', details: { format: 'onnx', reason: 'truncated', path: 'broken.onnx' } });
	});

	test('a saved version carries its facts; tensors and a tensor diff are answered by the worker (issue 17)', async ({ page }) => {
		await openShelf(page);
		const fixture = (path: string) => [...readFileSync(new URL(`../fixtures/models/${path}`, import.meta.url))];
		const tiny = fixture('safetensors/tiny.safetensors');
		const answers = await page.evaluate(
			async ({ tiny, gguf, pickle }) => {
				const api = window.modelShelf!.api;
				const blob = (bytes: number[]) => new Blob([new Uint8Array(bytes)]);
				await api.save({ name: 'llm', version: 'v1', files: [{ path: 'model.safetensors', data: blob(tiny) }, { path: 'custom_objects.pkl', data: blob(pickle) }] });
				await api.save({ name: 'llm', version: 'v2', files: [{ path: 'model.safetensors', data: blob(tiny) }, { path: 'model.gguf', data: blob(gguf) }] });
				const v1 = await api.get({ tag: 'llm:v1' });
				const tensors = await api.tensors({ tag: 'llm:v2' });
				const diff = await api.compareTensors({ left: 'llm:v1', right: 'llm:v2' });
				const listed = await api.list({ formats: ['gguf'] });
				return { v1: v1.facts, tensors: tensors.tensors.map((tensor) => tensor.path), counts: diff.counts, listed: listed.items.map((item) => item.tag), progress: await api.factsProgress() };
			},
			{ tiny, gguf: fixture('gguf/tiny-llama-v3.gguf'), pickle: fixture('pickle/malicious-os-system-proto0.pkl') }
		);
		const expected = (folder: string) => JSON.parse(readFileSync(new URL(`../fixtures/models/${folder}/expected.json`, import.meta.url), 'utf8'));
		const safetensors = expected('safetensors')['tiny.safetensors'].tensors as Array<{ elements: number }>;
		const gguf = expected('gguf')['tiny-llama-v3.gguf'].tensors as unknown[];
		expect(answers.v1).toMatchObject({ formats: ['safetensors', 'pickle'], parameters: safetensors.reduce((sum, tensor) => sum + tensor.elements, 0), tensorCount: safetensors.length });
		expect(answers.v1?.pickles).toEqual([{ path: 'custom_objects.pkl', verdict: 'dangerous', globals: ['os.system'], dangerous: ['os.system'] }]);
		// The weights format's file first, then the other model files' tensors.
		expect(answers.tensors).toEqual([...safetensors.map(() => 'model.safetensors'), ...gguf.map(() => 'model.gguf')]);
		// The same safetensors bytes in both: every one of its tensors is proved the same; GGUF's are new.
		expect(answers.counts).toEqual({ changed: 0, added: gguf.length, removed: 0, 'same-shape': 0, 'same-bytes': safetensors.length });
		expect(answers.listed).toEqual(['llm:v2']);
		expect(answers.progress).toEqual({ pending: 0, derived: 0, running: false });
	});
});
