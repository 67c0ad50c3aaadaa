// The layers of DESIGN.md §4, checked in `npm test` (npm run check:deps):
// no import circles anywhere, shared/ imports nothing of node-tab/ or client/,
// and node-tab/ nothing of client/.
/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'An import circle: two modules that each need the other cannot be read, tested or loaded lazily on their own.',
      from: {},
      to: { circular: true }
    },
    {
      name: 'shared-stands-alone',
      severity: 'error',
      comment: 'shared/ is pure protocol code used by both sides: it imports nothing from node-tab/ or client/.',
      from: { path: '^shared/' },
      to: { path: '^(node-tab|client)/' }
    },
    {
      name: 'node-tab-not-client',
      severity: 'error',
      comment: 'The server side never depends on the UI: types both need live in shared/.',
      from: { path: '^node-tab/' },
      to: { path: '^client/' }
    },
    {
      name: 'not-to-unresolvable',
      severity: 'error',
      comment: 'An import that resolves to no file.',
      from: {},
      to: { couldNotResolve: true, pathNot: '^virtual:' }
    }
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    parser: 'swc',
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default'] }
  }
}
