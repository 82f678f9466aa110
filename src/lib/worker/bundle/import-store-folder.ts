// Worker: importing a BentoML store folder (issue 18). Being built: see issue 18.
import { ShelfError } from '../../core/errors.ts';
import type { ImportFolderRequest, ImportFolderResult } from '../contract.ts';
import type { ModelStore, OperationControls } from '../store/model-store.ts';

/**
 * Imports every version of a BentoML store folder.
 * @param store the shelf
 * @param request the folder, and whether to read only versions the shelf lacks
 * @param controls progress and cancellation
 */
export async function importStoreFolder(store: ModelStore, request: ImportFolderRequest, controls: OperationControls = {}): Promise<ImportFolderResult> {
	void store, request, controls;
	throw new ShelfError('UNSUPPORTED', 'Opening a BentoML store folder is not built yet.', { kind: 'store-folder' });
}
