// The KMS key-state operations (DisableKey, EnableKey, ScheduleKeyDeletion, CancelKeyDeletion,
// Disable/EnableKeyRotation) through the real SDK client, their effect seen through DescribeKey and
// GetKeyRotationStatus, and the refusals the API reference and the key state table document.
import {
  CancelKeyDeletionCommand,
  DescribeKeyCommand,
  DisableKeyCommand,
  DisableKeyRotationCommand,
  DisabledException,
  EnableKeyCommand,
  EnableKeyRotationCommand,
  GetKeyRotationStatusCommand,
  KMSInvalidStateException,
  NotFoundException,
  ScheduleKeyDeletionCommand,
  UnsupportedOperationException,
  type KMSClient,
} from '@aws-sdk/client-kms';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { AwsSandbox, type KeySeed } from '../../src/sandbox/aws/index.js';
import { DEMO_KEY_ARNS, DEMO_KEY_IDS, seedDemo } from '../../src/sandbox/fixtures.js';
import { kmsClient, rejection } from './clients.js';

const EU = { accountId: '111111111111', region: 'eu-west-1' };
const PARTNER = { accountId: '222222222222', region: 'eu-west-1' };
const US = { accountId: '111111111111', region: 'us-east-1' };
const DAY_MS = 86_400_000;
/** The sandbox clock, fixed so deletion dates can be checked to the millisecond. */
const NOW = Date.parse('2025-06-02T10:15:30.250Z');

let sandbox: AwsSandbox;
let kms: KMSClient;
let aliasCount = 0;

beforeAll(async () => {
  sandbox = await AwsSandbox.start();
  sandbox.state.setClock(() => NOW);
  seedDemo(sandbox.state);
  kms = kmsClient(sandbox);
});

afterEach(() => sandbox.resetCounts());

afterAll(() => sandbox.close());

/** A fresh customer key in 111111111111/eu-west-1 with an alias of its own, so tests do not share state. */
function newKey(seed: KeySeed = {}) {
  const aliasName = `alias/state-test-${++aliasCount}`;
  const key = sandbox.state.addKey(EU, { aliases: [aliasName], ...seed });
  return { ...key, aliasName, aliasArn: `arn:aws:kms:eu-west-1:111111111111:${aliasName}` };
}

const describeKey = async (keyId: string) => (await kms.send(new DescribeKeyCommand({ KeyId: keyId }))).KeyMetadata;
const rotationStatus = (keyId: string) => kms.send(new GetKeyRotationStatusCommand({ KeyId: keyId }));

/** Every key-state operation, each called with only a KeyId. */
const OPERATIONS = {
  DisableKey: (keyId: string) => kms.send(new DisableKeyCommand({ KeyId: keyId })),
  EnableKey: (keyId: string) => kms.send(new EnableKeyCommand({ KeyId: keyId })),
  ScheduleKeyDeletion: (keyId: string) => kms.send(new ScheduleKeyDeletionCommand({ KeyId: keyId })),
  CancelKeyDeletion: (keyId: string) => kms.send(new CancelKeyDeletionCommand({ KeyId: keyId })),
  DisableKeyRotation: (keyId: string) => kms.send(new DisableKeyRotationCommand({ KeyId: keyId })),
  EnableKeyRotation: (keyId: string) => kms.send(new EnableKeyRotationCommand({ KeyId: keyId })),
};

describe('DisableKey and EnableKey', () => {
  it('disable a key by key id and enable it again by key ARN, as DescribeKey then reports', async () => {
    const key = newKey();
    const disabled = await OPERATIONS.DisableKey(key.keyId);
    expect(disabled.$metadata.httpStatusCode).toBe(200);
    expect(await describeKey(key.arn)).toMatchObject({ KeyState: 'Disabled', Enabled: false });
    // Disabling a disabled key is allowed (key state table) and changes nothing.
    await OPERATIONS.DisableKey(key.arn);
    expect(await describeKey(key.keyId)).toMatchObject({ KeyState: 'Disabled', Enabled: false });

    await OPERATIONS.EnableKey(key.arn);
    expect(await describeKey(key.aliasName)).toMatchObject({ KeyState: 'Enabled', Enabled: true });
    await OPERATIONS.EnableKey(key.keyId);
    expect((await describeKey(key.keyId))?.KeyState).toBe('Enabled');
  });

  it('enable a seeded disabled key and leave its rotation setting alone', async () => {
    const key = newKey({ keyState: 'Disabled', rotationEnabled: true });
    await OPERATIONS.EnableKey(key.keyId);
    expect(await describeKey(key.keyId)).toMatchObject({ KeyState: 'Enabled', Enabled: true });
    expect((await rotationStatus(key.keyId)).KeyRotationEnabled).toBe(true);
  });

  it('are refused for a key pending deletion or pending import, which keeps its state', async () => {
    for (const keyState of ['PendingDeletion', 'PendingImport'] as const) {
      const key = newKey({ keyState, deletionDate: keyState === 'PendingDeletion' ? new Date(NOW + 9 * DAY_MS) : undefined });
      for (const operation of [OPERATIONS.DisableKey, OPERATIONS.EnableKey]) {
        const refused = await rejection(operation(key.keyId));
        expect(refused).toBeInstanceOf(KMSInvalidStateException);
        expect(refused.message).toBe(`${key.arn} is ${keyState === 'PendingDeletion' ? 'pending deletion' : 'pending import'}.`);
      }
      expect((await describeKey(key.keyId))?.KeyState).toBe(keyState);
    }
  });

  it('are accepted for an unavailable key (custom key store), whose state does not change', async () => {
    const key = newKey({ keyState: 'Unavailable' });
    await OPERATIONS.DisableKey(key.keyId);
    await OPERATIONS.EnableKey(key.keyId);
    expect(await describeKey(key.keyId)).toMatchObject({ KeyState: 'Unavailable', Enabled: false });
  });
});

