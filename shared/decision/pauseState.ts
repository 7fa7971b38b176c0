/**
 * The kill switch's value and what it means (issue 20, item 3), in one place for every function that changes
 * the account (the scalers, predict, `scalepilot release`). The documented values are `true` (paused),
 * `keep-schedule` (paused, the forecast's scheduled MinSize actions left to fire) and `false` (running),
 * trimmed, in any case. Anything else pauses, with a notice naming the value: `yes`, `1` or `on` meant to
 * pause more often than not, and a switch is no place to guess. A switch that cannot be read (an error, a
 * missing parameter: the stack creates it `false`) is `unknown`, which changes nothing either.
 */
export type PauseState =
  | { readonly state: 'running' }
  | {
      readonly state: 'paused';
      readonly value: string;
      readonly notice?: string;
      /** The forecast's scheduled MinSize actions stay (`pause --keep-schedule`); else predict deletes them. */
      readonly keepSchedule?: boolean;
    }
  | { readonly state: 'unknown'; readonly why: string };

/** The values `scalepilot pause`, `pause --keep-schedule` and `resume` write, the only three the switch reads as meant. */
export const PAUSED_VALUE = 'true';
export const PAUSED_KEEP_SCHEDULE_VALUE = 'keep-schedule';
export const RUNNING_VALUE = 'false';

/** The state a value of the switch's parameter means; `undefined` is a parameter that does not exist. */
export function pauseStateOf(value: string | undefined, parameter: string): PauseState {
  if (value === undefined)
    return {
      state: 'unknown',
      why: `${parameter} does not exist (the stack creates it; \`scalepilot resume\` sets it to ${RUNNING_VALUE})`,
    };
  const normal = value.trim().toLowerCase();
  if (normal === RUNNING_VALUE) return { state: 'running' };
  if (normal === PAUSED_VALUE) return { state: 'paused', value };
  if (normal === PAUSED_KEEP_SCHEDULE_VALUE) return { state: 'paused', value, keepSchedule: true };
  return {
    state: 'paused',
    value,
    notice: `${parameter} is ${JSON.stringify(value)}, which is none of ${PAUSED_VALUE}, ${PAUSED_KEEP_SCHEDULE_VALUE} or ${RUNNING_VALUE}: treated as paused`,
  };
}

/** Whether the switch lets the account be changed now. */
export const mayAct = (state: PauseState): boolean => state.state === 'running';
