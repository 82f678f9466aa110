// Saving a file the worker wrote (a disk-backed File from OPFS) through the browser's download.

/**
 * Starts the browser's download of a file under a name.
 * @param file the file (an OPFS-backed File stays on disk, not in memory)
 * @param name the name it is saved as
 */
export function download(file: File, name: string): void {
	const url = URL.createObjectURL(file);
	const link = Object.assign(document.createElement('a'), { href: url, download: name });
	document.body.append(link);
	link.click();
	link.remove();
	// The download has started reading by then.
	setTimeout(() => URL.revokeObjectURL(url), 60_000);
}
