// Node + browser: pure TypeScript, no DOM, no idb, no OPFS.
//
// What `ShelfError.details` holds for each code: the typed half of the error contract between worker and
// page. Details are JSON-safe facts; they cross the worker boundary unchanged (src/lib/bridge.ts).
import type { BrowserFeature } from './browser-features.ts';
import type { BundleProblem } from './bundle/bundle-errors.ts';
import type { ManifestProblem } from './manifest-schema.ts';
import type { PathProblem } from './paths.ts';
import type { TagPart, TagProblem } from './tags.ts';

/** One entry of a registry's JSON error body (OCI distribution-spec), trimmed to what is safe to show. */
export interface RegistryErrorEntry {
	code: string;
	message: string;
}

/** The HTTP answer behind a registry's refusal. */
export interface RegistryAnswer {
	status: number;
	/** The request's URL without its query. */
	url: string;
	registry: RegistryErrorEntry[];
}

/** SHA-256, size and CRC-32 of some bytes, as far as they are known. */
export interface DigestFacts {
	sha256?: string;
	size?: number;
	crc32?: number;
}

/** Where in a bundle a problem sits; every field is optional because most problems know only some. */
export interface BundleLocation {
	/** The bundle file's name. */
	file?: string;
	/** The entry's name as the archive spells it. */
	entry?: string;
	/** Another entry involved (a duplicate, an overlap, a folder that is a file). */
	other?: string;
	offset?: number;
	nextOffset?: number;
	length?: number;
	size?: number;
	centralOffset?: number;
	centralSize?: number;
	zip64End?: number;
	limit?: number;
	produced?: number;
	field?: string;
	kind?: string;
	flateCode?: unknown;
	entries?: number;
	total?: number;
	bytes?: number;
	nameBytes?: number;
	method?: number;
	mode?: number;
	linkname?: string;
	/** A tar header's checksum as stored and as computed. */
	stored?: number;
	computed?: number;
}

