import { type PlanOverview, stepsText } from '../../shared/decision/plans/planOverview';
import { formatDemand, plural } from '../../shared/decision/plans/planText';

/**
 * A plan as `scalepilot plan` prints it: the demand, one line per member in scale-out order (current, serving,
 * what the demand wants, the floor the plan asks with its reason, the lead time and where it came from), the
 * readiness gates holding, the notices, and the next steps in the order they go.
 */
export function planOverviewLines(plan: PlanOverview): string[] {
  const demand =
    plan.demand === undefined
      ? 'no fresh demand datapoint'
      : `demand ${formatDemand(plan.demand)}${plan.sizedFor !== undefined && plan.sizedFor < plan.demand ? `, sized for ${formatDemand(plan.sizedFor)} (a member cannot follow)` : ''}`;
  const lines = [`plan ${plan.plan}: ${demand}`];
  for (const m of plan.members) {
    const sizes = m.unknown
      ? `state unknown (${m.unknown})`
      : `${m.current} ${plural(m.unit, m.current)} (${m.serving} serving)`;
    const wanted = m.wanted === undefined ? '' : `, wants ${m.wanted}`;
    lines.push(
      `  ${m.member}: ${sizes}${wanted}, floor ${m.floor} ${m.reason}; lead ${m.leadMinutes} min (${m.leadSource})`,
    );
  }
  for (const gate of plan.gates) lines.push(`  gate: ${gate.message}`);
  for (const notice of plan.notices) lines.push(`  notice: ${notice.message}`);
  return [...lines, ...nextLines(plan)];
}

/**
 * The next steps: first each member whose state could not be read (described nor recorded), since the plan cannot
 * say what it needs; then the steps of the others. "every member has what the plan asks" only when all are known.
 */
function nextLines(plan: PlanOverview): string[] {
  const unknown = plan.members.flatMap((m) =>
    m.unknown === undefined ? [] : [`  next: unknown: ${m.member} could not be read (${m.unknown})`],
  );
  if (unknown.length === 0) return [`  next: ${stepsText(plan.steps)}`];
  return plan.steps.length === 0 ? unknown : [...unknown, `  next: ${stepsText(plan.steps)}`];
}
