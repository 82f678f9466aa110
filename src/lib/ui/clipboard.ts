// Copying text for the user, with a fallback for pages the Clipboard API refuses (no permission, no focus).

/**
 * Puts `text` on the clipboard; resolves false when the browser refused every way.
 * @param text what to copy
 */
export async function copyText(text: string): Promise<boolean> {
	try {
		await navigator.clipboard.writeText(text);
		return true;
	} catch {
		// execCommand is deprecated but still the only route when the async API is denied.
		const area = Object.assign(document.createElement('textarea'), { value: text, readOnly: true });
		area.style.position = 'fixed';
		area.style.opacity = '0';
		document.body.append(area);
		area.select();
		const copied = document.execCommand('copy');
		area.remove();
		return copied;
	}
}
