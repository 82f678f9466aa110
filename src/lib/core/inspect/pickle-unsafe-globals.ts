// Node + browser: pure TypeScript, no DOM, no idb, no OPFS.
//
// The globals a pickle must not import, as picklescan lists them (mmaitre314/picklescan,
// src/picklescan/scanner.py, `_unsafe_globals`, at commit f15d54d): `'*'` marks a whole module and, as there,
// its submodules (`os.path.join` is as dangerous as `os.system`); otherwise only the names listed, exactly.
// picklescan's two string entries (`functools: "partial"`, `torch.serialization: "load"`) match by substring
// there; here they are one-name lists, which is what they mean.

/** Module → `'*'` (all of it) or the dangerous names in it. */
export const UNSAFE_PICKLE_GLOBALS: Readonly<Record<string, '*' | readonly string[]>> = {
	__builtin__: ['eval', 'compile', 'getattr', 'apply', 'exec', 'open', 'breakpoint'],
	builtins: ['eval', 'compile', 'getattr', 'apply', 'exec', 'open', 'breakpoint'],
	'cloudpickle.cloudpickle': ['_builtin_type', '_make_function', '_function_setstate', '_make_cell', '_make_empty_cell', 'subimport'],
	types: ['CodeType'],
	aiohttp: '*',
	asyncio: '*',
	bdb: '*',
	commands: '*',
	ctypes: '*',
	functools: ['partial'],
	httplib: '*',
	logging: ['FileHandler'],
	_io: ['FileIO'],
	'numpy.f2py': '*',
	'numpy.testing._private.utils': '*',
	nt: '*',
	posix: '*',
	_operator: ['attrgetter', 'itemgetter', 'methodcaller'],
	operator: ['attrgetter', 'itemgetter', 'methodcaller'],
	os: '*',
	'requests.api': '*',
	runpy: '*',
	shutil: '*',
	socket: '*',
	ssl: '*',
	subprocess: '*',
	sys: '*',
	code: ['InteractiveInterpreter.runcode'],
	cProfile: '*',
	'distutils.file_util': '*',
	doctest: ['debug_script'],
	ensurepip: ['_run_pip'],
	'idlelib.autocomplete': ['AutoComplete.get_entity', 'AutoComplete.fetch_completions'],
	'idlelib.calltip': ['Calltip.fetch_tip', 'get_entity'],
	'idlelib.debugobj': ['ObjectTreeItem.SetText'],
	'idlelib.pyshell': ['ModifiedInterpreter.runcode', 'ModifiedInterpreter.runcommand'],
	'idlelib.run': ['Executive.runcode'],
	imaplib: ['IMAP4_stream'],
	'lib2to3.pgen2.grammar': ['Grammar.loads'],
	'lib2to3.pgen2.pgen': ['ParserGenerator.make_label'],
	pdb: '*',
	pickle: '*',
	_pickle: '*',
	pip: '*',
	pkgutil: ['resolve_name'],
	pty: '*',
	profile: '*',
	pydoc: '*',
	test: '*',
	timeit: '*',
	'torch._dynamo.guards': ['GuardBuilder.get'],
	'torch._inductor.codecache': ['compile_file'],
	'torch.fx.experimental.symbolic_shapes': ['ShapeEnv.evaluate_guards_expression'],
	'torch.jit.unsupported_tensor_ops': ['execWrapper'],
	'torch.serialization': ['load'],
	'torch.utils._config_module': ['ConfigModule.load_config'],
	'torch.utils.bottleneck.__main__': ['run_cprofile', 'run_autograd_prof'],
	'torch.utils.collect_env': ['run'],
	'torch.utils.data.datapipes.utils.decoder': ['basichandlers'],
	trace: ['Trace.run', 'Trace.runctx'],
	'urllib.request': '*',
	uuid: '*',
	venv: '*',
	webbrowser: '*',
	_osx_support: '*',
	_aix_support: '*',
	_pyrepl: '*'
};

/**
 * True when importing `module.name` on load can run code, touch files or reach the network, per picklescan;
 * a global whose module or name could not be read from the pickle (`unknown`) counts as dangerous too.
 * @param module the module as the pickle writes it
 * @param name the name as the pickle writes it
 */
export function isUnsafePickleGlobal(module: string, name: string): boolean {
	if (module === 'unknown' || name === 'unknown') return true;
	const listed = Object.hasOwn(UNSAFE_PICKLE_GLOBALS, module) ? UNSAFE_PICKLE_GLOBALS[module] : undefined;
	if (listed !== undefined) return listed === '*' || listed.includes(name);
	// picklescan looks at parents only when the module itself is not listed.
	const parts = module.split('.');
	for (let length = 1; length < parts.length; length++) if (UNSAFE_PICKLE_GLOBALS[parts.slice(0, length).join('.')] === '*') return true;
	return false;
}
