import type { Finding } from '../checks/types.js';

/** One account and region to scan. roleArn is absent for the bot's own account. */
export interface ScanTarget {
  accountId?: string;
  roleArn?: string;
  region: string;
}

/** An account or region that could not be read; reported beside the findings, never fatal. */
export interface ScopeError {
  accountId?: string;
  region: string;
  /** The AWS operation that failed, e.g. "sts:AssumeRole" or "glue:GetMLTransforms". */
  operation: string;
  /** The AWS error name, e.g. "AccessDeniedException". */
  code: string;
  /** What happened and what to do about it, in plain words. */
  message: string;
}

export interface ScanStats {
  transforms: number;
  keys: number;
  securityConfigurations: number;
  /** AWS calls by "service:Operation", retries included. */
  calls: Record<string, number>;
}

export interface ScanResult {
  startedAt: Date;
  finishedAt: Date;
  /** The account(s) and region(s) asked for, for the summary line. */
  targets: ScanTarget[];
  findings: Finding[];
  scopeErrors: ScopeError[];
  stats: ScanStats;
  /** Set when a single transform was asked for and not found in any target. */
  notFound?: string;
  /** Set when the waivers could not be read: the findings are then shown without them. */
  waiverError?: string;
}
