// How AWS calls behave on the path of a Slack request, which Slack waits 3 s for.

/**
 * SDK client settings for calls on the path of a Slack request (answered within 3 s): two
 * attempts of at most 600 ms each. throwOnRequestTimeout: without it the SDK only logs a
 * warning when requestTimeout passes, and goes on waiting.
 */
export const CLICK_PATH_CLIENT = { maxAttempts: 2, requestHandler: { connectionTimeout: 300, requestTimeout: 600, throwOnRequestTimeout: true } };
