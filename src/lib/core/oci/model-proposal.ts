// Node + browser: pure TypeScript, no DOM.
//
// What a foreign model artifact becomes on the shelf: a proposed name, version, labels, creation time, context
// and metadata, read from the repository, the tag, the manifest's annotations and the format's config JSON
// (ModelPack `{descriptor, modelfs, config}`, Model Runner `{descriptor, config, files}`, KitOps' Kitfile as
// JSON). The user may edit name, version, labels and creation time before pulling; `proposalInfo` then writes
// the model.yaml with `newModelInfo`, as BentoML would.
import { ShelfError } from '../errors.ts';
import { isoformatCreationTime, newModelInfo, type ModelInfo } from '../manifest.ts';
import { LATEST, TAG_MAX_LENGTH, TAG_PART_PATTERN, validateTagPart } from '../tags.ts';
import type { ArtifactFormat, ForeignManifest } from './model-formats.ts';
import { malformed } from './model-formats.ts';

/** The version a foreign artifact becomes, before the user edits it. */
export interface PullProposal {
	name: string;
	version: string;
	labels: Record<string, string>;
	/** ISO-8601 from the artifact; absent when it says none (the pull then stamps the time of the pull). */
	creationTime?: string;
	/** `framework_name` and the format facts kept under context (architecture, precision, quantization, param_size). */
	context: { frameworkName: string; extra: Record<string, string> };
	/** `source` (registry reference), `source_digest` (manifest digest), `source_format`, and descriptive fields. */
	metadata: Record<string, string>;
}

/** Edits to a proposal; unset fields keep the proposal's. */
export interface ProposalEdits {
	name?: string;
	version?: string;
	labels?: Record<string, string>;
	creationTime?: string;
}

/** Where the artifact was read from. */
export interface ProposalSource {
	/** e.g. `localhost:5000/acme/llama` */
	location: string;
	/** The model name asked for (the repository's last part). */
	name: string;
	tag?: string;
	/** The manifest digest, `sha256:…`. */
	digest: string;
}

/** The checked content digests a format's config lists per layer (ModelPack `modelfs.diffIds`, Model Runner `files[].diffID`). */
export type DiffIds = (string | undefined)[] | undefined;

const OCI = 'org.opencontainers.image.';
/** OCI annotations that become labels (key → label). */
const LABEL_ANNOTATIONS: Record<string, string> = { [`${OCI}licenses`]: 'license', [`${OCI}vendor`]: 'vendor', [`${OCI}authors`]: 'authors', [`${OCI}revision`]: 'revision' };

/**
 * Makes a text a valid BentoML name or version part: lower case, `[-._a-z0-9]`, alphanumeric at both ends,
 * at most 63 characters; `undefined` when nothing valid is left.
 * @example
 * toTagPart('Llama-3.2_1B:Q4'); // 'llama-3.2_1b-q4'
 */
export function toTagPart(text: string): string | undefined {
	const part = text
		.toLowerCase()
		.replace(/[^-._a-z0-9]+/g, '-')
		.slice(0, TAG_MAX_LENGTH)
		.replace(/^[-._]+|[-._]+$/g, '');
	return TAG_PART_PATTERN.test(part) ? part : undefined;
}

/**
 * Proposes the shelf version for a foreign artifact.
 * @param manifest the read manifest
 * @param config the config blob's JSON (`{}` for ORAS's empty config)
 * @param source where it came from
 */