/** For each error code, what its `details` hold. */
export interface ErrorDetailsByCode {
	INVALID_TAG: { tag: string; part: TagPart; reason: TagProblem };
	INVALID_MANIFEST: {
		/** Dotted path of the offending key (`labels.team`), `(document)`, or `(oci manifest)`. */
		field: string;
		reason?: ManifestProblem;
		value?: string;
		depth?: number;
		/** Where a YAML syntax error is, and the YAML parser's own code for it. */
		line?: number;
		column?: number;
		yamlCode?: string;
		expected?: string;
		actual?: string;
		limit?: number;
		layer?: number;
		reference?: string;
		repository?: string;
		size?: number;
		found?: string;
		version?: string;
		where?: string;
	};
	INVALID_SELECTOR: { selector: string; position: number; found: string };
	INVALID_PATH: { path: string; reason: PathProblem; other?: string };
	NOT_FOUND: Partial<RegistryAnswer> & { tag?: string; name?: string; alias?: string; path?: string; sha256?: string };
	TAG_EXISTS: {
		tag: string;
		/** The tag belongs to a version in the trash: restore it, or empty it from the trash first. */
		trashed?: boolean;
		digest?: string;
		repository?: string;
		remoteDigest?: string;
		localDigest?: string;
	};
	/** A version some alias points at cannot be deleted unless those aliases go in the same step. */
	ALIASED: {
		tag: string;
		name: string;
		aliases: string[];
		/** In a bulk delete: every aliased tag among those asked for (`tag` is the first). */
		tags?: string[];
	};
	/** An alias and a version of one model may never share a word, locally or on the registry. */
	ALIAS_CONFLICT: {
		name: string;
		alias: string;
		/** `is-version`: a version of the model is called that; `is-alias`: a version would take an alias's word;
		 * `remote-version`: the registry's tag of that word is a version, not an alias. */
		reason: 'is-version' | 'is-alias' | 'remote-version';
		repository?: string;
	};
	INTEGRITY: {
		tag?: string;
		path?: string;
		size?: number;
		crc32?: number;
		compressedSize?: number;
		declared?: number;
		/** Bytes a streamed entry actually gave. */
		written?: number;
		/** The bundle file's name, for an import. */
		file?: string;
		sha256?: string;
		repository?: string;
		digest?: string;
		/** What was expected and what was found: digests of stored bytes, or a registry's digests as text. */
		expected?: DigestFacts | string;
		/** What was found: digests, a digest as text, or a CRC-32. */
		actual?: DigestFacts | string | number;
		/** Which of sha256, size and crc32 differ. */
		fields?: Array<keyof DigestFacts>;
	};
	STORAGE_FULL: {
		/** The shelf's own limit, or null when the browser's quota for the site was reached. */
		quotaBytes?: number | null;
		needed?: number;
		tag?: string;
		/** The file being stored when the room ran out. */
		path?: string;
		/** What was being written (issue 22): a stored file's bytes, an export, or catalogue records. */
		writing?: 'blob' | 'export' | 'catalogue';
	};
	BAD_BUNDLE: BundleLocation & { reason: BundleProblem };
	/** A model file whose header cannot be read as its format says (issue 17): a fact about it, never a crash. */
	BAD_MODEL_FILE: {
		/** The format the file claimed: `safetensors`, `gguf`, `onnx`, `pickle`, `pytorch`, `npy`, … */
		format: string;
		/** What is wrong, as a short stable word: `truncated`, `too-large`, `out-of-range`, `overlap`, `too-deep`, `bad-magic`, `bad-json`, `unsupported-version`, `too-many`, `bad-opcode`, … */
		reason: string;
		path?: string;
		offset?: number;
		limit?: number;
		found?: string;
	};
	ABORTED: Record<never, never>;
	/** Another tab took the write lock from this one, which had not answered for 10 s (issue 24); `lock`: its name. */
	LOCK_LOST: { lock: string };
	/** `feature`: the missing browser capability, when that is why (issue 24). */
	UNSUPPORTED: { feature?: BrowserFeature; kind?: string; cursor?: string; name?: string; version?: number; artifactType?: string; configMediaType?: string; mediaType?: string; where?: string; digest?: string };
	INVALID_REMOTE: {
		/** The setting or part of a reference at fault. */
		field: 'url' | 'namespace' | 'name' | 'version' | 'digest';
		suggestion?: string;
		/** The part of a repository name that breaks the OCI grammar. */
		component?: string;
		url?: string;
		namespace?: string;
		name?: string;
		repository?: string;
		version?: string;
		reference?: string;
	};
	REMOTE_UNREACHABLE: Partial<RegistryAnswer> & {
		/** The browser is offline: the app's own origin did not answer either. */
		offline?: boolean;
		path?: string;
		repository?: string;
		/** An interrupted push: pushing again resumes from `offset`. */
		resumable?: boolean;
		offset?: number;
		/** Why, when the registry was reached but did not finish: no answer in time, 5xx answers, a connection cut mid-transfer. */
		reason?: 'timeout' | 'server-error' | 'connection-lost';
		/** How many times the request was sent before giving up. */
		attempts?: number;
	};
	REMOTE_CORS: { url: string; origin: string };
	REMOTE_AUTH: Partial<RegistryAnswer> & { url: string };
	REMOTE_QUOTA: RegistryAnswer;
	REMOTE_REJECTED: Partial<RegistryAnswer> & {
		repository?: string;
		tag?: string;
		/** `digest-mismatch`: the registry computed another digest for the bytes it was sent; `rate-limited`: it kept answering 429. */
		reason?: 'digest-mismatch' | 'rate-limited';
		/** For `rate-limited`: the seconds the registry last asked to wait (`Retry-After`), when it said. */
		retryAfter?: number;
		/** How many times the request was sent before giving up. */
		attempts?: number;
	};
	/** A pull refused by the registry's trust policy (`enforce`, issue 20): nothing stored. */
	UNTRUSTED: {
		/** `unsigned`: no signature; `untrusted-key`: signed, by no trusted key; `bad-signature`: the signature does not verify;
		 * `wrong-digest`: the signed payload names another manifest (re-tagged or swapped); `bad-payload`: not a cosign payload;
		 * `expired-key`: it verifies only under a trusted key whose trust has ended (rotated out). */
		reason: 'unsigned' | 'untrusted-key' | 'bad-signature' | 'wrong-digest' | 'bad-payload' | 'expired-key';
		repository: string;
		/** The manifest digest being pulled. */
		digest: string;
		/** What the payload names, for `wrong-digest`. */
		signedDigest?: string;
	};
	/** A value typed or picked for a model's input in "Try it" (issue 23) that does not fit it; `input` names it. */
	INVALID_INPUT: {
		input: string;
		/** `bad-json`: not JSON; `shape`: the dims do not fit the declared shape; `dtype`: a value the element type cannot hold;
		 * `missing`: no value given; `image`: the picked file is not a decodable image; `runtime-refused`: onnxruntime refused the run. */
		reason: 'bad-json' | 'shape' | 'dtype' | 'missing' | 'image' | 'runtime-refused';
		expected?: string;
		found?: string;
	};
	INTERNAL: { path?: string; size?: number; chunkSize?: number; length?: number; state?: string; tag?: string; createdKey?: string; version?: number; reason?: string };
}
