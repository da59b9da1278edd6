// The check engine: pure functions from facts about a transform to a finding.

export * from './types.js';
export { CONTROLS, PASS_CONTROLS, REASON_CONTROLS, controlTitle, sortControls, type ControlId } from './controls.js';
export {
  DEFAULT_POLICY,
  POLICY_CODES,
  POLICY_LEVEL_DEFAULTS,
  isPolicyCode,
  resolveLevel,
  type PolicyCode,
} from './policy.js';
export { REASON_SEVERITY } from './reasons.js';
export { ALL_RULES, kmsKeyRule, taskRunSecurityConfigurationRule, userDataEncryptionRule } from './rules/index.js';
export { evaluateTransform, evaluationError, summarize } from './evaluate.js';
