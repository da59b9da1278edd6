// Where a transform's labels are saved before anything changes. Glue refuses a label export or
// import to a bucket in another region than the transform ("S3 path provided is not in the same
// region as transform"), so each region needs a bucket of its own: named in a region map, or
// made from a name pattern with {accountId} and {region}.

/** The placeholders a bucket name pattern may hold. */
export const BUCKET_PLACEHOLDERS = ['{accountId}', '{region}'] as const;

/** S3's rule for bucket names (general purpose buckets): 3 to 63 of a-z, 0-9, '.', '-', ends alphanumeric. */
export const BUCKET_NAME_PATTERN = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

export interface LabelBucketSettings {
  /** A bucket name, or a pattern with {accountId} and/or {region}: serves every region the map does not name. */
  labelBucket?: string;
  /** Region -> bucket: wins over the pattern for its region. */
  labelBuckets: Record<string, string>;
}

/** The bucket for one account and region, or undefined when none is configured for it. */
export function labelBucketFor(settings: LabelBucketSettings, accountId: string, region: string): string | undefined {
  const mapped = Object.hasOwn(settings.labelBuckets, region) ? settings.labelBuckets[region] : undefined;
  if (mapped) return mapped;
  return settings.labelBucket?.replaceAll('{accountId}', accountId).replaceAll('{region}', region);
}

/**
 * Why a bucket name or pattern cannot name a bucket, or undefined when it can. A pattern is
 * checked by expanding it for the longest configured region and a 12-digit account ID.
 */
export function bucketPatternProblem(pattern: string, regions: readonly string[]): string | undefined {
  const unknown = pattern.match(/\{[^}]*\}/g)?.filter((p) => !(BUCKET_PLACEHOLDERS as readonly string[]).includes(p));
  if (unknown?.length) return `has ${unknown.join(', ')}; a bucket name pattern may only use ${BUCKET_PLACEHOLDERS.join(' and ')}`;
  const longestRegion = [...regions].sort((a, b) => b.length - a.length)[0] ?? 'ap-southeast-1';
  const expanded = pattern.replaceAll('{accountId}', '123456789012').replaceAll('{region}', longestRegion);
  if (!BUCKET_NAME_PATTERN.test(expanded) || expanded.includes('..')) {
    return pattern === expanded
      ? 'is not an S3 bucket name (3 to 63 lower-case letters, digits, dots and hyphens)'
      : `does not make an S3 bucket name (3 to 63 lower-case letters, digits, dots and hyphens): for ${longestRegion} it gives ${expanded}`;
  }
  return undefined;
}

/**
 * The configured regions the pattern serves (those the map does not name) when it names one
 * bucket for more than one of them: a bucket lives in one region, so all but one would fail.
 */
export function regionsSharingOneBucket(settings: LabelBucketSettings, regions: readonly string[]): string[] {
  if (!settings.labelBucket || settings.labelBucket.includes('{region}')) return [];
  const served = regions.filter((r) => !Object.hasOwn(settings.labelBuckets, r));
  return served.length > 1 ? served : [];
}
