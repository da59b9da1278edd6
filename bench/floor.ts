// The fewest Glue and KMS calls a scan of the seeded estate can make, computed from the sandbox's
// stored data (never from a scan's counters): per account-region, the GetMLTransforms pages, two
// KMS calls per distinct key referenced, one GetSecurityConfiguration per distinct name referenced.
import type { SandboxState } from '../src/sandbox/aws/state.js';

export interface ScopeFloor {
  accountId: string;
  region: string;
  transforms: number;
  pages: number;
  keys: number;
  securityConfigurations: number;
}

export interface Floor {
  scopes: ScopeFloor[];
  pages: number;
  keys: number;
  securityConfigurations: number;
  glue: number;
  kms: number;
  total: number;
  /** Pages of the account-region with the most. */
  maxPages: number;
}

function regionOfArn(id: string): string | undefined {
  const parts = id.split(':');
  return parts[0] === 'arn' && parts.length > 5 ? parts[3] : undefined;
}

export function computeFloor(
  state: SandboxState,
  scopes: readonly { accountId: string; region: string }[],
  pageSize: number,
): Floor {
  const perScope = scopes.map(({ accountId, region }): ScopeFloor => {
    const transforms = [...state.region(accountId, region).transforms.values()].map((t) => t.definition);
    const keys = new Set<string>();
    const configs = new Set<string>();
    for (const t of transforms) {
      const enc = t.TransformEncryption;
      const keyId = enc?.MlUserDataEncryption?.KmsKeyId;
      if (enc?.MlUserDataEncryption?.MlUserDataEncryptionMode === 'SSE-KMS' && keyId) keys.add(`${regionOfArn(keyId) ?? region}|${keyId}`);
      if (enc?.TaskRunSecurityConfigurationName) configs.add(enc.TaskRunSecurityConfigurationName);
    }
    // An empty account-region still costs one (empty) page.
    const pages = Math.max(1, Math.ceil(transforms.length / pageSize));
    return { accountId, region, transforms: transforms.length, pages, keys: keys.size, securityConfigurations: configs.size };
  });
  const sum = (f: (s: ScopeFloor) => number): number => perScope.reduce((n, s) => n + f(s), 0);
  const pages = sum((s) => s.pages);
  const keys = sum((s) => s.keys);
  const securityConfigurations = sum((s) => s.securityConfigurations);
  const glue = pages + securityConfigurations;
  const kms = 2 * keys;
  return {
    scopes: perScope,
    pages,
    keys,
    securityConfigurations,
    glue,
    kms,
    total: glue + kms,
    maxPages: Math.max(...perScope.map((s) => s.pages)),
  };
}
