// "Try it" (issue 23): onnxruntime-web in a dedicated worker of its own, started only when a person asks to try a
// model, so neither the page nor the shelf's worker ever loads it. The page hands over the model as disk-backed Files
// (structured clone of a File copies no bytes) and typed-in tensors; images are decoded and resized here.
// The wasm-only build: 77 kB of JS and one 15 MB .wasm (the default build adds WebGPU: 418 kB and a 30 MB .wasm).
import { expose } from 'comlink';
import { env, InferenceSession, Tensor } from 'onnxruntime-web/wasm';
import '../../bridge.ts';
import { ShelfError } from '../../core/errors.ts';
import { pixelsToTensor, type ImageLayout, type TensorInput } from '../../core/tensor-input.ts';
import { sessionFromFiles, type OnnxModelFiles } from '../../library/onnx-session.ts';

/** One output as the page shows it. */
export interface TensorOutput {
	type: string;
	dims: number[];
	data: ArrayLike<number | bigint | string | boolean>;
}

/** What a run is given: typed-in tensors, and image files to decode into their inputs. */
export interface RunRequest {
	tensors: Record<string, TensorInput>;
	images: Record<string, { file: Blob; layout: ImageLayout }>;
}

/** The worker's API. */
export interface InferenceApi {
	/** Creates the session (releasing any earlier one); `ms`: reading the graph and creating the session, wasm start included. */
	load(files: OnnxModelFiles): Promise<{ ms: number; threads: number }>;
	/** Runs the loaded session; `ms`: the run alone (images decoded before it). */
	run(request: RunRequest): Promise<{ outputs: Record<string, TensorOutput>; ms: number }>;
}

// Threads need SharedArrayBuffer, which only a cross-origin isolated page has (COOP + COEP headers; our server
// sends neither, so this is 1 there). Without them onnxruntime would try, warn and fall back anyway.
env.wasm.numThreads = self.crossOriginIsolated ? Math.min(4, navigator.hardwareConcurrency || 1) : 1;

let session: InferenceSession | null = null;

const api: InferenceApi = {
	async load(files) {
		await session?.release();
		session = null;
		const started = performance.now();
		try {
			session = await sessionFromFiles(InferenceSession, files, { executionProviders: ['wasm'] });
		} catch (error) {
			// onnxruntime starts its backend in the first create; "no available backend" is its .wasm not loading, which
			// happens when Try it runs for the first time offline (the .wasm is cached at first use), not a bad model.
			const cause = error instanceof ShelfError && error.cause instanceof Error ? error.cause.message : '';
			if (!/no available backend/i.test(cause)) throw error;
			throw new ShelfError('REMOTE_UNREACHABLE', `onnxruntime-web's WebAssembly could not be loaded (${cause}): it comes from this app the first time Try it runs, then works offline. Run it once while online.`, { offline: true, path: 'ort-wasm-simd-threaded.wasm' }, { cause: error });
		}
		return { ms: performance.now() - started, threads: env.wasm.numThreads ?? 1 };
	},

	async run({ tensors, images }) {
		if (!session) throw new ShelfError('NOT_FOUND', 'No model is loaded in this Try it session: press Load first.', {});
		const feeds: Record<string, Tensor> = {};
		for (const [name, tensor] of Object.entries(tensors)) feeds[name] = new Tensor(tensor.type, tensor.data, tensor.dims);
		for (const [name, { file, layout }] of Object.entries(images)) {
			const tensor = pixelsToTensor(await _pixels(name, file, layout), layout);
			feeds[name] = new Tensor(tensor.type, tensor.data, tensor.dims);
		}
		const started = performance.now();
		let results: InferenceSession.OnnxValueMapType;
		try {
			results = await session.run(feeds);
		} catch (error) {
			const reason = error instanceof Error ? error.message : String(error);
			// onnxruntime names the input at fault in its message; the first input is only a fallback.
			const input = session.inputNames.find((name) => reason.includes(name)) ?? session.inputNames[0] ?? '';
			throw new ShelfError('INVALID_INPUT', `onnxruntime refused the inputs: ${reason} (check each input's shape and values against the table above).`, { input, reason: 'runtime-refused' }, { cause: error });
		}
		const ms = performance.now() - started;
		const outputs: Record<string, TensorOutput> = {};
		for (const [name, value] of Object.entries(results)) {
			// A copy: the tensor's own data may be freed with it.
			outputs[name] = { type: value.type, dims: [...value.dims], data: (value.data as Float32Array | string[]).slice() };
			value.dispose();
		}
		return { outputs, ms };
	}
};

/** An image file's RGBA pixels at the input's H×W (resized only when it is another size), colours as stored. */
async function _pixels(input: string, file: Blob, { width, height }: ImageLayout): Promise<Uint8ClampedArray> {
	let bitmap: ImageBitmap;
	try {
		// No colour-space conversion: the model sees the file's own values, as Python's image libraries read them.
		bitmap = await createImageBitmap(file, { colorSpaceConversion: 'none', premultiplyAlpha: 'none' });
	} catch (error) {
		throw new ShelfError('INVALID_INPUT', `The file picked for input "${input}" is not an image this browser can decode: pick a PNG, JPEG, WebP or GIF.`, { input, reason: 'image', found: file.type || 'unknown type' }, { cause: error });
	}
	if (bitmap.width !== width || bitmap.height !== height) {
		const resized = await createImageBitmap(bitmap, { resizeWidth: width, resizeHeight: height, resizeQuality: 'high' });
		bitmap.close();
		bitmap = resized;
	}
	const canvas = new OffscreenCanvas(width, height);
	const context = canvas.getContext('2d')!;
	context.drawImage(bitmap, 0, 0);
	bitmap.close();
	return context.getImageData(0, 0, width, height).data;
}

expose(api);
