// Svelte attachments that connect an element to browser APIs.
import type { Attachment } from 'svelte/attachments';

/**
 * Calls `onvisible` whenever the element scrolls into view (e.g. a "Load more" sentinel for infinite scroll).
 * @param onvisible what to do; called again each time the element re-enters the viewport
 * @param rootMargin how far ahead of the viewport to trigger
 * @example
 * <div {@attach whenVisible(() => list.more())}></div>
 */
export function whenVisible(onvisible: () => void, rootMargin = '400px'): Attachment<HTMLElement> {
	return (element) => {
		const observer = new IntersectionObserver((entries) => entries.some((entry) => entry.isIntersecting) && onvisible(), { rootMargin });
		observer.observe(element);
		return () => observer.disconnect();
	};
}
