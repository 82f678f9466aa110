import type { PageLoad } from './$types';

/** The model's name from the path, and the metric chosen for the chart (`?metric=accuracy`). */
export const load: PageLoad = ({ params, url }) => ({ name: params.name, metric: url.searchParams.get('metric') });
