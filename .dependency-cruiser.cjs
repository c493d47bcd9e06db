// The layer rules, checked by `npm run deps:check` (part of `npm run check`). Paths are relative to
// the repository root; a shared package imported by name resolves to its built `dist/`.
const SERVICES = '(user-service|order-service|inventory-service)';
const ORDERS = '^order-service/src';
const ROOMS = '(placing|settling|outbox)';

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-cycles',
      comment: 'A cycle means two modules cannot be read, tested or moved apart.',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    {
      name: 'no-service-into-another-service',
      comment: 'Services talk over HTTP and Kafka and share code only through packages/.',
      severity: 'error',
      from: { path: `^${SERVICES}/` },
      to: { path: `^${SERVICES}/`, pathNot: '^$1/' },
    },
    {
      name: 'shared-packages-by-name-only',
      comment: "Import @flash-sale/* by package name, never another package's src/ by path.",
      severity: 'error',
      from: { path: '^(packages/[^/]+)/' },
      to: { path: '^packages/[^/]+/src/', pathNot: '^$1/' },
    },
    {
      name: 'services-use-packages-by-name-only',
      comment: "Import @flash-sale/* by package name, never a package's src/ by path.",
      severity: 'error',
      from: { pathNot: '^packages/' },
      to: { path: '^packages/[^/]+/src/' },
    },
    {
      name: 'packages-know-no-service',
      comment: 'The shared packages serve the services; they never import one.',
      severity: 'error',
      from: { path: '^packages/' },
      to: { path: `^(${SERVICES}|tests)/` },
    },
    {
      name: 'contracts-import-nothing-of-ours',
      comment:
        'packages/contracts is schemas and types only: no Nest, no database, no other package.',
      severity: 'error',
      from: { path: '^packages/contracts/' },
      to: { path: `^(packages/(?!contracts/)|${SERVICES}/|tests/)` },
    },
    {
      name: 'stock-stands-alone',
      comment: 'order-service stock/ (Redis counters, reconciler) knows nothing of orders.',
      severity: 'error',
      from: { path: `${ORDERS}/stock/` },
      to: { path: `${ORDERS}/(orders|${ROOMS.slice(1, -1)})/` },
    },
    {
      name: 'audit-only-reads',
      comment:
        'order-service audit/ reads the stores through its own adapter and stock/; it touches no order room, and nothing but the app module imports it.',
      severity: 'error',
      from: { path: `${ORDERS}/audit/` },
      to: { path: `${ORDERS}/(orders|${ROOMS.slice(1, -1)})/` },
    },
    {
      name: 'audit-is-a-leaf',
      comment: 'The sale audit observes the service; no other room depends on it.',
      severity: 'error',
      from: { path: ORDERS, pathNot: `${ORDERS}/(audit/|app\\.module\\.ts$)` },
      to: { path: `${ORDERS}/audit/` },
    },
    {
      name: 'rooms-meet-in-the-core',
      comment:
        'placing/, settling/ and outbox/ go through the core (orders/), never into each other.',
      severity: 'error',
      from: { path: `${ORDERS}/${ROOMS}/` },
      to: { path: `${ORDERS}/${ROOMS}/`, pathNot: `${ORDERS}/$1/` },
    },
    {
      name: 'core-knows-no-room',
      comment:
        'The core (orders/) is what the rooms share; only its module, the composition root, names the rooms.',
      severity: 'error',
      from: { path: `${ORDERS}/orders/`, pathNot: `${ORDERS}/orders/orders\\.module\\.ts$` },
      to: { path: `${ORDERS}/${ROOMS}/` },
    },
  ],
  options: {
    // A shared package imported by name resolves to its built dist/: seen, not followed.
    doNotFollow: { path: ['node_modules', '(^|/)dist/'] },
    exclude: { path: '(^|/)(coverage|node_modules|\\.cache)/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.base.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      extensions: ['.ts', '.js', '.mjs', '.cjs', '.d.ts'],
    },
  },
};
