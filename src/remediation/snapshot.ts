// Captures a transform's settings and tags before anything changes, and turns a snapshot
// back into a CreateMLTransform request (the only call that can set encryption).
import {
  GetMLTransformCommand,
  GetTagsCommand,
  type CreateMLTransformCommandInput,
  type GlueClient,
  type MLTransform,
  type TransformEncryption,
} from '@aws-sdk/client-glue';
import type { TransformSnapshot } from './types.js';

import { transformArn } from '../inventory/arn.js';

export { transformArn };

/** The transform's settings and tags; `read` is the transform when the caller has just read it. */
export async function snapshotTransform(
  glue: GlueClient,
  accountId: string,
  region: string,
  transformId: string,
  read?: MLTransform,
): Promise<TransformSnapshot> {
  const t = read ?? (await glue.send(new GetMLTransformCommand({ TransformId: transformId })));
  const tags = await glue.send(new GetTagsCommand({ ResourceArn: transformArn(accountId, region, transformId) }));
  return {
    transformId,
    name: t.Name ?? transformId,
    description: t.Description,
    role: t.Role,
    glueVersion: t.GlueVersion,
    maxCapacity: t.MaxCapacity,
    workerType: t.WorkerType,
    numberOfWorkers: t.NumberOfWorkers,
    timeout: t.Timeout,
    maxRetries: t.MaxRetries,
    parameters: t.Parameters,
    inputRecordTables: t.InputRecordTables,
    transformEncryption: t.TransformEncryption,
    tags: tags.Tags ?? {},
    labelCount: t.LabelCount ?? 0,
    status: t.Status,
  };
}

/** The settings a re-created transform copies: a change to any of them after the plan voids it. */
export const SNAPSHOT_SETTINGS = [
  'description',
  'role',
  'glueVersion',
  'maxCapacity',
  'workerType',
  'numberOfWorkers',
  'timeout',
  'maxRetries',
  'parameters',
  'inputRecordTables',
  'transformEncryption',
  'tags',
] as const satisfies readonly (keyof TransformSnapshot)[];

/** Tags the bot adds so anyone can tell where a transform came from. */
export const TAG_REMEDIATION = 'glue-encrypt:remediation-id';
export const TAG_SOURCE = 'glue-encrypt:source-transform-id';
export const TAG_SUPERSEDED_BY = 'glue-encrypt:superseded-by';

/**
 * A CreateMLTransform request that copies the snapshot. Workers and MaxCapacity are mutually
 * exclusive on create even though Get reports both: workers win when set.
 */
export function createRequestFrom(
  s: TransformSnapshot,
  name: string,
  encryption: TransformEncryption | undefined,
  extraTags: Record<string, string>,
): CreateMLTransformCommandInput {
  const usesWorkers = s.workerType !== undefined || s.numberOfWorkers !== undefined;
  return {
    Name: name,
    Description: s.description,
    InputRecordTables: s.inputRecordTables as CreateMLTransformCommandInput['InputRecordTables'],
    Parameters: s.parameters as CreateMLTransformCommandInput['Parameters'],
    Role: s.role,
    GlueVersion: s.glueVersion,
    ...(usesWorkers ? { WorkerType: s.workerType as CreateMLTransformCommandInput['WorkerType'], NumberOfWorkers: s.numberOfWorkers } : { MaxCapacity: s.maxCapacity }),
    Timeout: s.timeout,
    MaxRetries: s.maxRetries,
    Tags: { ...copiedTags(s.tags), ...extraTags },
    ...(encryption ? { TransformEncryption: encryption } : {}),
  };
}

/**
 * The tags a re-created transform copies: aws:* tags belong to AWS and cannot be set by a caller;
 * the bot's own glue-encrypt:* tags describe the old transform, not the new one.
 */
export function copiedTags(tags: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(tags).filter(([k]) => !k.startsWith('aws:') && !k.startsWith('glue-encrypt:')));
}

export function renamedName(name: string, date: Date): string {
  return datedName(name, 'unencrypted', date);
}

/** Glue's limit on a name, counted in UTF-8 bytes. */
export const MAX_NAME_BYTES = 255;

/**
 * `name-<what>-YYYYMMDD`. Glue names are at most 255 UTF-8 bytes: shorten the name, never the
 * suffix, and never through the middle of a character (a code point is kept whole or dropped).
 */
export function datedName(name: string, what: string, date: Date): string {
  const suffix = `-${what}-${date.toISOString().slice(0, 10).replace(/-/g, '')}`;
  let budget = MAX_NAME_BYTES - Buffer.byteLength(suffix, 'utf8');
  let kept = '';
  for (const char of name) {
    budget -= Buffer.byteLength(char, 'utf8');
    if (budget < 0) break;
    kept += char;
  }
  return kept + suffix;
}
