// Push and pull in Node against a real CNCF Distribution registry (scripts/registry.mjs; `npm test`
// installs it): a shelf is a ModelStore on a fake-indexeddb catalogue and the memory blob store, with its
// own remote database on the same factory. No mock anywhere: what the registry answers is what it does.
import 'fake-indexeddb/auto';
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { IDBFactory } from 'fake-indexeddb';
import { afterAll, beforeAll, expect } from 'vitest';
import { startRegistry, type Registry, type RegistryRequest } from '../../scripts/registry.mjs';
import { ShelfError } from '../../src/lib/core/errors.ts';
import { openCatalogue } from '../../src/lib/worker/catalogue/idb-catalogue.ts';
import { createMemoryBlobStore, createMemoryVolume, type MemoryVolume } from '../../src/lib/worker/blobs/memory-blob-store.ts';
import { RegistryClient } from '../../src/lib/worker/remote/registry-client.ts';
import { openRemoteDb, type RemoteDb } from '../../src/lib/worker/remote/remote-db.ts';
import { localCoordination } from '../../src/lib/worker/store/coordination.ts';
import { ModelStore } from '../../src/lib/worker/store/model-store.ts';

export const MiB = 1024 * 1024;

/** One user's shelf: the store, its blobs' bytes, and its remote database. */
export interface Shelf {
	store: ModelStore;
	volume: MemoryVolume;
	remoteDb: RemoteDb;
}

/** A fresh shelf on its own IndexedDB factory and memory volume. */
export async function openShelf(): Promise<Shelf> {
	const factory = new IDBFactory();
	const volume = createMemoryVolume();
	const store = new ModelStore(await openCatalogue({ factory }), createMemoryBlobStore({ volume }), localCoordination());
	return { store, volume, remoteDb: await openRemoteDb({ factory }) };
}

/**
 * Saves a version whose files are the given texts or byte arrays.
 * @param files path → content
 */
export async function save(shelf: Shelf, tag: string, files: Record<string, string | Uint8Array<ArrayBuffer>>, labels: Record<string, string> = {}) {
	const [name, version] = tag.split(':') as [string, string];
	const result = await shelf.store.save({
		name,
		version,
		labels,
		creationTime: '2025-06-01T12:00:00+00:00',
		files: Object.entries(files).map(([path, content]) => ({ path, data: new Blob([content]) }))
	});
	return result.record;
}

/**
 * Starts one registry for the calling file's tests and deletes it after them. Its binary is
 * `$REGISTRY_BIN` or Debian's `/usr/bin/docker-registry`.
 * @returns a function giving the running registry
 */
export function useRegistry(): () => Registry {
	let registry: Registry | undefined;
	beforeAll(async () => {
		// Node sends no Origin, so the CORS origin is only what the registry's headers name.
		registry = await startRegistry({ origin: 'http://localhost:4321' });
	}, 30_000);
	afterAll(async () => {
		await registry?.close();
	});
	return () => {
		if (!registry) throw new Error('useRegistry(): the registry runs only inside the tests of the file that called it.');
		return registry;
	};
}

let namespaces = 0;

/** A client for the registry under a namespace no other test uses, so tests never see each other's tags. */
export function clientFor(registry: Registry, namespace = `t${++namespaces}`): RegistryClient {
	return new RegistryClient({ url: registry.url, namespace });
}

/**
 * The requests the registry logged while `run` ran.
 * @returns what `run` returned, and those requests
 */
export async function logged<T>(registry: Registry, run: () => Promise<T>): Promise<{ value: T; requests: RegistryRequest[] }> {
	const before = (await registry.requests()).length;
	const value = await run();
	return { value, requests: (await registry.requests()).slice(before) };
}

/** Random bytes (incompressible, so every size is real). */
export function bytes(size: number): Uint8Array<ArrayBuffer> {
	return new Uint8Array(randomBytes(size));
}

/**
 * Replaces a blob's bytes on the registry's disk (filesystem driver layout), keeping its digest: the
 * registry never re-hashes what it serves (docs/registry.md).
 * @param digest `sha256:<hex>`
 */
export function corruptRegistryBlob(registry: Registry, digest: string, replacement: Uint8Array): void {
	const hex = digest.slice('sha256:'.length);
	writeFileSync(join(registry.storageDir, 'docker/registry/v2/blobs/sha256', hex.slice(0, 2), hex, 'data'), replacement);
}

/** The ShelfError a promise rejects with (failing the test if it resolves or rejects with anything else). */
export async function failure(promise: Promise<unknown>): Promise<ShelfError> {
	const error = await promise.then(
		() => null,
		(caught: unknown) => caught
	);
	expect(error).toBeInstanceOf(ShelfError);
	return error as ShelfError;
}
