// The fewest Glue and KMS calls a scan of the seeded estate can make, computed from the sandbox's
// stored data (never from a scan's counters): per account-region, the GetMLTransforms pages, two
// KMS calls per distinct key referenced, one GetSecurityConfiguration per distinct name referenced.
import type { TransformEncryption } from '@aws-sdk/client-glue';
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

/** What the floor needs from the seeded data: each transform's TransformEncryption, per account-region. */
export interface ScopeTransforms {
  accountId: string;
  region: string;
  /** One entry per stored transform; null when it has no TransformEncryption. */
  encryption: (TransformEncryption | null)[];
}

/** Reads the floor's input out of a sandbox's state (wherever that state lives: here, or the stand-in's process). */
export function floorInput(state: SandboxState, scopes: readonly { accountId: string; region: string }[]): ScopeTransforms[] {
  return scopes.map(({ accountId, region }) => ({
    accountId,
    region,
    encryption: [...state.region(accountId, region).transforms.values()].map((t) => t.definition.TransformEncryption ?? null),
  }));
}

export function computeFloor(
  state: SandboxState,
  scopes: readonly { accountId: string; region: string }[],
  pageSize: number,
): Floor {
  return computeFloorFrom(floorInput(state, scopes), pageSize);
}

export function computeFloorFrom(input: readonly ScopeTransforms[], pageSize: number): Floor {
  const perScope = input.map(({ accountId, region, encryption }): ScopeFloor => {
    const keys = new Set<string>();
    const configs = new Set<string>();
    for (const enc of encryption) {
      const keyId = enc?.MlUserDataEncryption?.KmsKeyId;
      if (enc?.MlUserDataEncryption?.MlUserDataEncryptionMode === 'SSE-KMS' && keyId) keys.add(`${regionOfArn(keyId) ?? region}|${keyId}`);
      if (enc?.TaskRunSecurityConfigurationName) configs.add(enc.TaskRunSecurityConfigurationName);
    }
    // An empty account-region still costs one (empty) page.
    const pages = Math.max(1, Math.ceil(encryption.length / pageSize));
    return { accountId, region, transforms: encryption.length, pages, keys: keys.size, securityConfigurations: configs.size };
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