describe('ScheduleKeyDeletion and CancelKeyDeletion', () => {
  it('schedule deletion 30 days out by default, answering the key ARN, date, state and window', async () => {
    const key = newKey();
    const scheduled = await kms.send(new ScheduleKeyDeletionCommand({ KeyId: key.keyId }));
    expect(scheduled.KeyId).toBe(key.arn);
    expect(scheduled.KeyState).toBe('PendingDeletion');
    expect(scheduled.PendingWindowInDays).toBe(30);
    // Epoch seconds on the wire, parsed by the SDK into a Date: the sandbox clock plus 30 days.
    expect(scheduled.DeletionDate).toBeInstanceOf(Date);
    expect(scheduled.DeletionDate?.getTime()).toBe(NOW + 30 * DAY_MS);

    const described = await describeKey(key.keyId);
    expect(described).toMatchObject({ KeyState: 'PendingDeletion', Enabled: false });
    expect(described?.DeletionDate?.getTime()).toBe(NOW + 30 * DAY_MS);
  });

  it('take the window given, 7 to 30 days inclusive, from an enabled or a disabled key', async () => {
    const enabled = newKey();
    const seven = await kms.send(new ScheduleKeyDeletionCommand({ KeyId: enabled.arn, PendingWindowInDays: 7 }));
    expect(seven).toMatchObject({ KeyId: enabled.arn, PendingWindowInDays: 7, KeyState: 'PendingDeletion' });
    expect((await describeKey(enabled.keyId))?.DeletionDate?.getTime()).toBe(NOW + 7 * DAY_MS);

    const disabled = newKey({ keyState: 'Disabled' });
    const thirty = await kms.send(new ScheduleKeyDeletionCommand({ KeyId: disabled.keyId, PendingWindowInDays: 30 }));
    expect(thirty.PendingWindowInDays).toBe(30);
    expect(thirty.DeletionDate?.getTime()).toBe(NOW + 30 * DAY_MS);
    expect((await describeKey(disabled.keyId))?.KeyState).toBe('PendingDeletion');
  });

  it('answer ValidationException for a window outside 7..30 days, and leave the key as it was', async () => {
    const key = newKey();
    for (const days of [0, 6, 31, 365]) {
      const refused = await rejection(kms.send(new ScheduleKeyDeletionCommand({ KeyId: key.keyId, PendingWindowInDays: days })));
      expect(refused.name).toBe('ValidationException');
      expect(refused.message).toContain('PendingWindowInDays');
    }
    const described = await describeKey(key.keyId);
    expect(described?.KeyState).toBe('Enabled');
    expect(described?.DeletionDate).toBeUndefined();
  });

  it('refuse to schedule a key already pending deletion, keeping its original date', async () => {
    const refused = await rejection(kms.send(new ScheduleKeyDeletionCommand({ KeyId: DEMO_KEY_ARNS.glueRetiring, PendingWindowInDays: 7 })));
    expect(refused).toBeInstanceOf(KMSInvalidStateException);
    expect(refused.message).toBe(`${DEMO_KEY_ARNS.glueRetiring} is pending deletion.`);
    expect((await describeKey(DEMO_KEY_IDS.glueRetiring))?.DeletionDate?.getTime()).toBe(NOW + 11 * DAY_MS);
  });

  it('cancel a deletion: the key is Disabled (not Enabled again), without a deletion date, and can then be enabled', async () => {
    const key = newKey();
    await kms.send(new ScheduleKeyDeletionCommand({ KeyId: key.keyId, PendingWindowInDays: 10 }));
    const cancelled = await kms.send(new CancelKeyDeletionCommand({ KeyId: key.keyId }));
    expect(cancelled.KeyId).toBe(key.arn);
    const described = await describeKey(key.keyId);
    expect(described).toMatchObject({ KeyState: 'Disabled', Enabled: false });
    expect(described?.DeletionDate).toBeUndefined();
    // The stored key drops the date too (DescribeKey would hide a stale one).
    expect(sandbox.state.region(EU.accountId, EU.region).keys.get(key.keyId)?.deletionDate).toBeUndefined();

    await OPERATIONS.EnableKey(key.keyId);
    expect((await describeKey(key.keyId))?.KeyState).toBe('Enabled');
  });

  it('refuse to cancel deletion of a key that is not pending deletion', async () => {
    for (const keyState of ['Enabled', 'Disabled'] as const) {
      const key = newKey({ keyState });
      const refused = await rejection(kms.send(new CancelKeyDeletionCommand({ KeyId: key.arn })));
      expect(refused).toBeInstanceOf(KMSInvalidStateException);
      expect(refused.message).toBe(`${key.arn} is not pending deletion.`);
      expect((await describeKey(key.keyId))?.KeyState).toBe(keyState);
    }
  });
});

