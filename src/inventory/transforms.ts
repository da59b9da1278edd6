// Reads ML transforms from Glue: every page of GetMLTransforms (never one call per transform).
import { GetMLTransformCommand, GetMLTransformsCommand, type GlueClient, type MLTransform } from '@aws-sdk/client-glue';
import type { TransformFacts } from '../checks/types.js';
import { errorCode } from './awsErrors.js';

/** Default GetMLTransforms page size (the API accepts 1 to 1000). */
export const TRANSFORM_PAGE_SIZE = 100;

export { looksLikeTransformId } from './transformId.js';

export function toTransformFacts(t: MLTransform, accountId: string, region: string): TransformFacts {
  const enc = t.TransformEncryption;
  return {
    accountId,
    region,
    transformId: t.TransformId ?? '(no id)',
    name: t.Name ?? t.TransformId ?? '(unnamed)',
    status: t.Status,
    labelCount: t.LabelCount,
    role: t.Role,
    glueVersion: t.GlueVersion,
    encryption: {
      userDataMode: enc?.MlUserDataEncryption?.MlUserDataEncryptionMode,
      kmsKeyId: enc?.MlUserDataEncryption?.KmsKeyId,
      securityConfigurationName: enc?.TaskRunSecurityConfigurationName,
    },
  };
}

/**
 * Yields transforms a page at a time, following NextToken to the end. The next page is asked
 * for as soon as a page arrives, before the caller works on it, so Glue's latency for page N+1
 * overlaps the caller's work on page N.
 */
export async function* listTransformPages(glue: Pick<GlueClient, 'send'>, name?: string, pageSize = TRANSFORM_PAGE_SIZE): AsyncGenerator<MLTransform[]> {
  const fetchPage = (nextToken: string | undefined) => {
    const page = glue.send(
      new GetMLTransformsCommand({
        MaxResults: pageSize,
        NextToken: nextToken,
        ...(name ? { Filter: { Name: name } } : {}),
      }),
    );
    // A caller that stops early never awaits the prefetched page: its failure must not go unhandled.
    page.catch(() => undefined);
    return page;
  };
  let pending: ReturnType<typeof fetchPage> | undefined = fetchPage(undefined);
  while (pending) {
    const page: Awaited<ReturnType<typeof fetchPage>> = await pending;
    const nextToken = page.NextToken || undefined;
    pending = nextToken ? fetchPage(nextToken) : undefined;
    yield page.Transforms ?? [];
  }
}

/** One transform by ID, or undefined when this account/region has no such transform. */
export async function getTransformById(glue: Pick<GlueClient, 'send'>, transformId: string): Promise<MLTransform | undefined> {
  try {
    const t = await glue.send(new GetMLTransformCommand({ TransformId: transformId }));
    // GetMLTransform answers with the transform's fields at top level.
    return { ...t } as MLTransform;
  } catch (err) {
    if (errorCode(err) === 'EntityNotFoundException') return undefined;
    throw err;
  }
}
