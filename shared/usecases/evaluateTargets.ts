import { EvaluationFailedError } from '../errors';
import { inParallel } from '../inParallel';
import type { Target } from '../policy/schema';
import { cursorKey, deferTargets, outOfTime } from './evaluate/deferTargets';
import { EvaluationRun, emptyDecision } from './evaluate/EvaluationRun';
import { evaluateUnderLease } from './evaluate/evaluateUnderLease';
import { failTarget } from './evaluate/failTarget';
import { fanOutTargets } from './evaluate/fanOutTargets';
import { kindScaler } from './evaluate/kindScaler';
import { leaseTargets, WRITES_IN_FLIGHT } from './evaluate/leaseTargets';
import { sendNotices } from './evaluate/notifyChange';
import { observeTargets } from './evaluate/observeTargets';
import { observeUnderLease } from './evaluate/observeUnderLease';
import { planTargets } from './evaluate/planTargets';
import { noReadings, readMetrics } from './evaluate/readMetrics';
import { batchPlans, planMemberships, readPlanRecords } from './evaluate/readPlans';
import { recordUnleased } from './evaluate/recordDecisions';
import { recordSkips } from './evaluate/recordSkips';
import { reportRun } from './evaluate/reportRun';
import { routeTargets } from './evaluate/routeTargets';
import { rotateTargets, selectTargets } from './evaluate/selectTargets';
import type {
  EvaluateDeps,
  Evaluation,
  EvaluationRequest,
  TargetLook,
  TargetReadings,
} from './evaluate/types';
import { readKillSwitch } from './readKillSwitch';

export { currentCapacity, kindScaler } from './evaluate/kindScaler';
export type {
  DecisionMetrics,
  EvaluateDeps,
  Evaluation,
  EvaluationRequest,
  LogSink,
  RunSummary,
} from './evaluate/types';

/** How many targets go through the walk together: one DescribeAutoScalingGroups call's worth. */
export const BATCH_SIZE = 100;

/**
 * The reconcile loop of one resource kind (level-triggered: the event only says which targets to look
 * at). A batch of targets walks the steps in order: select (rotated to where the last run stopped), kill
 * switch (read again for each batch and by each target before it acts), first look (ledger and resources, batched), metrics (batched), decide; the targets that change
 * nothing are recorded in batches without a lease; the others are leased, read again under the lease,
 * decided again, and carried out (intent, act, record, notify). A target that is a plan member decides
 * inside its plan (its demand read with the batch's metrics, the other members' states from the ledger) and
 * records its own state for them. The run watches its deadline between batches and defers the rest. A target that fails is recorded (`DescribeFailed`, `ActionFailed`) and
 * backed off; the run fails only when a decision cannot even be recorded. A `plan` only reads.
 */
export async function evaluateTargets(deps: EvaluateDeps, request: EvaluationRequest): Promise<Evaluation[]> {
  if (request.trigger === 'plan') return planTargets(deps, request);
  const now = deps.clock.now();
  const run = new EvaluationRun(deps, request, now);
  deps.apiBudget?.beginRun();
  const selected = selectTargets(deps.policy, deps.kind, request.targets);
  run.targets = selected.length;
  if (request.skip) await recordSkips(run, selected, request.skip, now);
  else if (!(await fanOutTargets(run, selected, now))) {
    const cursor = cursorKey(deps.kind, request);
    const targets = cursor ? rotateTargets(selected, await deps.ledger.readCursor(cursor)) : selected;
    let next = 0;
    for (; next < targets.length && !outOfTime(deps, request); next += BATCH_SIZE)
      await evaluateBatch(run, targets.slice(next, next + BATCH_SIZE));
    const late = new Set(run.late);
    await deferTargets(
      run,
      [...targets.filter((t) => late.has(t)), ...targets.slice(next)],
      cursor,
      deps.clock.now(),
    );
  }
  reportRun(run);
  if (run.unrecorded.length > 0) throw new EvaluationFailedError(run.unrecorded);
  return inPolicyOrder(run.evaluations, selected);
}

/**
 * One batch through the walk: kill switch, first look, metrics, decide; record or lease; what was leased, to
 * the end. The switch is read for each batch, and again by each leased target before it acts
 * (evaluateUnderLease): a run over a fleet lasts longer than the switch's 30 s cache, and a pause must stop
 * every change within a minute.
 */
async function evaluateBatch(run: EvaluationRun, batch: readonly Target[]): Promise<void> {
  const now = run.deps.clock.now();
  const paused = await readKillSwitch(run.deps, now);
  let looks: TargetLook[] = [];
  let readings = new Map<string, TargetReadings>();
  const plans = batchPlans(run.deps.policy, batch);
  run.plans = new Map();
  await run.guard(
    batch.map((t) => t.name),
    async () => {
      looks = await observeTargets(run.deps, batch, now);
      const [read, records] = await Promise.all([
        readMetrics(run.deps, looks, now, plans.demands),
        readPlanRecords(run.deps, plans),
      ]);
      readings = read.byTarget;
      run.plans = planMemberships(run.deps.policy, plans, records, read.extra, batch, now);
    },
  );
  const routes = routeTargets(run, looks, readings, paused, now);
  await inParallel(routes.unreadable, WRITES_IN_FLIGHT, ({ look, error }) =>
    run.guard([look.target.name], () => failTarget(run, look.target, look.record, 'DescribeFailed', error)),
  );
  await recordUnleased(run, routes.unleased, now);
  await evaluateLeased(run, routes.toLease, readings);
  await sendNotices(run);
}

/** The targets about to change something: leased, read again under their leases, each walked to the end. */
async function evaluateLeased(
  run: EvaluationRun,
  looks: readonly TargetLook[],
  readings: ReadonlyMap<string, TargetReadings>,
): Promise<void> {
  if (looks.length === 0) return;
  // A batch's targets act over many seconds: none starts its walk with less than the margin left (a lease, an
  // intent, an action with its retries and a record): those go to the next run, first in line.
  if (outOfTime(run.deps, run.request)) {
    run.late.push(...looks.map((l) => l.target));
    return;
  }
  const now = run.deps.clock.now();
  const { leased, held } = await leaseTargets(run, looks, now);
  const { model } = kindScaler(run.deps.capacity);
  await recordUnleased(
    run,
    held.map(({ target, observed }) => ({
      target,
      decision: emptyDecision(
        target,
        'LeaseHeld',
        observed && 'observation' in observed ? model.capacity(target, observed.observation, now).current : 0,
        `another evaluation holds the lease on ${target.name}; it will decide`,
      ),
    })),
    now,
  );
  const seen = await observeUnderLease(run.deps, leased);
  await inParallel(leased, WRITES_IN_FLIGHT, (l) => {
    const name = l.look.target.name;
    if (outOfTime(run.deps, run.request)) {
      run.late.push(l.look.target);
      return run.guard([name], () => run.deps.ledger.releaseLease(l.lease));
    }
    return run.guard([name], () =>
      evaluateUnderLease(run, l, seen.get(name), readings.get(name) ?? noReadings, now),
    );
  });
}

/** The run's outcomes in the policy's order of their targets (a target's own outcomes in their order). */
function inPolicyOrder(evaluations: readonly Evaluation[], targets: readonly Target[]): Evaluation[] {
  const rank = new Map(targets.map((t, i) => [t.name, i]));
  return evaluations
    .map((e, i) => ({ e, i }))
    .sort((a, b) => (rank.get(a.e.decision.target) ?? 0) - (rank.get(b.e.decision.target) ?? 0) || a.i - b.i)
    .map(({ e }) => e);
}
