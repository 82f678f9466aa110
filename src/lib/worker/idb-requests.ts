// Many IndexedDB requests issued together and awaited as one: idb wraps each request in a promise with two
// listeners, ~40 µs of this thread per request, which a version of 10,001 files pays tens of thousands of
// times (issue 21). Raw requests with one shared completion cost a fraction of that.

/**
 * The results of `requests`, in order, once all have succeeded; the first failure rejects.
 * @param requests requests already issued in one live transaction
 * @example
 * const counts = await allResults(digests.map((sha) => index.count(sha)));
 */
export function allResults<T>(requests: readonly IDBRequest<T>[]): Promise<T[]> {
	if (requests.length === 0) return Promise.resolve([]);
	return new Promise((resolve, reject) => {
		const results = new Array<T>(requests.length);
		let pending = requests.length;
		requests.forEach((request, index) => {
			request.onsuccess = () => {
				results[index] = request.result;
				if (--pending === 0) resolve(results);
			};
			request.onerror = () => reject(request.error);
		});
	});
}
