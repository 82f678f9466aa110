// The journeys a user relies on, the same steps in the same order on every engine (issue 24). Pages are read as
// rendered (the Models list under a filter, the version page, offline); import, export, delete and push/pull go
// through the app's own `window.modelShelf.api`, because handing files to a file input and catching a download
// differ per driver (WebDriver classic has neither a download event nor puppeteer's uploadFile). Writes follow
// navigations, and one journey leaves a page in the middle of a write: WebKitGTK 2.50 and Chromium 150 keep a left
// page's worker suspended in their back/forward cache with the write lock and IndexedDB transactions it held, so the
// app ends its worker when the page is hidden (src/lib/client/shelf.ts); without that, every later write waits.
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const fixtures = fileURLToPath(new URL('../fixtures/bentoml/', import.meta.url));
/** @type {{ bundles: Array<{ tag: string, file: string, labels: Record<string, string>, files: Array<{ path: string, size: number, sha256: string }> }> }} */
const expected = JSON.parse(readFileSync(join(fixtures, 'expected.json'), 'utf8'));
const [FRAUD, SPEECH] = /** @type {[typeof expected.bundles[0], typeof expected.bundles[0]]} */ (expected.bundles);

/**
 * @typedef {object} Context
 * @property {import('./driver.mjs').Driver} driver
 * @property {string} app the app's origin
 * @property {string} registry the registry's URL
 * @property {() => Promise<void>} stopApp closes the static server (the network is gone for the app)
 * @property {() => Promise<void>} startApp serves the app again on the same port
 * @property {string} workDir a folder for exported files
 * @property {Record<string, unknown>} facts what the run learnt, for the report (storage kind)
 */

