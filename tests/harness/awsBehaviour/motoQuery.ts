/** A query-protocol call straight to moto (past the layer): the raw XML, for the layer to read or edit. */
export type MotoQuery = (
  service: 'rds' | 'elasticache' | 'autoscaling',
  params: Record<string, string>,
) => Promise<string>;

const versions = { rds: '2014-10-31', elasticache: '2015-02-02', autoscaling: '2011-01-01' } as const;

export function motoQuery(motoEndpoint: string, region = 'us-east-1'): MotoQuery {
  return async (service, params) => {
    const response = await fetch(motoEndpoint, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        // moto routes a request by the service of its signature; it does not check the signature itself.
        authorization: `AWS4-HMAC-SHA256 Credential=testing/20240101/${region}/${service}/aws4_request, SignedHeaders=host, Signature=0`,
      },
      body: new URLSearchParams({ Version: versions[service], ...params }).toString(),
    });
    return response.text();
  };
}
