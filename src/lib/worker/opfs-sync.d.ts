// TypeScript's DOM lib omits the worker-only OPFS sync access handle. The page's type program
// sees worker modules through `typeof api`, so declare the part we use; tsconfig.worker.json
// checks the worker against the real WebWorker lib, where these declarations merge unchanged.
interface FileSystemReadWriteOptions {
	at?: number;
}

interface FileSystemSyncAccessHandle {
	close(): void;
	flush(): void;
	getSize(): number;
	read(buffer: AllowSharedBufferSource, options?: FileSystemReadWriteOptions): number;
	truncate(newSize: number): void;
	write(buffer: AllowSharedBufferSource, options?: FileSystemReadWriteOptions): number;
}

interface FileSystemFileHandle {
	createSyncAccessHandle(): Promise<FileSystemSyncAccessHandle>;
}
