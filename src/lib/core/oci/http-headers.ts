// Node + browser: pure TypeScript, no DOM.
//
// The few HTTP headers the registry protocol depends on, parsed strictly enough to be safe and
// loosely enough for the registries found in the wild.

/** One authentication challenge from `WWW-Authenticate`. */
export interface AuthChallenge {
	/** Lower-case scheme, e.g. `bearer` or `basic`. */
	scheme: string;
	/** Parameters with lower-case names, e.g. `realm`, `service`, `scope`. */
	params: Record<string, string>;
}

/**
 * Parses `WWW-Authenticate` (RFC 9110 §11.6.1): one or more challenges, each a scheme followed by
 * comma-separated `name=value` or `name="quoted, value"` parameters.
 * @param header the header's value, or null
 * @example
 * parseAuthChallenges('Bearer realm="https://auth.example/token",service="registry",scope="repository:a/b:pull"');
 * // [{ scheme: 'bearer', params: { realm: 'https://auth.example/token', service: 'registry', scope: 'repository:a/b:pull' } }]
 */
export function parseAuthChallenges(header: string | null): AuthChallenge[] {
	if (!header) return [];
	const challenges: AuthChallenge[] = [];
	const token = /\s*([!#$%&'*+.^_`|~0-9A-Za-z-]+)\s*/y;
	let position = 0;
	while (position < header.length) {
		token.lastIndex = position;
		const scheme = token.exec(header);
		if (!scheme) break;
		position = token.lastIndex;
		const challenge: AuthChallenge = { scheme: scheme[1]!.toLowerCase(), params: {} };
		challenges.push(challenge);
		// token68 form (e.g. `Negotiate abc==`): an opaque value, not parameters.
		const token68 = /\s*[A-Za-z0-9\-._~+/]+=*\s*(?=,|$)/y;
		token68.lastIndex = position;
		if (token68.exec(header)) position = token68.lastIndex;
		else for (;;) {
			const param = /\s*([!#$%&'*+.^_`|~0-9A-Za-z-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,]*))\s*(,)?/y;
			param.lastIndex = position;
			const match = param.exec(header);
			if (!match) break;
			challenge.params[match[1]!.toLowerCase()] = match[2] !== undefined ? match[2].replace(/\\(.)/g, '$1') : match[3]!;
			position = param.lastIndex;
			if (!match[4]) break;
		}
		// Skip a separating comma between challenges.
		const comma = /\s*,\s*/y;
		comma.lastIndex = position;
		if (comma.exec(header)) position = comma.lastIndex;
		else if (position < header.length) break; // unparseable rest: keep what was understood
	}
	return challenges;
}

/**
 * The target of the next page from a `Link` header (`<url>; rel="next"`), as written (often relative:
 * resolve it against the request's URL).
 * @param header the header's value, or null
 */
export function nextPageLink(header: string | null): string | undefined {
	if (!header) return undefined;
	for (const part of header.split(/,(?=\s*<)/)) {
		const match = /^\s*<([^>]*)>\s*(.*)$/.exec(part);
		if (match && /(?:^|;)\s*rel\s*=\s*"?(?:[^";]*\s)?next(?:\s[^";]*)?"?\s*(?:;|$)/i.test(match[2]!)) return match[1]!;
	}
	return undefined;
}

/**
 * How many bytes an upload session holds, from its `Range: 0-<last>` header (Distribution's form,
 * without the `bytes=` unit; both are accepted). `0-0` with an empty body is ambiguous in the spec; the
 * caller treats it as 0 when it uploaded nothing yet.
 * @param header the header's value, or null
 * @returns the number of bytes received, or undefined when the header says nothing
 */
export function uploadedBytes(header: string | null): number | undefined {
	const match = header && /^(?:bytes=)?0-(\d+)$/.exec(header.trim());
	if (!match) return undefined;
	return Number(match[1]) + 1;
}

/**
 * Token scopes with the actions on one resource merged: `repository:a:pull` + `repository:a:pull,push` → one entry.
 * @param scopes `resource:actions` entries as a challenge and the client name them; empty entries are skipped
 */
export function mergeScopes(scopes: string[]): string[] {
	const actions = new Map<string, Set<string>>();
	for (const scope of scopes.filter(Boolean)) {
		const cut = scope.lastIndexOf(':');
		const [resource, list] = cut > 0 ? [scope.slice(0, cut), scope.slice(cut + 1)] : [scope, ''];
		const set = actions.get(resource) ?? new Set<string>();
		for (const action of list.split(',').filter(Boolean)) set.add(action);
		actions.set(resource, set);
	}
	return [...actions].map(([resource, set]) => `${resource}:${[...set].sort().join(',')}`);
}
