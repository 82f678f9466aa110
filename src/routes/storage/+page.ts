import { parseRetentionQuery } from './retention-form.ts';
import type { PageLoad } from './$types';

/** Parses the retention rule from the URL; the page asks the worker itself. */
export const load: PageLoad = ({ url }) => ({ retention: parseRetentionQuery(url.searchParams) });
