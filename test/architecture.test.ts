// The arrows point one way: handlers -> slack -> use cases -> inventory/checks/audit. A use case
// that imported Slack views would tie the workflow to one chat tool and its rendering.
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

const SRC = join(process.cwd(), 'src');
const LOWER_LAYERS = ['remediation', 'waivers', 'digests', 'drift', 'home', 'evidence', 'securityhub', 'inventory', 'checks', 'audit', 'report', 'operations'];

function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? files(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : []));
}

describe('layering', () => {
  it.each(LOWER_LAYERS)('no module under src/%s imports the Slack layer or a handler', (layer) => {
    const offenders = files(join(SRC, layer)).flatMap((file) =>
      [...readFileSync(file, 'utf8').matchAll(/from '([^']+)'/g)]
        .map((m) => m[1]!)
        .filter((spec) => /^\.\.?\//.test(spec) && /\/(slack|handlers)\//.test(`/${relative(SRC, join(file, '..', spec))}`))
        .map((spec) => `${relative(SRC, file)} -> ${spec}`),
    );
    expect(offenders).toEqual([]);
  });
});
