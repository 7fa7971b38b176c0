import type { Emulator, EmulatorAnswer } from '../../../bin/lib/emulator';
import { type AwsConfig, REQUEST_TIMEOUT_MS } from '../../../shared/adapters/awsConfig';
import type { Clock } from '../../../shared/ports';
import { startTestEmulator } from '../motoPool';
import { CacheScalableTargets } from './applicationAutoScaling';
import { type AsgConfig, AutoScalingLifecycle } from './autoScalingLifecycle';
import { BehaviourCounts } from './behaviourCounts';
import { type CacheConfig, CacheResharding } from './cacheResharding';
import { CloudWatchMath } from './cloudWatchMath';
import { HtmlFaults } from './htmlFaults';
import type { Behaviour, LayerContext, MutationRecord, NoticeRecord } from './layerContext';
import { motoQuery } from './motoQuery';
import { type AwsCall, answerText, parseCall } from './protocol';
import { KeyedRandom } from './random';
import { type RdsConfig, RdsInstances } from './rdsInstances';
import { ServiceQuotas } from './serviceQuotas';
import { documentedRates, type Rate, Throttling } from './throttling';

/** The header the harness's own reads carry: no throttling or faults, not logged as the functions' calls. */
export const BYPASS_HEADER = 'x-aws-behaviour';
/** Calls signed with this access key are the harness's own too (set-up, checks, the world's metrics). */
export const HARNESS_ACCESS_KEY = 'harness';

export interface AwsBehaviourOptions {
  /** The virtual clock: the same one the handlers get through the `Clock` port. */
  readonly clock: Clock;
  readonly seed?: number;
  readonly rds?: Partial<RdsConfig>;
  readonly cache?: Partial<CacheConfig>;
  readonly asg?: Partial<AsgConfig>;
  /** Token buckets per API (default: the documented RDS and GetMetricData rates); `false`: none. */
  readonly rates?: Readonly<Record<string, Rate>> | false;
  /** An emulator to play on (a test file's); else one is started, and stopped with the layer. */
  readonly emulator?: Emulator;
}

/** The AWS behaviour layer in front of one emulator. */
export interface AwsBehaviour {
  readonly emulator: Emulator;
  /** Point the SDK (the handlers) here. */
  readonly aws: AwsConfig;
  /** The same endpoint for the harness's own calls: they see what AWS shows, never a fault, and are not logged. */
  readonly harnessAws: AwsConfig;
  readonly clock: Clock;
  readonly counts: BehaviourCounts;
  /** Every call through the layer that changes the account, and its outcome. */
  readonly mutations: readonly MutationRecord[];
  /** Every SNS notice published through the layer. */
  readonly notices: readonly NoticeRecord[];
  readonly rds: RdsInstances;
  readonly cache: CacheResharding;
  readonly asg: AutoScalingLifecycle;
  readonly quotas: ServiceQuotas;
  readonly cacheScalableTargets: CacheScalableTargets;
  readonly throttling: Throttling;
  readonly html: HtmlFaults;
  /** Applies to moto what has come due by the clock's now (a call through the layer does it too). */
  settle(): Promise<void>;
  stop(): Promise<void>;
}

const MUTATING =
  /^(Create|Delete|Modify|Increase|Decrease|SetDesired|AddTags|RemoveTags|Reboot|Promote|Failover)/;

/**
 * Starts the layer: an HTTP proxy in front of moto (the emulator's proxy, intercepting every request) that
 * plays AWS's documented behaviour on the virtual clock. See README.md in this folder for each behaviour
 * and the AWS page it comes from.
 */
export async function startAwsBehaviour(options: AwsBehaviourOptions): Promise<AwsBehaviour> {
  const emulator = options.emulator ?? (await startTestEmulator());
  const counts = new BehaviourCounts();
  const mutations: MutationRecord[] = [];
  const notices: NoticeRecord[] = [];
  const now = () => options.clock.now().getTime();
  const context: LayerContext = {
    clock: options.clock,
    random: new KeyedRandom(options.seed ?? 21, now),
    counts,
    mutations,
    notices,
    now,
  };
  const played = behaviours(context, motoQuery(emulator.motoEndpoint, emulator.aws.region), options);
  const settle = settleInOrder(context, [played.rds, played.cache, played.asg]);
  intercept(emulator, context, played, settle);
  return {
    emulator,
    // The functions' own retries and timeouts, as in Lambda (the emulator's patience is the local account's).
    aws: { ...emulator.aws, maxAttempts: 3, requestTimeoutMs: REQUEST_TIMEOUT_MS },
    harnessAws: {
      ...emulator.aws,
      // The harness's set-up (a launch template is not idempotent) must not be retried for slowness alone.
      requestTimeoutMs: 120_000,
      credentials: { accessKeyId: HARNESS_ACCESS_KEY, secretAccessKey: HARNESS_ACCESS_KEY },
    },
    clock: options.clock,
    counts,
    mutations,
    notices,
    ...played,
    settle,
    async stop() {
      emulator.intercept(undefined);
      if (!options.emulator) await emulator.stop();
    },
  };
}

/** Each service's behaviour and each fault the layer plays. */
function behaviours(context: LayerContext, moto: ReturnType<typeof motoQuery>, options: AwsBehaviourOptions) {
  return {
    rds: new RdsInstances(context, moto, options.rds),
    cache: new CacheResharding(context, moto, options.cache),
    asg: new AutoScalingLifecycle(context, moto, options.asg),
    quotas: new ServiceQuotas(context),
    cacheScalableTargets: new CacheScalableTargets(),
    throttling: new Throttling(context, options.rates === false ? {} : (options.rates ?? documentedRates)),
    html: new HtmlFaults(context),
  };
}

