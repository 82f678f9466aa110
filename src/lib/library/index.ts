// The shelf as a library for other web apps (`import { openShelf } from 'model-shelf'`): the PWA's own client
// (src/lib/client/shelf.ts, the same worker and contract), plus ways to hand a stored file to a runtime.
// Built by `npm run build:lib` (vite.lib.config.ts); the store lives in the app's own origin (OPFS, IndexedDB).
import { shelf, type OperationControls, type ShelfClient } from '../client/shelf.ts';
import type { VersionRecord } from '../worker/contract.ts';

export type { OperationControls, ShelfClient };
export type * from '../worker/contract.ts';
export { ShelfError } from '../core/errors.ts';

/** The worker's API (see {@link ShelfClient}) and the file helpers a runtime needs. */
export interface Shelf extends ShelfClient {
	/** The version a reference names: `name` (its latest), `name:version`, `name:latest` or `name@alias`. */
	resolve(reference: string): Promise<VersionRecord>;
	/** A stored file as a disk-backed `File` (its bytes are read from the shelf's storage when asked for, not copied). */
	file(reference: string, path: string): Promise<File>;
	/** A stored file's bytes as a stream, read from disk as it is consumed. */
	stream(reference: string, path: string): Promise<ReadableStream<Uint8Array>>;
	/** An object URL for a stored file (for `fetch`, `<img>`, a runtime that wants a URL); `URL.revokeObjectURL` it when done. */
	url(reference: string, path: string): Promise<string>;
}

let opened: Shelf | undefined;

/**
 * Opens the shelf of this origin, starting its worker on first use (browser only; one shelf per page).
 * @example
 * const shelf = openShelf();
 * await shelf.save({ name: 'mlp', version: '1', files: [{ path: 'mlp.onnx', data: file }] });
 * const model = await shelf.file('mlp@prod', 'mlp.onnx');
 */
export function openShelf(): Shelf {
	if (opened) return opened;
	const client = shelf();
	// `readFile` resolves the reference itself (the worker's `get` takes `name`, `name:version`, `name@alias`).
	const file = (reference: string, path: string) => client.readFile({ tag: reference, path });
	const helpers = {
		resolve: (reference: string) => client.get({ tag: reference }),
		file,
		stream: async (reference: string, path: string) => (await file(reference, path)).stream(),
		url: async (reference: string, path: string) => URL.createObjectURL(await file(reference, path))
	};
	// The client is a Proxy over the worker's remote: the helpers are looked up first, everything else goes to it.
	opened = new Proxy(client, {
		get: (target, name) => (typeof name === 'string' && Object.hasOwn(helpers, name) ? helpers[name as keyof typeof helpers] : Reflect.get(target, name))
	}) as Shelf;
	return opened;
}