describe('DisableKeyRotation and EnableKeyRotation', () => {
  it('turn automatic rotation off and on, as GetKeyRotationStatus reports', async () => {
    const key = newKey({ rotationEnabled: true });
    expect((await kms.send(new DisableKeyRotationCommand({ KeyId: key.keyId }))).$metadata.httpStatusCode).toBe(200);
    const off = await rotationStatus(key.keyId);
    expect(off.KeyRotationEnabled).toBe(false);
    expect(off.RotationPeriodInDays).toBeUndefined();
    await kms.send(new EnableKeyRotationCommand({ KeyId: key.arn }));
    expect(await rotationStatus(key.keyId)).toMatchObject({ KeyRotationEnabled: true, RotationPeriodInDays: 365 });
  });

  it('keep a custom rotation period within 90..2560 days, and refuse one outside it', async () => {
    const key = newKey();
    await kms.send(new EnableKeyRotationCommand({ KeyId: key.keyId, RotationPeriodInDays: 90 }));
    expect(await rotationStatus(key.keyId)).toMatchObject({ KeyRotationEnabled: true, RotationPeriodInDays: 90 });
    for (const days of [89, 2561]) {
      const refused = await rejection(kms.send(new EnableKeyRotationCommand({ KeyId: key.keyId, RotationPeriodInDays: days })));
      expect(refused.name).toBe('ValidationException');
    }
    expect((await rotationStatus(key.keyId)).RotationPeriodInDays).toBe(90);
  });

  it('answer DisabledException for a disabled key and KMSInvalidStateException for one pending deletion', async () => {
    for (const operation of [OPERATIONS.EnableKeyRotation, OPERATIONS.DisableKeyRotation]) {
      const disabled = await rejection(operation(DEMO_KEY_IDS.glueOld));
      expect(disabled).toBeInstanceOf(DisabledException);
      expect(disabled.message).toBe(`${DEMO_KEY_ARNS.glueOld} is disabled.`);
      expect(await rejection(operation(DEMO_KEY_ARNS.glueRetiring))).toBeInstanceOf(KMSInvalidStateException);
    }
  });

  it('answer UnsupportedOperationException for asymmetric, HMAC and imported-material keys', async () => {
    const signing = newKey({ keySpec: 'RSA_2048', keyUsage: 'SIGN_VERIFY' });
    const hmac = newKey({ keySpec: 'HMAC_256', keyUsage: 'GENERATE_VERIFY_MAC' });
    const imported = newKey({ keyState: 'PendingImport' });
    for (const key of [signing, hmac, imported]) {
      for (const operation of [OPERATIONS.EnableKeyRotation, OPERATIONS.DisableKeyRotation]) {
        expect(await rejection(operation(key.keyId))).toBeInstanceOf(UnsupportedOperationException);
      }
    }
    expect((await rejection(OPERATIONS.EnableKeyRotation(imported.keyId))).message).toContain('origin is EXTERNAL');
  });
});

