// Bundles the slack handler with esbuild's JS API and reads the metafile: size, biggest inputs,
// and whether the Glue/KMS/STS clients got in.
import { mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, extname, join } from 'node:path';
import { build, type Metafile } from 'esbuild';
import { resolveEsbuildOptions, type ResolvedEsbuildOptions } from './esbuildOptions.js';

export const FORBIDDEN_PACKAGES = ['@aws-sdk/client-glue', '@aws-sdk/client-kms', '@aws-sdk/client-sts'];

export interface BundleInfo {
  options: ResolvedEsbuildOptions;
  file: string;
  bytes: number;
  mapBytes: number;
  buildMs: number;
  /** Bytes in the output per package (or "src" for our own code), biggest first. */
  packages: { name: string; bytes: number }[];
  /** Biggest single input files. */
  inputs: { path: string; bytes: number }[];
  /** Forbidden package -> bytes it contributes (0 when absent). */
  forbidden: Record<string, number>;
  warnings: string[];
}

/** "node_modules/@aws-sdk/client-glue/dist-cjs/index.js" -> "@aws-sdk/client-glue" (innermost node_modules). */
export function packageOf(input: string): string {
  const at = input.lastIndexOf('node_modules/');
  if (at === -1) return input.startsWith('src/') ? 'src (glue-encrypt)' : input;
  const parts = input.slice(at + 'node_modules/'.length).split('/');
  return parts[0]?.startsWith('@') ? `${parts[0]}/${parts[1] ?? ''}` : (parts[0] ?? input);
}

function inputsOf(metafile: Metafile, outfile: string): [string, number][] {
  const output = metafile.outputs[outfile];
  if (!output) throw new Error(`metafile has no output ${outfile}`);
  return Object.entries(output.inputs).map(([path, i]) => [path, i.bytesInOutput]);
}

export function bundleSlackHandler(root: string, entry = 'src/handlers/slack.ts'): Promise<BundleInfo> {
  return bundleHandler(root, entry);
}

/**
 * Bundles any handler entry with the slack function's esbuild options (serverless.yml
 * custom.esbuild, its plugins included) into a temporary directory of its own; the output is
 * named after the entry (`src/handlers/slack.ts` -> `slack.js`).
 */
export async function bundleHandler(root: string, entry: string): Promise<BundleInfo> {
  const options = resolveEsbuildOptions(root);
  const outName = `${basename(entry, extname(entry))}.js`;
  const outdir = mkdtempSync(join(tmpdir(), 'glue-encrypt-bench-'));
  const started = performance.now();
  const result = await build({
    ...options.esbuild,
    absWorkingDir: root,
    entryPoints: [entry],
    outdir,
    metafile: true,
    write: true,
    logLevel: 'silent',
  });
  const buildMs = performance.now() - started;
  const file = join(outdir, outName);
  const outKey = Object.keys(result.metafile.outputs).find((k) => k.endsWith(`/${outName}`) || k === outName);
  if (!outKey) throw new Error(`esbuild wrote no ${outName}`);
  const inputs = inputsOf(result.metafile, outKey).filter(([, b]) => b > 0);
  const byPackage = new Map<string, number>();
  for (const [path, b] of inputs) byPackage.set(packageOf(path), (byPackage.get(packageOf(path)) ?? 0) + b);
  const forbidden = Object.fromEntries(FORBIDDEN_PACKAGES.map((p) => [p, byPackage.get(p) ?? 0]));
  let mapBytes = 0;
  try {
    mapBytes = statSync(`${file}.map`).size;
  } catch {
    // no map (sourcemap off)
  }
  return {
    options,
    file,
    bytes: statSync(file).size,
    mapBytes,
    buildMs,
    packages: [...byPackage].map(([name, b]) => ({ name, bytes: b })).sort((a, b) => b.bytes - a.bytes),
    inputs: inputs.map(([path, b]) => ({ path, bytes: b })).sort((a, b) => b.bytes - a.bytes),
    forbidden,
    warnings: result.warnings.map((w) => w.text),
  };
}
