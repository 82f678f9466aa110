import type { MetricOrder } from '$lib/core/store-types.ts';
import type { PageLoad } from './$types';

/**
 * The model's name from the path (`churn@champion` there is a reference to redirect), the metric chosen for
 * the chart (`?metric=accuracy`) and, when the versions are ordered by it, the direction (`?order=desc|asc`).
 */
export const load: PageLoad = ({ params, url }) => {
	const order = url.searchParams.get('order');
	const direction: MetricOrder['direction'] | null = order === 'asc' || order === 'desc' ? order : null;
	return { name: params.name, metric: url.searchParams.get('metric'), order: direction };
};
