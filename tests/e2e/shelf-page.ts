// Drives the real worker through the API the app exposes on window (as a user would from DevTools).
import { expect, type Page } from '@playwright/test';
import type { ShelfError } from '../../src/lib/core/errors.ts';

/** A file to save: text, or `size` pseudo-random bytes from `seed` (same seed, same bytes). */
export type FileSpec = { path: string; text?: string; size?: number; seed?: number };

/** What `save` sends, with files described instead of given. */
export interface SaveSpec {
	name: string;
	version?: string;
	labels?: Record<string, string>;
	metadata?: Record<string, unknown>;
	creationTime?: string;
	files: FileSpec[];
}

/** Opens the app and waits until its worker API is reachable. */
export async function openShelf(page: Page, path = '/') {
	await page.goto(path);
	await page.waitForFunction(() => window.modelShelf !== undefined);
}

/** Saves a version in the page's worker; resolves with the worker's result. */
export async function save(page: Page, spec: SaveSpec) {
	return page.evaluate(async (spec) => {
		const files = spec.files.map((file) => ({ path: file.path, data: makeBlob(file) }));
		return window.modelShelf!.api.save({ ...spec, files } as never);

		function makeBlob(file: FileSpec): Blob {
			if (file.text !== undefined) return new Blob([file.text]);
			// xorshift32, in 1 MiB pieces so a large Blob never sits in one JS array.
			let state = (file.seed ?? 1) >>> 0 || 1;
			const parts: Uint8Array<ArrayBuffer>[] = [];
			for (let left = file.size ?? 0; left > 0; left -= 1 << 20) {
				const piece = new Uint8Array(Math.min(left, 1 << 20));
				const words = new Uint32Array(piece.buffer, 0, piece.byteLength >>> 2);
				for (let i = 0; i < words.length; i++) {
					state ^= state << 13;
					state ^= state >>> 17;
					state ^= state << 5;
					words[i] = state >>> 0;
				}
				parts.push(piece);
			}
			return new Blob(parts);
		}
		type FileSpec = { path: string; text?: string; size?: number; seed?: number };
	}, spec);
}

/** Runs `call` in the page and returns the ShelfError it threw (code and details), or fails. */
export async function shelfError(page: Page, call: string, arg: unknown): Promise<Pick<ShelfError, 'code' | 'details' | 'message'>> {
	const result = await page.evaluate(
		async ({ call, arg }) => {
			try {
				await (window.modelShelf!.api as unknown as Record<string, (a: unknown) => Promise<unknown>>)[call]!(arg);
				return null;
			} catch (error) {
				const { code, details, message } = error as ShelfError;
				return { code, details, message };
			}
		},
		{ call, arg }
	);
	expect(result, `${call} should have failed`).not.toBeNull();
	return result!;
}

/** Names of the files under an OPFS folder (e.g. 'blobs', 'tmp'); [] when it does not exist. */
export async function opfsFiles(page: Page, folder: string): Promise<string[]> {
	return page.evaluate(async (folder) => {
		let dir: FileSystemDirectoryHandle = await navigator.storage.getDirectory();
		try {
			for (const part of folder.split('/').filter(Boolean)) dir = await dir.getDirectoryHandle(part);
		} catch {
			return [];
		}
		const names: string[] = [];
		for await (const name of (dir as unknown as { keys(): AsyncIterable<string> }).keys()) names.push(name);
		return names.sort();
	}, folder);
}

/** The bytes `save` generates in the page for `{ size, seed }`, computed here in Node. */
export function seededBytes(size: number, seed: number): Uint8Array {
	const bytes = new Uint8Array(size);
	let state = seed >>> 0 || 1;
	for (let start = 0; start < size; start += 1 << 20) {
		const piece = bytes.subarray(start, Math.min(size, start + (1 << 20)));
		const view = new DataView(piece.buffer, piece.byteOffset, piece.byteLength);
		for (let i = 0; i + 4 <= piece.byteLength; i += 4) {
			state ^= state << 13;
			state ^= state >>> 17;
			state ^= state << 5;
			view.setUint32(i, state >>> 0, true);
		}
	}
	return bytes;
}

/** What importing one file ended in: imported (status and tag) or refused (code, reason). */
export interface ImportOutcome {
	name: string;
	status?: 'created' | 'unchanged';
	tag?: string;
	code?: string;
	reason?: string;
	message?: string;
}

/**
 * Imports files from disk as the page's `File` objects, all at once, and returns each outcome.
 * The bytes reach the page through an intercepted fetch, as a dropped file's would: no base64 copies.
 */
export async function importFiles(page: Page, paths: string[]): Promise<ImportOutcome[]> {
	const byName = new Map(paths.map((path) => [path.split('/').at(-1)!, path]));
	await page.route('**/__test-files__/**', (route) => {
		const name = decodeURIComponent(new URL(route.request().url()).pathname.split('/').at(-1)!);
		return route.fulfill({ path: byName.get(name)!, contentType: 'application/octet-stream' });
	});
	try {
		return await page.evaluate(async (names) => {
			const files = await Promise.all(
				names.map(async (name) => new File([await (await fetch(`/__test-files__/${encodeURIComponent(name)}`)).blob()], name))
			);
			return Promise.all(
				files.map(async (file) => {
					try {
						const result = await window.modelShelf!.api.importBundle({ file });
						return { name: file.name, status: result.status, tag: result.record.tag };
					} catch (error) {
						const { code, details, message } = error as { code: string; details?: Record<string, unknown>; message: string };
						return { name: file.name, code, reason: details?.reason as string | undefined, message };
					}
				})
			);
		}, [...byName.keys()]);
	} finally {
		await page.unroute('**/__test-files__/**');
	}
}

