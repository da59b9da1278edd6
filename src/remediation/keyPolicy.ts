// Reads a KMS key policy the way KMS decides who may use a key, for the plan's prerequisite
// checks: a statement naming the role (or "*") lets it in by itself; one naming the account
// root hands the decision to the role's IAM policies; nothing else lets it in. A Deny naming the
// role, or a NotPrincipal Deny that does not exempt it, shuts it out. Conditions are not
// evaluated (they need the request's context): an Allow with conditions counts as allowing and
// a Deny with conditions is not counted, so the check catches a missing statement or an
// unconditional Deny, never a condition that does or does not hold.
import { accountOfIamArn } from '../inventory/arn.js';

/** `*` any run of characters, `?` one; IAM's own wildcards. */
export function wildcardMatch(pattern: string, value: string, caseInsensitive = false): boolean {
  const source = pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${source}$`, caseInsensitive ? 'i' : '').test(value);
}

/** How a key policy treats a principal for one action. */
export type KeyPolicyGrant = 'direct' | 'via-iam' | 'denied' | 'none';

interface Statement {
  Effect?: unknown;
  Principal?: unknown;
  NotPrincipal?: unknown;
  Action?: unknown;
  NotAction?: unknown;
  Condition?: unknown;
}

/** A Deny that applies whatever the request: conditional ones may not, and are not counted. */
const isUnconditionalDeny = (s: Statement): boolean => s.Effect === 'Deny' && (s.Condition === undefined || (typeof s.Condition === 'object' && s.Condition !== null && Object.keys(s.Condition).length === 0));

const asList = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : typeof v === 'string' ? [v] : []);

function statements(policy: string): Statement[] {
  const doc = JSON.parse(policy) as { Statement?: unknown };
  const list = Array.isArray(doc.Statement) ? doc.Statement : doc.Statement ? [doc.Statement] : [];
  return list.filter((s): s is Statement => typeof s === 'object' && s !== null);
}

function coversAction(s: Statement, action: string): boolean {
  if (s.NotAction !== undefined) return !asList(s.NotAction).some((a) => wildcardMatch(a, action, true));
  return asList(s.Action).some((a) => wildcardMatch(a, action, true));
}

/** The principals a Principal or NotPrincipal element names, by kind: AWS (ARNs, account IDs, "*") and Service. */
function principals(p: unknown): { aws: string[]; service: string[]; everyone: boolean } {
  if (p === '*') return { aws: [], service: [], everyone: true };
  if (typeof p !== 'object' || p === null) return { aws: [], service: [], everyone: false };
  const o = p as Record<string, unknown>;
  const aws = asList(o.AWS);
  return { aws, service: asList(o.Service), everyone: aws.includes('*') };
}

/**
 * What the key policy says to `roleArn` for `action`. A Deny naming the role (or everyone)
 * wins over every Allow.
 */
export function keyPolicyGrantForRole(policy: string, roleArn: string, action: string): KeyPolicyGrant {
  const account = accountOfIamArn(roleArn);
  const root = account ? roleArn.replace(/:role\/.*$/, ':root') : undefined;
  let grant: KeyPolicyGrant = 'none';
  const names = (p: ReturnType<typeof principals>) => ({
    role: p.everyone || p.aws.some((a) => a === roleArn),
    account: p.aws.some((a) => a === root || a === account),
  });
  for (const s of statements(policy)) {
    if (!coversAction(s, action)) continue;
    if (s.NotPrincipal !== undefined) {
      // "Deny everyone but these": the role is shut out unless it (or its account) is among them.
      const exempt = names(principals(s.NotPrincipal));
      if (isUnconditionalDeny(s) && !exempt.role && !exempt.account) return 'denied';
      continue;
    }
    const named = names(principals(s.Principal));
    const namesRole = named.role;
    const namesAccount = named.account;
    if (s.Effect === 'Deny') {
      if (isUnconditionalDeny(s) && (namesRole || namesAccount)) return 'denied';
      continue;
    }
    if (s.Effect !== 'Allow') continue;
    if (namesRole) grant = 'direct';
    else if (namesAccount && grant === 'none') grant = 'via-iam';
  }
  return grant;
}

/** Whether the key policy lets a service principal (e.g. logs.eu-west-1.amazonaws.com) perform `action`. */
export function keyPolicyAllowsService(policy: string, service: string, action: string): boolean {
  let allowed = false;
  for (const s of statements(policy)) {
    if (s.NotPrincipal !== undefined || !coversAction(s, action)) continue;
    const p = principals(s.Principal);
    if (!p.everyone && !p.service.includes(service)) continue;
    if (isUnconditionalDeny(s)) return false;
    if (s.Effect === 'Allow') allowed = true;
  }
  return allowed;
}
