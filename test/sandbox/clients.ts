// Real AWS SDK clients pointed at a sandbox through explicit client config (the env-var route is
// exercised in aws-sandbox.test.ts).
import { GlueClient } from '@aws-sdk/client-glue';
import { IAMClient } from '@aws-sdk/client-iam';
import { KMSClient } from '@aws-sdk/client-kms';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { S3Client } from '@aws-sdk/client-s3';
import { SFNClient } from '@aws-sdk/client-sfn';
import { SSMClient } from '@aws-sdk/client-ssm';
import { STSClient } from '@aws-sdk/client-sts';
import { SANDBOX_ACCESS_KEY_ID, SANDBOX_SECRET_ACCESS_KEY, type AwsSandbox } from '../../src/sandbox/aws/index.js';

export interface ClientOptions {
  region?: string;
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
  maxAttempts?: number;
}

function config(sandbox: AwsSandbox, options: ClientOptions) {
  return {
    endpoint: sandbox.endpoint,
    region: options.region ?? 'eu-west-1',
    credentials: options.credentials ?? { accessKeyId: SANDBOX_ACCESS_KEY_ID, secretAccessKey: SANDBOX_SECRET_ACCESS_KEY },
    maxAttempts: options.maxAttempts ?? 1,
  };
}

export const glueClient = (sandbox: AwsSandbox, options: ClientOptions = {}) => new GlueClient(config(sandbox, options));
export const kmsClient = (sandbox: AwsSandbox, options: ClientOptions = {}) => new KMSClient(config(sandbox, options));
export const stsClient = (sandbox: AwsSandbox, options: ClientOptions = {}) => new STSClient(config(sandbox, options));
export const lambdaClient = (sandbox: AwsSandbox, options: ClientOptions = {}) => new LambdaClient(config(sandbox, options));
export const sfnClient = (sandbox: AwsSandbox, options: ClientOptions = {}) => new SFNClient(config(sandbox, options));
export const s3Client = (sandbox: AwsSandbox, options: ClientOptions = {}) => new S3Client(config(sandbox, options));
export const ssmClient = (sandbox: AwsSandbox, options: ClientOptions = {}) => new SSMClient(config(sandbox, options));
export const iamClient = (sandbox: AwsSandbox, options: ClientOptions = {}) => new IAMClient(config(sandbox, options));

/** The error a promise rejects with, failing the test if it resolves. */
export async function rejection(promise: Promise<unknown>): Promise<Error & { $metadata?: { httpStatusCode?: number; attempts?: number } }> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected the call to fail, but it succeeded');
}
