// Short messages about finished operations ("Deleted iris:v3"), shown in one live region.

/** One message. */
export interface Toast {
	id: number;
	kind: 'info' | 'success' | 'error';
	text: string;
}

/** The toasts on screen; each leaves after a few seconds (errors stay until dismissed). */
export class Toasts {
	#items = $state.raw<Toast[]>([]);
	#nextId = 1;

	/** The messages, oldest first. */
	get items(): readonly Toast[] {
		return this.#items;
	}

	/**
	 * Shows a message.
	 * @param text what happened, in plain words
	 * @param kind its tone; errors stay until dismissed
	 */
	show(text: string, kind: Toast['kind'] = 'info'): void {
		const toast: Toast = { id: this.#nextId++, kind, text };
		this.#items = [...this.#items.slice(-3), toast];
		if (kind !== 'error') setTimeout(() => this.dismiss(toast.id), 6000);
	}

	/**
	 * Removes a message.
	 * @param id the toast's id
	 */
	dismiss(id: number): void {
		this.#items = this.#items.filter((toast) => toast.id !== id);
	}
}
