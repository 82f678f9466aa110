// Help's sections, in the page's order: the page builds its table of contents from this, and every "?" elsewhere
// names one of these ids, so a link cannot point at a section that does not exist.
export const HELP_SECTIONS = [
	{ id: 'tags', title: 'Tags and versions' },
	{ id: 'latest-and-aliases', title: 'latest and aliases' },
	{ id: 'selectors', title: 'Label selectors' },
	{ id: 'metrics', title: 'Metrics: order and thresholds' },
	{ id: 'bentoml', title: 'Import and export with BentoML' },
	{ id: 'registry', title: 'Sharing through a registry' },
	{ id: 'storage', title: 'Storage' }
] as const;

export type HelpSectionId = (typeof HELP_SECTIONS)[number]['id'];
