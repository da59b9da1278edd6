// Gathers the facts for every transform in scope and evaluates them.
// Accounts and regions run in parallel; within one, key and security-configuration lookups
// start as soon as the page naming them arrives, each distinct one asked exactly once.
import pLimit from 'p-limit';
import type { Finding, KeyLookup, Policy, SecurityConfigurationLookup, TransformContext, TransformFacts } from '../checks/types.js';
import { evaluateTransform } from '../checks/evaluate.js';
import { applyWaivers, type ApprovedWaiver } from '../checks/waivers.js';
import type { AppConfig, ScopeConfig } from '../config.js';
import { AwsClientFactory, CallCounter, type ScanClients } from './awsClients.js';
import { roleArn } from './arn.js';
import { describeAwsError } from './awsErrors.js';
import { aliasesByKey, lookupKey, regionOfArn } from './keys.js';
import { lookupSecurityConfiguration } from './securityConfigurations.js';
import { getTransformById, listTransformPages, looksLikeTransformId, toTransformFacts } from './transforms.js';
import type { ScanResult, ScanTarget, ScopeError } from './types.js';

export interface ScanRequest {
  /** Regions to scan; the configured ones when absent. */
  regions?: string[];
  /** Account IDs to scan; the bot's own plus the configured member accounts when absent. */
  accounts?: string[];
  /** One transform, by ID or exact name. */
  transform?: string;
}

export interface ScanOptions {
  scope: ScopeConfig;
  policy: Policy;
  concurrency: number;
  maxAttempts: number;
  /** Transforms per GetMLTransforms page. */
  pageSize?: number;
  /**
   * Regions a request may name (Slack: the configured ones, so a user cannot make the bot scan
   * anywhere); others are reported and skipped. Unset: any valid region (the CLI).
   */
  allowedRegions?: string[];
  /** Region for STS calls; defaults to the first scanned region. */
  homeRegion?: string;
  onProgress?: (progress: { done: number; total: number; transforms: number }) => void;
  /** The approved waivers, read while the scan runs and applied to its findings (see checks/waivers.ts). */
  waivers?: () => Promise<readonly ApprovedWaiver[]>;
}

/**
 * The options every scan takes from the configuration. With `onlyAccount`, the scanner knows that
 * one account alone: as a member, unless it is the bot's own.
 */
export function scanOptionsFrom(config: Pick<AppConfig, 'scope' | 'policy' | 'concurrency' | 'maxAttempts' | 'pageSize'>, onlyAccount?: string): ScanOptions {
  const scope = onlyAccount === undefined ? config.scope : { ...config.scope, accounts: onlyAccount === config.scope.homeAccountId ? [] : [onlyAccount] };
  return { scope, policy: config.policy, concurrency: config.concurrency, maxAttempts: config.maxAttempts, pageSize: config.pageSize };
}

interface TargetOutcome {
  /** Evaluated as soon as the account-region is read, while others are still answering. */
  findings: Finding[];
  keys: number;
  securityConfigurations: number;
}

export async function runScan(request: ScanRequest, options: ScanOptions): Promise<ScanResult> {
  // Read beside the scan, not before it. Unreadable waivers leave every finding as evaluated
  // (a waived transform shows FAIL), and the result says why: never a risk accepted on a guess.
  const waivers = options.waivers?.().then(
    (list) => ({ list }),
    (err: unknown) => ({ error: (err as Error).name || 'Error' }),
  );
  const result = await scanFacts(request, options);
  if (!waivers) return result;
  const loaded = await waivers;
  if ('error' in loaded) return { ...result, waiverError: `The waivers could not be read (${loaded.error}); waived transforms are shown as they fail.` };
  return { ...result, findings: applyWaivers(result.findings, loaded.list, new Date()) };
}

