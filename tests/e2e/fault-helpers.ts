// Helpers of the fault suites (faults-*.test.ts): start an operation in a tab without waiting for it,
// crash the tab at a point its progress reports, and check what a user relies on after reopening.
import { PYTHON } from '../tools.ts';
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { expect, type BrowserContext, type Page } from '@playwright/test';
import { opfsFiles, openShelf, seededBytes } from './shelf-page.ts';
import { storedBlobs } from './stored-blobs.ts';

/** `SHELF_FAULTS=full` (npm run test:faults) widens every loop; `npm test` runs a few points of each. */
export const FULL = process.env.SHELF_FAULTS === 'full';
export const MiB = 1 << 20;

/** A file made of seeded pseudo-random bytes, with the SHA-256 the store must end up with. */
export function seededFile(path: string, size: number, seed: number) {
	const bytes = seededBytes(size, seed);
	return { path, size, seed, bytes, sha256: createHash('sha256').update(bytes).digest('hex') };
}
export type SeededFile = ReturnType<typeof seededFile>;

/** Writes a bundle holding `model.yaml` and `files`, as a stored zip or a plain tar (Python's zipfile/tarfile). */
export function writeBundle(path: string, kind: 'zip' | 'tar', manifest: string, files: SeededFile[]) {
	const dir = `${path}.parts`;
	execFileSync('mkdir', ['-p', dir]);
	files.forEach((file, index) => writeFileSync(`${dir}/${index}`, file.bytes));
	const script = `
import json, sys, tarfile, zipfile
out, kind, manifest, names = sys.argv[1], sys.argv[2], sys.argv[3], json.loads(sys.argv[4])
if kind == "zip":
    with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as z:
        z.writestr("model.yaml", manifest)
        for i, name in enumerate(names): z.write(f"{out}.parts/{i}", name)
else:
    import io
    with tarfile.open(out, "w", format=tarfile.PAX_FORMAT) as t:
        data = manifest.encode()
        info = tarfile.TarInfo("./model.yaml"); info.size = len(data); t.addfile(info, io.BytesIO(data))
        for i, name in enumerate(names): t.add(f"{out}.parts/{i}", "./" + name)
`;
	execFileSync(PYTHON, ['-c', script, path, kind, manifest, JSON.stringify(files.map((file) => file.path))]);
}

/** A minimal BentoML model.yaml. */
export function manifestText(name: string, version: string, creationTime: string) {
	return [`name: ${name}`, `version: ${version}`, 'module: bentoml.picklable_model', 'labels: {}', 'options: {}', 'metadata: {}',
		'context:', '  framework_name: picklable_model', '  framework_versions: {}', "  bentoml_version: '1.4.0'", "  python_version: '3.11'",
		'signatures: {}', 'api_version: v1', `creation_time: '${creationTime}'`, ''].join('\n');
}

/** Lets the page read `path` from disk as a File at `/__fault-files__/<name>` (no base64 copies). */
export async function serveFile(page: Page, path: string) {
	await page.route('**/__fault-files__/**', (route) => route.fulfill({ path, contentType: 'application/octet-stream' }));
}

/**
 * Starts an operation in the page and returns at once; progress lands in `window.__loaded` (bytes),
 * completion in `window.__outcome`. `kind` picks the call; `arg` is its request.
 */
