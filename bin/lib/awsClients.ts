/**
 * The SDK clients the shared CLI options use, in a module of their own so a command loads them only when it
 * calls AWS (`await import('./awsClients')`; a bundled CommonJS package imported dynamically has no named exports).
 */
export { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
export { GetFunctionConfigurationCommand, LambdaClient } from '@aws-sdk/client-lambda';
