// Issue 16: aliases travel through a real CNCF Distribution registry as mutable tags (`churn:champion`) that
// carry the manifest of the version they point at; a version's own tag is never overwritten by an alias.
import { describe, expect, it } from 'vitest';
import { OCI_MANIFEST_TYPE } from '../../src/lib/core/oci/artifact.ts';
import { pullVersion } from '../../src/lib/worker/remote/pull.ts';
import { pushVersion } from '../../src/lib/worker/remote/push.ts';
import { setAlias } from '../../src/lib/worker/store/lifecycle.ts';
import { clientFor, failure, openShelf, save, useRegistry } from './registry-fixtures.ts';

const registry = useRegistry();

/** The manifest digest a registry tag points at now, or null. */
async function tagDigest(repository: string, tag: string): Promise<string | null> {
	const response = await fetch(`${registry().directUrl}/v2/${repository}/manifests/${tag}`, { method: 'HEAD', headers: { Accept: OCI_MANIFEST_TYPE } });
	return response.status === 200 ? response.headers.get('Docker-Content-Digest') : null;
}

describe('aliases on a registry', () => {
	it('push publishes an alias as a tag, moving it follows, and pull brings it back as an alias', async () => {
		const source = await openShelf();
		const client = clientFor(registry());
		await save(source, 'churn:v1', { 'w.bin': 'one' });
		await save(source, 'churn:v2', { 'w.bin': 'two' });
		await setAlias(source.store, { name: 'churn', alias: 'champion', version: 'v1' });
		const first = await pushVersion(source.store, client, source.remoteDb, 'churn:v1', {}, { aliases: true });
		expect(first.aliases).toEqual(['champion']);
		expect(await tagDigest(first.repository, 'champion')).toBe(first.digest);
		// Without the option, the alias stays where it was on the registry.
		await setAlias(source.store, { name: 'churn', alias: 'champion', version: 'v2' });
		const second = await pushVersion(source.store, client, source.remoteDb, 'churn:v2');
		expect(second.aliases).toEqual([]);
		expect(await tagDigest(first.repository, 'champion')).toBe(first.digest);
		expect((await pushVersion(source.store, client, source.remoteDb, 'churn:v2', {}, { aliases: true })).aliases).toEqual(['champion']);
		expect(await tagDigest(first.repository, 'champion')).toBe(second.digest);

		const target = await openShelf();
		const pulled = await pullVersion(target.store, client, target.remoteDb, 'churn:champion');
		expect(pulled).toMatchObject({ status: 'created', alias: 'champion', record: { tag: 'churn:v2' } });
		expect((await target.store.get('churn@champion')).tag).toBe('churn:v2');
		expect((await target.store.catalogue.aliasHistory('churn')).map(({ to, note }) => ({ to, note }))).toEqual([{ to: 'v2', note: `pulled from ${first.repository}` }]);
		// Pulling the version itself sets no alias; `alias: false` brings the version alone.
		const other = await openShelf();
		expect(await pullVersion(other.store, client, other.remoteDb, 'churn:champion', {}, { alias: false })).toMatchObject({ alias: null, record: { tag: 'churn:v2' } });
		expect(await other.store.catalogue.aliases()).toEqual([]);
	});

	it('never lets an alias overwrite a version tag on the registry, nor a pulled alias take a local version word', async () => {
		const client = clientFor(registry());
		const publisher = await openShelf();
		await save(publisher, 'churn:prod', { 'w.bin': 'a version called prod' });
		const published = await pushVersion(publisher.store, client, publisher.remoteDb, 'churn:prod');
		const shelf = await openShelf();
		await save(shelf, 'churn:v1', { 'w.bin': 'one' });
		await setAlias(shelf.store, { name: 'churn', alias: 'prod', version: 'v1' });
		const error = await failure(pushVersion(shelf.store, client, shelf.remoteDb, 'churn:v1', {}, { aliases: true }));
		expect(error).toMatchObject({ code: 'ALIAS_CONFLICT', details: { name: 'churn', alias: 'prod', reason: 'remote-version' } });
		expect(await tagDigest(published.repository, 'prod')).toBe(published.digest);

		const mover = await openShelf();
		await save(mover, 'churn:v7', { 'w.bin': 'seven' });
		await setAlias(mover.store, { name: 'churn', alias: 'best', version: 'v7' });
		await pushVersion(mover.store, client, mover.remoteDb, 'churn:v7', {}, { aliases: true });
		const holder = await openShelf();
		await save(holder, 'churn:best', { 'w.bin': 'a local version called best' });
		expect((await failure(pullVersion(holder.store, client, holder.remoteDb, 'churn:best'))).code).toBe('ALIAS_CONFLICT');
		expect((await holder.store.catalogue.versions('churn')).map((record) => record.tag)).toEqual(['churn:best']);
	});
});
