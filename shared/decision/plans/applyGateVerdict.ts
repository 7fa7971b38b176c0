import type { Decision } from '../types';
import type { GateVerdict } from './types';

/**
 * A decision after a gate that may lower what it grows to (the readiness gate): unchanged when the gate lets
 * it proceed; otherwise held at the gate's level with the gate's reason and message, and the gate noted in
 * its explanation (`gate`: the gate's name).
 */
export function applyGateVerdict(decision: Decision, verdict: GateVerdict, gate: string): Decision {
  if ('proceed' in verdict) {
    if (!decision.explain || decision.direction !== 'out') return decision;
    const passed = { gate, outcome: 'passed' as const, message: verdict.message ?? `${gate}: no objection` };
    return { ...decision, explain: { ...decision.explain, gates: [...decision.explain.gates, passed] } };
  }
  const desired = Math.min(decision.desired, Math.max(decision.current, verdict.hold));
  const held = { gate, outcome: 'held' as const, reason: verdict.reason, message: verdict.message };
  return {
    ...decision,
    desired,
    direction: desired > decision.current ? 'out' : desired < decision.current ? 'in' : 'none',
    reason: verdict.reason,
    message: `${decision.message}; ${verdict.message}`,
    ...(decision.explain
      ? { explain: { ...decision.explain, gates: [...decision.explain.gates, held] } }
      : { explain: { rules: [], gates: [held] } }),
  };
}
