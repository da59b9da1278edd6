// Rule 3: what the transform's task runs write (S3 output such as exported labels, CloudWatch
// logs, job bookmarks) is encrypted, through the Glue security configuration named in
// TaskRunSecurityConfigurationName. This is where the SOP's "SSE-S3" really lives.

import { policyReason, quote, reason } from '../reasons.js';
import type { Policy, Reason, Rule, SecurityConfigurationFacts } from '../types.js';

export const taskRunSecurityConfigurationRule: Rule = {
  id: 'task-run-security-configuration',
  description:
    "The transform's task runs use a security configuration that encrypts their S3 output (SSE-KMS by default policy), CloudWatch logs and job bookmarks.",
  evaluate(ctx, policy): Reason[] {
    const name = ctx.transform?.encryption?.securityConfigurationName;
    if (typeof name !== 'string' || name.trim() === '') {
      return policyReason(
        policy,
        'SECURITY_CONFIGURATION_MISSING',
        'No task-run security configuration: task output in S3 is not KMS-encrypted.',
      );
    }

    const lookup = ctx.securityConfiguration;
    switch (lookup?.kind) {
      case 'found':
        return configurationReasons(lookup.config, name, policy);
      case 'not-found':
        return [
          reason(
            'SECURITY_CONFIGURATION_NOT_FOUND',
            'FAIL',
            `Security configuration ${quote(name)} named for the transform's task runs does not exist: nothing encrypts their output, and runs may fail.`,
          ),
        ];
      case 'access-denied':
        return [
          reason(
            'SECURITY_CONFIGURATION_UNREADABLE',
            'WARN',
            `Could not read security configuration ${quote(name)}: the bot's role lacks glue:GetSecurityConfiguration, so task output encryption is unverified.`,
          ),
        ];
      case 'error':
        return [
          reason(
            'SECURITY_CONFIGURATION_UNREADABLE',
            'WARN',
            `Could not read security configuration ${quote(name)}: ${lookup.message || 'the lookup failed without a message'}.`,
          ),
        ];
      default:
        return [
          reason(
            'SECURITY_CONFIGURATION_UNREADABLE',
            'WARN',
            `Security configuration ${quote(name)} was not read, so task output encryption is unverified.`,
          ),
        ];
    }
  },
};

function configurationReasons(config: SecurityConfigurationFacts, name: string, policy: Policy): Reason[] {
  const reasons: Reason[] = [];
  const named = `Security configuration ${quote(name)}`;

  // S3: the weakest entry decides; no entry at all is as good as DISABLED.
  const modes: unknown[] = (Array.isArray(config?.s3) ? config.s3 : []).map((entry) => entry?.mode);
  const weakest = modes.reduce((a, b) => (s3Strength(b) < s3Strength(a) ? b : a), modes[0]);
  if (s3Strength(weakest) === 0) {
    reasons.push(
      ...policyReason(
        policy,
        'TASK_OUTPUT_S3_NOT_ENCRYPTED',
        `${named} does not encrypt task output in S3 (S3 encryption: ${modeShown(weakest)}).`,
      ),
    );
  } else if (weakest === 'SSE-S3' && (policy?.requiredS3Encryption ?? 'SSE-KMS') === 'SSE-KMS') {
    reasons.push(
      ...policyReason(
        policy,
        'TASK_OUTPUT_S3_SSE_S3',
        `${named} encrypts task output in S3 with SSE-S3 (S3-managed keys), not the SSE-KMS policy requires. This is the SOP's "SSE-S3": encrypted, but not with a key you control or can audit.`,
      ),
    );
  }

  const logs = config?.cloudWatchMode;
  if (logs !== 'SSE-KMS') {
    reasons.push(
      ...policyReason(
        policy,
        'TASK_LOGS_NOT_ENCRYPTED',
        `${named} does not encrypt task-run logs in CloudWatch (CloudWatch encryption: ${modeShown(logs)}).`,
      ),
    );
  }

  const bookmarks = config?.jobBookmarksMode;
  if (bookmarks !== 'CSE-KMS') {
    reasons.push(
      ...policyReason(
        policy,
        'JOB_BOOKMARKS_NOT_ENCRYPTED',
        `${named} does not encrypt job bookmarks (job bookmarks encryption: ${modeShown(bookmarks)}).`,
      ),
    );
  }

  return reasons;
}

/** 2 for SSE-KMS, 1 for SSE-S3, 0 for DISABLED, absent or anything Glue does not define. */
function s3Strength(mode: unknown): number {
  return mode === 'SSE-KMS' ? 2 : mode === 'SSE-S3' ? 1 : 0;
}

function modeShown(mode: unknown): string {
  if (mode === undefined || mode === null) return 'not set';
  return mode === 'DISABLED' ? 'DISABLED' : `unknown mode ${quote(mode)}`;
}