export function proposeVersion(manifest: ForeignManifest, config: unknown, source: ProposalSource): PullProposal {
	const c = _object(config);
	const descriptor = _object(c.descriptor);
	const run = _object(c.config);
	const kit = _object(c.package);
	const labels: Record<string, string> = {};
	const metadata: Record<string, string> = { source: `${source.location}${source.tag ? `:${source.tag}` : ''}`, source_digest: source.digest, source_format: manifest.format };
	const extra: Record<string, string> = {};
	let frameworkName = '';
	for (const [key, label] of Object.entries(LABEL_ANNOTATIONS)) if (manifest.annotations[key]) labels[label] = manifest.annotations[key]!;
	for (const [key, value] of Object.entries(manifest.annotations)) if (key.startsWith('ai.bentoml.model.label.')) labels[key.slice('ai.bentoml.model.label.'.length)] = value;
	if (manifest.annotations[`${OCI}description`]) metadata.description = manifest.annotations[`${OCI}description`]!;
	if (manifest.format === 'modelpack') {
		_copy(descriptor, { family: 'family', vendor: 'vendor', revision: 'revision' }, labels);
		if (_strings(descriptor.licenses).length) labels.license = _strings(descriptor.licenses).join(', ');
		if (_strings(descriptor.authors).length) labels.authors = _strings(descriptor.authors).join(', ');
		_copy(descriptor, { title: 'title', description: 'description', docURL: 'doc_url', sourceURL: 'source_url', name: 'model_name', version: 'model_version' }, metadata);
		_copy(run, { architecture: 'architecture', precision: 'precision', quantization: 'quantization', paramSize: 'param_size' }, extra);
		frameworkName = typeof run.format === 'string' ? run.format : '';
	} else if (manifest.format === 'docker-model') {
		frameworkName = typeof run.format === 'string' ? run.format : '';
		const facts = _object(run[frameworkName]);
		_copy(facts, { architecture: 'architecture', quantization: 'quantization', parameter_count: 'param_size' }, extra);
	} else if (manifest.format === 'kitops') {
		if (typeof kit.license === 'string') labels.license = kit.license;
		if (_strings(kit.authors).length) labels.authors = _strings(kit.authors).join(', ');
		_copy(kit, { name: 'model_name', version: 'model_version', description: 'description' }, metadata);
		const model = _object(c.model);
		frameworkName = typeof model.framework === 'string' ? model.framework : '';
	}
	const created = manifest.annotations[`${OCI}created`] ?? (typeof descriptor.createdAt === 'string' ? descriptor.createdAt : undefined);
	const creationTime = created === undefined ? undefined : (isoformatCreationTime(created) ?? undefined);
	const tagVersion = source.tag !== undefined && source.tag !== LATEST ? toTagPart(source.tag) : undefined;
	return {
		name: toTagPart(source.name) ?? 'model',
		// `latest` is the shelf's own moving word, never a version; without a usable tag the digest names the version.
		version: tagVersion ?? source.digest.slice('sha256:'.length, 'sha256:'.length + 16),
		labels,
		...(creationTime ? { creationTime } : {}),
		context: { frameworkName, extra },
		metadata
	};
}

/**
 * The content digests a config lists per layer, checked: ModelPack's `modelfs.diffIds` (one per layer, in
 * order) and Model Runner's `files[].diffID`.
 * @throws ShelfError `INVALID_MANIFEST` for a list of the wrong length or entries that are not sha256 digests
 */
export function configDiffIds(format: ArtifactFormat, config: unknown, layerCount: number): DiffIds {
	const c = _object(config);
	const list = format === 'modelpack' ? _object(c.modelfs).diffIds : format === 'docker-model' && Array.isArray(c.files) ? c.files.map((file) => _object(file).diffID) : undefined;
	if (list === undefined) return undefined;
	if (!Array.isArray(list) || list.length !== layerCount) throw malformed(`The config lists ${Array.isArray(list) ? list.length : 'no'} layer digests (diffIds) for ${layerCount} layers.`, { where: 'config.modelfs.diffIds' });
	return list.map((id, i) => {
		if (typeof id !== 'string' || !/^sha256:[a-f0-9]{64}$/.test(id)) throw malformed(`The config's diffIds[${i}] is not a sha256 digest.`, { layer: i, where: 'config.modelfs.diffIds' });
		return id;
	});
}

/**
 * Writes a proposal (with the user's edits) as the version's model.yaml info.
 * @throws ShelfError `INVALID_TAG` for an edited name or version BentoML refuses, `INVALID_MANIFEST` for a bad time
 */
export function proposalInfo(proposal: PullProposal, edits: ProposalEdits = {}): ModelInfo {
	const name = validateTagPart(edits.name ?? proposal.name, 'name');
	const version = validateTagPart(edits.version ?? proposal.version, 'version');
	if (version === LATEST) throw new ShelfError('INVALID_TAG', '"latest" names the newest version on the shelf; pick another version.', { tag: `${name}:${version}`, part: 'version', reason: 'reserved-alias' });
	return newModelInfo({
		name,
		version,
		labels: edits.labels ?? proposal.labels,
		metadata: proposal.metadata,
		context: { frameworkName: proposal.context.frameworkName, extra: proposal.context.extra },
		...(edits.creationTime ?? proposal.creationTime ? { creationTime: edits.creationTime ?? proposal.creationTime } : {})
	});
}

// ---------------------------------------------------------------------------

function _copy(from: Record<string, unknown>, keys: Record<string, string>, into: Record<string, string>): void {
	for (const [key, target] of Object.entries(keys)) if (typeof from[key] === 'string' && from[key] !== '') into[target] = from[key];
}

function _strings(value: unknown): string[] {
	return Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string') : [];
}

function _object(value: unknown): Record<string, unknown> {
	return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}
