// The S3 stand-in's data: buckets (each in one region, owned by one account) holding label CSV
// objects by key. Label task runs write and read here; the S3 service answers from here.
import { createHash } from 'node:crypto';
import type { S3Object, StoredBucket } from './model.js';

/** The S3 operations a deny rule can refuse. */
export type S3DeniableOperation = 'GetBucketLocation' | 'ListObjectsV2';

export interface S3Location {
  bucket: string;
  /** Everything after "s3://bucket/"; "" for the bucket itself. */
  key: string;
}

export function parseS3Path(path: string): S3Location | undefined {
  const match = /^s3:\/\/([^/]+)(?:\/(.*))?$/.exec(path);
  if (!match) return undefined;
  return { bucket: match[1] ?? '', key: match[2] ?? '' };
}

/** The key prefix of everything "in" a folder: "a/b" and "a/b/" both hold "a/b/...", "" holds the whole bucket. */
export function folderPrefix(key: string): string {
  return key === '' || key.endsWith('/') ? key : `${key}/`;
}

/** The object's bytes as S3 would hold them: one line per label row, each ending in a newline. */
export function objectText(object: Pick<S3Object, 'labels'>): string {
  return object.labels.map((row) => `${row}\n`).join('');
}

export function objectSize(object: Pick<S3Object, 'labels'>): number {
  return Buffer.byteLength(objectText(object), 'utf8');
}

/** S3's ETag of a single-part upload: the quoted MD5 of the content. */
export function objectETag(object: Pick<S3Object, 'labels'>): string {
  return `"${createHash('md5').update(objectText(object)).digest('hex')}"`;
}

const byKey = (a: S3Object, b: S3Object): number => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0);

export class S3Store {
  private readonly buckets = new Map<string, StoredBucket>();
  private readonly denials = new Set<string>();

  /** Bucket names are global, so a name registered elsewhere (region or owner) is refused. */
  addBucket(name: string, region: string, accountId: string): StoredBucket {
    const existing = this.buckets.get(name);
    if (existing) {
      if (existing.region === region && existing.accountId === accountId) return existing;
      throw new Error(`bucket ${name} already exists (${existing.accountId}, ${existing.region})`);
    }
    const bucket: StoredBucket = { name, region, accountId, objects: new Map() };
    this.buckets.set(name, bucket);
    return bucket;
  }

  bucket(name: string): StoredBucket | undefined {
    return this.buckets.get(name);
  }

  /** Writes (or overwrites) the object at an exact "s3://bucket/key"; the bucket must exist. */
  put(path: string, object: Pick<S3Object, 'labels' | 'writtenAt' | 'writtenBy'>): S3Object {
    const location = parseS3Path(path);
    const bucket = location && this.buckets.get(location.bucket);
    if (!location || !bucket) throw new Error(`no bucket for ${path}: register it with addBucket first`);
    if (location.key === '') throw new Error(`an object needs a key: ${path}`);
    const stored: S3Object = { path: `s3://${location.bucket}/${location.key}`, bucket: location.bucket, key: location.key, ...object };
    bucket.objects.set(location.key, stored);
    return stored;
  }

  /** The object at exactly this path, if any. */
  get(path: string): S3Object | undefined {
    const location = parseS3Path(path);
    return location && this.buckets.get(location.bucket)?.objects.get(location.key);
  }

  /** Objects of a bucket whose key starts with `prefix`, sorted by key. */
  list(bucket: string, prefix: string): S3Object[] {
    const objects = this.buckets.get(bucket)?.objects.values() ?? [];
    return [...objects].filter((o) => o.key.startsWith(prefix)).sort(byKey);
  }

  /** Objects in the folder a path names, sorted by key. */
  listFolder(path: string): S3Object[] {
    const location = parseS3Path(path);
    return location ? this.list(location.bucket, folderPrefix(location.key)) : [];
  }

  deny(bucket: string, operation: S3DeniableOperation): void {
    this.denials.add(`${bucket}/${operation}`);
  }

  isDenied(bucket: string, operation: string): boolean {
    return this.denials.has(`${bucket}/${operation}`);
  }

  clearDenials(): void {
    this.denials.clear();
  }
}
