// The bot's S3 access to the label buckets, worked out at package time from the labelBucket and
// labelBuckets params (serverless.yml, the last entry of `resources`):
//   - worker role:  s3:GetBucketLocation (a plan confirms its bucket is in the transform's region);
//   - advance role: s3:ListBucket, only under glue-encrypt/ (after a label export, the workflow
//     lists what the export wrote under glue-encrypt/<account>/<region>/<transformId>/<remediationId>/).
// The transforms' own roles read and write the labels; the bot never reads or writes objects.
//
// CloudFormation has no string replace, so a name pattern such as glue-labels-{accountId}-{region}
// becomes the IAM pattern glue-labels-*-* here. With neither param set there is no bucket to
// name and so no policy at all: an IAM statement with an empty Resource is invalid.
'use strict';

const PLACEHOLDER = /\{(accountId|region)\}/g;
/** S3's rule for general purpose bucket names: 3 to 63 of a-z, 0-9, '.', '-', alphanumeric at both ends. */
const BUCKET_NAME = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
// The same region names as the code's config (src/config.ts REGION_PATTERN), eusc-de-east-1 included.
const REGION = /^[a-z]{2,4}(-[a-z]{2,4})?-(north|south|east|west|central|northeast|northwest|southeast|southwest)-[1-9][0-9]?$/;
/** The prefix every label export of the workflow writes under. */
const EXPORT_PREFIX = 'glue-encrypt/*';

const isBucketName = (name) => BUCKET_NAME.test(name) && !name.includes('..');

/**
 * The label buckets as IAM resource patterns: the labelBucket name (each {accountId} and
 * {region} turned into `*`), then every bucket of labelBuckets (REGION=BUCKET, comma list), once each.
 */
function bucketPatterns(labelBucket, labelBuckets) {
  const patterns = [];
  const pattern = String(labelBucket ?? '').trim();
  if (pattern) {
    const unknown = (pattern.match(/\{[^}]*\}/g) ?? []).filter((p) => p !== '{accountId}' && p !== '{region}');
    if (unknown.length > 0) throw new Error(`labelBucket "${pattern}": unknown placeholder ${unknown.join(', ')}; only {accountId} and {region}`);
    // Checked as the bucket it names in the longest regions (ap-southeast-1 and the like).
    const sample = pattern.replace(PLACEHOLDER, (_m, name) => (name === 'accountId' ? '123456789012' : 'ap-southeast-1'));
    if (!isBucketName(sample)) throw new Error(`labelBucket "${pattern}" does not make an S3 bucket name (e.g. ${sample})`);
    patterns.push(pattern.replace(PLACEHOLDER, '*'));
  }
  for (const pair of String(labelBuckets ?? '').split(',').map((p) => p.trim()).filter(Boolean)) {
    const [region = '', bucket = '', ...rest] = pair.split('=').map((p) => p.trim());
    if (rest.length > 0 || !REGION.test(region) || !isBucketName(bucket)) {
      throw new Error(`labelBuckets "${pair}": expected REGION=BUCKET, e.g. eu-west-1=my-labels-eu`);
    }
    patterns.push(bucket);
  }
  return [...new Set(patterns)];
}

function rolePolicy(role, statement) {
  return {
    Type: 'AWS::IAM::RolePolicy',
    Properties: {
      RoleName: { Ref: role },
      PolicyName: 'label-buckets',
      PolicyDocument: { Version: '2012-10-17', Statement: [statement] },
    },
  };
}

/** A `resources` entry: the two roles' label-bucket policies, or nothing when no bucket is configured. */
function labelBucketAccess(labelBucket, labelBuckets) {
  const buckets = bucketPatterns(labelBucket, labelBuckets);
  if (buckets.length === 0) return {};
  const arns = buckets.map((bucket) => ({ 'Fn::Sub': `arn:\${AWS::Partition}:s3:::${bucket}` }));
  return {
    Resources: {
      WorkerLabelBucketsPolicy: rolePolicy('WorkerRole', {
        Sid: 'ConfirmLabelBucketRegions',
        Effect: 'Allow',
        Action: 's3:GetBucketLocation',
        Resource: arns,
      }),
      AdvanceLabelBucketsPolicy: rolePolicy('AdvanceRole', {
        Sid: 'ListLabelExports',
        Effect: 'Allow',
        Action: 's3:ListBucket',
        Resource: arns,
        Condition: { StringLike: { 's3:prefix': [EXPORT_PREFIX] } },
      }),
    },
  };
}

// osls calls the export with its variable resolver: `${file(./deploy/labelBucketAccess.cjs)}`.
module.exports = async ({ resolveVariable }) => labelBucketAccess(await resolveVariable('param:labelBucket'), await resolveVariable('param:labelBuckets'));
module.exports.labelBucketAccess = labelBucketAccess;
module.exports.bucketPatterns = bucketPatterns;
