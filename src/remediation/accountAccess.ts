// Glue and KMS clients for the account and region a remediation acts in: the bot's own
// account directly, member accounts through the remediation role.
import type { AppConfig } from '../config.js';
import { roleArn } from '../inventory/arn.js';
import { AwsClientFactory, type AccountClients } from '../inventory/awsClients.js';
import type { RemediationServices } from './runtime.js';

export interface AccountAccess {
  clients(accountId: string, region: string): Promise<AccountClients>;
  /** The account the bot's own credentials belong to. */
  homeAccountId(): Promise<string>;
}

/**
 * `read` (plans, history) assumes the read-only role in member accounts; `write` (the workflow)
 * the remediation role. The worker never holds write access.
 */
export function accountAccess(config: AppConfig, mode: 'read' | 'write'): AccountAccess {
  const factory = new AwsClientFactory({ maxAttempts: config.maxAttempts }, config.scope.regions[0] ?? 'us-east-1');
  return {
    homeAccountId: () => factory.homeAccountId(),
    async clients(accountId, region) {
      const home = await factory.homeAccountId();
      if (accountId === home) return factory.forTarget(region);
      if (!config.scope.accounts.includes(accountId)) throw new Error(`Account ${accountId} is not configured (GLUE_ENCRYPT_ACCOUNTS)`);
      const roleName = mode === 'write' ? config.remediation.remediationRoleName : config.scope.targetRoleName;
      const arn = roleArn(accountId, roleName, region);
      return factory.forTarget(region, arn);
    },
  };
}

/** Everything the worker and the workflow need: services plus account access. */
export type RemediationRuntime = RemediationServices & AccountAccess;