/** One settle at a time, in the order asked: each applies what is due by the clock's now. */
function settleInOrder(context: LayerContext, settling: readonly Behaviour[]): () => Promise<void> {
  let settled: Promise<void> = Promise.resolve();
  return () => {
    const now = context.now();
    const run = settled.then(async () => {
      for (const b of settling) await b.settle?.(now);
    });
    settled = run.catch(() => undefined);
    return run;
  };
}

/**
 * Every call through the proxy: what is due settled first; the faults (a refused call never reaches AWS),
 * then the services' own behaviour, then moto; the functions' calls logged, the harness's own let through.
 */
function intercept(
  emulator: Emulator,
  context: LayerContext,
  played: ReturnType<typeof behaviours>,
  settle: () => Promise<void>,
): void {
  const faults: Behaviour[] = [played.html, played.throttling];
  const { rds, cache, asg, quotas, cacheScalableTargets } = played;
  const services: Behaviour[] = [rds, cache, asg, quotas, cacheScalableTargets, new CloudWatchMath()];
  emulator.intercept(async (raw, forward) => {
    const call = parseCall(raw);
    if (!call) return forward();
    await settle();
    const bypass =
      raw.headers[BYPASS_HEADER] === 'bypass' ||
      (raw.headers.authorization ?? '').includes(`Credential=${HARNESS_ACCESS_KEY}/`);
    const chain = bypass ? services : [...faults, ...services];
    const run = (i: number, body?: Buffer): Promise<EmulatorAnswer> => {
      const behaviour = chain[i];
      return behaviour
        ? behaviour.handle(call, (changed?: Buffer) => run(i + 1, changed ?? body))
        : forward(body);
    };
    const answer = await run(0);
    if (!bypass) record(context, call, answer);
    return answer;
  });
}

/** Logs a call that changes the account (with its outcome) and every notice published. */
function record(context: LayerContext, call: AwsCall, answer: EmulatorAnswer): void {
  if (call.service === 'sns' && answer.status === 200 && ['Publish', 'PublishBatch'].includes(call.action))
    recordNotices(context, call);
  else if (['rds', 'elasticache', 'autoscaling'].includes(call.service) && MUTATING.test(call.action))
    recordMutation(context, call, answer);
}

/**
 * The notices of a Publish, or of each entry of a PublishBatch (a run with several notices sends them in
 * one, its entries under `PublishBatchRequestEntries.member.N.`; one alone goes as Publish, no prefix).
 */
function recordNotices(context: LayerContext, call: AwsCall): void {
  const prefixes =
    call.action === 'Publish'
      ? ['']
      : Array.from(
          { length: countEntries(call.params, 'PublishBatchRequestEntries.member') },
          (_, i) => `PublishBatchRequestEntries.member.${i + 1}.`,
        );
  for (const prefix of prefixes) {
    const attributes = new Map<string, string>();
    for (let i = 1; call.params.has(`${prefix}MessageAttributes.entry.${i}.Name`); i += 1)
      attributes.set(
        call.params.get(`${prefix}MessageAttributes.entry.${i}.Name`) ?? '',
        call.params.get(`${prefix}MessageAttributes.entry.${i}.Value.StringValue`) ?? '',
      );
    const target = attributes.get('target');
    if (target)
      context.notices.push({
        at: context.now(),
        target,
        reason: attributes.get('reason') ?? '',
        subject: call.params.get(`${prefix}Subject`) ?? '',
      });
  }
}

/** The parameters of a change the soak's invariants read. */
const RECORDED_DETAIL = [
  'SourceDBInstanceIdentifier',
  'DBClusterIdentifier',
  'DBInstanceClass',
  'NodeGroupCount',
  'NewReplicaCount',
  'DesiredCapacity',
  'Tags.member.1.Key',
  'Tags.Tag.1.Key',
  'TagKeys.member.1',
];

/** A call that changes the account, with its resource, what it asked, and how AWS answered. */
function recordMutation(context: LayerContext, call: AwsCall, answer: EmulatorAnswer): void {
  const p = call.params;
  const resource =
    p.get('DBInstanceIdentifier') ??
    p.get('ReplicationGroupId') ??
    p.get('AutoScalingGroupName') ??
    p.get('ResourceName') ??
    '';
  const detail = Object.fromEntries(
    RECORDED_DETAIL.flatMap((k) => (p.has(k) ? [[k, p.get(k) as string]] : [])),
  );
  const text = answer.status === 200 ? '' : answerText(answer);
  const code =
    /<Code>([^<]+)<\/Code>/.exec(text)?.[1] ??
    (text.startsWith('{') ? (JSON.parse(text) as { __type?: string }).__type : undefined);
  const fault = answer.status >= 500 || /Throttl/.test(code ?? '');
  context.mutations.push({
    at: context.now(),
    service: call.service,
    action: call.action,
    resource,
    detail,
    outcome: answer.status === 200 ? 'ok' : fault ? 'fault' : 'refused',
    ...(code ? { error: code } : answer.status >= 500 ? { error: `HTTP ${answer.status}` } : {}),
  });
}

/** A client of the harness's own (checks, set-up): its calls skip the faults and are not logged. */
export function bypassing<C extends { middlewareStack: { add: (...args: any[]) => void } }>(client: C): C {
  client.middlewareStack.add(
    (next: (args: any) => Promise<unknown>) => async (args: any) => {
      args.request.headers[BYPASS_HEADER] = 'bypass';
      return next(args);
    },
    { step: 'build', name: 'awsBehaviourBypass' },
  );
  return client;
}

/** How many `<list>.N.Id` entries a query-protocol request holds. */
function countEntries(params: URLSearchParams, list: string): number {
  let n = 0;
  while (params.has(`${list}.${n + 1}.Id`)) n += 1;
  return n;
}
