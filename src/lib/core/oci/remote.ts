// Node + browser: pure TypeScript, no DOM.
//
// Where a model lives on an OCI registry: the registry's base URL, a namespace, and the repository
// `<namespace>/<name>` with the version as its tag. Names follow the OCI distribution spec's grammar,
// which is narrower than BentoML's tag grammar, so every mapping is checked here.
import { ShelfError, type ErrorDetails } from '../errors.ts';
import { parseTag } from '../tags.ts';

/** A registry the shelf pushes to and pulls from, as the user configured it. */
export interface RemoteConfig {
	/** Base URL without `/v2` or a trailing slash, e.g. `https://ghcr.io` or `http://127.0.0.1:5000`. */
	url: string;
	/** Repository prefix, e.g. `acme/models`; may be `''` for registries that allow top-level repositories. */
	namespace: string;
}

/** A version on a registry: by tag (mutable on the registry) or by manifest digest (immutable). */
export type RemoteReference = { name: string; tag: string; digest?: undefined } | { name: string; digest: string; tag?: undefined };

/** OCI distribution spec: one path component of a repository name. */
const REPOSITORY_COMPONENT = /^[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*$/;
/** OCI distribution spec: a tag. */
const OCI_TAG = /^[a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}$/;
/** The only digest algorithm the shelf stores. */
const SHA256_DIGEST = /^sha256:[a-f0-9]{64}$/;
/** Distribution's limit on a whole repository name (host part excluded). */
const MAX_REPOSITORY_LENGTH = 255;

/**
 * Checks a registry URL as typed and returns its normal form: scheme, host and port, plus any path
 * prefix, without `/v2`, a trailing slash, query or fragment.
 * @param text e.g. `ghcr.io`, `https://registry.example.com/`, `http://localhost:5000/v2/`
 * @throws ShelfError `INVALID_REMOTE` for other schemes, credentials in the URL, or text that is no URL
 * @example
 * normalizeRegistryUrl('ghcr.io'); // 'https://ghcr.io'
 */
export function normalizeRegistryUrl(text: string): string {
	const trimmed = text.trim();
	const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(trimmed) ? trimmed : `https://${trimmed}`;
	const parts = /^([a-z][a-z0-9+.-]*):\/\/([^/?#]*)([^?#]*)(?:[?#].*)?$/i.exec(withScheme);
	const scheme = parts?.[1]!.toLowerCase();
	if (scheme !== undefined && scheme !== 'https' && scheme !== 'http') {
		throw _invalid('url', `A registry is reached over https (or http on this machine), not ${scheme}:`, { url: text });
	}
	// Credentials in a URL end up in logs and history; the app asks for them separately.
	if (parts?.[2]!.includes('@')) {
		throw _invalid('url', 'Put the user name and password in their own fields, not in the registry address.', { url: `${scheme}://${parts[2]!.split('@').at(-1)}` });
	}
	const host = parts?.[2]!.toLowerCase() ?? '';
	if (!parts || !/^(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)*|\[[0-9a-f:.]+\])(?::\d{1,5})?$/.test(host)) {
		throw _invalid('url', `"${text}" is not a registry address. Hint: type it like https://registry.example.com or localhost:5000.`, { url: text });
	}
	const path = parts[3]!.replace(/\/+$/, '').replace(/\/v2$/, '');
	return `${scheme}://${host}${path}`;
}

/**
 * Checks a namespace (repository prefix) and returns it without surrounding slashes.
 * @param text e.g. `acme/models`
 * @throws ShelfError `INVALID_REMOTE` naming the component that breaks the OCI grammar
 */
export function normalizeNamespace(text: string): string {
	const namespace = text.trim().replace(/^\/+|\/+$/g, '');
	if (namespace === '') return '';
	for (const component of namespace.split('/')) {
		if (!REPOSITORY_COMPONENT.test(component)) {
			throw _invalid(
				'namespace',
				`Namespace part "${component}" is not allowed by registries: use lower-case letters and digits, separated by ".", "_", "__" or "-".`,
				{ namespace: text, component }
			);
		}
	}
	return namespace;
}

/**
 * The repository that holds every version of a model: `<namespace>/<name>`.
 * @param remote the registry configuration
 * @param name a BentoML model name
 * @throws ShelfError `INVALID_REMOTE` when the name is legal for BentoML but not for registries (e.g. `a..b`)
 */
export function repositoryOf(remote: Pick<RemoteConfig, 'namespace'>, name: string): string {
	if (!REPOSITORY_COMPONENT.test(name)) {
		throw _invalid(
			'name',
			`Model name "${name}" cannot be a registry repository: registries allow only single ".", "_", "__" or "-" between letters and digits. Hint: save the model under a name like "${_suggestName(name)}".`,
			{ name }
		);
	}
	const repository = remote.namespace ? `${remote.namespace}/${name}` : name;
	if (repository.length > MAX_REPOSITORY_LENGTH) {
		throw _invalid('name', `Repository "${repository}" is longer than ${MAX_REPOSITORY_LENGTH} characters.`, { repository });
	}
	return repository;
}

/**
 * The model name a repository holds: its last component, when it is under the namespace.
 * @returns undefined for repositories outside the namespace
 */
export function modelNameOf(remote: Pick<RemoteConfig, 'namespace'>, repository: string): string | undefined {
	const prefix = remote.namespace ? `${remote.namespace}/` : '';
	if (!repository.startsWith(prefix)) return undefined;
	const rest = repository.slice(prefix.length);
	return rest.includes('/') || rest === '' ? undefined : rest;
}

/**
 * Checks that a BentoML version can be a registry tag (always true for valid versions; checked for safety).
 * @throws ShelfError `INVALID_REMOTE`
 */
export function remoteTagOf(version: string): string {
	if (!OCI_TAG.test(version)) throw _invalid('version', `Version "${version}" cannot be a registry tag.`, { version });
	return version;
}

/**
 * Parses what the user asks to pull: `name:version`, `name` (the tag `latest` is not special on
 * registries, so a version is required), or `name@sha256:<hex>` for an immutable manifest.
 * @throws ShelfError `INVALID_REMOTE` (or `INVALID_TAG` for a bad name or version)
 * @example
 * parseRemoteReference('iris@sha256:0123…'); // { name: 'iris', digest: 'sha256:0123…' }
 */
export function parseRemoteReference(text: string): RemoteReference {
	const trimmed = text.trim();
	const at = trimmed.indexOf('@');
	if (at >= 0) {
		const name = parseTag(trimmed.slice(0, at)).name;
		const digest = trimmed.slice(at + 1);
		if (!isSha256Digest(digest)) {
			throw _invalid('digest', `"${digest}" is not a sha256 manifest digest (sha256: followed by 64 hex digits).`, { reference: text });
		}
		return { name, digest };
	}
	const tag = parseTag(trimmed);
	if (tag.version === null) {
		throw _invalid('version', `Say which version of "${tag.name}" to pull: name:version, or name@sha256:… for a manifest digest.`, {
			reference: text
		});
	}
	return { name: tag.name, tag: remoteTagOf(tag.version) };
}

/** True for `sha256:` and 64 lower-case hex digits. */
export function isSha256Digest(value: unknown): value is string {
	return typeof value === 'string' && SHA256_DIGEST.test(value);
}

/** `sha256:<hex>` for a lower-case hex SHA-256. */
export function digestOf(sha256: string): string {
	return `sha256:${sha256}`;
}

// ---------------------------------------------------------------------------

function _invalid(field: ErrorDetails<'INVALID_REMOTE'>['field'], message: string, details: Omit<ErrorDetails<'INVALID_REMOTE'>, 'field'>): ShelfError {
	return new ShelfError('INVALID_REMOTE', message, { field, ...details });
}

function _suggestName(name: string): string {
	return name.replace(/[._-]{2,}/g, '-').replace(/^[._-]+|[._-]+$/g, '') || 'model';
}
