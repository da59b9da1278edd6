// What a drift event changed: the transform it names, or every transform that uses the key or
// security configuration it names, read again from the live API (one scan of that account and
// region; the key's transforms are found by what Glue says now, not by an older snapshot).
import type { Finding } from '../checks/types.js';
import type { AppConfig } from '../config.js';
import { runScan, scanOptionsFrom } from '../inventory/scan.js';
import { waiverSource } from '../waivers/source.js';
import type { ScopeError } from '../inventory/types.js';
import type { DriftEvent } from './events.js';

export interface Assessment {
  event: DriftEvent;
  /** The transforms the event touches, as they stand now. */
  affected: Finding[];
  /** The account-region could not be read: the alert says so instead. */
  unreadable?: ScopeError;
}

/** Is this the bot's own workflow at work (its re-create, revert or retire)? Those are not drift. */
export function causedByBot(e: DriftEvent, workflowRoleNames: readonly string[]): boolean {
  const role = e.actor.arn ? /:assumed-role\/([^/]+)\//.exec(e.actor.arn)?.[1] : undefined;
  return role !== undefined && workflowRoleNames.includes(role);
}

/** Whether a key named in an event (ID, ARN) is the key a finding is encrypted with. */
function usesKey(f: Finding, key: string): boolean {
  const id = key.replace(/^arn:[^:]+:kms:[^:]+:\d+:key\//, '');
  const arn = f.key?.arn;
  return (arn !== undefined && (arn === key || arn.endsWith(`:key/${id}`))) || f.encryption.kmsKeyId === key || f.encryption.kmsKeyId === id;
}

export async function assess(e: DriftEvent, config: AppConfig): Promise<Assessment> {
  const s = e.subject;
  const result = await runScan(
    { accounts: [e.accountId], regions: [e.region], ...(s.kind === 'transform' ? { transform: s.transformId ?? s.name } : {}) },
    { ...scanOptionsFrom(config, e.accountId), waivers: waiverSource(config) },
  );
  const unreadable = result.scopeErrors[0];
  const affected =
    s.kind === 'transform'
      ? result.findings
      : s.kind === 'key'
        ? result.findings.filter((f) => usesKey(f, s.key))
        : result.findings.filter((f) => f.encryption.securityConfigurationName === s.name);
  return { event: e, affected, ...(unreadable ? { unreadable } : {}) };
}
