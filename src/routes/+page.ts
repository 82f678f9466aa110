import { parseModelsFilter } from './models-filter.ts';
import type { PageLoad } from './$types';

/** Parses the filter from the URL; the page asks the worker itself. */
export const load: PageLoad = ({ url }) => ({ query: parseModelsFilter(url.searchParams) });
