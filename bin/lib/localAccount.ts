import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { GetFunctionConfigurationCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { parseDocument } from 'yaml';
import { clientOptions } from '../../shared/adapters/awsConfig';
import { DemoAccount } from '../../shared/adapters/DemoAccount';
import { ScalingError } from '../../shared/errors';
import { type AlarmDefinition, alarmDefinitions } from '../../shared/policy/alarmDefinitions';
import { loadPolicyFile } from '../../shared/policy/loadPolicyFile';
import type { Policy, PredictivePolicy, Target } from '../../shared/policy/schema';
import { functionByKind } from '../../shared/policy/targetResource';
import { type Emulator, startEmulator } from './emulator';
import { withSlsLock } from './slsLock';

const ROOT = resolve(import.meta.dirname, '..', '..');
const SERVICE = 'scalepilot';
/** The serverless.yml name of the cost function. */
export const COST_FUNCTION = 'alertCost';
/** The serverless.yml name of the predict function. */
export const PREDICT_FUNCTION = 'predict';

/** A function of the deployed stack, as Lambda describes it. */
export interface DeployedFunction {
  readonly name: string;
  readonly arn: string;
  /** The environment serverless.yml gave it (ledger table, topic, stage, scope). */
  readonly env: Record<string, string>;
  /** Its timeout, as serverless.yml gave it. */
  readonly timeoutSeconds: number;
}

/** The emulated account with the stack deployed, the demo resources and the policy's alarms. */
export interface LocalAccount {
  readonly emulator: Emulator;
  readonly account: DemoAccount;
  readonly policy: Policy;
  readonly stage: string;
  /** By serverless.yml function name (`scaleAsg`, …). */
  readonly functions: ReadonlyMap<string, DeployedFunction>;
  readonly alarms: readonly (AlarmDefinition & { readonly alarmArn: string })[];
  stop(): Promise<void>;
}

export interface LocalAccountOptions {
  readonly policyFile: string;
  readonly stage: string;
  /** Capacity each target starts with (default: its minimum). */
  readonly initialCapacity?: (target: Target) => number;
  readonly progress?: (step: string) => void;
  readonly signal?: AbortSignal;
  /**
   * Runs the account with this `predictive.mode` (a copy of the policy file, deployed and replayed alike), so
   * predict's floors act in the local account whatever the policy says for a first deploy.
   */
  readonly predictiveMode?: PredictivePolicy['mode'];
}

/**
 * Starts the emulator and builds the account `npm start` runs on: the stack deployed by the real
 * Serverless CLI (`sls deploy`, the SDK pointed at the emulator through AWS_ENDPOINT_URL), the demo
 * resources the policy names, and the policy's alarms. moto's CloudFormation skips
 * `AWS::CloudWatch::Alarm`, so the alarms are created here from the same definitions as the template,
 * each with the deployed function as its action (none with `fleet.thresholdAlarms: false`, as in the
 * template). Whatever fails, the emulator is stopped.
 */
export async function startLocalAccount(options: LocalAccountOptions): Promise<LocalAccount> {
  const say = options.progress ?? (() => {});
  const policyFile = withPredictiveMode(options.policyFile, options.predictiveMode, say);
  options = { ...options, policyFile };
  const policy = loadPolicyFile(policyFile);
  const emulator = await startEmulator();
  try {
    say(`emulator listening on ${emulator.endpoint}`);
    // moto's Application Auto Scaling has no `elasticache` namespace: no native scalable target on the cache.
    emulator.answer('DescribeScalableTargets', () => ({ ScalableTargets: [] }));
    await slsDeploy(emulator, options);
    say(`stack ${SERVICE}-${options.stage} deployed with sls deploy`);
    const functions = await deployedFunctions(emulator, options.stage);
    const account = new DemoAccount(emulator.aws);
    for (const target of policy.targets) {
      const units = options.initialCapacity?.(target) ?? target.capacity.min;
      if (target.kind === 'asg')
        await account.createAutoScalingGroup(target.autoScalingGroupName, {
          ...target.capacity,
          desired: units,
        });
      if (target.kind === 'rds-replicas') {
        await account.createDbInstance(target.sourceDbInstanceIdentifier);
        // Its first replicas, made before Scalepilot runs: the scaler counts them and never removes them.
        for (let i = 1; i <= units; i += 1)
          await account.createReadReplica(
            target.sourceDbInstanceIdentifier,
            `${target.sourceDbInstanceIdentifier}-first-${i}`,
          );
      }
      if (target.kind === 'cache-shards')
        await account.createReplicationGroup(target.replicationGroupId, units);
    }
    say(`demo resources created: ${policy.targets.map((t) => `${t.name} (${t.kind})`).join(', ')}`);
    const alarms = [];
    for (const alarm of alarmDefinitions(policy, options.stage)) {
      const fn = functions.get(alarm.functionName);
      if (!fn)
        throw new ScalingError(`the stack has no function ${alarm.functionName} for ${alarm.alarmName}`);
      alarms.push({ ...alarm, alarmArn: await account.putAlarm(alarm, fn.arn) });
    }
    say(
      policy.fleet.thresholdAlarms
        ? `${alarms.length} alarms created from the policy (moto's CloudFormation skips AWS::CloudWatch::Alarm)`
        : 'no threshold alarms (fleet.thresholdAlarms: false): the one-minute schedule evaluates every target',
    );
    return {
      emulator,
      account,
      policy,
      stage: options.stage,
      functions,
      alarms,
      stop: () => emulator.stop(),
    };
  } catch (error) {
    await emulator.stop();
    throw error;
  }
}

/** The policy file, or a copy of it with `predictive.mode` set (comments and order kept) when it says otherwise. */
function withPredictiveMode(
  file: string,
  mode: PredictivePolicy['mode'] | undefined,
  say: (step: string) => void,
): string {
  const policy = loadPolicyFile(file);
  if (!mode || !policy.predictive.enabled || policy.predictive.mode === mode) return file;
  const document = parseDocument(readFileSync(file, 'utf8'));
  document.setIn(['predictive', 'mode'], mode);
  const copy = join(mkdtempSync(join(tmpdir(), 'scalepilot-local-policy-')), 'scalepilot.yml');
  writeFileSync(copy, document.toString());
  say(`predictive.mode ${mode} in the local account (the policy says ${policy.predictive.mode}): ${copy}`);
  return copy;
}

/**
 * `sls package` then `sls deploy --package` into the emulator, the package and esbuild's work in folders of
 * their own, both under the project's sls lock (slsLock.ts): the deploy reads the zips from the project's
 * `.serverless/`, where a concurrent `sls package` (a test, another local account) would replace or delete
 * them. Output is shown on failure.
 */
async function slsDeploy(emulator: Emulator, options: LocalAccountOptions): Promise<void> {
  const buildDir = mkdtempSync(join(tmpdir(), 'scalepilot-build-'));
  const packageDir = join(buildDir, 'package');
  const common = [
    '--stage',
    options.stage,
    '--package',
    packageDir,
    '--param',
    `policy=${resolve(options.policyFile)}`,
  ];
  try {
    await withSlsLock(
      async () => {
        await sls(['package', ...common], emulator, options, buildDir);
        await sls(['deploy', ...common], emulator, options, buildDir);
      },
      {
        onWait: () =>
          process.stderr.write('… waiting for another sls run in this checkout (.serverless.lock)\n'),
      },
    );
  } finally {
    rmSync(buildDir, { recursive: true, force: true });
  }
}

/** One `sls` step; one that has not ended after SLS_STEP_MS is stopped and reported (a step takes a minute or less). */
async function sls(args: string[], emulator: Emulator, options: LocalAccountOptions, buildDir: string) {
  const outcome = await slsOnce(args, emulator, options, buildDir);
  if (outcome.code !== 0)
    throw new ScalingError(
      `sls ${args.slice(0, 3).join(' ')} failed (${outcome.timedOut ? `no end after ${SLS_STEP_MS / 1000} s` : `exit ${outcome.code}`}):\n${outcome.output}`,
    );
}

const SLS_STEP_MS = 300_000;

async function slsOnce(args: string[], emulator: Emulator, options: LocalAccountOptions, buildDir: string) {
  const child = spawn(join(ROOT, 'node_modules/.bin/sls'), args, {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
    signal: options.signal,
    env: {
      ...process.env,
      AWS_ENDPOINT_URL: emulator.endpoint,
      AWS_ACCESS_KEY_ID: emulator.aws.credentials?.accessKeyId,
      AWS_SECRET_ACCESS_KEY: emulator.aws.credentials?.secretAccessKey,
      AWS_REGION: emulator.aws.region,
      SLS_TELEMETRY_DISABLED: '1',
      SCALEPILOT_ESBUILD_DIR: join(buildDir, 'esbuild'),
    },
  });
  let output = '';
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-8000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    child.kill('SIGKILL');
  }, SLS_STEP_MS);
  try {
    const code = await new Promise<number | null>((done, fail) => {
      child.once('error', fail);
      child.once('exit', done);
    });
    return { code, timedOut, output };
  } finally {
    clearTimeout(timer);
  }
}

async function deployedFunctions(emulator: Emulator, stage: string): Promise<Map<string, DeployedFunction>> {
  const lambda = new LambdaClient(clientOptions(emulator.aws));
  const functions = new Map<string, DeployedFunction>();
  for (const fn of [...Object.values(functionByKind), COST_FUNCTION, PREDICT_FUNCTION]) {
    const name = `${SERVICE}-${stage}-${fn}`;
    const config = await lambda.send(new GetFunctionConfigurationCommand({ FunctionName: name }));
    functions.set(fn, {
      name,
      arn: config.FunctionArn ?? '',
      env: config.Environment?.Variables ?? {},
      timeoutSeconds: config.Timeout ?? 60,
    });
  }
  return functions;
}
