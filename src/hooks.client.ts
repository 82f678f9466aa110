// Client start-up, before the first route's code loads.
import type { ClientInit } from '@sveltejs/kit';
import { shelf } from '$lib/client/shelf.ts';

/**
 * Starts the worker as the app starts, before the route's components are fetched: fetching and compiling its
 * chunk and opening the catalogue then overlap the page's own loading and hydration (issue 21: offline
 * start to the first row).
 */
export const init: ClientInit = () => {
	shelf();
};
