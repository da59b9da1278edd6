// Glue task runs of a transform that are not over yet. A run being stopped still holds the
// transform (it may write for a while), so STOPPING counts as in progress with STARTING and
// RUNNING: a remediation or revert waits for all three to end.
import { GetMLTaskRunsCommand, type GlueClient, type TaskStatusType } from '@aws-sdk/client-glue';

const IN_PROGRESS_STATUSES: readonly TaskStatusType[] = ['STARTING', 'RUNNING', 'STOPPING'];

export async function activeTaskRuns(glue: Pick<GlueClient, 'send'>, transformId: string): Promise<number> {
  const counts = await Promise.all(
    IN_PROGRESS_STATUSES.map(async (Status) => {
      const out = await glue.send(new GetMLTaskRunsCommand({ TransformId: transformId, Filter: { Status }, MaxResults: 10 }));
      return out.TaskRuns?.length ?? 0;
    }),
  );
  return counts.reduce((a, b) => a + b, 0);
}
