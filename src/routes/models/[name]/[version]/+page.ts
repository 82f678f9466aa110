import type { PageLoad } from './$types';

/** The tag from the path (`version` may be `latest`, or `@alias` for `name@alias`) and the version to compare with (`?compare=v2`). */
export const load: PageLoad = ({ params, url }) => ({
	name: params.name,
	version: params.version,
	compare: url.searchParams.get('compare') || null
});