async function scanFacts(request: ScanRequest, options: ScanOptions): Promise<ScanResult> {
  const counter = new CallCounter();
  const startedAt = new Date();
  const scopeErrors: ScopeError[] = [];
  const allowed = options.allowedRegions;
  const regions = (request.regions ?? options.scope.regions).filter((region) => {
    if (!allowed || allowed.includes(region)) return true;
    scopeErrors.push({
      region,
      operation: 'configuration',
      code: 'RegionNotConfigured',
      message: `Region ${region} is not one the bot is set up to check (GLUE_ENCRYPT_REGIONS: ${allowed.join(', ')}); it was skipped.`,
    });
    return false;
  });
  const targets: ScanTarget[] = [];
  const result = (outcomes: TargetOutcome[]): ScanResult => {
    const findings = outcomes.flatMap((o) => o.findings);
    return {
      startedAt,
      finishedAt: new Date(),
      targets,
      findings,
      scopeErrors,
      stats: {
        transforms: findings.length,
        keys: outcomes.reduce((n, o) => n + o.keys, 0),
        securityConfigurations: outcomes.reduce((n, o) => n + o.securityConfigurations, 0),
        calls: { ...counter.counts },
      },
      ...(request.transform && findings.length === 0 ? { notFound: request.transform } : {}),
    };
  };

  if (regions.length === 0) {
    if (scopeErrors.length === 0) {
      scopeErrors.push({
        region: '-',
        operation: 'configuration',
        code: 'NoRegion',
        message: 'No region to scan: set AWS_REGION or GLUE_ENCRYPT_REGIONS, or pass --region.',
      });
    }
    return result([]);
  }

  const factory = new AwsClientFactory({ maxAttempts: options.maxAttempts }, options.homeRegion ?? regions[0]!, counter);
  const memberRole = (accountId: string) => roleArn(accountId, options.scope.targetRoleName, regions[0]!);
  // Member accounts' roles are assumed while the bot's own account is identified, not after.
  for (const accountId of request.accounts ?? options.scope.accounts) {
    if (options.scope.accounts.includes(accountId)) factory.assumeRole(memberRole(accountId)).catch(() => undefined);
  }

  let homeAccountId: string;
  try {
    homeAccountId = await factory.homeAccountId();
  } catch (err) {
    const d = describeAwsError(err, 'sts:GetCallerIdentity', 'the bot\'s own account');
    scopeErrors.push({ region: '-', operation: 'sts:GetCallerIdentity', code: d.code, message: d.message });
    return result([]);
  }

  const allowedAccounts = new Set([homeAccountId, ...options.scope.accounts]);
  const accounts = request.accounts ?? [...allowedAccounts];
  const work: { accountId: string; region: string; roleArn?: string }[] = [];
  for (const accountId of accounts) {
    if (!allowedAccounts.has(accountId)) {
      scopeErrors.push({
        accountId,
        region: '-',
        operation: 'configuration',
        code: 'AccountNotConfigured',
        message: `Account ${accountId} is not one the bot is set up to read. Add it to GLUE_ENCRYPT_ACCOUNTS and deploy the read-only role there (README: "Target accounts").`,
      });
      continue;
    }
    const role = accountId === homeAccountId ? undefined : memberRole(accountId);
    for (const region of regions) {
      targets.push({ accountId, region, ...(role ? { roleArn: role } : {}) });
      work.push({ accountId, region, roleArn: role });
    }
  }

  const allowsByAlias = options.policy.allowedKeys.some((k) => k.startsWith('alias/') || k.includes(':alias/'));
  let done = 0;
  let transformsSoFar = 0;
  const outcomes = await Promise.all(
    work.map(async (w) => {
      const outcome = await scanTarget(factory, w, request.transform, options, allowsByAlias).catch(
        (err: unknown) => {
          scopeErrors.push(toScopeError(err, w.accountId, w.region));
          return { findings: [], keys: 0, securityConfigurations: 0 } satisfies TargetOutcome;
        },
      );
      done += 1;
      transformsSoFar += outcome.findings.length;
      options.onProgress?.({ done, total: work.length, transforms: transformsSoFar });
      return outcome;
    }),
  );
  // Scope errors arrive in completion order; report them in a stable order.
  scopeErrors.sort((a, b) => `${a.accountId}${a.region}`.localeCompare(`${b.accountId}${b.region}`));
  return result(outcomes);
}

/** Carries which call failed, so the report names the right IAM action. */
class TargetError extends Error {
  constructor(
    readonly operation: string,
    override readonly cause: unknown,
  ) {
    super(operation);
  }
}

