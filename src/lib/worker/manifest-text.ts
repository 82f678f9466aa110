// Worker: model.yaml bytes as text, exactly: a version's model.yaml never changes once stored (issue 14).
import { ShelfError } from '../core/errors.ts';
import { DOCUMENT_FIELD } from '../core/manifest-schema.ts';

/**
 * Decodes model.yaml as UTF-8, keeping a byte-order mark (so the stored text is the file's exact bytes)
 * and refusing bytes that are not UTF-8 rather than replacing them.
 * @param bytes the file as it came (from a bundle or a registry)
 * @throws ShelfError `INVALID_MANIFEST` when the bytes are not UTF-8
 */
export function decodeManifest(bytes: Uint8Array): string {
	try {
		return new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
	} catch (error) {
		throw new ShelfError('INVALID_MANIFEST', 'model.yaml is not UTF-8 text.', { field: DOCUMENT_FIELD, reason: 'syntax' }, { cause: error });
	}
}
