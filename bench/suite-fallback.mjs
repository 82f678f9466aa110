// The IndexedDB-only blob store (issue 24: browsers without OPFS) beside the OPFS store: import, export and save
// of the transfer suite's bundles, the same sizes, in two persistent profiles open side by side, one whose worker
// has no OPFS (scripts/worker-gaps.mjs), repetitions interleaved so that the machine's noise falls on both. Each
// IndexedDB row's ratio ("× OPFS") is the OPFS time ÷ its time in the same repetition (below 1: slower than OPFS).
import { basename } from 'node:path';
import { NO_OPFS, withoutInWorkers } from '../scripts/worker-gaps.mjs';
import { MemorySampler } from './cdp.mjs';
import { openApp, pickFiles, timedCall } from './page.mjs';
import { launchProfile } from './persistent.mjs';
import { profiled } from './profile.mjs';

/**
 * @param {object} env `{ url, log, executablePath, profileParent }`
 * @param {object} options `{ size, reps, profile }`
 * @param {object} bundles makeBundles() result for `options.size`
 */
export async function runFallback(env, options, bundles) {
	const opfs = await launchProfile(env.executablePath, env.profileParent);
	const idb = await launchProfile(env.executablePath, env.profileParent);
	try {
		await withoutInWorkers(idb.context, NO_OPFS);
		const pages = { opfs: await ready(opfs, env, bundles), idb: await ready(idb, env, bundles) };
		const kind = await pages.idb.page.evaluate(async () => (await window.modelShelf.api.usage()).storage.kind);
		if (kind !== 'indexeddb') throw new Error(`The fallback profile's worker still uses ${kind}: scripts/worker-gaps.mjs did not reach it.`);
		const rows = new Map();
		const memory = new Map();
		const size = options.size;
		for (let rep = 1; rep <= options.reps; rep++) {
			env.log(`IndexedDB store beside OPFS: repetition ${rep}/${options.reps} at ${size / 2 ** 20} MiB`);
			for (const op of OPS) {
				const ms = {};
				for (const store of ['opfs', 'idb']) {
					const { page, sampler } = pages[store];
					await sampler.start();
					ms[store] = await op.run(page, bundles);
					const peaks = await sampler.stop();
					if (store === 'idb') memory.set(op.id, { label: `${op.label} (IndexedDB only)`, size, ...maxOf(memory.get(op.id), peaks) });
				}
				const opfsRow = rows.get(`opfs-${op.id}`) ?? { id: `fallback-opfs-${op.id}`, label: `${op.label} (OPFS, beside the next row)`, size, bytes: size, samples: [] };
				const idbRow = rows.get(`idb-${op.id}`) ?? { id: `fallback-idb-${op.id}`, label: `${op.label} (IndexedDB only)`, size, bytes: size, samples: [], baselineSamples: [], compare: 'OPFS' };
				opfsRow.samples.push(ms.opfs);
				idbRow.samples.push(ms.idb);
				idbRow.baselineSamples.push(ms.opfs);
				rows.set(`opfs-${op.id}`, opfsRow).set(`idb-${op.id}`, idbRow);
				env.log(`  ${op.label}: IndexedDB ${(ms.idb / 1000).toFixed(2)} s, OPFS ${(ms.opfs / 1000).toFixed(2)} s`);
			}
		}
		const profiles = options.profile ? await profileIdb(pages.idb.page, idb.workers, bundles) : [];
		return { rows: [...rows.values()], memory: [...memory.values()], profiles };
	} finally {
		await Promise.all([opfs.close(), idb.close()]);
	}
}

// ---------------------------------------------------------------------------------------------------------

/** Each step leaves the shelf as it found it (a deleted version's tag is freed by emptying the trash). */
const OPS = [
	{ id: 'import-1', label: 'import zip, 1 stored file', run: (page, bundles) => timed(page, 'importBundle', {}, { file: basename(bundles.single), fileField: 'file' }, true) },
	{ id: 'export', label: 'export zip of that version', run: (page) => exportLatest(page) },
	{ id: 'save', label: 'save from a picked File', run: (page, bundles) => timed(page, 'save', { name: 'bench-fallback-save' }, { file: basename(bundles.payload), savePath: 'saved_model.bin' }, false) }
];

/** CPU profiles of the IndexedDB-only workers during one more import, export and save (not timed). */
async function profileIdb(page, workers, bundles) {
	const profiles = [];
	for (const op of OPS) profiles.push((await profiled(workers, `${op.label} (IndexedDB only)`, () => op.run(page, bundles))).profile);
	return profiles;
}

async function ready(profile, env, bundles) {
	const page = await profile.context.newPage();
	await openApp(page, `${env.url}/`);
	await pickFiles(page, [bundles.single, bundles.payload]);
	return { page, sampler: new MemorySampler(await profile.context.newCDPSession(page), profile.workers, profile.browserPid) };
}

/** Times a call; `keep` leaves the version for the next step (the export), which removes it. */
async function timed(page, method, request, options, keep) {
	const { ms, result } = await timedCall(page, method, request, options);
	if (!keep) await remove(page, result.tag);
	else await page.evaluate((tag) => (window.__benchLast = tag), result.tag);
	return ms;
}

/** Exports the version the last step stored (into OPFS `exports/` or a Blob), then removes it and its export. */
async function exportLatest(page) {
	const tag = await page.evaluate(() => window.__benchLast);
	const { ms } = await timedCall(page, 'exportBundle', { tag });
	await page.evaluate(async () => {
		const root = await navigator.storage.getDirectory();
		await root.removeEntry('exports', { recursive: true }).catch(() => undefined);
	});
	await remove(page, tag);
	return ms;
}

function remove(page, tag) {
	return page.evaluate(async (tag) => {
		await window.modelShelf.api.delete({ tag });
		await window.modelShelf.api.emptyTrash({ tags: [tag] });
	}, tag);
}

function maxOf(a, b) {
	return a ? Object.fromEntries(Object.keys(b).map((key) => [key, Math.max(a[key] ?? 0, b[key] ?? 0)])) : b;
}
