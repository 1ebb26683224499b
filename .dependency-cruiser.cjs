/**
 * Module boundaries, checked by `npm run lint` (dependency-cruiser).
 *
 * - runtime code (src/, lambdas/) never imports the CDK: it runs in Lambda and on the CLI;
 * - Lambda code never reaches DuckDB (a native module the bundles do not ship), not even through an index;
 * - the log-format parsers never reach into the lake's internals (they hand rows to `ParseContext.emit`);
 * - lib/ shapes infrastructure from the schema, the pack and limits, never runs the pipeline;
 * - product code never imports test, bench or testkit code; test, bench and scripts share code only through testkit/;
 * - a folder of src/ is entered through its index.ts: other folders import only that public surface.
 */
/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'runtime-imports-cdk',
      comment: 'src/ and lambdas/ run in Lambda and in the CLI: the CDK belongs to bin/app.ts and lib/ only.',
      severity: 'error',
      from: { path: '^(src|lambdas)/' },
      to: { path: '(^|/)node_modules/(aws-cdk-lib|constructs|cdk-nag)/' },
    },
    {
      name: 'lambda-reaches-duckdb',
      comment: 'DuckDB is the CLI-side engine: a Lambda bundle must not load its native module, even through an index.',
      severity: 'error',
      from: { path: '^lambdas/' },
      to: { path: '(^|/)node_modules/@duckdb/', reachable: true },
    },
    {
      name: 'lib-business-logic-free',
      comment: 'lib/ defines infrastructure; it may read the schema and the pack to shape tables, never run the pipeline.',
      severity: 'error',
      from: { path: '^lib/' },
      to: { path: '^src/(pipeline|ingest|notify|report|cli)/' },
    },
    {
      name: 'formats-reach-lake-internals',
      comment: 'Parsers emit rows through ParseContext; they may read the lake schema, not its writer or layout.',
      severity: 'error',
      from: { path: '^src/formats/' },
      to: { path: '^src/lake/', pathNot: '^src/lake/(index|schema)\\.ts$' },
    },
    {
      name: 'product-imports-tests',
      comment: 'Shipped code (and the bench, scripts) never depends on test code.',
      severity: 'error',
      from: { path: '^(src|lib|lambdas|bin|scripts|bench|testkit)/' },
      to: { path: '^test/' },
    },
    {
      name: 'imports-bench',
      comment: 'Nothing depends on the bench: what tests and benches share lives in testkit/.',
      severity: 'error',
      from: { path: '^(src|lib|lambdas|bin|scripts|test|testkit)/' },
      to: { path: '^bench/' },
    },
    {
      name: 'product-imports-testkit',
      comment: 'testkit/ is for tests, benches and the sample maker; shipped code never depends on it.',
      severity: 'error',
      from: { path: '^(src|lib|lambdas|bin)/' },
      to: { path: '^testkit/' },
    },
    {
      name: 'bypasses-folder-index',
      comment: "Another folder of src/ is used through its index.ts, the folder's public surface.",
      severity: 'error',
      from: { path: '^src/([^/]+)/' },
      to: { path: '^src/([^/]+)/.+', pathNot: ['^src/$1/', '^src/[^/]+/index\\.ts$'] },
    },
    {
      name: 'no-circular',
      severity: 'warn',
      from: {},
      to: { circular: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(cdk\\.out|dist|out)/|/assembly/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default'] },
  },
};
