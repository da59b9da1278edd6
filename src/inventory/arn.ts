// ARNs the bot builds itself, in the partition of the region they live in.

export function partitionOf(region: string): string {
  if (region.startsWith('cn-')) return 'aws-cn';
  if (region.startsWith('us-gov-')) return 'aws-us-gov';
  if (region.startsWith('us-iso-')) return 'aws-iso';
  if (region.startsWith('us-isob-')) return 'aws-iso-b';
  if (region.startsWith('eusc-')) return 'aws-eusc';
  return 'aws';
}

/** The account an IAM ARN (role, user, root) belongs to. */
export function accountOfIamArn(arn: string): string | undefined {
  return /^arn:[^:]+:iam::(\d{12}):/.exec(arn)?.[1];
}

export function roleArn(accountId: string, roleName: string, region: string): string {
  return `arn:${partitionOf(region)}:iam::${accountId}:role/${roleName}`;
}

export function transformArn(accountId: string, region: string, transformId: string): string {
  return `arn:${partitionOf(region)}:glue:${region}:${accountId}:mlTransform/${transformId}`;
}
