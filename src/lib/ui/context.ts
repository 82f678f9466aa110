// The app-wide state every page may reach: toasts, the import queue, the store's change feed and connectivity.
import { getContext, setContext } from 'svelte';
import type { Connectivity } from './connectivity.svelte.ts';
import type { ImportQueue } from './imports.svelte.ts';
import type { StoreEvents } from './store-events.ts';
import type { Toasts } from './toasts.svelte.ts';

/** What the root layout shares with every page. */
export interface ShelfContext {
	toasts: Toasts;
	imports: ImportQueue;
	events: StoreEvents;
	connectivity: Connectivity;
}

const KEY = Symbol('model-shelf');

/**
 * Shares the app state with every component below the caller (the root layout).
 * @param context the app state
 */
export function setShelfContext(context: ShelfContext): ShelfContext {
	return setContext(KEY, context);
}

/** The app state the root layout shared. */
export function getShelfContext(): ShelfContext {
	const context = getContext<ShelfContext | undefined>(KEY);
	if (!context) throw new Error('getShelfContext() was called outside the root layout.');
	return context;
}
