// The page's side of opening a BentoML store folder (issue 18): one import at a time for the whole app, so
// the control on the empty shelf and the one on the Models list (which replaces it as soon as the first
// version lands) show the same progress, Cancel and summary. Also the remembered folder: kept by the worker
// in IndexedDB; only the page can ask the browser again for permission to read it (it needs a click).
import { shelf } from '../client/shelf.ts';
import type { ImportFolderResult, RememberedFolder, StoreFolderSource } from '../worker/contract.ts';
import { describeError, type ShownError } from './errors.ts';
import { Operation } from './operation.svelte.ts';
import { allowFolder, canPickFolders, pickFolder } from './store-folder-picker.ts';


/** What the last folder import read: the folder's name and whether only new versions were asked for. */
export interface FolderImportRun {
	name: string;
	onlyNew: boolean;
}

/**
 * Importing BentoML store folders, and the remembered one.
 * @example
 * const handle = await storeFolders.pick();
 * if (handle) await storeFolders.open({ handle }, handle.name);
 */
export class StoreFolders {
	readonly importing = new Operation<ImportFolderResult>();
	#run = $state.raw<FolderImportRun | null>(null);
	#remembered = $state.raw<RememberedFolder | null>(null);
	#problem = $state.raw<ShownError | null>(null);

	/** The folder the last import read. */
	get run(): FolderImportRun | null {
		return this.#run;
	}
	/** The remembered folder, once `refresh` has asked the worker. */
	get remembered(): RememberedFolder | null {
		return this.#remembered;
	}
	/** A failure outside the import itself (picking, permission, remembering). */
	get problem(): ShownError | null {
		return this.#problem;
	}
	/** True where the browser has a directory picker whose folder can be remembered (Chromium). */
	get canPick(): boolean {
		return canPickFolders();
	}

	/** Asks the worker which folder is remembered. */
	async refresh(): Promise<void> {
		try {
			this.#remembered = await shelf().rememberedFolder();
		} catch (error) {
			this.#problem = describeError(error);
		}
	}

	/**
	 * Lets the user pick a folder (read only); null when they close the picker.
	 * @param remember keep it for "Check for new versions"
	 */
	async pick(remember: boolean): Promise<FileSystemDirectoryHandle | null> {
		this.#problem = null;
		try {
			const handle = await pickFolder('read');
			if (handle && remember) await this.remember(handle);
			return handle;
		} catch (error) {
			this.#problem = describeError(error);
			return null;
		}
	}

	/**
	 * Imports a folder's versions.
	 * @param folder a handle, or a folder input's files
	 * @param name the folder's name, as shown
	 * @param onlyNew read only versions the shelf lacks
	 */
	async open(folder: StoreFolderSource, name: string, onlyNew = false): Promise<ImportFolderResult | undefined> {
		this.#problem = null;
		this.#run = { name, onlyNew };
		return this.importing.run((controls) => shelf().importFolder({ folder, onlyNew }, controls));
	}

	/**
	 * The files of an `<input webkitdirectory>` as a folder source: each path without its first segment (the
	 * picked folder's own name, which becomes the source's name).
	 * @param files the input's files
	 */
	fromInput(files: FileList): { name: string; files: Array<{ path: string; file: File }> } {
		const picked = [...files].map((file) => ({ segments: (file.webkitRelativePath || file.name).split('/'), file }));
		const name = picked[0]?.segments[0] ?? '';
		return { name, files: picked.map(({ segments, file }) => ({ path: segments.slice(1).join('/'), file })) };
	}

	/** Imports what the remembered folder holds and the shelf lacks, asking for permission first when needed. */
	async checkRemembered(): Promise<void> {
		const remembered = this.#remembered;
		if (!remembered) return;
		this.#problem = null;
		if (remembered.permission !== 'granted') {
			if (!(await allowFolder(remembered.handle, 'read'))) {
				this.#problem = { code: 'UNSUPPORTED', message: `The browser did not allow reading "${remembered.name}". Hint: allow it when asked, or open the folder again.` };
				return;
			}
		}
		await this.open({ handle: remembered.handle }, remembered.name, true);
		await this.refresh();
	}

	/**
	 * Remembers a folder (replacing the one remembered before).
	 * @param handle the folder
	 */
	async remember(handle: FileSystemDirectoryHandle): Promise<void> {
		try {
			await shelf().rememberFolder({ handle });
			await this.refresh();
		} catch (error) {
			this.#problem = describeError(error);
		}
	}

	/** Forgets the remembered folder. */
	async forget(): Promise<void> {
		try {
			await shelf().rememberFolder({ handle: null });
			this.#remembered = null;
		} catch (error) {
			this.#problem = describeError(error);
		}
	}
}

/** The app's one folder importer, shared by every place that shows the control. */
export const storeFolders = new StoreFolders();
