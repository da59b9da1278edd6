// The esbuild options serverless-esbuild would use for the slack function, read from
// serverless.yml's `custom.esbuild` and treated the way the plugin does: its defaults underneath,
// its own (non-esbuild) keys removed, `exclude` appended to `external`.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import type { BuildOptions, Plugin } from 'esbuild';

/** js-yaml (installed with osls) has no type declarations here: the little we use of it. */
interface YamlType {
  new (tag: string, options: { kind: 'scalar' | 'sequence' | 'mapping'; construct: (data: unknown) => unknown }): unknown;
}
interface JsYaml {
  load(text: string, options: { schema: unknown; filename?: string }): unknown;
  Type: YamlType;
  DEFAULT_SCHEMA: { extend(types: unknown[]): unknown };
}

/**
 * Copy of serverless.yml `custom.esbuild`, used only if the file cannot be parsed. Keep in step
 * with serverless.yml (the output says which one was used).
 */
export const DOCUMENTED_COPY: Record<string, unknown> = {
  bundle: true,
  minify: true,
  sourcemap: true,
  sourcesContent: false,
  target: 'node20',
  platform: 'node',
  format: 'cjs',
  packager: 'npm',
  exclude: [],
  external: [],
  concurrency: 2,
  skipRebuild: true,
  plugins: './esbuild.plugins.cjs',
};

/** serverless-esbuild 1.x defaults that reach esbuild (dist/index.js getBuildOptions). */
const PLUGIN_DEFAULTS: Record<string, unknown> = { bundle: true, target: 'node18', external: [], exclude: ['aws-sdk'], platform: 'node' };

/** Keys serverless-esbuild strips before calling esbuild (dist/bundle.js). */
const PLUGIN_ONLY_KEYS = [
  'concurrency', 'zipConcurrency', 'exclude', 'nativeZip', 'packager', 'packagePath', 'watch', 'keepOutputDirectory',
  'packagerOptions', 'installExtraArgs', 'outputFileExtension', 'outputBuildFolder', 'outputWorkFolder', 'nodeExternals',
  'skipBuild', 'skipRebuild', 'skipBuildExcludeFns', 'stripEntryResolveExtensions', 'disposeContext',
];

/** CloudFormation short-form tags (!Ref, !Sub, ...) parsed as placeholders: only custom.esbuild is used. */
const CFN_TAGS = ['Ref', 'GetAtt', 'Sub', 'Join', 'Select', 'Split', 'If', 'Equals', 'Not', 'And', 'Or', 'FindInMap', 'Base64', 'Cidr', 'GetAZs', 'ImportValue', 'Condition'];

function parseServerlessEsbuild(path: string): Record<string, unknown> {
  const yaml = createRequire(import.meta.url)('js-yaml') as JsYaml;
  const types = CFN_TAGS.flatMap((name) =>
    (['scalar', 'sequence', 'mapping'] as const).map((kind) => new yaml.Type(`!${name}`, { kind, construct: (data) => ({ [`Fn::${name}`]: data }) })),
  );
  const doc = yaml.load(readFileSync(path, 'utf8'), { schema: yaml.DEFAULT_SCHEMA.extend(types), filename: path }) as {
    custom?: { esbuild?: Record<string, unknown> };
  };
  const options = doc.custom?.esbuild;
  if (!options) throw new Error('serverless.yml has no custom.esbuild');
  // Serverless variables would need resolving; the section has none today.
  const unresolved = Object.entries(options).filter(([, v]) => JSON.stringify(v).includes('${'));
  if (unresolved.length > 0) throw new Error(`custom.esbuild uses Serverless variables (${unresolved.map(([k]) => k).join(', ')})`);
  return options;
}

export interface ResolvedEsbuildOptions {
  source: 'serverless.yml' | 'documented copy';
  /** Why the documented copy was used. */
  fallbackReason?: string;
  /** custom.esbuild as written. */
  custom: Record<string, unknown>;
  /** What reaches esbuild (before entry point and output directory). */
  esbuild: BuildOptions;
  /** Names of the esbuild plugins loaded from `plugins`. */
  pluginNames: string[];
}

/** As serverless-esbuild does: a path (relative to the service) to a module exporting plugins, or a list. */
function loadPlugins(root: string, value: unknown): Plugin[] {
  if (value === undefined || value === null || value === '') return [];
  if (Array.isArray(value)) return value as Plugin[];
  if (typeof value !== 'string') throw new Error(`custom.esbuild.plugins must be a path or a list, got ${typeof value}`);
  let loaded = createRequire(join(root, 'package.json'))(join(root, value)) as unknown;
  if (loaded && typeof loaded === 'object' && 'default' in loaded) loaded = (loaded as { default: unknown }).default;
  if (typeof loaded === 'function') loaded = (loaded as (sls: unknown) => unknown)(undefined);
  if (!Array.isArray(loaded)) throw new Error(`${value} does not export a list of esbuild plugins`);
  return loaded as Plugin[];
}

export function resolveEsbuildOptions(root: string): ResolvedEsbuildOptions {
  const serverlessYml = join(root, 'serverless.yml');
  let custom: Record<string, unknown>;
  let source: ResolvedEsbuildOptions['source'] = 'serverless.yml';
  let fallbackReason: string | undefined;
  try {
    custom = parseServerlessEsbuild(serverlessYml);
  } catch (err) {
    custom = DOCUMENTED_COPY;
    source = 'documented copy';
    fallbackReason = (err as Error).message;
  }
  // Shallow merge is enough: ramda's mergeDeepRight replaces arrays, and no option here is an object.
  const merged: Record<string, unknown> = { ...PLUGIN_DEFAULTS, ...custom };
  const asList = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : typeof v === 'string' ? [v] : []);
  const exclude = asList(merged.exclude);
  const external = [...asList(merged.external), ...(exclude.includes('*') ? [] : exclude)];
  const plugins = loadPlugins(root, merged.plugins);
  const esbuild: Record<string, unknown> = { ...merged, external, plugins };
  for (const key of PLUGIN_ONLY_KEYS) delete esbuild[key];
  return {
    source,
    ...(fallbackReason ? { fallbackReason } : {}),
    custom,
    esbuild: esbuild as BuildOptions,
    pluginNames: plugins.map((p) => p.name),
  };
}
