import type { Client, MetadataBearer } from '@smithy/types';
import { type AwsStub, mockClient } from 'aws-sdk-client-mock';
import { afterAll } from 'vitest';

/**
 * aws-sdk-client-mock's `mockClient` on a client class, given back when the test file ends. The mock stubs the
 * class's `send` for every instance; the unit and property files share their modules' cache (vitest's
 * `isolate: false`, vitest.config.ts), so a stub left in place would answer the next file's real clients.
 */
export function mockedClient<TInput extends object, TOutput extends MetadataBearer, TConfiguration>(client: {
  prototype: Client<TInput, TOutput, TConfiguration>;
}): AwsStub<TInput, TOutput, TConfiguration> {
  const stub = mockClient(client);
  afterAll(() => stub.restore());
  return stub;
}
