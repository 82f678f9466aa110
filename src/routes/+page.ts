import { parseListQuery } from './list-query.ts';
import type { PageLoad } from './$types';

/** Parses the filter from the URL; the page asks the worker itself. */
export const load: PageLoad = ({ url }) => ({ query: parseListQuery(url.searchParams) });
