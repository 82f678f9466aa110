// The example: a page that puts two sample models on its shelf (one with its weights in an external-data file)
// and runs them through the onnxruntime-web adapter. Everything comes from the package, as an app would use it.
import { openShelf, type ShelfError } from 'model-shelf';
import { createSession } from 'model-shelf/onnxruntime';
import { Tensor } from 'onnxruntime-web';

/** The samples, served by this app next to it; on the shelf each file keeps only its name. */
const SAMPLES = [
	{ name: 'mlp', files: ['mlp.onnx'] },
	{ name: 'mlp-external', files: ['external/mlp.onnx', 'external/mlp.onnx.data'] }
];
const INPUT = { name: 'x', dims: [3, 4], data: [1, 2, 3, 4, -1, 0.5, 0, 2, 0, 0, 0, 0] };

const shelf = openShelf();
const status = document.querySelector('#status')!;
const output = document.querySelector('#output')!;

async function importSamples(): Promise<void> {
	for (const { name, files } of SAMPLES) {
		const incoming = await Promise.all(
			files.map(async (url) => {
				const response = await fetch(`./samples/${url}`);
				if (!response.ok) throw new Error(`${url}: HTTP ${response.status}`);
				return { path: url.split('/').at(-1)!, data: await response.blob() };
			})
		);
		const { record } = await shelf.save({ name, version: '1', files: incoming });
		await shelf.setAlias({ name, alias: 'prod', version: record.version });
	}
}

/** Runs each sample's `prod` version; `ms`: from asking the shelf for it to its outputs (onnxruntime's start included the first time). */
async function runSamples(): Promise<Record<string, { y: number[]; dims: readonly number[]; ms: number }>> {
	const results: Record<string, { y: number[]; dims: readonly number[]; ms: number }> = {};
	for (const { name } of SAMPLES) {
		const started = performance.now();
		const session = await createSession(shelf, `${name}@prod`, { executionProviders: ['wasm'] });
		const outputs = await session.run({ [INPUT.name]: new Tensor('float32', Float32Array.from(INPUT.data), INPUT.dims) });
		const y = outputs.y!;
		results[name] = { y: Array.from(y.data as Float32Array), dims: y.dims, ms: performance.now() - started };
		await session.release();
	}
	return results;
}

/** The file helpers on one stored file: the same bytes as a File, as a stream and through a (then revoked) object URL. */
async function describeFiles() {
	const tags = await Promise.all(['mlp', 'mlp:1', 'mlp@prod'].map(async (reference) => (await shelf.resolve(reference)).tag));
	const file = await shelf.file('mlp@prod', 'mlp.onnx');
	const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', await file.arrayBuffer()));
	let streamed = 0;
	const reader = (await shelf.stream('mlp@prod', 'mlp.onnx')).getReader();
	for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) streamed += chunk.value.byteLength;
	const url = await shelf.url('mlp@prod', 'mlp.onnx');
	const fetched = (await (await fetch(url)).arrayBuffer()).byteLength;
	URL.revokeObjectURL(url);
	const revoked = await fetch(url).then(() => false, () => true);
	const listed = (await shelf.list()).items.map((version) => version.tag).sort();
	return { tags, name: file.name, size: file.size, sha256: Array.from(digest, (byte) => byte.toString(16).padStart(2, '0')).join(''), streamed, fetched, revoked, listed };
}

function button(id: string, action: () => Promise<unknown>): void {
	document.querySelector(`#${id}`)!.addEventListener('click', async () => {
		status.textContent = 'Working…';
		try {
			const result = await action();
			output.textContent = JSON.stringify(result ?? null);
			status.textContent = 'Done.';
		} catch (error) {
			const { code, message } = error as ShelfError;
			status.textContent = `Failed: ${code ?? 'error'}: ${message}`;
		}
	});
}

declare global {
	interface Window {
		example?: { shelf: typeof shelf; createSession: typeof createSession };
	}
}
// For scripting from DevTools (and the test): `await example.shelf.list()`.
window.example = { shelf, createSession };

button('import', importSamples);
button('run', runSamples);
button('files', describeFiles);
