import { Logger } from '@aws-lambda-powertools/logger';
import { LogLevel } from '@slack/web-api';
import { describe, expect, it, vi } from 'vitest';
import { slackLogger } from '../../src/operations/boltLogger.js';

describe("Bolt's logger through Powertools", () => {
  it('writes at or above its level, with the source, and keeps an error as an error', () => {
    const powertools = new Logger({ serviceName: 'test' });
    const warn = vi.spyOn(powertools, 'warn').mockImplementation(() => undefined);
    const error = vi.spyOn(powertools, 'error').mockImplementation(() => undefined);
    const info = vi.spyOn(powertools, 'info').mockImplementation(() => undefined);
    const logger = slackLogger(powertools, 'bolt');

    logger.info('not shown at WARN');
    logger.warn('Request verification failed', { code: 401 });
    const failure = new Error('listener threw');
    logger.error('An unhandled error occurred', failure);

    expect(info).not.toHaveBeenCalled();
    expect(warn).toHaveBeenCalledWith('Request verification failed {"code":401}', { source: 'bolt' });
    expect(error).toHaveBeenCalledWith('An unhandled error occurred', { source: 'bolt', error: failure });
    logger.setLevel(LogLevel.INFO);
    logger.info('now shown');
    expect(info).toHaveBeenCalledWith('now shown', { source: 'bolt' });
    expect(logger.getLevel()).toBe(LogLevel.INFO);
  });
});
