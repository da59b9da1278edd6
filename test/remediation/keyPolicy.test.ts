// How the plan reads a key policy: who may use the key by the policy alone, who needs IAM too,
// who is denied, and whether CloudWatch Logs is admitted.
import { describe, expect, it } from 'vitest';
import { keyPolicyAllowsService, keyPolicyGrantForRole, wildcardMatch } from '../../src/remediation/keyPolicy.js';

const ROLE = 'arn:aws:iam::111111111111:role/service-role/GlueMLRole';
const policy = (...Statement: object[]) => JSON.stringify({ Version: '2012-10-17', Statement });
const rootStatement = { Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::111111111111:root' }, Action: 'kms:*', Resource: '*' };

describe('keyPolicyGrantForRole', () => {
  it('the default key policy (account root) leaves the decision to the role IAM policies', () => {
    expect(keyPolicyGrantForRole(policy(rootStatement), ROLE, 'kms:Decrypt')).toBe('via-iam');
    // A bare account ID is the same principal as the account root.
    expect(keyPolicyGrantForRole(policy({ ...rootStatement, Principal: { AWS: '111111111111' } }), ROLE, 'kms:Decrypt')).toBe('via-iam');
  });

  it('a statement naming the role (or everyone) lets it in by itself, with action wildcards', () => {
    const named = policy({ Effect: 'Allow', Principal: { AWS: [ROLE] }, Action: ['kms:Decrypt', 'kms:GenerateDataKey*'], Resource: '*' });
    expect(keyPolicyGrantForRole(named, ROLE, 'kms:Decrypt')).toBe('direct');
    expect(keyPolicyGrantForRole(named, ROLE, 'kms:GenerateDataKey')).toBe('direct');
    expect(keyPolicyGrantForRole(named, ROLE, 'kms:Encrypt')).toBe('none');
    expect(keyPolicyGrantForRole(policy({ Effect: 'Allow', Principal: '*', Action: 'kms:*', Resource: '*' }), ROLE, 'kms:Decrypt')).toBe('direct');
  });

  it('a key of another account, a statement for another role, or a NotAction that excludes it grants nothing', () => {
    expect(keyPolicyGrantForRole(policy({ ...rootStatement, Principal: { AWS: 'arn:aws:iam::999999999999:root' } }), ROLE, 'kms:Decrypt')).toBe('none');
    expect(keyPolicyGrantForRole(policy({ ...rootStatement, Principal: { AWS: 'arn:aws:iam::111111111111:role/Other' } }), ROLE, 'kms:Decrypt')).toBe('none');
    expect(keyPolicyGrantForRole(policy({ Effect: 'Allow', Principal: { AWS: ROLE }, NotAction: 'kms:Decrypt', Resource: '*' }), ROLE, 'kms:Decrypt')).toBe('none');
  });

  it('a Deny naming the role or its account wins over any Allow', () => {
    const deny = { Effect: 'Deny', Principal: { AWS: ROLE }, Action: 'kms:Decrypt', Resource: '*' };
    expect(keyPolicyGrantForRole(policy(rootStatement, deny), ROLE, 'kms:Decrypt')).toBe('denied');
    expect(keyPolicyGrantForRole(policy(rootStatement, deny), ROLE, 'kms:GenerateDataKey')).toBe('via-iam');
  });

  it('a Deny with conditions is not counted (it may not apply); an unconditional NotPrincipal Deny shuts out everyone it does not exempt', () => {
    const tlsOnly = { Effect: 'Deny', Principal: '*', Action: 'kms:*', Resource: '*', Condition: { Bool: { 'aws:SecureTransport': 'false' } } };
    expect(keyPolicyGrantForRole(policy(rootStatement, tlsOnly), ROLE, 'kms:Decrypt')).toBe('via-iam');
    const onlyAdmins = { Effect: 'Deny', NotPrincipal: { AWS: ['arn:aws:iam::111111111111:role/KeyAdmin'] }, Action: 'kms:*', Resource: '*' };
    expect(keyPolicyGrantForRole(policy(rootStatement, onlyAdmins), ROLE, 'kms:Decrypt')).toBe('denied');
    const exemptsRole = { ...onlyAdmins, NotPrincipal: { AWS: ['arn:aws:iam::111111111111:role/KeyAdmin', ROLE] } };
    expect(keyPolicyGrantForRole(policy(rootStatement, exemptsRole), ROLE, 'kms:Decrypt')).toBe('via-iam');
  });

  it('a policy with a single statement object (not a list) is read too', () => {
    expect(keyPolicyGrantForRole(JSON.stringify({ Statement: rootStatement }), ROLE, 'kms:Decrypt')).toBe('via-iam');
  });
});

describe('keyPolicyAllowsService', () => {
  const logs = {
    Effect: 'Allow',
    Principal: { Service: 'logs.eu-west-1.amazonaws.com' },
    Action: ['kms:Encrypt*', 'kms:Decrypt*', 'kms:GenerateDataKey*'],
    Resource: '*',
    Condition: { ArnLike: { 'kms:EncryptionContext:aws:logs:arn': 'arn:aws:logs:eu-west-1:111111111111:*' } },
  };
  it('a conditional Deny does not shut the Logs service out; an unconditional one does', () => {
    const tlsOnly = { Effect: 'Deny', Principal: '*', Action: 'kms:*', Resource: '*', Condition: { Bool: { 'aws:SecureTransport': 'false' } } };
    expect(keyPolicyAllowsService(policy(logs, tlsOnly), 'logs.eu-west-1.amazonaws.com', 'kms:Encrypt')).toBe(true);
    expect(keyPolicyAllowsService(policy(logs, { ...tlsOnly, Condition: undefined }), 'logs.eu-west-1.amazonaws.com', 'kms:Encrypt')).toBe(false);
  });

  it('admits the Logs service of the region named, not of another region, and not through the account root', () => {
    expect(keyPolicyAllowsService(policy(rootStatement, logs), 'logs.eu-west-1.amazonaws.com', 'kms:GenerateDataKey')).toBe(true);
    expect(keyPolicyAllowsService(policy(rootStatement, logs), 'logs.us-east-1.amazonaws.com', 'kms:GenerateDataKey')).toBe(false);
    expect(keyPolicyAllowsService(policy(rootStatement), 'logs.eu-west-1.amazonaws.com', 'kms:Encrypt')).toBe(false);
  });
});

describe('wildcardMatch', () => {
  it('follows IAM: * spans anything (paths too), ? one character, everything else literal', () => {
    expect(wildcardMatch('*Glue*', 'service-role/AWSGlueServiceRole')).toBe(true);
    expect(wildcardMatch('*Glue*', 'MLRole')).toBe(false);
    expect(wildcardMatch('ml-role-?', 'ml-role-1')).toBe(true);
    expect(wildcardMatch('ml.role', 'mlXrole')).toBe(false);
    expect(wildcardMatch('KMS:decrypt', 'kms:Decrypt', true)).toBe(true);
  });
});
