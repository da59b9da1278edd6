// Seed data for the AWS sandbox: a small, realistic demo estate covering every verdict the checks
// can reach, and a large synthetic estate for benchmarks.
import type { CreateMLTransformCommandInput, GlueTable, SchemaColumn, TransformEncryption } from '@aws-sdk/client-glue';
import type { ReasonCode } from '../checks/types.js';
import { keyArn, type Scope } from './aws/arns.js';
import type { RolePolicy } from './aws/model.js';
import type { SandboxState, TransformSeed } from './aws/state.js';

export const DEMO_ACCOUNT_ID = '111111111111';
export const DEMO_REGION = 'eu-west-1';
export const DEMO_SECOND_REGION = 'us-east-1';
/** The demo transforms' role, seeded in each demo account. */
export const DEMO_ROLE_NAME = 'GlueMLRole';
export const DEMO_ROLE_ARN = `arn:aws:iam::${DEMO_ACCOUNT_ID}:role/${DEMO_ROLE_NAME}`;

const EU: Scope = { accountId: DEMO_ACCOUNT_ID, region: DEMO_REGION };
const US: Scope = { accountId: DEMO_ACCOUNT_ID, region: DEMO_SECOND_REGION };

/** Fixed key ids, so docs and tests can name them. */
export const DEMO_KEY_IDS = {
  /** alias/glue-ml: customer managed, enabled, rotation on. */
  glueMl: 'b18bf606-2b84-427d-880d-985b50b67678',
  /** alias/aws/glue: AWS managed. */
  awsGlue: 'a868a846-4095-44ea-88ac-7d3f8ce6a7fb',
  /** alias/glue-old: customer managed, Disabled. */
  glueOld: 'd2d7a972-68c7-488b-8909-dd125ae6df20',
  /** alias/glue-retiring: customer managed, PendingDeletion (about 11 days left). */
  glueRetiring: 'b385ef72-6093-4667-8884-896411543ad2',
  /** alias/glue-norotate: customer managed, enabled, rotation off. */
  glueNoRotate: 'e3502505-937e-4fed-8a57-313015c12abd',
  /** alias/glue-ml in us-east-1: customer managed, enabled, rotation on. */
  usGlueMl: '58829cc3-fe89-4951-8661-615bba5e0955',
} as const;

export const DEMO_KEY_ARNS = {
  glueMl: keyArn(EU, DEMO_KEY_IDS.glueMl),
  awsGlue: keyArn(EU, DEMO_KEY_IDS.awsGlue),
  glueOld: keyArn(EU, DEMO_KEY_IDS.glueOld),
  glueRetiring: keyArn(EU, DEMO_KEY_IDS.glueRetiring),
  glueNoRotate: keyArn(EU, DEMO_KEY_IDS.glueNoRotate),
  usGlueMl: keyArn(US, DEMO_KEY_IDS.usGlueMl),
} as const;

export const DEMO_SECURITY_CONFIGURATIONS = { kms: 'glue-encrypt-kms', legacy: 'legacy-sse-s3' } as const;

/** Every account and region the demo estate has transforms in. */
export const DEMO_SCOPES: readonly Scope[] = [EU, US];

/** The demo's label bucket of an account and region (Glue wants labels in the transform's region). */
export function labelBucketName(accountId: string, region: string): string {
  return `glue-encrypt-labels-${accountId}-${region}`;
}

/**
 * A customer key's policy: the account root hands use of the key to IAM, and CloudWatch Logs of
 * the key's region may use it for the account's log groups (what SSE-KMS task-run logs need).
 */
