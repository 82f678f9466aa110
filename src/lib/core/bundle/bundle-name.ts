// Node + browser: pure TypeScript, no DOM, no idb, no OPFS.
import type { VersionRecord } from '../store-types.ts';

/**
 * The file name of a version's bundle, as BentoML's export names it: `<name>-<version>.zip`.
 * @param record the version (its name and version)
 * @example
 * bundleFileName({ name: 'iris', version: 'v1' }); // 'iris-v1.zip'
 */
export function bundleFileName(record: Pick<VersionRecord, 'name' | 'version'>): string {
	return `${record.name}-${record.version}.zip`;
}

/**
 * The file name of a bundle of several versions (issue 16): `models-<count>.zip`. The tags are inside, each
 * in its `<name>/<version>/` folder; naming them all would not fit a file name.
 * @param count how many versions it holds
 * @example
 * bundlesFileName(3); // 'models-3.zip'
 */
export function bundlesFileName(count: number): string {
	return `models-${count}.zip`;
}
