import type { KindAction } from '../decision/kindModel';
import type { PauseState } from '../decision/pauseState';
import type { Decision } from '../decision/types';
import type { PauseSwitch } from '../ports';

/** What reading the switch needs: the switch (absent: no switch, as in `plan`), a log and a failure count. */
export interface KillSwitchDeps {
  readonly pause?: PauseSwitch;
  readonly log: { error(message: string, ...extra: Record<string, unknown>[]): void };
  readonly decisionMetrics?: { failed(operation: string): void };
}

/**
 * The kill switch as a run reads it (issue 20, item 3): the scalers for each batch and again for each target
 * about to act, predict before each plan member and each target and at its run's end, release before each step. A switch that cannot be read is `unknown`, logged and counted: nothing that changes the account is
 * done while it is (a failed read used to count as running, even when the previous read said paused).
 */
export async function readKillSwitch(
  deps: KillSwitchDeps,
  now: Date,
  options?: { readonly fresh?: boolean },
): Promise<PauseState> {
  if (!deps.pause) return { state: 'running' };
  try {
    return await deps.pause.read(now, options);
  } catch (error) {
    const why = error instanceof Error ? error.message : String(error);
    deps.log.error('kill switch unreadable: acting on nothing', { error: why });
    deps.decisionMetrics?.failed('pause-switch');
    return { state: 'unknown', why };
  }
}

/** Why a run that may not act did not: for decision messages and release's refusal. */
export function withheldReason(state: Exclude<PauseState, { state: 'running' }>): string {
  if (state.state === 'unknown') return `the kill switch could not be read (${state.why})`;
  return state.notice ? `paused by the kill switch (${state.notice})` : 'paused by the kill switch';
}

/**
 * What a stage that may not act records instead of acting: the decision it would have carried out, reason
 * `Paused` or `PauseUnknown`. An unreadable switch, or one with an unexpected value, is worth telling: the
 * decision asks to be told, which the ledger's last notice turns into one message, not one a minute.
 */
export function withheldDecision(
  decision: Decision,
  state: Exclude<PauseState, { state: 'running' }>,
): { decision: Decision; action?: KindAction; notify?: boolean } {
  const would =
    decision.desired === decision.current
      ? decision.reason
      : `${decision.reason} ${decision.current} → ${decision.desired}`;
  const tell = state.state === 'unknown' || state.notice !== undefined;
  return {
    decision: {
      ...decision,
      desired: decision.current,
      direction: 'none',
      reason: state.state === 'unknown' ? 'PauseUnknown' : 'Paused',
      message: `${decision.message}; ${withheldReason(state)}: not carrying out ${would}`,
    },
    ...(tell ? { notify: true } : {}),
  };
}
