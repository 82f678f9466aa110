// The example: a page that keeps a Hugging Face model (through the transformers.js cache adapter) and a TF.js
// Layers model (through the IOHandler) on its own shelf. Everything comes from the package, as an app would use it.
import { openShelf, type ShelfError } from 'model-shelf';
import { shelfCache } from 'model-shelf/transformers';
import { shelfIOHandler } from 'model-shelf/tfjs';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { loadLayersModel } from '@tensorflow/tfjs-layers';
import { loadResourceFile } from './transformers-hub.ts';

/** transformers.js's `env` as far as the cache uses it; this app serves the "hub" itself under /hub/. */
const env = { remoteHost: `${location.origin}/hub/`, remotePathTemplate: '{model}/resolve/{revision}/', localModelPath: '/models/' };
const MODEL = 'shelf-tests/mlp';
const FILES = ['config.json', 'onnx/model.onnx'];
const INPUT = { dims: [3, 4] as [number, number], data: [1, 2, 3, 4, -1, 0.5, 0, 2, 0, 0, 0, 0] };

const shelf = openShelf();
// The Hugging Face model is pinned to hf-mlp:1: the first load saves what it downloads as that version.
const cache = shelfCache(shelf, { [MODEL]: 'hf-mlp:1' }, env);
const status = document.querySelector('#status')!;
const output = document.querySelector('#output')!;

async function sha256(bytes: Uint8Array<ArrayBuffer>): Promise<string> {
	return Array.from(new Uint8Array(await crypto.subtle.digest('SHA-256', bytes)), (byte) => byte.toString(16).padStart(2, '0')).join('');
}

/** Loads a model's files the way transformers.js does, then saves what was downloaded as the pinned version. */
async function loadHubModel(model = MODEL) {
	const files = [];
	for (const file of FILES) {
		const loaded = await loadResourceFile(cache, env, model, file);
		files.push({ file, size: loaded.bytes.byteLength, sha256: await sha256(loaded.bytes as Uint8Array<ArrayBuffer>), fromCache: loaded.fromCache, contentLength: loaded.contentLength });
	}
	return { files, committed: await cache.commit() };
}

async function importTfjs(): Promise<void> {
	const names = ['model.json', 'group1-shard1of2.bin', 'group1-shard2of2.bin'];
	const files = await Promise.all(
		names.map(async (path) => {
			const response = await fetch(`./samples/tfjs/${path}`);
			if (!response.ok) throw new Error(`${path}: HTTP ${response.status}`);
			return { path, data: await response.blob() };
		})
	);
	const { record } = await shelf.save({ name: 'dense', version: '1', files });
	await shelf.setAlias({ name: 'dense', alias: 'prod', version: record.version });
}

async function predict(reference: string): Promise<number[][]> {
	const model = await loadLayersModel(shelfIOHandler(shelf, reference));
	const y = model.predict(tf.tensor2d(INPUT.data, INPUT.dims)) as tf.Tensor2D;
	const values = await y.array();
	tf.dispose([y]);
	model.dispose();
	return values;
}

/** Predicts with `dense@prod`, saves that model through the IOHandler as `dense:2`, and predicts with the copy. */
async function runTfjs() {
	await tf.setBackend('cpu');
	const prod = await predict('dense@prod');
	const model = await loadLayersModel(shelfIOHandler(shelf, 'dense@prod'));
	await model.save(shelfIOHandler(shelf, 'dense:2'));
	model.dispose();
	const saved = (await shelf.resolve('dense:2')).files.map((file) => file.path);
	return { prod, saved, copy: await predict('dense:2') };
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
		example?: { shelf: typeof shelf; cache: typeof cache; shelfCache: typeof shelfCache; shelfIOHandler: typeof shelfIOHandler; loadHubModel: typeof loadHubModel; env: typeof env };
	}
}
// For scripting from DevTools (and the test).
window.example = { shelf, cache, shelfCache, shelfIOHandler, loadHubModel, env };

button('hub', () => loadHubModel());
button('import-tfjs', importTfjs);
button('tfjs', runTfjs);
