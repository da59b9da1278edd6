import { describe, expect, it } from 'vitest';
import { CONTROLS, PASS_CONTROLS, REASON_CONTROLS, controlTitle, sortControls } from '../../src/checks/controls.js';
import { REASON_CODES } from '../../src/checks/types.js';

describe('controls', () => {
  it('gives every reason at least one control, each with a title to show', () => {
    for (const code of REASON_CODES) {
      expect(REASON_CONTROLS[code].length, code).toBeGreaterThan(0);
      for (const id of REASON_CONTROLS[code]) expect(controlTitle(id), `${code} -> ${id}`).toBeTruthy();
    }
    expect(controlTitle('AWS FSBP Glue.3')).toBe('AWS Glue machine learning transforms should be encrypted at rest');
    expect(controlTitle('not a control')).toBeUndefined();
  });

  it('maps reasons to the controls a security engineer would expect', () => {
    expect(REASON_CONTROLS.USER_DATA_NOT_ENCRYPTED).toEqual(['AWS FSBP Glue.3', 'NIST 800-53 SC-28']);
    expect(REASON_CONTROLS.KMS_KEY_NOT_ENABLED).toEqual(expect.arrayContaining(['AWS FSBP Glue.3', 'NIST 800-53 SC-12']));
    expect(REASON_CONTROLS.KMS_KEY_PENDING_DELETION).toContain('AWS FSBP KMS.3');
    expect(REASON_CONTROLS.KMS_KEY_ROTATION_OFF).toContain('AWS FSBP KMS.4');
    expect(REASON_CONTROLS.TASK_LOGS_NOT_ENCRYPTED).toContain('NIST 800-53 AU-9');
    // Glue.3 is about user data; a security-configuration gap does not fail it.
    expect(REASON_CONTROLS.SECURITY_CONFIGURATION_MISSING).not.toContain('AWS FSBP Glue.3');
    expect(PASS_CONTROLS).toEqual(['AWS FSBP Glue.3', 'NIST 800-53 SC-28']);
  });

  it('de-duplicates and orders control ids for display, unknown ones last', () => {
    expect(sortControls(['NIST 800-53 AU-9', 'X-1', 'AWS FSBP Glue.3', 'NIST 800-53 AU-9', 'AWS FSBP KMS.4'])).toEqual([
      'AWS FSBP Glue.3',
      'AWS FSBP KMS.4',
      'NIST 800-53 AU-9',
      'X-1',
    ]);
    expect(Object.keys(CONTROLS)).toHaveLength(6);
  });
});
