// One error type for every service; each protocol module renders it in its own wire format.

export class AwsError extends Error {
  constructor(
    /** The AWS error code, e.g. "EntityNotFoundException"; the SDK turns it into err.name. */
    readonly code: string,
    message: string,
    readonly status = 400,
    /** awsQuery (STS) distinguishes caller faults ("Sender") from service faults ("Receiver"). */
    readonly fault: 'Sender' | 'Receiver' = status >= 500 ? 'Receiver' : 'Sender',
    /** Extra members of the error document, e.g. S3's BucketName. */
    readonly details: Readonly<Record<string, string>> = {},
    /** Extra response headers, e.g. S3's x-amz-bucket-region on a wrong-region request. */
    readonly headers: Readonly<Record<string, string>> = {},
  ) {
    super(message);
    this.name = code;
  }
}

/** Constraint violations read the way AWS's request validation words them. */
export function validationError(message: string): AwsError {
  return new AwsError('ValidationException', `1 validation error detected: ${message}`);
}

/** Security Hub's error shapes carry modelled `Message` and `Code` members beside the error type. */
export function securityHubError(code: string, message: string, status: number): AwsError {
  return new AwsError(code, message, status, status >= 500 ? 'Receiver' : 'Sender', { Message: message, Code: code });
}

export function throttlingError(service: string): AwsError {
  // The awsQuery services (STS, IAM) call the code "Throttling", S3 says "SlowDown" (HTTP 503),
  // Organizations and Security Hub "TooManyRequestsException", the other JSON services "ThrottlingException".
  if (service === 'sts' || service === 'iam') return new AwsError('Throttling', 'Rate exceeded', 400);
  if (service === 's3') return new AwsError('SlowDown', 'Please reduce your request rate.', 503);
  // Organizations answers TooManyRequestsException, HTTP 400 like all its errors (API reference).
  if (service === 'organizations') {
    const message = 'You have sent too many requests in too short a period of time. Try again later.';
    return new AwsError('TooManyRequestsException', message, 400, 'Sender', { Message: message });
  }
  // Security Hub: HTTP 429 "Too Many Requests", as public reports of throttled GetFindings calls quote it.
  if (service === 'securityhub') return securityHubError('TooManyRequestsException', 'Too Many Requests', 429);
  return new AwsError('ThrottlingException', 'Rate exceeded', 400);
}
