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
  lines.push(`  next: ${stepsText(plan.steps)}`);
  return lines;
}
