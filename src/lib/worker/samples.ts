// Worker: "Try with sample models" and "Remove sample models" (issue 25). The samples are static files of the
// app's own origin, precached by the service worker, so they import offline once the app has been opened online;
// each bundle goes through the ordinary bundle import and the alias through the ordinary alias write.
import { digestBytes } from '../core/digest.ts';
import { isShelfError, ShelfError } from '../core/errors.ts';
import { manifestError } from '../core/manifest-schema.ts';
import { isSample, parseSamplesIndex, SAMPLE_SELECTOR, SAMPLES_PATH, type SamplesIndex } from '../core/samples.ts';
import { importBundle } from './bundle/import.ts';
import type { ImportSamplesResult, RemoveSamplesResult } from './contract.ts';
import { throwIfAborted } from './operations.ts';
import { networkReachable } from './remote/network-probe.ts';
import { deleteMany, emptyTrash, setAlias } from './store/lifecycle.ts';
import type { ModelStore, OperationControls } from './store/model-store.ts';

/**
 * Fetches the samples' index and bundles and imports each; then sets the index's aliases that the models lack.
 * Progress (`importing`) counts the bundles' bytes; a cancel stops between bundles or inside one (that one is not kept).
 * @param store the model store
 * @param controls progress and cancellation
 * @throws ShelfError `REMOTE_UNREACHABLE` (`offline` when the app's origin does not answer and the samples are not
 *   cached), `NOT_FOUND` (a file missing from the build), `INTEGRITY` (a bundle that is not the one the index lists),
 *   `INVALID_MANIFEST` (a bad index), whatever the bundle import throws but `TAG_EXISTS`, and `ABORTED`
 * @example
 * const { created, aliases } = await importSamples(store, { signal, report });
 */
export async function importSamples(store: ModelStore, controls: OperationControls = {}): Promise<ImportSamplesResult> {
	const index = await _index(controls.signal);
	const result: ImportSamplesResult = { created: [], unchanged: [], skipped: [], aliases: [] };
	let done = 0;
	controls.report?.({ phase: 'importing', loaded: 0, total: index.bytes });
	for (const bundle of index.bundles) {
		throwIfAborted(controls.signal);
		const bytes = new Uint8Array(await (await _fetch(bundle.file, controls.signal)).arrayBuffer());
		const { sha256, size } = await digestBytes(bytes);
		if (sha256 !== bundle.sha256 || size !== bundle.size) {
			const fields = [...(sha256 !== bundle.sha256 ? ['sha256' as const] : []), ...(size !== bundle.size ? ['size' as const] : [])];
			throw new ShelfError('INTEGRITY', `The sample ${bundle.file} is not the file the samples' index lists (${fields.join(' and ')} differ). Hint: reload the app; an update may be half-installed.`, {
				file: bundle.file,
				expected: { sha256: bundle.sha256, size: bundle.size },
				actual: { sha256, size },
				fields
			});
		}
		const before = done;
		const report = controls.report && ((progress: { loaded: number }) => controls.report!({ phase: 'importing', loaded: before + Math.min(progress.loaded, bundle.size), total: index.bytes, item: bundle.tag }));
		try {
			const imported = await importBundle(store, new File([bytes], bundle.file), { signal: controls.signal, report });
			for (const version of imported.versions) result[version.status].push(version.record.tag);
		} catch (error) {
			// Importing twice is harmless: a tag the shelf holds with other content (or in its trash) stays as it is.
			if (!isShelfError(error, 'TAG_EXISTS')) throw error;
			result.skipped.push({ tag: error.details?.tag ?? bundle.tag, trashed: error.details?.trashed === true });
		}
		done += bundle.size;
	}
	controls.report?.({ phase: 'importing', loaded: index.bytes, total: index.bytes });
	const stored = new Set([...result.created, ...result.unchanged]);
	for (const alias of index.aliases) {
		if (!stored.has(`${alias.name}:${alias.version}`)) continue;
		// Set once: an alias the model has (set before, or moved since by someone) is left where it points.
		if ((await store.catalogue.aliases(alias.name)).some((existing) => existing.alias === alias.alias)) continue;
		await setAlias(store, { ...alias, note: 'set by "Try with sample models"' });
		result.aliases.push(`${alias.name}@${alias.alias}`);
	}
	return result;
}

/**
 * Deletes every version labelled `sample=true` for good, on the shelf and in the trash, with the aliases that point at
 * them. For good rather than into the trash: the samples come back with one click, and a sample kept in the trash
 * would keep its tag, so importing the samples again would skip it (`TAG_EXISTS`).
 * @param store the model store
 * @example
 * const { removed, bytesFreed } = await removeSamples(store);
 */
export async function removeSamples(store: ModelStore): Promise<RemoveSamplesResult> {
	const tags: string[] = [];
	let cursor: string | null = null;
	do {
		const page = await store.list({ selector: SAMPLE_SELECTOR, limit: 500, cursor });
		tags.push(...page.items.map((version) => version.tag));
		cursor = page.next;
	} while (cursor !== null);
	const deleted = tags.length > 0 ? await deleteMany(store, { tags, removeAliases: true }) : { aliasesRemoved: [] };
	const trashed = (await store.catalogue.trash()).filter((item) => isSample(item.record.info.labels)).map((item) => item.record.tag);
	const { removed, bytesFreed } = trashed.length > 0 ? await emptyTrash(store, trashed) : { removed: [], bytesFreed: 0 };
	return { removed, aliasesRemoved: deleted.aliasesRemoved, bytesFreed };
}

// ---------------------------------------------------------------------------------------------------

async function _index(signal: AbortSignal | undefined): Promise<SamplesIndex> {
	const text = await (await _fetch('index.json', signal)).text();
	let json: unknown;
	try {
		json = JSON.parse(text);
	} catch (error) {
		throw manifestError('(document)', 'syntax', "The samples' index.json is not JSON. Hint: write it again with static/samples/make_samples.py.", { where: 'samples/index.json' }, error);
	}
	return parseSamplesIndex(json);
}

/** A file of the samples, from the service worker's precache when it has them, else from the network. */
async function _fetch(file: string, signal: AbortSignal | undefined): Promise<Response> {
	const url = new URL(SAMPLES_PATH + file, self.location.origin);
	let response: Response;
	try {
		response = await fetch(url, { signal });
	} catch (error) {
		throwIfAborted(signal);
		const offline = !(await networkReachable());
		const message = offline
			? 'The sample models could not be fetched: this browser is offline and has not kept them yet. Hint: open the app once while online; from then on they import offline too.'
			: `The sample models could not be fetched (${url.pathname}). Hint: reload the page and try again.`;
		throw new ShelfError('REMOTE_UNREACHABLE', message, { offline, path: url.pathname }, { cause: error });
	}
	if (!response.ok) {
		throw new ShelfError('NOT_FOUND', `The sample file ${url.pathname} is not in this build (HTTP ${response.status}). Hint: reload the app; an update may be half-installed.`, { path: url.pathname, status: response.status, url: url.href });
	}
	return response;
}
