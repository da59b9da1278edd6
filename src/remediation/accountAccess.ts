// Glue and KMS clients for the account and region a remediation acts in: the bot's own
// account directly, member accounts through the remediation role.
import type { AppConfig } from '../config.js';
import { AwsClientFactory, CallCounter, type AccountClients } from '../inventory/awsClients.js';
import type { RemediationServices } from './runtime.js';

export interface AccountAccess {
  clients(accountId: string, region: string): Promise<AccountClients>;
  /** The account the bot's own credentials belong to. */
  homeAccountId(): Promise<string>;
}

export function accountAccess(config: AppConfig): AccountAccess {
  const factory = new AwsClientFactory({ maxAttempts: config.maxAttempts, counter: new CallCounter() }, config.scope.regions[0] ?? 'us-east-1');
  return {
    homeAccountId: () => factory.homeAccountId(),
    async clients(accountId, region) {
      const home = await factory.homeAccountId();
      if (accountId === home) return factory.forTarget(region);
      if (!config.scope.accounts.includes(accountId)) throw new Error(`Account ${accountId} is not configured (GLUE_ENCRYPT_ACCOUNTS)`);
      const roleArn = `arn:aws:iam::${accountId}:role/${config.remediation.remediationRoleName}`;
      return factory.forTarget(region, () => factory.assumeRole(roleArn));
    },
  };
}

/** Everything the worker and the workflow need: services plus account access. */
export type RemediationRuntime = RemediationServices & AccountAccess;
