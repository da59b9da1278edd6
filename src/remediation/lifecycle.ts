// Where a workflow starts and which states end it. Kept apart from the steps so the Slack
// handler (which approves, but never calls Glue) does not load the Glue and KMS clients.
import { createHash } from 'node:crypto';
import type { TransformEncryption } from '@aws-sdk/client-glue';
import type { Remediation, RemediationStatus, StepName } from './types.js';

export const FIRST_STEP: Record<Remediation['kind'], StepName> = {
  remediate: 'preflight',
  revert: 'preflight',
  retire: 'check_twin',
};

export const TERMINAL_STATUSES: ReadonlySet<RemediationStatus> = new Set(['completed', 'rolled_back', 'failed', 'rejected', 'expired']);

/** Encryption of a transform as people read it: "not encrypted" or "SSE-KMS <key>". */
export function describeEncryption(transformEncryption: TransformEncryption | undefined): string {
  const ud = transformEncryption?.MlUserDataEncryption;
  if (!ud || ud.MlUserDataEncryptionMode !== 'SSE-KMS') return 'not encrypted';
  return `SSE-KMS ${ud.KmsKeyId ?? ''}`.trim();
}

/** What a workflow changes, for the audit trail: encryption before and after it. */
export function encryptionChange(r: Remediation): { before: string; after: string } {
  const original = describeEncryption(r.source.transformEncryption);
  const encrypted = `SSE-KMS ${r.plan.keyArn ?? ''}`.trim();
  switch (r.kind) {
    case 'remediate':
      return { before: original, after: encrypted };
    case 'revert':
      return { before: encrypted, after: original };
    case 'retire':
      return { before: encrypted, after: encrypted };
  }
}

/** The fields every audit event about a remediation carries: what, where, and its Slack message. */
export function auditSubject(r: Remediation) {
  return {
    accountId: r.accountId,
    region: r.region,
    transformId: r.source.transformId,
    transformName: r.source.name,
    remediationId: r.id,
    channel: r.slack.channel,
    messageTs: r.slack.ts,
  };
}

/**
 * A short fingerprint of what an approver agrees to (key, configuration, export, names). The
 * Approve button carries it, so a plan changed after the message was read cannot be approved
 * with the old button.
 */
export function planDigest(r: Remediation): string {
  const { keyArn, securityConfigurationName, createSecurityConfiguration, exportPath, renamedName } = r.plan;
  const what = JSON.stringify([r.kind, r.source.transformId, keyArn ?? null, securityConfigurationName ?? null, createSecurityConfiguration, exportPath, renamedName]);
  return createHash('sha256').update(what).digest('hex').slice(0, 16);
}

/**
 * Where this workflow's labels are saved in S3, when it saved any: a transform with no labels
 * exports nothing (Glue refuses to), and a retirement relies on its remediation's export.
 */
export function labelsSavedAt(r: Remediation): string | undefined {
  const saved = r.kind === 'retire' ? r.source.labelCount > 0 : r.progress.exportTaskRunId !== undefined;
  return saved ? r.plan.exportPath : undefined;
}

/** " <Sentence> <path>." when the labels were saved, else nothing: the end of a message people read. */
export function savedLabelsNote(r: Remediation, sentence = 'The labels are exported at'): string {
  const at = labelsSavedAt(r);
  return at ? ` ${sentence} ${at}.` : '';
}

/** Puts an approved remediation on its first step. */
export function startState(r: Remediation): Remediation {
  return { ...r, status: 'running', step: FIRST_STEP[r.kind] };
}