/** @type {Array<{ name: string, run: (context: Context) => Promise<void> }>} */
export const journeys = [
	{
		name: 'import BentoML bundles (.zip and .bentomodel tar.xz)',
		async run({ driver, app, facts }) {
			await open(driver, `${app}/`);
			facts.storage = (await driver.run(() => window.modelShelf.api.usage())).storage.kind;
			for (const bundle of [FRAUD, SPEECH]) {
				const base64 = readFileSync(join(fixtures, bundle.file)).toString('base64');
				const result = await driver.run(
					async ({ name, base64 }) => {
						const bytes = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
						const { status, record } = await window.modelShelf.api.importBundle({ file: new File([bytes], name) });
						return { status, tag: record.tag, files: record.files.map((file) => ({ path: file.path, size: file.size, sha256: file.sha256 })) };
					},
					{ name: bundle.file, base64 }
				);
				equal(result, { status: 'created', tag: bundle.tag, files: byPath(bundle.files) }, `import of ${bundle.file}`, (r) => ({ ...r, files: byPath(r.files) }));
			}
		}
	},
	{
		name: 'list and filter the Models page (label selector, search)',
		async run({ driver, app }) {
			await open(driver, `${app}/`);
			await rowsShow(driver, [SPEECH.tag, FRAUD.tag], 'the whole shelf, newest first');
			await open(driver, `${app}/?selector=${encodeURIComponent('stage=production')}`);
			await rowsShow(driver, [FRAUD.tag], 'selector stage=production');
			await open(driver, `${app}/?q=speech`);
			await rowsShow(driver, [SPEECH.tag], 'search "speech"');
		}
	},
	{
		name: 'open a version page (tag, files with their SHA-256)',
		async run({ driver, app }) {
			const [name, version] = SPEECH.tag.split(':');
			await open(driver, `${app}/models/${name}/${version}`);
			const shown = await poll(driver, () => ({ tag: document.querySelector('[data-testid="version-tag"]')?.textContent ?? null, text: document.body.innerText }), (page) => page.tag === SPEECH.tag && SPEECH.files.every((file) => page.text.includes(file.sha256)));
			if (!shown) throw new Error(`the version page never showed ${SPEECH.tag} and its files' SHA-256`);
		}
	},
	{
		name: 'export a version (the file the page offers as a download); Python reads the zip',
		async run({ driver, workDir, facts }) {
			const exported = await driver.run(async (tag) => {
				const { name, file } = await window.modelShelf.api.exportBundle({ tag });
				const bytes = new Uint8Array(await file.arrayBuffer());
				let binary = '';
				for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
				return { name, base64: btoa(binary) };
			}, SPEECH.tag);
			const path = join(workDir, `${driver.name.replace(/\W+/g, '-')}-${exported.name}`);
			writeFileSync(path, Buffer.from(exported.base64, 'base64'));
			facts.exportPath = path;
			const inZip = readZip(path).filter((file) => file.path !== 'model.yaml');
			equal(byPath(inZip), byPath(SPEECH.files), `files in the exported ${exported.name}`);
		}
	},
	{
		name: 'delete a version (trash, then emptied); the shelf no longer lists it',
		async run({ driver }) {
			const removed = await driver.run(async (tag) => {
				await window.modelShelf.api.delete({ tag });
				return (await window.modelShelf.api.emptyTrash({})).removed;
			}, SPEECH.tag);
			equal(removed, [SPEECH.tag], 'emptied from the trash');
			const left = await driver.run(async () => (await window.modelShelf.api.list({})).items.map((item) => item.tag));
			equal(left, [FRAUD.tag], 'the shelf after the delete');
		}
	},
	{
		name: 'the exported bundle re-imports to the same tag and files',
		async run({ driver, facts }) {
			if (typeof facts.exportPath !== 'string') throw new Error('no export to re-import (the export journey failed)');
			const base64 = readFileSync(facts.exportPath).toString('base64');
			const result = await driver.run(async (base64) => {
				const bytes = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
				const { status, record } = await window.modelShelf.api.importBundle({ file: new File([bytes], 'exported.zip') });
				return { status, tag: record.tag, files: record.files.map((file) => ({ path: file.path, size: file.size, sha256: file.sha256 })) };
			}, base64);
			equal({ ...result, files: byPath(result.files) }, { status: 'created', tag: SPEECH.tag, files: byPath(SPEECH.files) }, 're-import of the export');
		}
	},
	{
		name: 'push to a real registry, delete, pull back the same files',
		async run({ driver, registry }) {
			const namespace = `engines-${driver.name.toLowerCase().replace(/\W+/g, '')}`;
			const result = await driver.run(
				async ({ registry, namespace, tag }) => {
					const api = window.modelShelf.api;
					await api.setRemote({ url: registry, namespace });
					const pushed = (await api.push({ tag })).status;
					await api.delete({ tag });
					await api.emptyTrash({});
					const pulled = await api.pull({ reference: tag });
					const problems = (await api.verify({})).problems.length;
					return { pushed, pulled: pulled.status, files: pulled.record.files.map((file) => ({ path: file.path, size: file.size, sha256: file.sha256 })), problems };
				},
				{ registry, namespace, tag: FRAUD.tag }
			);
			equal({ ...result, files: byPath(result.files) }, { pushed: 'pushed', pulled: 'created', files: byPath(FRAUD.files), problems: 0 }, 'push, delete, pull');
		}
	},
	{
		name: 'a page left in the middle of a write: a write on the next page completes, and the store verifies clean',
		async run({ driver, app }) {
			await open(driver, `${app}/`);
			// Saves one after another until the page goes, each a new 16 MiB version: once one is stored, the page is
			// left while the next is being written (or, rarely, between two), whatever the engine's speed.
			await driver.run(() => {
				const state = (window.__saving = { stored: 0, error: null });
				const bytes = new Uint8Array(16 << 20);
				for (let i = 0, x = 1; i < bytes.length; i += 4) bytes[i] = (x = (Math.imul(x, 1103515245) + 12345) | 0) >>> 16;
				void (async () => {
					for (let n = 0; ; n++) {
						new DataView(bytes.buffer).setUint32(0, n); // a new version's own content
						await window.modelShelf.api.save({ name: 'left-mid-write', version: `v${n}`, files: [{ path: 'w.bin', data: new Blob([bytes]) }] });
						state.stored++;
					}
				})().catch((error) => void (state.error = String(error)));
			});
			const underWay = await poll(driver, () => window.__saving, (state) => state.error !== null || state.stored >= 1);
			if (!underWay || underWay.error) throw new Error(`the saves never got under way: ${JSON.stringify(underWay)}`);
			// The writing worker, as the browser knows it: the client holding the write lock.
			const writer = await poll(driver, heldWriteLocks, (held) => held.length > 0);
			if (!writer) throw new Error('the saving page never held the write lock');
			await open(driver, `${app}/?after=leaving-mid-write`);
			// The left page's worker ended with it. A worker kept suspended in the back/forward cache would hold the
			// lock until another writer takes it over (10 s of unanswered probes, lock-lease.ts), and the IndexedDB
			// transactions it had open for good. The poll's bound ends before any writer on this page could steal.
			const stillHeld = await poll(driver, heldWriteLocks, (held) => !held.includes(writer[0]), true, 8000);
			if (stillHeld?.includes(writer[0])) throw new Error('the left page\'s worker still holds the write lock on the next page (it was not ended with its page)');
			const after = await driver.run(async () => {
				const api = window.modelShelf.api;
				const started = performance.now();
				const { status } = await api.save({ name: 'after-leaving', version: 'v1', files: [{ path: 'w.bin', data: new Blob(['written after a page left mid-write']) }] });
				const waitedMs = Math.round(performance.now() - started);
				const { startup, now } = await api.fsck();
				const { problems } = await api.verify({});
				const stored = (await api.list({})).items.filter((item) => item.name === 'left-mid-write').length;
				return { status, waitedMs, missing: [...startup.missingBlobs, ...now.missingBlobs], leftNow: now.tempFilesRemoved + now.orphanBlobsRemoved.length, problems, stored };
			});
			const { waitedMs, stored, ...shelf } = after;
			console.log(`      the write on the next page waited ${(waitedMs / 1000).toFixed(1)} s`);
			// The version being written when the page went is absent, or whole (verify re-hashes every stored file).
			equal(shelf, { status: 'created', missing: [], leftNow: 0, problems: [] }, 'the shelf after leaving a page mid-write');
			if (stored < underWay.stored) throw new Error(`${underWay.stored} versions were stored before the page was left, ${stored} are listed after`);
		}
	},
	{
		name: 'offline: with the server gone, a reload opens the app from the service worker with the shelf',
		async run({ driver, app, stopApp, startApp }) {
			await open(driver, `${app}/`);
			const controlled = await poll(driver, () => navigator.serviceWorker?.controller !== null && navigator.serviceWorker?.controller !== undefined, (yes) => yes);
			if (!controlled) throw new Error('no service worker took control of the page');
			await stopApp();
			try {
				await open(driver, `${app}/?selector=${encodeURIComponent('stage=production')}`);
				await rowsShow(driver, [FRAUD.tag], 'offline, selector stage=production');
			} finally {
				await startApp();
			}
		}
	}
];

