// esbuild plugins for the Lambda bundles (serverless.yml custom.esbuild.plugins; the bench uses
// the same file). Bolt's index loads every receiver it ships, and with them Express, body
// parsing and the Socket Mode client (undici, ws): about a megabyte the Lambda receiver never
// runs. They are replaced by stand-ins that throw if anything ever calls them, so a mistake is
// loud rather than silent (test/deploy checks the bundled handler still answers Slack).
const UNUSED_ON_LAMBDA = ['express', 'body-parser', 'raw-body', '@slack/socket-mode'];

const escape = (s) => s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');

const stubUnusedModules = {
  name: 'stub-unused-modules',
  setup(build) {
    const filter = new RegExp(`^(${UNUSED_ON_LAMBDA.map(escape).join('|')})(/.*)?$`);
    build.onResolve({ filter }, (args) => ({ path: args.path, namespace: 'unused-on-lambda' }));
    build.onLoad({ filter: /.*/, namespace: 'unused-on-lambda' }, (args) => ({
      contents: [
        `const message = ${JSON.stringify(`${args.path} is not bundled for Lambda (see esbuild.plugins.cjs)`)};`,
        'const fail = () => { throw new Error(message); };',
        "module.exports = new Proxy(fail, { get: (_target, key) => (key === '__esModule' ? false : fail) });",
      ].join('\n'),
      loader: 'js',
    }));
  },
};

module.exports = [stubUnusedModules];
