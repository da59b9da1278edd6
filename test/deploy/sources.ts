// What the deployed code can do, read from the code itself, for the template tests to hold the
// roles to: which src/ modules each function's bundle was built from (the source map in
// .serverless/<function>.zip lists them), and which modules send which AWS SDK command.
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import ts from 'typescript';
import { readZip } from './zip.js';

const ROOT = process.cwd();
const OUT_DIR = join(ROOT, '.serverless');

export const FUNCTION_NAMES = ['slack', 'worker', 'advance'] as const;
export type FunctionName = (typeof FUNCTION_NAMES)[number];

const bundles = new Map<FunctionName, Set<string>>();

/** The src/ modules (as `src/audit/auditLog.ts`) esbuild built a function's bundle from. */
export function bundledModules(name: FunctionName): Set<string> {
  const known = bundles.get(name);
  if (known) return known;
  const zip = join(OUT_DIR, `${name}.zip`);
  if (!existsSync(zip)) throw new Error(`${zip} is missing: run \`npm run package\` first (npm test does it before vitest).`);
  const map = readZip(zip).get(`src/handlers/${name}.js.map`);
  if (!map) throw new Error(`src/handlers/${name}.js.map is not in ${name}.zip (custom.esbuild.sourcemap)`);
  const { sources } = JSON.parse(map.toString('utf8')) as { sources: string[] };
  const modules = new Set<string>();
  for (const source of sources) {
    if (source.includes('node_modules/')) continue;
    const at = /(?:^|\/)(src\/.+)$/.exec(source);
    if (at?.[1]) modules.add(at[1]);
  }
  if (!modules.has(`src/handlers/${name}.ts`)) throw new Error(`${name}.zip's source map does not list src/handlers/${name}.ts: ${[...modules].join(', ')}`);
  bundles.set(name, modules);
  return modules;
}

/** The functions whose bundle holds the module. */
export function functionsBundling(module: string): FunctionName[] {
  return FUNCTION_NAMES.filter((name) => bundledModules(name).has(module));
}

let files: Map<string, string> | undefined;

/** Every TypeScript module under src/ except tests, by path (`src/...`), with its text. */
export function sourceModules(): Map<string, string> {
  if (files) return files;
  files = new Map();
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts') && !entry.name.endsWith('.d.ts')) {
        files?.set(relative(ROOT, path).split(sep).join('/'), readFileSync(path, 'utf8'));
      }
    }
  };
  walk(join(ROOT, 'src'));
  return files;
}

/** Modules that send an AWS SDK command (`new GetTagsCommand(`). */
export function modulesSending(command: string): string[] {
  const pattern = new RegExp(`\\bnew\\s+${command}\\s*\\(`);
  return [...sourceModules()].filter(([, text]) => pattern.test(text)).map(([path]) => path);
}

/** The functions whose bundle holds a module that sends the command. */
export function functionsSending(command: string): FunctionName[] {
  const modules = modulesSending(command);
  return FUNCTION_NAMES.filter((name) => modules.some((m) => bundledModules(name).has(m)));
}

const parsed = new Map<string, ts.SourceFile>();

function parse(module: string): ts.SourceFile {
  let file = parsed.get(module);
  if (!file) {
    const text = sourceModules().get(module);
    if (text === undefined) throw new Error(`${module} is not a source module`);
    file = ts.createSourceFile(module, text, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
    parsed.set(module, file);
  }
  return file;
}

function visit(node: ts.Node, fn: (n: ts.Node) => void): void {
  fn(node);
  node.forEachChild((child) => visit(child, fn));
}

const where = (node: ts.Node) => {
  const file = node.getSourceFile();
  return `${file.fileName}:${file.getLineAndCharacterOfPosition(node.getStart()).line + 1}`;
};

/** The name of the function or method a node is in (`forDay`, `handler`), or undefined at module level. */
function enclosingFunction(node: ts.Node): string | undefined {
  for (let n: ts.Node | undefined = node.parent; n; n = n.parent) {
    if ((ts.isMethodDeclaration(n) || ts.isFunctionDeclaration(n)) && n.name && ts.isIdentifier(n.name)) return n.name.text;
    if ((ts.isArrowFunction(n) || ts.isFunctionExpression(n)) && ts.isVariableDeclaration(n.parent) && ts.isIdentifier(n.parent.name)) return n.parent.name.text;
    if ((ts.isArrowFunction(n) || ts.isFunctionExpression(n)) && ts.isPropertyAssignment(n.parent) && ts.isIdentifier(n.parent.name)) return n.parent.name.text;
  }
  return undefined;
}

export interface IndexQuery {
  /** `src/audit/auditLog.ts:85` */
  at: string;
  module: string;
  /** The function or method the query is made in. */
  inFunction: string;
  indexName: string;
}

/**
 * Every DynamoDB query on a secondary index: a `new QueryCommand({ ..., IndexName: ... })` in
 * src/. The index name must be a string literal (the test maps it to its table by that name).
 */
export function indexQueries(): IndexQuery[] {
  const found: IndexQuery[] = [];
  for (const module of sourceModules().keys()) {
    visit(parse(module), (node) => {
      // A query is `new QueryCommand(input)`, or `queryAll(client, input)` (src/audit/dynamo.ts, every page).
      const isCommand = ts.isNewExpression(node) && ts.isIdentifier(node.expression) && node.expression.text === 'QueryCommand';
      const isQueryAll = ts.isCallExpression(node) && ts.isIdentifier(node.expression) && node.expression.text === 'queryAll';
      if (!isCommand && !isQueryAll) return;
      const input = isCommand ? node.arguments?.[0] : (node as ts.CallExpression).arguments[1];
      if (!input || !ts.isObjectLiteralExpression(input)) throw new Error(`${where(node)}: a query whose input is not an object literal; read it by hand and extend this test`);
      for (const prop of input.properties) {
        if (ts.isSpreadAssignment(prop)) throw new Error(`${where(prop)}: a query input with a spread; read it by hand and extend this test`);
        if (!prop.name || !ts.isIdentifier(prop.name) || prop.name.text !== 'IndexName') continue;
        if (!ts.isPropertyAssignment(prop) || !ts.isStringLiteralLike(prop.initializer)) throw new Error(`${where(prop)}: IndexName is not a string literal`);
        const inFunction = enclosingFunction(node);
        if (!inFunction) throw new Error(`${where(node)}: a query at module level`);
        found.push({ at: where(prop), module, inFunction, indexName: prop.initializer.text });
      }
    });
  }
  return found;
}

/**
 * The modules whose code calls a function or method of `module` by name (`x.forDay(`, `forDay(`),
 * outside that module; a call inside it is followed to the function it is made in, and so on.
 * Loose on purpose: any method of that name counts, so a call is never missed.
 */
export function modulesCalling(module: string, name: string): string[] {
  const callers = new Set<string>();
  const seen = new Set<string>();
  const pending = [name];
  while (pending.length > 0) {
    const fn = pending.pop() as string;
    if (seen.has(fn)) continue;
    seen.add(fn);
    for (const caller of sourceModules().keys()) {
      visit(parse(caller), (node) => {
        if (!ts.isCallExpression(node)) return;
        const callee = node.expression;
        const called = ts.isPropertyAccessExpression(callee) ? callee.name.text : ts.isIdentifier(callee) ? callee.text : undefined;
        if (called !== fn) return;
        if (caller !== module) callers.add(caller);
        else {
          const outer = enclosingFunction(node);
          if (outer) pending.push(outer);
          else callers.add(caller); // called when the module loads
        }
      });
    }
  }
  return [...callers].sort();
}
