import { accessSync, constants, mkdirSync, rmdirSync, statSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { type Command, InvalidArgumentError, Option } from 'commander';
import type { AwsConfig } from '../../shared/adapters/awsConfig';
import { emptyHistory } from '../../shared/decision/types';
import { AwsCallError, ScalingError } from '../../shared/errors';
import { fileProblem } from '../../shared/fileProblem';
import { STAGE_NAME, stageLengthProblem } from '../../shared/policy/stageName';
import { isStatistic, STANDARD_STATISTICS } from '../../shared/policy/statistics';
import type { Ledger } from '../../shared/ports';
import { readFileUpTo, utf16Problem } from '../../shared/readFileUpTo';
import { parseTraceCsv } from '../../shared/simulate/trace';

/** A usage problem of a command (a missing file, an option it cannot take): printed as one line, exit 1. */
export class CliUsageError extends ScalingError {}

/**
 * A whole number an option gives, in decimal digits, from `min` (to `max`, when there is one), or one line saying
 * it is not one. JavaScript's Number() also reads `0x10`, `1e1` and ` 5 `: a typo read as another number.
 */
export function wholeNumber(option: string, text: string, min: number, max?: number): number {
  const n = /^-?\d+$/.test(text) ? Number(text) : Number.NaN;
  if (!Number.isInteger(n) || n < min || (max !== undefined && n > max))
    throw new CliUsageError(
      `${option}: "${text}" is not a whole number${max === undefined ? `, ${min} or more` : ` from ${min} to ${max}`}`,
    );
  return n;
}

/**
 * `--stage`: the stage the stack was deployed with. Checked before any call: a wildcard or a path in it
 * would name another stage's resources (a kill switch set for a stage that does not exist leaves the real one
 * scaling), and a stage longer than AWS's names take was never deployed.
 */
export function stageOption(
  description = 'stage the stack was deployed with',
  /** The stage without the option; false: none (the command then works without one). */
  fallback: string | false = 'dev',
): Option {
  const option = new Option('--stage <stage>', description);
  if (fallback !== false) option.default(fallback);
  return option.argParser((value: string) => {
    if (!STAGE_NAME.test(value))
      throw new InvalidArgumentError(
        'A stage is letters, digits and hyphens, as `sls deploy --stage` takes it',
      );
    // As `validate` and `sls package` check it (shared/policy/stageName.ts): no deploy has such a stage.
    const tooLong = stageLengthProblem(value);
    if (tooLong) throw new InvalidArgumentError(`The stage ${tooLong}`);
    return value;
  });
}

/**
 * `--endpoint`: the AWS endpoint a command calls (the local emulator's, mostly). Checked before any call: the SDK
 * takes any string and fails each request on its own ("Invalid URL" once per target, after a check has begun).
 */
export function endpointOption(): Option {
  return new Option(
    '--endpoint <url>',
    'AWS endpoint, e.g. the local emulator (default: AWS_ENDPOINT_URL or AWS)',
  ).argParser(endpointUrl);
}

/** `--endpoint`: an http(s) URL, as the SDK's `endpoint` takes it. */
export function endpointUrl(value: string): string {
  if (!URL.canParse(value) || !['http:', 'https:'].includes(new URL(value).protocol))
    throw new InvalidArgumentError('An endpoint is an http:// or https:// URL.');
  return value;
}

/** `--account`, checked as `accountId` checks it; `whose` says what of the account's the command reads. */
export function accountOption(whose: string): Option {
  return new Option('--account <id>', `${whose} (default: the caller's, from STS)`).argParser(accountId);
}

/** `--account`: an AWS account id, twelve digits (a typo would read, or wait for, no one's records). */
export function accountId(value: string): string {
  if (!/^\d{12}$/.test(value)) throw new InvalidArgumentError('An account id is 12 digits.');
  return value;
}

/** `--table`: a DynamoDB table name, 3 to 255 letters, digits, `_`, `-` and `.`. */
export function tableName(value: string): string {
  if (!/^[A-Za-z0-9_.-]{3,255}$/.test(value))
    throw new InvalidArgumentError('A DynamoDB table name is 3 to 255 letters, digits, `_`, `-` and `.`.');
  return value;
}

/** The policy file a command reads when none is named. */
export const DEFAULT_POLICY = 'scalepilot.yml';

/**
 * The SDK's configuration for a command that calls AWS: its region as the SDK finds it (cliRegion: AWS_REGION, a
 * profile's, or a refusal naming how to set one; never a silent us-east-1), and `--endpoint`, else
 * AWS_ENDPOINT_URL. Every command that calls AWS takes it here, so an AWS_ENDPOINT_URL that is no URL is refused
 * once, as `--endpoint` is (each call would fail with "Invalid URL", unnamed); a command that calls no AWS never
 * reads it. `region`: the one region a service answers in (the Pricing API's), found nowhere else.
 */
export async function awsFrom(options: { endpoint?: string; region?: string } = {}): Promise<AwsConfig> {
  const endpoint = options.endpoint ?? envEndpoint();
  // Loaded by the commands that call AWS only, as the SDK is (a backtest of a trace file starts without it).
  const region = options.region ?? (await (await import('./cliRegion')).cliRegion(endpoint));
  return { region, ...(endpoint ? { endpoint } : {}) };
}

/** AWS_ENDPOINT_URL, refused in one line when it is no http(s) URL. */
function envEndpoint(): string | undefined {
  const fromEnv = process.env.AWS_ENDPOINT_URL;
  if (fromEnv)
    try {
      endpointUrl(fromEnv);
    } catch (cause) {
      throw new CliUsageError(`AWS_ENDPOINT_URL: "${fromEnv}" is not an http:// or https:// URL`, { cause });
    }
  return fromEnv || undefined;
}

/** The options only a CloudWatch pull reads, by their commander names. */
const CLOUDWATCH_ONLY = ['namespace', 'metric', 'dimensions', 'statistic', 'days'];

/**
 * Where a command reads a metric's history: a trace file, or CloudWatch (backtest, forecast and tune share them).
 * Refused before the command runs: both sources (one would be read and the other silently not), and an option
 * only a CloudWatch pull reads given with `--trace` (`--trace f --days 3` replayed the whole file, `--statistic
 * Maximum` the file's values as they were), naming both options as commander names a conflict.
 */
export function withHistorySource(command: Command): Command {
  return command
    .option('--trace <file>', 'CSV timestamp,value')
    .option('--cloudwatch', 'pull the history from CloudWatch instead (the account, or AWS_ENDPOINT_URL)')
    .option('--namespace <ns>', 'with --cloudwatch: metric namespace')
    .option('--metric <name>', 'with --cloudwatch: metric name')
    .option('--dimensions <list>', "with --cloudwatch: 'Name=Value,Name=Value'", '')
    .option('--statistic <stat>', 'with --cloudwatch: statistic', 'Average')
    .option('--days <n>', 'with --cloudwatch: how many days back', '14')
    .hook('preAction', (_, action) => {
      const { trace, cloudwatch } = action.opts<HistorySourceOptions>();
      if (trace === undefined) return;
      if (cloudwatch)
        throw new CliUsageError(`${action.name()}: give --trace FILE or --cloudwatch, not both`);
      // A default (--days 14) is no choice of the operator's: only what the command line gave is refused.
      const given = action.options.find(
        (o) =>
          CLOUDWATCH_ONLY.includes(o.attributeName()) &&
          action.getOptionValueSource(o.attributeName()) === 'cli',
      );
      if (given) action.error(`error: option '${given.flags}' cannot be used with option '--trace <file>'`);
    });
}

/** The options withHistorySource adds, as commander gives them. */
export interface HistorySourceOptions {
  readonly trace?: string;
  readonly cloudwatch?: boolean;
  readonly namespace?: string;
  readonly metric?: string;
  readonly dimensions: string;
  readonly statistic: string;
  readonly days: string;
}

/**
 * The shortest trace a backtest replays: the rules' windows and cooldowns are minutes long, so a shorter one
 * (one row, a few minutes) prints figures that mean nothing.
 */
export const MIN_BACKTEST_MINUTES = 60;

/** A trace file's rows, refused in one line when they span under MIN_BACKTEST_MINUTES. */
export function traceRows(file: string | undefined) {
  if (!file) throw new CliUsageError('backtest: give --trace FILE or --cloudwatch');
  const rows = parseTraceCsv(readOptionFile('backtest --trace', file), file);
  const first = rows[0]?.time ?? 0;
  const minutes = Math.floor(((rows[rows.length - 1]?.time ?? first) - first) / 60_000);
  if (rows.length < 2 || minutes < MIN_BACKTEST_MINUTES)
    throw new CliUsageError(
      `backtest --trace: ${file}: ${rows.length} row${rows.length === 1 ? '' : 's'} over ${minutes} min; a backtest needs at least ${MIN_BACKTEST_MINUTES} min of load`,
    );
  return rows;
}

/**
 * The folder an option names, created now (with its parents) so that a run that could not write its results
 * fails before it starts, in one line: a path through a file, no permission. The folders made here go again
 * when the command exits non-zero with them still empty: a run that failed on its input (a bad trace, an
 * unknown plan) left an empty folder behind. One it wrote into (an `--assert` that failed) stays.
 */
export function outFolder(option: string, dir: string): string {
  const made: string[] = [];
  onFile(option, dir, 'cannot be created', () => makeFolder(dir, made), 'the file system refuses it');
  process.once('exit', (code) => {
    if (code !== 0) for (const folder of made) removeIfEmpty(folder);
  });
  return dir;
}

/**
 * `mkdir -p` that always ends. Node's `recursive: true` spins forever where a folder that exists cannot hold the
 * child (under /proc a new name answers ENOENT, so it makes the parent again and retries): here an ENOENT under a
 * parent that is a folder is final. Each folder it makes goes on the front of `made` (the deepest first).
 */
function makeFolder(dir: string, made: string[]): void {
  try {
    mkdirSync(dir);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EEXIST' && isFolder(dir)) return;
    const parent = dirname(dir);
    if (code !== 'ENOENT' || parent === dir || isFolder(parent)) throw error;
    makeFolder(parent, made);
    mkdirSync(dir);
  }
  made.unshift(dir);
}

/** Removes a folder unless something is in it (rmdir refuses one that is not empty). */
function removeIfEmpty(folder: string): void {
  try {
    rmdirSync(folder);
  } catch {
    // Written into, or gone already: left as it is.
  }
}

function isFolder(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

/** Writes the file an option names, or says in one line why it cannot (a folder, no such folder, no permission). */
export function writeOptionFile(option: string, file: string, text: string): void {
  onFile(option, file, 'cannot be written', () => writeFileSync(file, text), 'no such folder');
}

/** A file an option names that is read, then written over after network calls: checked writable first. */
export function readWritableFile(option: string, file: string): string {
  const text = readOptionFile(option, file);
  onFile(option, file, 'cannot be written', () => accessSync(file, constants.W_OK));
  return text;
}

/**
 * A file an option names that does not exist yet, written after network calls: its folder checked first (there,
 * a folder, writable), so a run that could not write its result fails before it starts.
 */
export function checkCreatableFile(option: string, file: string): void {
  const folder = dirname(file);
  onFile(
    option,
    file,
    'cannot be written',
    () => {
      if (!statSync(folder).isDirectory())
        throw Object.assign(new Error(`${folder} is not a folder`), { code: 'ENOTDIR' });
      accessSync(folder, constants.W_OK);
    },
    'no such folder',
  );
}

/**
 * The most of a file an option names that is read: three years of a trace at a row a minute is under 100 MB. A
 * device that never ends (`--trace /dev/zero`) stops here instead of filling memory for ever.
 */
export const MAX_OPTION_FILE_BYTES = 256 * 1024 * 1024;

/**
 * The text of a file an option names, or one line saying why it cannot be read (none, a folder, no access, not
 * UTF-8 but UTF-16).
 */
export function readOptionFile(option: string, file: string): string {
  const read = onFile(
    option,
    file,
    'cannot be read',
    () => readFileUpTo(file, MAX_OPTION_FILE_BYTES),
    'no such file',
  );
  if (read.tooLong)
    throw new CliUsageError(
      `${option}: ${file}: cannot be read (goes on past ${MAX_OPTION_FILE_BYTES} bytes)`,
    );
  // Excel's "Unicode text" is UTF-16: read as UTF-8, every line of a trace was a parse error of its own.
  if (read.utf16Bom) throw new CliUsageError(`${option}: ${file}: ${utf16Problem(read.utf16Bom)}`);
  return read.text;
}

/** Does `act` on a path an option names; a failure is one line: the option, the path, what failed and why. */
function onFile<T>(option: string, path: string, failed: string, act: () => T, missing = 'not found'): T {
  try {
    return act();
  } catch (error) {
    throw new CliUsageError(`${option}: ${path}: ${failed} (${fileProblem(error, missing)})`, {
      cause: error,
    });
  }
}

/**
 * `--dimensions 'Name=Value,Name=Value'`. A value may hold `=` (it was cut at it: `Id=a=b` read `Id=a`), and a
 * name given twice is refused (the last silently won).
 */
export function dimensionPairs(list: string): Record<string, string> {
  const dimensions: Record<string, string> = {};
  for (const pair of list.split(',').filter(Boolean)) {
    const at = pair.indexOf('=');
    const [name, value] = at > 0 ? [pair.slice(0, at), pair.slice(at + 1)] : ['', ''];
    if (!name) throw new CliUsageError(`--dimensions: "${pair}" is not Name=Value`);
    if (Object.hasOwn(dimensions, name)) throw new CliUsageError(`--dimensions: "${name}" is given twice`);
    dimensions[name] = value;
  }
  return dimensions;
}

/** A metric's history from CloudWatch, at one minute, over the last `days`; `command` names the asker in errors. */
export async function cloudWatchRows(o: HistorySourceOptions, command = 'backtest') {
  if (!o.namespace || !o.metric)
    throw new CliUsageError(`${command} --cloudwatch: give --namespace and --metric`);
  const dimensions = dimensionPairs(o.dimensions);
  // Refused here, before any call: CloudWatch's own answer came after the credentials and a round trip.
  if (!isStatistic(o.statistic))
    throw new CliUsageError(
      `--statistic: "${o.statistic}" is not a CloudWatch statistic (${STANDARD_STATISTICS.join(', ')}, or a percentile such as p95)`,
    );
  // CloudWatch keeps one-minute datapoints for 15 days, and coarser ones up to 455.
  const days = wholeNumber('--days', o.days, 1, 455);
  const end = new Date();
  const start = new Date(end.getTime() - days * 86_400_000);
  // The SDK is loaded by the commands that call AWS only (a backtest of a trace file starts without it).
  const [{ CloudWatchClient }, { metricHistory }, { clientOptions }] = await Promise.all([
    import('./awsClients'),
    import('../../shared/adapters/CloudWatchMetricsReader'),
    import('../../shared/adapters/awsConfig'),
  ]);
  const client = new CloudWatchClient(clientOptions(await awsFrom()));
  const metric = {
    namespace: o.namespace,
    name: o.metric,
    statistic: o.statistic,
    dimensions,
    periodSeconds: 60,
  };
  const rows = await metricHistory(client, metric, start, end);
  if (rows.length === 0) {
    const by = Object.entries(dimensions).map(([k, v]) => `${k}=${v}`);
    throw new CliUsageError(
      `no datapoints for ${o.namespace}/${o.metric}${by.length > 0 ? ` {${by.join(',')}}` : ' (no dimensions)'} (${o.statistic}) in the last ${days} days`,
    );
  }
  return rows;
}

/** A plan without a ledger table decides as if the target had no history. */
export const noHistory: Ledger = {
  acquireLease: async () => undefined,
  releaseLease: async () => {},
  read: async () => ({ history: emptyHistory, failures: 0 }),
  readMany: async (targets) => new Map(targets.map((t) => [t, { history: emptyHistory, failures: 0 }])),
  readPlanMembers: async () => new Map(),
  recordMany: async () => {},
  readCursor: async () => undefined,
  writeCursor: async () => {},
  writeIntent: async () => {},
  record: async () => {},
  writeFloors: async () => {},
  readForecastTrack: async () => undefined,
  writeForecastTrack: async () => {},
};

/** The environment a deployed function runs with (its ledger table, scope and topic). */
export async function deployedEnvironment(
  aws: AwsConfig,
  stage: string,
  fn: string,
): Promise<Record<string, string>> {
  const name = `scalepilot-${stage}-${fn}`;
  const [{ GetFunctionConfigurationCommand, LambdaClient }, { clientOptions }] = await Promise.all([
    import('./awsClients'),
    import('../../shared/adapters/awsConfig'),
  ]);
  const config = await new LambdaClient(clientOptions(aws))
    .send(new GetFunctionConfigurationCommand({ FunctionName: name }))
    .catch((cause: unknown) => {
      throw new AwsCallError(
        `Lambda GetFunctionConfiguration ${name} (is stage "${stage}" deployed?)`,
        cause,
      );
    });
  return config.Environment?.Variables ?? {};
}
