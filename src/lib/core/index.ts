// Node + browser: the public entry of the pure core (tags, versions, model.yaml, selectors, paths, errors).
// Everything here runs under plain Node ESM and in any browser context; nothing touches storage.

export { ERROR_CODES, ShelfError, isShelfError, isSerializedShelfError, toShelfError } from './errors.ts';
export type { ErrorCode, ErrorDetails, SerializedShelfError } from './errors.ts';

export {
	LATEST,
	TAG_MAX_LENGTH,
	TAG_PART_PATTERN,
	formatTag,
	isLatest,
	newVersion,
	normalizeTag,
	parseExactTag,
	parseTag,
	validateTagPart,
	versionFromUuid1
} from './tags.ts';
export type { ExactTag, Tag, TagPart, TagProblem } from './tags.ts';

export {
	DOCUMENT_FIELD,
	MAX_YAML_ALIASES,
	compareByCreationTime,
	creationTimeKey,
	creationTimeMs,
	currentCreationTime,
	formatCreationTime,
	isPyFloat,
	isoformatCreationTime,
	newModelInfo,
	parseCreationTime,
	parseModelYaml,
	pyFloat,
	sameModelYaml,
	serializeModelYaml
} from './manifest.ts';
export type {
	CreationInstant,
	ManifestProblem,
	ModelContext,
	ModelInfo,
	ModelSignature,
	NewModelInfo,
	NewSignature,
	PyFloat,
	PyValue,
	YamlValue
} from './manifest.ts';
export { dumpPyYaml } from './pyyaml-dump.ts';
export { parsePyJson } from './py-json.ts';

export { SELECTOR_OPERATORS, formatSelector, matchesSelector, parseSelector, selectorIndexHints } from './selector.ts';
export type { Requirement, Selector, SelectorIndexHints, SelectorOperator } from './selector.ts';

export { MANIFEST_PATH, normalizeModelPath, normalizeModelPaths } from './paths.ts';
export type { PathProblem } from './paths.ts';

export { createdKey } from './store-types.ts';
export type {
	BlobDigest,
	BlobExpectation,
	BlobStore,
	BlobWriter,
	Catalogue,
	DeleteOutcome,
	ListOrder,
	ListPage,
	ListQuery,
	NameSummary,
	StoredFile,
	VersionRecord
} from './store-types.ts';

export { DEFAULT_BUNDLE_LIMITS, badBundle } from './bundle/bundle-errors.ts';
export type { BundleLimits, BundleProblem } from './bundle/bundle-errors.ts';
