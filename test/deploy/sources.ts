// What the deployed code can do, read from the code itself, for the template tests to hold the
// roles to: which src/ modules each function's bundle was built from (the source map in
// .serverless/<function>.zip lists them), and which modules send which AWS SDK command.
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
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

/** 1-based line of a character offset. */
export function lineOf(text: string, offset: number): number {
  return text.slice(0, offset).split('\n').length;
}