function toScopeError(err: unknown, accountId: string, region: string): ScopeError {
  const operation = err instanceof TargetError ? err.operation : 'glue:GetMLTransforms';
  const cause = err instanceof TargetError ? err.cause : err;
  const d = describeAwsError(cause, operation, `${accountId} · ${region}`);
  return { accountId, region, operation, code: d.code, message: d.message };
}

async function scanTarget(
  factory: AwsClientFactory,
  { accountId, region, roleArn: role }: { accountId: string; region: string; roleArn?: string },
  transform: string | undefined,
  options: ScanOptions,
  resolveAliases: boolean,
): Promise<TargetOutcome> {
  if (role) {
    // Fail the whole target with the STS error rather than every call with a vague one.
    await factory.assumeRole(role).catch((err: unknown) => {
      throw new TargetError('sts:AssumeRole', err);
    });
  }
  const clientsByRegion = new Map<string, ScanClients>();
  const clientsFor = (r: string): ScanClients => {
    let c = clientsByRegion.get(r);
    if (!c) {
      c = factory.forScan(r, role);
      clientsByRegion.set(r, c);
    }
    return c;
  };
  const { glue } = clientsFor(region);
  const where = `${accountId} · ${region}`;
  const limit = pLimit(options.concurrency);
  // By the key ID or ARN as the transforms name it; where to look it up follows from the name.
  const keys = new Map<string, Promise<KeyLookup>>();
  const configs = new Map<string, Promise<SecurityConfigurationLookup>>();
  // Each transform with the names of the key and configuration it waits for.
  const accepted: { facts: TransformFacts; key?: string; config?: string }[] = [];
  // Only when the policy allows keys by alias: one ListAliases per account and region, alongside the pages.
  const aliasLookup = resolveAliases ? limit(() => aliasesByKey(clientsFor(region).kms)) : undefined;

  const accept = (t: Parameters<typeof toTransformFacts>[0]): void => {
    const facts = toTransformFacts(t, accountId, region);
    const { userDataMode, kmsKeyId, securityConfigurationName } = facts.encryption;
    const key = userDataMode === 'SSE-KMS' ? kmsKeyId : undefined;
    if (key && !keys.has(key)) {
      // A key ARN of another region is looked up there, so the finding can say so.
      const keyRegion = regionOfArn(key) ?? region;
      keys.set(key, limit(() => lookupKey(clientsFor(keyRegion).kms, key, `${accountId} · ${keyRegion}`)));
    }
    const config = securityConfigurationName;
    if (config && !configs.has(config)) configs.set(config, limit(() => lookupSecurityConfiguration(glue, config, where)));
    accepted.push({ facts, key, config });
  };

  try {
    if (transform && looksLikeTransformId(transform)) {
      const t = await getTransformById(glue, transform);
      if (t) accept(t);
    } else {
      for await (const page of listTransformPages(glue, transform, options.pageSize)) page.forEach(accept);
    }
  } catch (err) {
    throw new TargetError(transform && looksLikeTransformId(transform) ? 'glue:GetMLTransform' : 'glue:GetMLTransforms', err);
  }

  const aliases = await aliasLookup;
  const withAliases = (lookup: KeyLookup): KeyLookup =>
    aliases && lookup.kind === 'found' && lookup.key.region === region
      ? { kind: 'found', key: { ...lookup.key, aliases: [...new Set([...(lookup.key.aliases ?? []), ...(aliases.get(lookup.key.keyId) ?? [])])] } }
      : lookup;
  // Each distinct lookup is awaited once (a failure is a lookup of kind error, not a rejection).
  const keyOf = await awaitAll(keys, withAliases);
  const configOf = await awaitAll(configs);
  const findings = accepted.map(({ facts, key, config }) => {
    const ctx: TransformContext = { transform: facts };
    if (key) ctx.key = keyOf.get(key);
    if (config) ctx.securityConfiguration = configOf.get(config);
    return evaluateTransform(ctx, options.policy);
  });
  return { findings, keys: keys.size, securityConfigurations: configs.size };
}

/** Each pending lookup, awaited, by the same name; `finish` completes each value once. */
async function awaitAll<T>(pending: Map<string, Promise<T>>, finish: (value: T) => T = (value) => value): Promise<Map<string, T>> {
  const values = await Promise.all(pending.values());
  const keys = [...pending.keys()];
  return new Map(values.map((v, i) => [keys[i]!, finish(v)]));
}
