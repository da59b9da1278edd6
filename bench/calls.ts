// Sorting the sandbox's per-operation call counts into Glue+KMS, STS and the rest.

export interface CallBreakdown {
  byOperation: Record<string, number>;
  glue: number;
  kms: number;
  sts: number;
  /** Glue + KMS: what the floor covers. */
  glueKms: number;
  total: number;
}

export function breakdown(counts: Record<string, number>): CallBreakdown {
  const sumOf = (prefix: string): number =>
    Object.entries(counts)
      .filter(([op]) => op.startsWith(prefix))
      .reduce((n, [, c]) => n + c, 0);
  const glue = sumOf('glue:');
  const kms = sumOf('kms:');
  const sts = sumOf('sts:');
  const byOperation = Object.fromEntries(Object.entries(counts).sort(([a], [b]) => a.localeCompare(b)));
  return { byOperation, glue, kms, sts, glueKms: glue + kms, total: Object.values(counts).reduce((n, c) => n + c, 0) };
}

export function formatCounts(counts: Record<string, number>): string {
  return Object.entries(counts)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([op, n]) => `${op} ${n}`)
    .join(', ');
}