export async function startOperation(page: Page, kind: 'save' | 'import' | 'export' | 'delete' | 'deleteMany' | 'emptyTrash', arg: unknown) {
	await page.evaluate(
		async ({ kind, arg }) => {
			const state = window as unknown as { __loaded: number; __outcome?: string };
			state.__loaded = 0;
			const shelf = window.modelShelf!;
			const progress = shelf.callback((report: { loaded: number }) => void (state.__loaded = report.loaded));
			const request = arg as Record<string, unknown>;
			let running: Promise<unknown>;
			if (kind === 'save') {
				const files = (request.files as Array<{ path: string; size: number; seed: number }>).map((file) => ({ path: file.path, data: seeded(file.size, file.seed) }));
				running = shelf.api.save({ ...(request as object), files } as never, progress);
			} else if (kind === 'import') {
				const blob = await (await fetch(`/__fault-files__/${request.name as string}`)).blob();
				running = shelf.api.importBundle({ file: new File([blob], request.name as string) }, progress);
			} else if (kind === 'export') running = shelf.api.exportBundle({ tag: request.tag as string }, progress);
			else if (kind === 'deleteMany') running = shelf.api.deleteMany({ tags: request.tags as string[] }, progress);
			else if (kind === 'emptyTrash') running = shelf.api.emptyTrash({});
			else running = shelf.api.delete({ tag: request.tag as string });
			running.then(() => (state.__outcome = 'done'), (error: { code?: string }) => (state.__outcome = error.code ?? 'error'));

			function seeded(size: number, seed: number): Blob {
				let s = seed >>> 0 || 1;
				const parts: Uint8Array<ArrayBuffer>[] = [];
				for (let left = size; left > 0; left -= 1 << 20) {
					const piece = new Uint8Array(Math.min(left, 1 << 20));
					const words = new Uint32Array(piece.buffer, 0, piece.byteLength >>> 2);
					for (let i = 0; i < words.length; i++) {
						s ^= s << 13;
						s ^= s >>> 17;
						s ^= s << 5;
						words[i] = s >>> 0;
					}
					parts.push(piece);
				}
				return new Blob(parts);
			}
		},
		{ kind, arg }
	);
}

/** Crashes the tab (its workers die with it) once the running operation reported `bytes`, or when it ended. */
export async function closeTabAt(page: Page, bytes: number) {
	await page.waitForFunction(
		(bytes) => {
			const state = window as unknown as { __loaded: number; __outcome?: string };
			return state.__loaded >= bytes || state.__outcome !== undefined;
		},
		bytes,
		{ polling: 5 }
	);
	await page.close();
}

/** One version the test may or may not have completed: its tag, creation order and exact files. */
export interface Attempt {
	tag: string;
	files: SeededFile[];
}

/**
 * Reopens the shelf in a new tab and checks everything a user relies on after a crash: each attempted
 * version is complete on the shelf, whole in the trash, or absent (never in both), `latest` names the newest
 * version that exists, every stored file re-hashes to its digest, and fsck leaves no temporary file and
 * exactly the blobs the shelf and the trash reference (and, of `keptForPull`, those an interrupted pull stored whole).
 * @returns the reopened tab, which attempts were committed (on the shelf) and which are in the trash
 */
export async function reopenAndCheck(context: BrowserContext, attempts: Attempt[], where: string, keptForPull: string[] = []) {
	const page = await context.newPage();
	await openShelf(page);
	const { now, startup } = await page.evaluate(() => window.modelShelf!.api.fsck());
	expect(startup.missingBlobs, where).toEqual([]);
	expect(now, where).toEqual({ tempFilesRemoved: 0, orphanBlobsRemoved: [], missingBlobs: [] });
	const all = await page.evaluate(async () => {
		const items = [];
		let cursor: string | null = null;
		do {
			const page: Awaited<ReturnType<NonNullable<typeof window.modelShelf>['api']['list']>> = await window.modelShelf!.api.list({ limit: 1000, cursor });
			items.push(...page.items);
			cursor = page.next;
		} while (cursor !== null);
		return items;
	});
	const trashed = new Set((await page.evaluate(() => window.modelShelf!.api.listTrash())).items.map((item) => item.tag));
	const onShelf = new Set(all.map((item) => item.tag));
	expect([...trashed].filter((tag) => onShelf.has(tag)), `${where}: no version both on the shelf and in the trash`).toEqual([]);
	const trashedBlobs = attempts.filter((attempt) => trashed.has(attempt.tag)).flatMap((attempt) => attempt.files.map((file) => file.sha256));
	const committed: string[] = [];
	for (const attempt of attempts) {
		const record = all.find((item) => item.tag === attempt.tag);
		if (!record) continue;
		committed.push(attempt.tag);
		const byPath = (a: { path: string }, b: { path: string }) => (a.path < b.path ? -1 : 1);
		expect(record.files.map(({ path, size, sha256 }) => ({ path, size, sha256 })), `${where}: ${attempt.tag} whole`).toEqual(
			attempt.files.map(({ path, size, sha256 }) => ({ path, size, sha256 })).sort(byPath)
		);
	}
	for (const name of new Set(all.map((item) => item.name))) {
		const newest = all.filter((item) => item.name === name).sort((a, b) => (a.createdKey < b.createdKey ? 1 : -1))[0]!;
		expect((await page.evaluate((name) => window.modelShelf!.api.get({ tag: name }), name)).tag, `${where}: ${name}:latest`).toBe(newest.tag);
	}
	expect((await page.evaluate(() => window.modelShelf!.api.verify({}))).problems, where).toEqual([]);
	expect(await opfsFiles(page, 'tmp'), where).toEqual([]);
	const stored = await storedBlobs(page);
	const kept = keptForPull.filter((sha256) => stored.includes(sha256)); // may be kept: a parallel download may or may not have finished
	expect(stored, where).toEqual([...new Set([...all.flatMap((item) => item.files.map((file) => file.sha256)), ...trashedBlobs, ...kept])].sort());
	return { page, committed, trashed };
}

