import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { priceTableToRefresh } from '../../../bin/lib/priceTableToRefresh';

// `scalepilot prices --out FILE` refused a file that did not exist yet (`cannot be read (no such file)`), though
// its help says "where to write the table": a new file starts from the bundled table. moto has no Price List
// API, so the compiled CLI is pointed at a local server answering every GetProducts with one product.
const CLI = new URL('../../../bin/scalepilot', import.meta.url).pathname;
const BUNDLED = new URL('../../../shared/cost/onDemandPrices.json', import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), 'scalepilot-prices-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const bundled = JSON.parse(readFileSync(BUNDLED, 'utf8'));
const own = {
  about: 'mine',
  regions: { 'eu-west-1': { ec2: { 't3.micro': 0.01 }, rds: {}, elasticache: {} } },
};

describe('priceTableToRefresh: what prices reads before any request', () => {
  it.each([
    {
      name: 'an existing table: refreshed in place',
      file: () => {
        const file = join(dir, 'own.json');
        writeFileSync(file, JSON.stringify(own));
        return file;
      },
      want: own,
    },
    {
      name: 'a file that does not exist yet: the bundled table',
      file: () => join(dir, 'new.json'),
      want: bundled,
    },
  ])('$name', ({ file, want }) => {
    expect(priceTableToRefresh(file(), BUNDLED)).toEqual(want);
  });

  it.each([
    {
      name: 'a new file in a folder that does not exist',
      file: join(dir, 'nowhere', 'new.json'),
      line: /^--out: .*nowhere\/new\.json: cannot be written \(no such folder\)$/,
    },
    {
      name: 'a new file under a file',
      file: join(BUNDLED, 'new.json'),
      line: /^--out: .*onDemandPrices\.json\/new\.json: cannot be written \(a file is in the way\)$/,
    },
  ])('refuses $name', ({ file, line }) => {
    expect(() => priceTableToRefresh(file, BUNDLED)).toThrow(line);
  });
});

describe('scalepilot prices --out a new file', () => {
  it('writes the bundled table refreshed, every type at the price the API gave', async () => {
    const product = JSON.stringify({
      terms: { OnDemand: { o: { priceDimensions: { d: { unit: 'Hrs', pricePerUnit: { USD: '0.5' } } } } } },
    });
    const server = createServer((request, response) => {
      request.resume().on('end', () => {
        response.writeHead(200, { 'content-type': 'application/x-amz-json-1.1' });
        response.end(JSON.stringify({ FormatVersion: 'aws_v1', PriceList: [product] }));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const out = join(dir, 'written.json');
    try {
      const { port } = server.address() as AddressInfo;
      const { stdout } = await promisify(execFile)(process.execPath, [CLI, 'prices', '--out', out], {
        env: {
          ...process.env,
          AWS_ENDPOINT_URL: `http://127.0.0.1:${port}`,
          AWS_REGION: 'us-east-1',
          AWS_ACCESS_KEY_ID: 'test',
          AWS_SECRET_ACCESS_KEY: 'test',
        },
      });
      expect(stdout).toContain(`wrote ${out}`);
    } finally {
      server.close();
    }
    const written = JSON.parse(readFileSync(out, 'utf8'));
    expect(written.about).toBe(bundled.about);
    for (const [family, types] of Object.entries(bundled.regions['us-east-1']))
      expect(written.regions['us-east-1'][family]).toEqual(
        Object.fromEntries(Object.keys(types as object).map((t) => [t, 0.5])),
      );
  }, 60_000);
});
