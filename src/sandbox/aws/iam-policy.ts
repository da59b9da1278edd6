// How iam:SimulatePrincipalPolicy decides one action on one resource for a role's identity
// policies: an explicit Deny wins, then any Allow, else the implicit deny.
import type { PolicyStatement, RolePolicy } from './model.js';

export type EvalDecision = 'allowed' | 'explicitDeny' | 'implicitDeny';

/** IAM's wildcards: `*` any run of characters (none included), `?` exactly one. */
export function wildcardMatch(pattern: string, value: string, ignoreCase: boolean): boolean {
  const source = pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${source}$`, ignoreCase ? 'is' : 's').test(value);
}

// Action names are case-insensitive in IAM; resource ARNs are not.
function covers(statement: PolicyStatement, action: string, resource: string): boolean {
  return (
    statement.actions.some((pattern) => wildcardMatch(pattern, action, true)) &&
    statement.resources.some((pattern) => wildcardMatch(pattern, resource, false))
  );
}

export function evaluatePolicy(policy: RolePolicy, action: string, resource: string): EvalDecision {
  if ((policy.deny ?? []).some((s) => covers(s, action, resource))) return 'explicitDeny';
  return policy.allow.some((s) => covers(s, action, resource)) ? 'allowed' : 'implicitDeny';
}
