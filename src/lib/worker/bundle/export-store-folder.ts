// Worker: writing versions into a BentoML store folder (issue 18). Being built: see issue 18.
import { ShelfError } from '../../core/errors.ts';
import type { ExportFolderRequest, ExportFolderResult } from '../contract.ts';
import type { ModelStore, OperationControls } from '../store/model-store.ts';

/**
 * Writes versions into a BentoML store folder as BentoML's store does.
 * @param store the shelf
 * @param request the versions and the folder
 * @param controls progress and cancellation
 */
export async function exportStoreFolder(store: ModelStore, request: ExportFolderRequest, controls: OperationControls = {}): Promise<ExportFolderResult> {
	void store, request, controls;
	throw new ShelfError('UNSUPPORTED', 'Writing into a BentoML store folder is not built yet.', { kind: 'store-folder' });
}