/** Navigates and waits until the shelf's worker API is there. */
async function open(driver, url) {
	await driver.goto(url);
	if (!(await poll(driver, () => window.modelShelf !== undefined, (yes) => yes))) throw new Error(`${url} never exposed window.modelShelf`);
}

/** Waits until the Models table's rows link exactly `tags`, in order. */
async function rowsShow(driver, tags, what) {
	const read = () => [...document.querySelectorAll('[data-testid="version-row"]')].map((row) => row.querySelector('a')?.textContent?.trim() ?? '');
	const last = await poll(driver, read, (shown) => JSON.stringify(shown) === JSON.stringify(tags), true);
	if (JSON.stringify(last) !== JSON.stringify(tags)) throw new Error(`${what}: the table shows ${JSON.stringify(last)}, expected ${JSON.stringify(tags)}`);
}

/** In the page: the clients holding the shelf's write lock (coordination.ts's LOCK_NAME), as Web Locks reports them. */
const heldWriteLocks = async () => ((await navigator.locks?.query())?.held ?? []).filter((lock) => lock.name === 'model-shelf:write').map((lock) => lock.clientId);

/**
 * Reads `read()` in the page until `done` holds (`boundMs`, 30 s unless told: a bound on a hang, not a timing assertion).
 * @returns the last value read, or null when `done` never held (unless `returnLast`)
 */
async function poll(driver, read, done, returnLast = false, boundMs = 30_000) {
	let value = null;
	for (let i = 0; i < boundMs / 200; i++) {
		value = await driver.run(read).catch(() => null);
		if (value !== null && done(value)) return value;
		await new Promise((resolve) => setTimeout(resolve, 200));
	}
	return returnLast ? value : null;
}

/** Python's zipfile (an independent reader): every file's path, size and SHA-256. */
function readZip(path) {
	const script = 'import hashlib, json, sys, zipfile\nwith zipfile.ZipFile(sys.argv[1]) as z:\n    assert z.testzip() is None\n    print(json.dumps([{"path": i.filename, "size": i.file_size, "sha256": hashlib.sha256(z.read(i)).hexdigest()} for i in z.infolist() if not i.is_dir()]))';
	return JSON.parse(execFileSync(process.env.SHELF_PYTHON ?? 'python3', ['-c', script, path], { encoding: 'utf8' }));
}

const byPath = (files) => [...files].sort((a, b) => a.path.localeCompare(b.path));

function equal(actual, wanted, what, normalize = (x) => x) {
	const a = canonical(normalize(actual));
	const b = canonical(wanted);
	if (a !== b) throw new Error(`${what}: got ${a}, expected ${b}`);
}

/** JSON with object keys sorted: WebDriver classic hands objects back with their keys in another order. */
function canonical(value) {
	return JSON.stringify(value, (_, v) => (v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => a.localeCompare(b))) : v));
}