/** The quota a {@link browserQuota} origin starts with: room for a test's first versions, little enough for one probe write to exceed. */
const START_QUOTA = 32 * MiB;

/**
 * The browser's own quota for the app's origin, set through CDP `Storage.overrideQuotaForOrigin` (issue 22):
 * the app's own limit stays off, so what fails is the browser's `QuotaExceededError`. Call it before the app
 * first opens: Chromium's IndexedDB remembers the room it last asked the quota manager for (up to 30 s,
 * `BucketContext::kBucketSpaceCacheTimeLimit`) and asks again only for a write larger than that, so the test
 * starts small and {@link limit} makes one such write.
 * @param page a tab, before it opens the app
 * @param origin the app's origin (the test's `baseURL`)
 */
export async function browserQuota(page: Page, origin: string) {
	const cdp = await page.context().newCDPSession(page);
	await cdp.send('Storage.overrideQuotaForOrigin', { origin, quotaSize: START_QUOTA });
	/** The origin's usage as the quota manager counts it (the number the override is compared with). */
	const usage = async () => ((await cdp.send('Storage.getUsageAndQuota', { origin })) as { usage: number }).usage;
	return {
		usage,
		/**
		 * Leaves `room` bytes free (negative: already over), and makes IndexedDB see it at once. Says whether
		 * IndexedDB then refuses a write: Chromium 150 (Debian's in December 2026) applies the override to OPFS but
		 * not to IndexedDB, where 156 applies it to both.
		 */
		async limit(room: number) {
			await cdp.send('Storage.overrideQuotaForOrigin', { origin, quotaSize: Math.max(1, (await usage()) + room) });
			const refused = await page.evaluate(async (size) => {
				const open = indexedDB.open('quota-probe');
				open.onupgradeneeded = () => open.result.createObjectStore('probe');
				const db = await new Promise<IDBDatabase>((resolve, reject) => ((open.onsuccess = () => resolve(open.result)), (open.onerror = () => reject(open.error))));
				const tx = db.transaction('probe', 'readwrite');
				tx.objectStore('probe').put(new Uint8Array(size), 1);
				const outcome = await new Promise<string>((resolve) => ((tx.oncomplete = () => resolve('stored')), (tx.onabort = () => resolve(tx.error?.name ?? 'aborted'))));
				db.close();
				await new Promise((resolve) => (indexedDB.deleteDatabase('quota-probe').onsuccess = resolve));
				return outcome;
			}, START_QUOTA + MiB);
			return { indexedDbRefuses: refused === 'QuotaExceededError' };
		},
		/** Back to the browser's normal quota. */
		async lift() {
			await cdp.send('Storage.overrideQuotaForOrigin', { origin });
		}
	};
}