export function demoKeyPolicy(accountId: string, region: string): string {
  return JSON.stringify({
    Version: '2012-10-17',
    Id: 'key-glue-ml',
    Statement: [
      {
        Sid: 'Enable IAM User Permissions',
        Effect: 'Allow',
        Principal: { AWS: `arn:aws:iam::${accountId}:root` },
        Action: 'kms:*',
        Resource: '*',
      },
      {
        Sid: 'Allow CloudWatch Logs',
        Effect: 'Allow',
        Principal: { Service: `logs.${region}.amazonaws.com` },
        Action: ['kms:Encrypt*', 'kms:Decrypt*', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:Describe*'],
        Resource: '*',
        Condition: { ArnLike: { 'kms:EncryptionContext:aws:logs:arn': `arn:aws:logs:${region}:${accountId}:*` } },
      },
    ],
  });
}

/** GlueMLRole's identity policy: the account's keys, log-group key association, its label buckets. */
export function demoRolePolicy(accountId: string, regions: readonly string[]): RolePolicy {
  const buckets = regions.map((region) => `arn:aws:s3:::${labelBucketName(accountId, region)}`);
  return {
    allow: [
      { actions: ['kms:Decrypt', 'kms:GenerateDataKey*', 'kms:Encrypt', 'kms:DescribeKey'], resources: [`arn:aws:kms:*:${accountId}:key/*`] },
      { actions: ['logs:AssociateKmsKey'], resources: ['*'] },
      { actions: ['s3:GetObject', 's3:PutObject', 's3:ListBucket'], resources: buckets.flatMap((bucket) => [bucket, `${bucket}/*`]) },
    ],
  };
}

export interface DemoTransform {
  name: string;
  transformId: string;
  region: string;
  /** What a correct check reports: no reasons means PASS. WARN or FAIL per reason depends on the policy. */
  expectedReasons: readonly ReasonCode[];
  /** Why the transform is in the demo. */
  story: string;
}

export const DEMO_TRANSFORMS = [
  { name: 'customer-dedupe', transformId: 'tfm-1c4c76e5ac81d6a88596a4323d98d95c07ceac67', region: DEMO_REGION, expectedReasons: [], story: 'SSE-KMS with alias/glue-ml (by key ARN) and glue-encrypt-kms: compliant' },
  { name: 'orders-match', transformId: 'tfm-d880a414fe8c31fce005d221b16b1eca3973d1df', region: DEMO_REGION, expectedReasons: ['USER_DATA_NOT_ENCRYPTED', 'SECURITY_CONFIGURATION_MISSING'], story: 'no TransformEncryption at all' },
  { name: 'vendor-match', transformId: 'tfm-d3fb6f697eedf67f739c271562c7d078ad3293a0', region: DEMO_REGION, expectedReasons: ['USER_DATA_NOT_ENCRYPTED'], story: 'MlUserDataEncryption DISABLED, glue-encrypt-kms for task runs' },
  { name: 'supplier-match', transformId: 'tfm-39788b3ea05cccdf0f7c310113d1381d10006ee3', region: DEMO_REGION, expectedReasons: ['KMS_KEY_AWS_MANAGED'], story: 'SSE-KMS with KmsKeyId "alias/aws/glue", the AWS managed key' },
  { name: 'invoice-dedupe', transformId: 'tfm-161613e3b4c10118ec739bbb1810771b90736edb', region: DEMO_REGION, expectedReasons: ['KMS_KEY_NOT_ENABLED'], story: 'SSE-KMS with alias/glue-old, which is Disabled' },
  { name: 'patient-match', transformId: 'tfm-03728f0a2ff15bfc28243386ea5f30b77074eaeb', region: DEMO_REGION, expectedReasons: ['KMS_KEY_PENDING_DELETION'], story: 'SSE-KMS with alias/glue-retiring, PendingDeletion in ~11 days (its rotation status cannot be read)' },
  { name: 'claims-dedupe', transformId: 'tfm-d1aac94d79fa1556810e6dc6e49ed93759188ad9', region: DEMO_REGION, expectedReasons: ['SECURITY_CONFIGURATION_MISSING'], story: 'SSE-KMS with a healthy key, no security configuration for task runs' },
  { name: 'leads-match', transformId: 'tfm-062b6edb9d2448f54c53da01fe6039ad288e82b2', region: DEMO_REGION, expectedReasons: ['TASK_OUTPUT_S3_SSE_S3', 'TASK_LOGS_NOT_ENCRYPTED', 'JOB_BOOKMARKS_NOT_ENCRYPTED'], story: 'healthy key, but legacy-sse-s3: S3 SSE-S3, CloudWatch and bookmarks DISABLED' },
  { name: 'contacts-match', transformId: 'tfm-66bac3c40a85be62f194ca608904942e1c554e62', region: DEMO_REGION, expectedReasons: ['KMS_KEY_ROTATION_OFF'], story: 'SSE-KMS with alias/glue-norotate (by alias ARN): rotation off' },
  { name: 'us-customer-dedupe', transformId: 'tfm-94d2b240543f1434c5bfdb9f732280c88d9ce8c5', region: DEMO_SECOND_REGION, expectedReasons: [], story: 'us-east-1, SSE-KMS with the us-east-1 alias/glue-ml key: compliant' },
  { name: 'us-orders-match', transformId: 'tfm-3cca7faf2d39764cf3439a580f2e310f323a4735', region: DEMO_SECOND_REGION, expectedReasons: ['USER_DATA_NOT_ENCRYPTED', 'SECURITY_CONFIGURATION_MISSING'], story: 'us-east-1, no TransformEncryption' },
] as const satisfies readonly DemoTransform[];

export type DemoTransformName = (typeof DEMO_TRANSFORMS)[number]['name'];

export const DEMO_TRANSFORM_IDS = Object.fromEntries(DEMO_TRANSFORMS.map((t) => [t.name, t.transformId])) as Record<
  DemoTransformName,
  string
>;

const DAY_MS = 24 * 60 * 60 * 1000;

function sseKms(kmsKeyId: string, securityConfiguration?: string): TransformEncryption {
  return {
    MlUserDataEncryption: { MlUserDataEncryptionMode: 'SSE-KMS', KmsKeyId: kmsKeyId },
    ...(securityConfiguration ? { TaskRunSecurityConfigurationName: securityConfiguration } : {}),
  };
}

function table(database: string, name: string): GlueTable[] {
  return [{ DatabaseName: database, TableName: name }];
}

function columns(...names: string[]): SchemaColumn[] {
  return names.map((name) => ({ Name: name, DataType: name.endsWith('_at') ? 'timestamp' : 'string' }));
}

function findMatches(primaryKey: string, precisionRecall: number, accuracyCost: number) {
  return {
    TransformType: 'FIND_MATCHES' as const,
    FindMatchesParameters: {
      PrimaryKeyColumnName: primaryKey,
      PrecisionRecallTradeoff: precisionRecall,
      AccuracyCostTradeoff: accuracyCost,
      EnforceProvidedLabels: false,
    },
  };
}

/** Sized by workers (G.1X x 10) or by DPUs (MaxCapacity 10): the two shapes a faithful copy must keep apart. */
const WORKERS = { WorkerType: 'G.1X' as const, NumberOfWorkers: 10 };
const DPUS = { MaxCapacity: 10 };

function demoTransform(name: DemoTransformName, fields: Omit<TransformSeed, 'Name' | 'TransformId' | 'Role' | 'Status'>): TransformSeed {
  return {
    Name: name,
    TransformId: DEMO_TRANSFORM_IDS[name],
    Role: DEMO_ROLE_ARN,
    Status: 'READY',
    Timeout: 2880,
    MaxRetries: 0,
    ...fields,
  };
}

/** The demo estate: account 111111111111, eu-west-1 plus us-east-1. See DEMO_TRANSFORMS for the verdicts. */
export function seedDemo(state: SandboxState): void {
  const created = new Date('2025-03-14T09:30:00Z');
  const keyDefaults = { creationDate: new Date('2024-11-04T08:00:00Z') };

  // ---- keys ----
  state.addKey(EU, {
    ...keyDefaults,
    keyId: DEMO_KEY_IDS.glueMl,
    description: 'Glue ML transforms: labels and trained models',
    rotationEnabled: true,
    aliases: ['alias/glue-ml'],
    policy: demoKeyPolicy(EU.accountId, EU.region),
  });
  state.addKey(EU, { ...keyDefaults, keyId: DEMO_KEY_IDS.awsGlue, keyManager: 'AWS', description: 'Default key that protects my Glue data when no other key is defined', aliases: ['alias/aws/glue'] });
  state.addKey(EU, { ...keyDefaults, keyId: DEMO_KEY_IDS.glueOld, keyState: 'Disabled', description: 'Glue ML (2023), superseded by alias/glue-ml', rotationEnabled: true, aliases: ['alias/glue-old'] });
  state.addKey(EU, {
    ...keyDefaults,
    keyId: DEMO_KEY_IDS.glueRetiring,
    keyState: 'PendingDeletion',
    deletionDate: new Date(state.now() + 11 * DAY_MS),
    description: 'Glue ML pilot key, scheduled for deletion',
    rotationEnabled: true,
    aliases: ['alias/glue-retiring'],
  });
  // A healthy key people may pick instead (rotation aside): its policy admits CloudWatch Logs like alias/glue-ml's.
  state.addKey(EU, {
    ...keyDefaults,
    keyId: DEMO_KEY_IDS.glueNoRotate,
    description: 'Glue ML contacts key',
    rotationEnabled: false,
    aliases: ['alias/glue-norotate'],
    policy: demoKeyPolicy(EU.accountId, EU.region),
  });
  state.addKey(US, {
    ...keyDefaults,
    keyId: DEMO_KEY_IDS.usGlueMl,
    description: 'Glue ML transforms (us-east-1)',
    rotationEnabled: true,
    aliases: ['alias/glue-ml'],
    policy: demoKeyPolicy(US.accountId, US.region),
  });

  // ---- label buckets (one per account and region, in that region) and the transforms' role ----
  for (const scope of DEMO_SCOPES) state.addBucket(labelBucketName(scope.accountId, scope.region), scope.region, scope.accountId);
  for (const accountId of new Set(DEMO_SCOPES.map((scope) => scope.accountId))) {
    const regions = DEMO_SCOPES.filter((scope) => scope.accountId === accountId).map((scope) => scope.region);
    state.addRole(accountId, DEMO_ROLE_NAME, demoRolePolicy(accountId, regions));
  }

  // ---- security configurations ----
  const kmsConfig = (keyArnValue: string) => ({
    Name: DEMO_SECURITY_CONFIGURATIONS.kms,
    CreatedTimeStamp: created,
    EncryptionConfiguration: {
      S3Encryption: [{ S3EncryptionMode: 'SSE-KMS' as const, KmsKeyArn: keyArnValue }],
      CloudWatchEncryption: { CloudWatchEncryptionMode: 'SSE-KMS' as const, KmsKeyArn: keyArnValue },
      JobBookmarksEncryption: { JobBookmarksEncryptionMode: 'CSE-KMS' as const, KmsKeyArn: keyArnValue },
    },
  });
  state.addSecurityConfiguration(EU, kmsConfig(DEMO_KEY_ARNS.glueMl));
  state.addSecurityConfiguration(US, kmsConfig(DEMO_KEY_ARNS.usGlueMl));
  state.addSecurityConfiguration(EU, {
    Name: DEMO_SECURITY_CONFIGURATIONS.legacy,
    CreatedTimeStamp: new Date('2021-06-01T12:00:00Z'),
    EncryptionConfiguration: {
      S3Encryption: [{ S3EncryptionMode: 'SSE-S3' }],
      CloudWatchEncryption: { CloudWatchEncryptionMode: 'DISABLED' },
      JobBookmarksEncryption: { JobBookmarksEncryptionMode: 'DISABLED' },
    },
  });

  // ---- transforms ----
  const kms = DEMO_SECURITY_CONFIGURATIONS.kms;
  const common = { CreatedOn: created, LastModifiedOn: created };
  const eu: TransformSeed[] = [
    demoTransform('customer-dedupe', {
      ...common, ...WORKERS, GlueVersion: '2.0', labelCount: 1250,
      Description: 'Deduplicate customer records from CRM and web sign-ups',
      InputRecordTables: table('crm', 'customers'), Parameters: findMatches('customer_id', 0.9, 0.5),
      Schema: columns('customer_id', 'full_name', 'email', 'postcode', 'created_at'),
      TransformEncryption: sseKms(DEMO_KEY_ARNS.glueMl, kms),
      tags: { team: 'crm', 'data-classification': 'confidential', 'cost-center': 'cc-1042' },
    }),
    demoTransform('orders-match', {
      ...common, ...DPUS, GlueVersion: '1.0', labelCount: 312,
      Description: 'Match duplicate orders across the web shop and the call centre',
      InputRecordTables: table('sales', 'orders'), Parameters: findMatches('order_id', 0.5, 0.5),
      Schema: columns('order_id', 'customer_email', 'total', 'ordered_at'),
      tags: { team: 'sales', 'data-classification': 'internal' },
    }),
    demoTransform('vendor-match', {
      ...common, ...DPUS, GlueVersion: '1.0', labelCount: 0,
      Description: 'Link vendor master records from two ERPs',
      InputRecordTables: table('procurement', 'vendors'), Parameters: findMatches('vendor_id', 0.5, 0.3),
      TransformEncryption: { MlUserDataEncryption: { MlUserDataEncryptionMode: 'DISABLED' }, TaskRunSecurityConfigurationName: kms },
      tags: { team: 'procurement' },
    }),
    demoTransform('supplier-match', {
      ...common, ...WORKERS, GlueVersion: '2.0', labelCount: 480,
      Description: 'Supplier deduplication for spend analytics',
      InputRecordTables: table('procurement', 'suppliers'), Parameters: findMatches('supplier_id', 0.7, 0.5),
      TransformEncryption: sseKms('alias/aws/glue', kms),
      tags: { team: 'procurement', 'data-classification': 'internal' },
    }),
    demoTransform('invoice-dedupe', {
      ...common, ...DPUS, GlueVersion: '1.0', labelCount: 96,
      Description: 'Catch duplicate supplier invoices before payment',
      InputRecordTables: table('finance', 'invoices'), Parameters: findMatches('invoice_id', 0.95, 0.4),
      TransformEncryption: sseKms(DEMO_KEY_ARNS.glueOld, kms),
      tags: { team: 'finance', 'data-classification': 'confidential' },
    }),
    demoTransform('patient-match', {
      ...common, ...WORKERS, GlueVersion: '2.0', labelCount: 2040,
      Description: 'Master patient index: link records across clinics',
      InputRecordTables: table('clinical', 'patients'), Parameters: findMatches('patient_id', 0.99, 0.7),
      TransformEncryption: sseKms(DEMO_KEY_ARNS.glueRetiring, kms),
      tags: { team: 'clinical-data', 'data-classification': 'restricted' },
    }),
    demoTransform('claims-dedupe', {
      ...common, ...WORKERS, GlueVersion: '2.0', labelCount: 650,
      Description: 'Flag duplicate insurance claims',
      InputRecordTables: table('claims', 'claims'), Parameters: findMatches('claim_id', 0.8, 0.5),
      TransformEncryption: sseKms(DEMO_KEY_ARNS.glueMl),
      tags: { team: 'claims', 'data-classification': 'confidential' },
    }),
    demoTransform('leads-match', {
      ...common, ...DPUS, GlueVersion: '1.0', labelCount: 140,
      Description: 'Merge marketing leads from events and web forms',
      InputRecordTables: table('marketing', 'leads'), Parameters: findMatches('lead_id', 0.4, 0.2),
      TransformEncryption: sseKms(DEMO_KEY_ARNS.glueMl, DEMO_SECURITY_CONFIGURATIONS.legacy),
      tags: { team: 'marketing' },
    }),
    demoTransform('contacts-match', {
      ...common, ...WORKERS, GlueVersion: '2.0', labelCount: 220,
      Description: 'Deduplicate B2B contacts',
      InputRecordTables: table('crm', 'contacts'), Parameters: findMatches('contact_id', 0.6, 0.5),
      TransformEncryption: sseKms(`arn:aws:kms:${DEMO_REGION}:${DEMO_ACCOUNT_ID}:alias/glue-norotate`, kms),
      tags: { team: 'crm' },
    }),
  ];
  const us: TransformSeed[] = [
    demoTransform('us-customer-dedupe', {
      ...common, ...WORKERS, GlueVersion: '2.0', labelCount: 900,
      Description: 'Deduplicate US customer records',
      InputRecordTables: table('crm_us', 'customers'), Parameters: findMatches('customer_id', 0.9, 0.5),
      TransformEncryption: sseKms(DEMO_KEY_ARNS.usGlueMl, kms),
      tags: { team: 'crm', 'data-classification': 'confidential' },
    }),
    demoTransform('us-orders-match', {
      ...common, ...DPUS, GlueVersion: '1.0', labelCount: 75,
      Description: 'Match duplicate US orders',
      InputRecordTables: table('sales_us', 'orders'), Parameters: findMatches('order_id', 0.5, 0.5),
      tags: { team: 'sales' },
    }),
  ];
  for (const seed of eu) state.addTransform(EU, seed);
  for (const seed of us) state.addTransform(US, seed);

  // ---- jobs that call transforms by id (a remediation must repoint them) ----
  const job = (name: string, script: string, args: Record<string, string>) => ({
    Name: name,
    Role: DEMO_ROLE_ARN,
    Command: { Name: 'glueetl', ScriptLocation: `s3://acme-glue-scripts/${script}`, PythonVersion: '3' },
    DefaultArguments: { '--job-language': 'python', '--enable-metrics': 'true', ...args },
    GlueVersion: '2.0',
    WorkerType: 'G.1X' as const,
    NumberOfWorkers: 10,
    Timeout: 2880,
    MaxRetries: 1,
    SecurityConfiguration: kms,
    CreatedOn: created,
    LastModifiedOn: created,
  });
  state.addJob(EU, job('nightly-dedupe', 'nightly_dedupe.py', { '--transform_id': DEMO_TRANSFORM_IDS['customer-dedupe'] }));
  state.addJob(EU, job('backfill-dedupe', 'backfill_dedupe.py', { '--ml_transform_id': DEMO_TRANSFORM_IDS['orders-match'], '--since': '2024-01-01' }));
  state.addJob(EU, job('daily-export', 'daily_export.py', { '--target': 's3://acme-exports/daily/' }));
}

export interface ScaleOptions {
  accounts: string[];
  regions: string[];
  /** Transforms in all, spread evenly over accounts x regions. */
  transforms: number;
  /** Distinct KMS keys in all, spread round-robin over accounts x regions. */
  keys: number;
  /** Distinct security configurations in all, spread round-robin over accounts x regions. */
  securityConfigurations: number;
  /** Labels per transform (default 0: keeps memory flat for large estates). */
  labelsPerTransform?: number;
}

export interface ScaleSummary {
  scopes: Scope[];
  transforms: number;
  keys: number;
  securityConfigurations: number;
  /** Transforms seeded without TransformEncryption (every tenth in each account/region). */
  unencryptedTransforms: number;
  /** Keys some transform refers to: equals `keys` when every account/region has at least as many encrypted transforms as keys. */
  keysReferenced: number;
  securityConfigurationsReferenced: number;
}

/**
 * A large synthetic estate for benchmarks. Keys and configurations exist in the account/region of
 * the transforms that use them; transforms use them round-robin, so all are referenced whenever
 * there are enough transforms. Ids come from the state's seeded generator: same seed, same estate.
 */
export function seedScale(state: SandboxState, options: ScaleOptions): ScaleSummary {
  const scopes = options.accounts.flatMap((accountId) => options.regions.map((region) => ({ accountId, region })));
  if (scopes.length === 0) throw new Error('seedScale needs at least one account and one region');
  const keysByScope = scopes.map((): string[] => []);
  const configsByScope = scopes.map((): string[] => []);

  for (let k = 0; k < options.keys; k++) {
    const s = k % scopes.length;
    const scope = scopes[s] as Scope;
    // Every fourth key has rotation off, so a scan at scale still finds something to report.
    const key = state.addKey(scope, { description: `scale key ${k}`, rotationEnabled: k % 4 !== 3, aliases: [`alias/scale-key-${k}`] });
    keysByScope[s]?.push(key.arn);
  }
  for (let c = 0; c < options.securityConfigurations; c++) {
    const s = c % scopes.length;
    const scope = scopes[s] as Scope;
    const keyArnValue = keysByScope[s]?.[0];
    const name = `scale-config-${c}`;
    state.addSecurityConfiguration(scope, {
      Name: name,
      EncryptionConfiguration: keyArnValue
        ? {
            S3Encryption: [{ S3EncryptionMode: 'SSE-KMS', KmsKeyArn: keyArnValue }],
            CloudWatchEncryption: { CloudWatchEncryptionMode: 'SSE-KMS', KmsKeyArn: keyArnValue },
            JobBookmarksEncryption: { JobBookmarksEncryptionMode: 'CSE-KMS', KmsKeyArn: keyArnValue },
          }
        : { S3Encryption: [{ S3EncryptionMode: 'SSE-S3' }] },
    });
    configsByScope[s]?.push(name);
  }

  const usedKeys = new Set<string>();
  const usedConfigs = new Set<string>();
  const encryptedInScope = scopes.map(() => 0);
  let unencrypted = 0;
  for (let i = 0; i < options.transforms; i++) {
    const s = i % scopes.length;
    const scope = scopes[s] as Scope;
    const indexInScope = Math.floor(i / scopes.length);
    const keys = keysByScope[s] ?? [];
    const configs = configsByScope[s] ?? [];
    let encryption: TransformEncryption | undefined;
    if (indexInScope % 10 !== 9 && keys.length > 0) {
      const n = encryptedInScope[s] ?? 0;
      encryptedInScope[s] = n + 1;
      const keyArnValue = keys[n % keys.length] as string;
      const config = configs.length > 0 ? configs[n % configs.length] : undefined;
      encryption = sseKms(keyArnValue, config);
      usedKeys.add(keyArnValue);
      if (config) usedConfigs.add(`${scope.accountId}/${scope.region}/${config}`);
    } else {
      unencrypted++;
    }
    state.addTransform(scope, {
      Name: `scale-match-${String(indexInScope).padStart(6, '0')}`,
      Role: `arn:aws:iam::${scope.accountId}:role/GlueMLRole`,
      GlueVersion: '2.0',
      ...(indexInScope % 2 === 0 ? WORKERS : DPUS),
      InputRecordTables: table('scale', `records_${indexInScope % 50}`),
      Parameters: findMatches('id', 0.5, 0.5),
      ...(encryption ? { TransformEncryption: encryption } : {}),
      labelCount: options.labelsPerTransform ?? 0,
      tags: { purpose: 'benchmark' },
    });
  }

  return {
    scopes,
    transforms: options.transforms,
    keys: options.keys,
    securityConfigurations: options.securityConfigurations,
    unencryptedTransforms: unencrypted,
    keysReferenced: usedKeys.size,
    securityConfigurationsReferenced: usedConfigs.size,
  };
}

/** A CreateMLTransform request for a FIND_MATCHES transform on crm.customers with the demo role (no encryption unless `extra` sets it). */
export function newTransformInput(name: string, extra: Partial<CreateMLTransformCommandInput> = {}): CreateMLTransformCommandInput {
  return {
    Name: name,
    Role: DEMO_ROLE_ARN,
    InputRecordTables: [{ DatabaseName: 'crm', TableName: 'customers' }],
    Parameters: { TransformType: 'FIND_MATCHES', FindMatchesParameters: { PrimaryKeyColumnName: 'customer_id' } },
    GlueVersion: '2.0',
    WorkerType: 'G.1X',
    NumberOfWorkers: 10,
    ...extra,
  };
}