describe('refusals common to every key-state operation', () => {
  it('NotFoundException for a key id or key ARN that does not exist', async () => {
    const missingId = '00000000-0000-4000-8000-000000000000';
    for (const [name, operation] of Object.entries(OPERATIONS)) {
      for (const ref of [missingId, `arn:aws:kms:eu-west-1:111111111111:key/${missingId}`]) {
        const refused = await rejection(operation(ref));
        expect(refused, `${name} ${ref}`).toBeInstanceOf(NotFoundException);
        expect(refused.message).toContain(missingId);
      }
    }
  });

  it('NotFoundException for an alias name or alias ARN (these calls take a key id or key ARN only), the key untouched', async () => {
    const key = newKey({ rotationEnabled: true });
    for (const [name, operation] of Object.entries(OPERATIONS)) {
      for (const ref of [key.aliasName, key.aliasArn]) {
        const refused = await rejection(operation(ref));
        expect(refused, `${name} ${ref}`).toBeInstanceOf(NotFoundException);
        expect(refused.message).toBe(`Invalid keyId ${ref}`);
      }
    }
    const described = await describeKey(key.keyId);
    expect(described?.KeyState).toBe('Enabled');
    expect(described?.DeletionDate).toBeUndefined();
    expect((await rotationStatus(key.keyId)).KeyRotationEnabled).toBe(true);
  });

  it('AccessDeniedException for an AWS managed key, which stays enabled and rotating', async () => {
    for (const [name, operation] of Object.entries(OPERATIONS)) {
      const refused = await rejection(operation(DEMO_KEY_ARNS.awsGlue));
      expect(refused.name, name).toBe('AccessDeniedException');
      expect(refused.message).toContain(`kms:${name} on resource: ${DEMO_KEY_ARNS.awsGlue}`);
    }
    expect(await describeKey('alias/aws/glue')).toMatchObject({ KeyId: DEMO_KEY_IDS.awsGlue, KeyState: 'Enabled', KeyManager: 'AWS' });
    expect((await rotationStatus(DEMO_KEY_IDS.awsGlue)).KeyRotationEnabled).toBe(true);
  });

  it('AccessDeniedException for a key ARN of another account (no cross-account use), NotFoundException for another region', async () => {
    const partnerKey = sandbox.state.addKey(PARTNER, { rotationEnabled: true });
    const usKey = sandbox.state.addKey(US);
    for (const [name, operation] of Object.entries(OPERATIONS)) {
      const crossAccount = await rejection(operation(partnerKey.arn));
      expect(crossAccount.name, name).toBe('AccessDeniedException');
      expect(crossAccount.message).toContain(`kms:${name}`);
      expect(await rejection(operation(usKey.arn)), name).toBeInstanceOf(NotFoundException);
    }
    expect(partnerKey).toMatchObject({ keyState: 'Enabled', rotationEnabled: true });
    expect(usKey.keyState).toBe('Enabled');
  });

  it('ValidationException for a missing KeyId', async () => {
    const refused = await rejection(kms.send(new DisableKeyCommand({ KeyId: '' })));
    expect(refused.name).toBe('ValidationException');
  });
});

describe('fault injection and call counting', () => {
  it('failNext("kms:DisableKey") answers the injected error without disabling the key; afterApplying disables it anyway', async () => {
    const key = newKey();
    sandbox.failNext('kms:DisableKey', { code: 'KMSInternalException', message: 'injected', status: 500 });
    const injected = await rejection(OPERATIONS.DisableKey(key.keyId));
    expect(injected.name).toBe('KMSInternalException');
    expect(injected.$metadata?.httpStatusCode).toBe(500);
    expect((await describeKey(key.keyId))?.KeyState).toBe('Enabled');

    sandbox.failNext('kms:DisableKey', { code: 'KMSInternalException', message: 'lost answer', status: 500, afterApplying: true });
    expect((await rejection(OPERATIONS.DisableKey(key.keyId))).name).toBe('KMSInternalException');
    expect((await describeKey(key.keyId))?.KeyState).toBe('Disabled');

    await OPERATIONS.DisableKey(key.keyId);
    expect(sandbox.callCounts()['kms:DisableKey']).toBe(3);
  });

  it('failNext works for the other key-state operations too', async () => {
    const key = newKey();
    sandbox.failNext('kms:ScheduleKeyDeletion', { code: 'DependencyTimeoutException', message: 'injected', status: 500 });
    expect((await rejection(OPERATIONS.ScheduleKeyDeletion(key.keyId))).name).toBe('DependencyTimeoutException');
    expect((await describeKey(key.keyId))?.KeyState).toBe('Enabled');
    sandbox.failNext('kms:EnableKeyRotation', { code: 'DependencyTimeoutException', message: 'injected', status: 500 });
    expect((await rejection(OPERATIONS.EnableKeyRotation(key.keyId))).name).toBe('DependencyTimeoutException');
    expect((await rotationStatus(key.keyId)).KeyRotationEnabled).toBe(false);
  });
});
