// Facts about a KMS key: DescribeKey and GetKeyRotationStatus, asked together (one round
// trip of latency) and once per distinct key per scan.
import {
  DescribeKeyCommand,
  GetKeyRotationStatusCommand,
  ListAliasesCommand,
  type KMSClient,
} from '@aws-sdk/client-kms';
import type { KeyFacts, KeyLookup } from '../checks/types.js';
import { describeAwsError, failedLookup } from './awsErrors.js';

function settle<T>(p: Promise<T>): Promise<PromiseSettledResult<T>> {
  return p.then(
    (value) => ({ status: 'fulfilled', value }),
    (reason: unknown) => ({ status: 'rejected', reason }),
  );
}

/**
 * Alias names by target key ID for one account and region (ListAliases, all pages). Only
 * needed when the policy allows keys by alias: a transform names its key by ARN or ID, and
 * DescribeKey does not return aliases. A failure leaves the map empty (matching by ARN/ID).
 */
export async function aliasesByKey(kms: Pick<KMSClient, 'send'>): Promise<Map<string, string[]>> {
  const byKey = new Map<string, string[]>();
  let marker: string | undefined;
  try {
    do {
      const page = await kms.send(new ListAliasesCommand({ Marker: marker, Limit: 100 }));
      for (const a of page.Aliases ?? []) {
        if (!a.AliasName || !a.TargetKeyId) continue;
        byKey.set(a.TargetKeyId, [...(byKey.get(a.TargetKeyId) ?? []), a.AliasName]);
      }
      marker = page.Truncated ? page.NextMarker : undefined;
    } while (marker);
  } catch {
    byKey.clear();
  }
  return byKey;
}

export function regionOfArn(arn: string): string | undefined {
  const parts = arn.split(':');
  return parts[0] === 'arn' && parts.length > 5 ? parts[3] : undefined;
}

function isAlias(keyId: string): boolean {
  return keyId.startsWith('alias/') || /^arn:[^:]+:kms:[^:]*:[^:]*:alias\//.test(keyId);
}

export async function lookupKey(kms: Pick<KMSClient, 'send'>, keyId: string, where: string): Promise<KeyLookup> {
  const describe = () => kms.send(new DescribeKeyCommand({ KeyId: keyId }));
  const rotationOf = (id: string) => kms.send(new GetKeyRotationStatusCommand({ KeyId: id }));
  // GetKeyRotationStatus takes a key ID or ARN, never an alias: an alias is resolved first.
  // For IDs and ARNs both calls go out together, one round trip of latency.
  const [described, rotation] = isAlias(keyId)
    ? await describe().then(
        async (d) => [{ status: 'fulfilled', value: d } as const, await settle(rotationOf(d.KeyMetadata?.Arn ?? keyId))] as const,
        (reason: unknown) => [{ status: 'rejected', reason } as const, { status: 'rejected', reason } as const] as const,
      )
    : await Promise.allSettled([describe(), rotationOf(keyId)]);

  if (described.status === 'rejected') {
    return failedLookup(described.reason, { code: 'NotFoundException', message: `KMS key ${keyId} does not exist in ${where}.` }, 'kms:DescribeKey', where);
  }

  const meta = described.value.KeyMetadata;
  if (!meta?.Arn || !meta.KeyId) return { kind: 'error', message: `kms:DescribeKey returned no key metadata for ${keyId}.` };

  const key: KeyFacts = {
    keyId: meta.KeyId,
    arn: meta.Arn,
    region: regionOfArn(meta.Arn) ?? 'unknown',
    state: meta.KeyState ?? 'Unknown',
    keyManager: meta.KeyManager ?? 'Unknown',
    keySpec: meta.KeySpec,
    keyUsage: meta.KeyUsage,
    deletionDate: meta.DeletionDate,
    aliases: keyId.startsWith('alias/') ? [keyId] : undefined,
  };
  if (rotation.status === 'fulfilled') {
    key.rotationEnabled = rotation.value.KeyRotationEnabled ?? false;
  } else if (meta.KeyManager === 'CUSTOMER' && meta.KeyState === 'Enabled') {
    // Only a usable customer key's rotation matters; for others the key's state is the finding.
    key.rotationError = describeAwsError(rotation.reason, 'kms:GetKeyRotationStatus', where).message;
  }
  return { kind: 'found', key };
}
