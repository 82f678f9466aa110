// Node + browser: pure TypeScript, no DOM.
//
// Docker Model Runner's layers carry no file names (docker/model-spec spec.md: "All layers blobs SHOULD contain
// the contents of a single file"; order = shard order). The shelf names them the way llama.cpp and Hugging Face
// name such files, so a pulled folder is usable as it is: one GGUF is `model.gguf`, shards are
// `model-00001-of-00003.gguf`; safetensors likewise; the license `LICENSE`; the chat template `template.jinja`.

/** Docker Model Runner's layer media types (docker/model-spec, and model-runner's types.go). */
export const DOCKER_MODEL_LAYER_TYPES = {
	gguf: 'application/vnd.docker.ai.gguf.v3',
	lora: 'application/vnd.docker.ai.gguf.v3.lora',
	mmproj: 'application/vnd.docker.ai.gguf.v3.mmproj',
	mmprojShort: 'application/vnd.docker.ai.mmproj',
	safetensors: 'application/vnd.docker.ai.safetensors',
	dduf: 'application/vnd.docker.ai.dduf',
	license: 'application/vnd.docker.ai.license',
	chatTemplate: 'application/vnd.docker.ai.chat.template.jinja'
} as const;

/** File name stem and extension of each kind; several layers of one kind are numbered. */
const NAMES: Record<string, { stem: string; ext: string; shards: boolean }> = {
	[DOCKER_MODEL_LAYER_TYPES.gguf]: { stem: 'model', ext: '.gguf', shards: true },
	[DOCKER_MODEL_LAYER_TYPES.safetensors]: { stem: 'model', ext: '.safetensors', shards: true },
	[DOCKER_MODEL_LAYER_TYPES.lora]: { stem: 'adapter', ext: '.gguf', shards: false },
	[DOCKER_MODEL_LAYER_TYPES.mmproj]: { stem: 'mmproj', ext: '.gguf', shards: false },
	[DOCKER_MODEL_LAYER_TYPES.mmprojShort]: { stem: 'mmproj', ext: '.gguf', shards: false },
	[DOCKER_MODEL_LAYER_TYPES.dduf]: { stem: 'model', ext: '.dduf', shards: false },
	[DOCKER_MODEL_LAYER_TYPES.license]: { stem: 'LICENSE', ext: '', shards: false },
	[DOCKER_MODEL_LAYER_TYPES.chatTemplate]: { stem: 'template', ext: '.jinja', shards: false }
};

/**
 * The file name of one Docker Model Runner layer, from its media type and its place among layers of that type.
 * @param layers every layer of the manifest, in order
 * @param index the layer to name
 * @example
 * dockerModelPath([gguf, gguf, license], 1); // 'model-00002-of-00002.gguf'
 */
export function dockerModelPath(layers: readonly { mediaType: string }[], index: number): string {
	const type = layers[index]!.mediaType;
	const same = layers.map((layer, i) => ({ layer, i })).filter(({ layer }) => layer.mediaType === type);
	const position = same.findIndex(({ i }) => i === index);
	const name = NAMES[type] ?? { stem: `layer-${index}`, ext: '', shards: false };
	if (same.length === 1) return `${name.stem}${name.ext}`;
	if (name.shards) return `${name.stem}-${_five(position + 1)}-of-${_five(same.length)}${name.ext}`;
	return position === 0 ? `${name.stem}${name.ext}` : `${name.stem}-${position + 1}${name.ext}`;
}

function _five(n: number): string {
	return String(n).padStart(5, '0');
}
