// AWS Glue (AWS JSON 1.1, X-Amz-Target: AWSGlue.<Operation>).
import { catalogOperations } from './glue-catalog.js';
import { taskRunOperations } from './glue-task-runs.js';
import { transformOperations } from './glue-transforms.js';
import { jsonRpcService, type Service } from './service.js';
import type { SandboxState } from './state.js';

export const GLUE_TARGET_PREFIX = 'AWSGlue';

export function glueService(state: SandboxState): Service {
  return jsonRpcService('glue', 'json1.1', {
    ...transformOperations(state),
    ...taskRunOperations(state),
    ...catalogOperations(state),
  });
}
