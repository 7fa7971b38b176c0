import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { AwsConfig } from '../../../shared/adapters/awsConfig';

// A local endpoint playing an AWS service for the real SDK, with its retries (a client mock replaces `send`,
// retries and all): an answer can be lost, and the SDK then retries what the service may have carried out.

/** One request as the endpoint received it. */
export interface SeenRequest {
  readonly method: string;
  readonly url: string;
  readonly body: string;
}

/** An XML answer, or `lost`: never answered (the client's request timeout ends the attempt, and it retries). */
export type LocalAnswer = { readonly status: number; readonly body: string } | 'lost';

const open = new Set<Server>();

/**
 * Starts an endpoint on loopback that answers each request with `answer(request, before)` (`before`: the
 * requests it received earlier), and the AwsConfig of a client pointed at it: dummy credentials, and an
 * attempt dropped after 300 ms without an answer.
 */
export async function localEndpoint(
  answer: (request: SeenRequest, before: readonly SeenRequest[]) => LocalAnswer,
): Promise<{ readonly aws: AwsConfig; readonly requests: SeenRequest[] }> {
  const requests: SeenRequest[] = [];
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const seen = {
        method: request.method ?? 'GET',
        url: request.url ?? '/',
        body: Buffer.concat(chunks).toString('utf8'),
      };
      const reply = answer(seen, [...requests]);
      requests.push(seen);
      if (reply === 'lost') return;
      response.writeHead(reply.status, { 'content-type': 'text/xml' });
      response.end(reply.body);
    });
  });
  open.add(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const aws: AwsConfig = {
    region: 'us-east-1',
    endpoint: `http://127.0.0.1:${port}`,
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    requestTimeoutMs: 300,
  };
  return { aws, requests };
}

/** Closes every endpoint started (an `afterEach` of the test files that use them). */
export async function closeLocalEndpoints(): Promise<void> {
  const closing = [...open].map((server) => {
    server.closeAllConnections();
    return new Promise<void>((resolve) => server.close(() => resolve()));
  });
  open.clear();
  await Promise.all(closing);
}
