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
