// Worker: signing keys, trusted keys and trust policies (issue 20). Being built: see issue 20.
import { ShelfError } from '../../core/errors.ts';
import type { ShelfApi } from '../contract.ts';

type SigningMethods = Pick<ShelfApi, 'signingKeys' | 'createSigningKey' | 'importSigningKey' | 'deleteSigningKey' | 'trustedKeys' | 'trustKey' | 'untrustKey' | 'trustPolicy' | 'setTrustPolicy'>;

const notYet = async (): Promise<never> => {
	throw new ShelfError('UNSUPPORTED', 'Signing is not built yet.', { kind: 'signing' });
};

/** The signing part of the worker's API. */
export function signingApi(): SigningMethods {
	return {
		signingKeys: notYet,
		createSigningKey: notYet,
		importSigningKey: notYet,
		deleteSigningKey: notYet,
		trustedKeys: notYet,
		trustKey: notYet,
		untrustKey: notYet,
		trustPolicy: notYet,
		setTrustPolicy: notYet
	};
}
