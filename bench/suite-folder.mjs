// Issue 18: opening a BentoML store folder of 100 versions × 5 files. The folder is laid out in OPFS inside the
// page as BentoML's store lays it out (`models/<name>/<version>/` with model.yaml, `<name>/latest`), and the
// app's `importFolder` is timed on its directory handle, the same code path as a folder the user picked:
// a first open (every version created; the shelf emptied between repetitions), opening it again (every version
// unchanged: read and hashed, nothing written) and "Check for new versions" (onlyNew: nothing read).
// In a persistent profile on disk (bench/persistent.mjs), as users run it.
import { withProfile } from './persistent.mjs';

const KIB = 1024;
const MODELS = 10;
const VERSIONS_PER_MODEL = 10;
const ROOT = 'bench-bentoml-home';

/**
 * @param {object} env `{ url, log, executablePath, profileParent }`
 * @param {object} options `{ quick, reps }`
 */
export function runFolder(env, options) {
	return withProfile(env, ({ context }) => folderIn(context, env, options));
}

async function folderIn(context, env, options) {
	const { url, log } = env;
	// The weights file of each version; the other four are small (config, tokenizer, README, custom objects).
	const weights = options.quick ? 64 * KIB : 1024 * KIB;
	const page = await context.newPage();
	await page.goto(`${url}/`);
	await page.waitForFunction(() => window.modelShelf !== undefined);
	log(`Laying out a BentoML store of ${MODELS * VERSIONS_PER_MODEL} versions × 5 files in OPFS`);
	const layout = await page.evaluate(_layOut, { root: ROOT, models: MODELS, versionsPerModel: VERSIONS_PER_MODEL, weights });
	const versions = MODELS * VERSIONS_PER_MODEL;
	const sizeText = (ms) => `${versions} versions × 5 files, ${(layout.bytes / KIB / KIB).toFixed(1)} MiB; ${Math.round(versions / (ms / 1000))} versions/s`;
	const median = (samples) => [...samples].sort((a, b) => a - b)[samples.length >> 1];

	const samples = { created: [], unchanged: [], onlyNew: [] };
	for (let rep = 1; rep <= options.reps; rep++) {
		const created = await page.evaluate(_timedImport, { root: ROOT, onlyNew: false });
		_expectAll(created, 'created', versions);
		samples.created.push(created.ms);
		const unchanged = await page.evaluate(_timedImport, { root: ROOT, onlyNew: false });
		_expectAll(unchanged, 'unchanged', versions);
		samples.unchanged.push(unchanged.ms);
		const onlyNew = await page.evaluate(_timedImport, { root: ROOT, onlyNew: true });
		_expectAll(onlyNew, 'present', versions);
		samples.onlyNew.push(onlyNew.ms);
		log(`  rep ${rep}: open ${created.ms.toFixed(0)} ms, again ${unchanged.ms.toFixed(0)} ms, check for new ${onlyNew.ms.toFixed(0)} ms`);
		// A trashed tag stays reserved: empty the trash, so the next repetition creates every version again.
		await page.evaluate(async () => {
			const { items } = await window.modelShelf.api.list({ limit: 1000 });
			await window.modelShelf.api.deleteMany({ tags: items.map((item) => item.tag) });
			await window.modelShelf.api.emptyTrash({});
		});
	}
	const row = (id, label, list) => ({ id, label, samples: list, target: null, bytes: id === 'folder-check-new' ? undefined : layout.bytes, sizeText: sizeText(median(list)) });
	return {
		rows: [
			row('folder-open', 'open a BentoML store folder (all new)', samples.created),
			row('folder-open-again', 'open the same folder again (all unchanged)', samples.unchanged),
			row('folder-check-new', 'check for new versions (onlyNew, none)', samples.onlyNew)
		]
	};
}

function _expectAll(outcome, status, count) {
	if (outcome.refused > 0 || outcome.counts[status] !== count) throw new Error(`Expected ${count} versions ${status}, got ${JSON.stringify(outcome)}.`);
}

/** In the page: `models/<name>/<version>/` × 5 files each, model.yaml as BentoML writes it, `<name>/latest`. */
async function _layOut({ root, models, versionsPerModel, weights }) {
	const home = await (await navigator.storage.getDirectory()).getDirectoryHandle(root, { create: true });
	const store = await home.getDirectoryHandle('models', { create: true });
	const write = async (dir, name, data) => {
		const writable = await (await dir.getFileHandle(name, { create: true })).createWritable();
		await writable.write(data);
		await writable.close();
		return typeof data === 'string' ? new TextEncoder().encode(data).byteLength : data.byteLength;
	};
	let bytes = 0;
	let seed = 1;
	for (let m = 0; m < models; m++) {
		const name = `bench_model_${m}`;
		const model = await store.getDirectoryHandle(name, { create: true });
		let version = '';
		for (let v = 0; v < versionsPerModel; v++) {
			version = `v${String(v).padStart(4, '0')}${'a'.repeat(12)}`;
			const folder = await model.getDirectoryHandle(version, { create: true });
			const created = new Date(Date.UTC(2025, 10, 1 + v, m)).toISOString().replace('Z', '+00:00').replace('.000', '');
			await write(folder, 'model.yaml', `name: ${name}\nversion: ${version}\nmodule: bentoml.pytorch\nlabels:\n  stage: dev\noptions: {}\nmetadata:\n  accuracy: 0.9\ncontext:\n  framework_name: torch\n  framework_versions:\n    torch: 2.5.1\n  bentoml_version: 1.3.20\n  python_version: 3.11.7\nsignatures:\n  __call__:\n    batchable: false\napi_version: v1\ncreation_time: '${created}'\n`);
			const data = new Uint8Array(weights);
			const view = new Uint32Array(data.buffer);
			let state = seed++;
			for (let i = 0; i < view.length; i++) view[i] = state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
			bytes += await write(folder, 'model.bin', data);
			bytes += await write(folder, 'config.json', `{"model": "${name}", "version": "${version}"}\n`);
			bytes += await write(folder, 'tokenizer.json', '{"vocab": ["<pad>", "<unk>", "a", "b"]}\n');
			bytes += await write(folder, 'README.md', `# ${name}\n`);
			bytes += await write(folder, 'custom_objects.pkl', new Uint8Array([0x80, 0x05, 0x7d, 0x94, 0x2e]));
		}
		await write(model, 'latest', version);
	}
	return { bytes };
}

/** In the page: one `importFolder` on the OPFS folder's handle, timed around the awaited call. */
async function _timedImport({ root, onlyNew }) {
	const handle = await (await navigator.storage.getDirectory()).getDirectoryHandle(root);
	const started = performance.now();
	const result = await window.modelShelf.api.importFolder({ folder: { handle }, onlyNew });
	const ms = performance.now() - started;
	const counts = {};
	for (const version of result.versions) counts[version.status] = (counts[version.status] ?? 0) + 1;
	return { ms, counts, refused: result.refused.length };
}
