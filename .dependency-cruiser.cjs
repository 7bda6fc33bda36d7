// The import rules of the repository, checked by `npm run lint` (dependency-cruiser 17):
//   npx depcruise core/src plugins extensions packages/testkit --config .dependency-cruiser.cjs
// docs/architecture.md explains the layers. A folder may import from its own layer and the ones
// below it, never from one above: the flow trigger -> run -> task -> scheduler -> logs reads
// top to bottom, and a cycle between folders cannot form.

/** The core's folders, bottom first. */
const LAYERS = [
  'api', // the public surface: contracts, define helpers, coded errors
  'kernel', // DI helper and root tokens, lifecycle, logger, config, deadlines
  'stores', // the SQLite database, migrations, group commit, secrets, plugin state
  'auth', // API tokens of the HTTP service
  'events', // event bus, event log, events API
  'objects', // pipeline and run objects
  'logs', // task log files
  'pipelines', // config schema, SDK, validation, registration and versions; task plan, conditions, output references
  'plugin-host', // discovery, manifests, loading, the registry, the stdio extension runtime
  'tasks', // one task: variables, substitution, following its container
  'containers', // the core's containers on the scheduler: labels, instance id, orphans
  'runs', // the orchestrator, run execution and recovery, run store, runs and tasks APIs
  'triggers', // the extension host: subscriptions, the run starter
  'composition', // the composition root: wiring, createGofer
  'server', // the HTTP API (the service's composition root: start-service.ts)
  'cli', // the gofer command
];

const upward = LAYERS.map((layer, i) => ({
  name: `layer-${layer}`,
  comment: `core/src/${layer}/ may import only from ${['itself', ...LAYERS.slice(0, i)].join(', ')} (docs/architecture.md, "Layers")`,
  severity: 'error',
  from: { path: `^core/src/${layer}/` },
  to: { path: `^core/src/(${LAYERS.slice(i + 1).join('|')})/` },
}));

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'api-imports-nothing-internal',
      comment: '@gofer/core/api is what plugin authors and host apps import: it may import only itself, node builtins and its npm dependencies (ajv)',
      severity: 'error',
      from: { path: '^core/src/api/' },
      to: { path: '^core/src/', pathNot: '^core/src/api/' },
    },
    {
      name: 'api-imports-no-di',
      comment: 'The public surface never mentions tsyringe or reflect-metadata',
      severity: 'error',
      from: { path: '^core/src/api/' },
      to: { path: 'node_modules/(tsyringe|reflect-metadata)/' },
    },
    ...upward,
    {
      name: 'core-layers-known',
      comment: `every folder of core/src is one of the layers (${LAYERS.join(', ')}): add a new one to LAYERS in .dependency-cruiser.cjs and to docs/architecture.md`,
      severity: 'error',
      from: { path: '^core/src/[^/]+/', pathNot: `^core/src/(${LAYERS.join('|')})/` },
      to: {},
    },
    {
      name: 'no-folder-cycles',
      comment: 'folders must not depend on each other in a circle: break it with an interface and a token declared by the lower module',
      severity: 'error',
      scope: 'folder',
      from: { path: '^(core/src|plugins|extensions|packages/testkit)/' },
      to: { circular: true },
    },
    {
      name: 'no-module-cycles',
      comment: 'modules must not import each other in a circle at run time (type-only imports may: two contracts that name each other)',
      severity: 'error',
      from: { path: '^(core/src|plugins|extensions|packages/testkit)/' },
      to: { circular: true, viaOnly: { dependencyTypesNot: ['type-only'] } },
    },
    {
      name: 'no-docker-or-execa-in-core',
      comment: 'the core never talks to Docker or spawns through execa: that is what scheduler plugins and extensions are for',
      severity: 'error',
      from: { path: '^core/' },
      to: { path: 'node_modules/(dockerode|docker-modem|execa)/' },
    },
    {
      name: 'plugins-use-the-public-api',
      comment: 'plugins and extensions import @gofer/core/api only, never the core internals (or @gofer/core itself, which carries the DI container)',
      severity: 'error',
      from: { path: '^(plugins|extensions)/[^/]+/src/' },
      to: { path: '^core/src/', pathNot: '^core/src/api/' },
    },
    {
      name: 'testkit-uses-the-public-api',
      comment:
        '@gofer/testkit is what plugin and pipeline authors test with: it imports the public entry points only (@gofer/core/api, and @gofer/core for createGofer), so what it checks is the contract they see, never the core internals',
      severity: 'error',
      from: { path: '^packages/testkit/src/' },
      to: { path: '^core/src/', pathNot: '^core/src/(api/|index[.]ts$)' },
    },
    {
      name: 'no-unresolvable',
      comment: 'an import that does not resolve is a missing dependency or a typo',
      severity: 'error',
      from: {},
      to: { couldNotResolve: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '(^|/)(dist|test/fixtures)/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.tsx.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['gofer-source', 'types', 'import', 'default'],
      extensions: ['.ts', '.js', '.mjs', '.cjs', '.json'],
    },
  },
};
