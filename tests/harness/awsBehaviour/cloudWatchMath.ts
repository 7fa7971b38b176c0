import type { EmulatorAnswer } from '../../../bin/lib/emulator';
import type { Behaviour } from './layerContext';
import { type AwsCall, answerText, withBody } from './protocol';

interface Query {
  Id: string;
  Expression?: string;
  MetricStat?: unknown;
  ReturnData?: boolean;
}
interface Result {
  Id: string;
  Timestamps?: number[];
  Values?: number[];
  StatusCode?: string;
  Label?: string;
}

/** `100 * m0 / 250`: the metric math Scalepilot asks for `percentOf` metrics. */
const SCALED = /^\s*([\d.]+)\s*\*\s*(\w+)\s*\/\s*([\d.]+)\s*$/;

/**
 * CloudWatch metric math in GetMetricData, which moto answers with no datapoints: the one form Scalepilot
 * uses (`factor * id / divisor`) is computed here from the metric it names, read from moto.
 */
export class CloudWatchMath implements Behaviour {
  async handle(call: AwsCall, next: (body?: Buffer) => Promise<EmulatorAnswer>): Promise<EmulatorAnswer> {
    if (call.service !== 'monitoring' || call.action !== 'GetMetricData') return next();
    const queries = (call.json.MetricDataQueries ?? []) as Query[];
    const math = queries.filter((q) => q.Expression && SCALED.test(q.Expression));
    if (math.length === 0) return next();
    const hidden = new Set(queries.filter((q) => q.MetricStat && q.ReturnData === false).map((q) => q.Id));
    const asked = {
      ...call.json,
      MetricDataQueries: queries.filter((q) => !q.Expression).map((q) => ({ ...q, ReturnData: true })),
    };
    const answer = await next(Buffer.from(JSON.stringify(asked)));
    if (answer.status !== 200) return answer;
    const body = JSON.parse(answerText(answer)) as { MetricDataResults?: Result[] };
    const byId = new Map((body.MetricDataResults ?? []).map((r) => [r.Id, r]));
    const computed = math.map((q) => {
      const [, factor, id, divisor] = SCALED.exec(q.Expression as string) ?? [];
      const source = byId.get(id ?? '');
      return {
        Id: q.Id,
        Label: q.Id,
        StatusCode: 'Complete',
        Timestamps: source?.Timestamps ?? [],
        Values: (source?.Values ?? []).map((v) => (Number(factor) * v) / Number(divisor)),
      };
    });
    return withBody(
      answer,
      JSON.stringify({
        ...body,
        MetricDataResults: [...(body.MetricDataResults ?? []).filter((r) => !hidden.has(r.Id)), ...computed],
      }),
    );
  }
}
