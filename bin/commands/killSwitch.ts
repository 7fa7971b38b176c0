import type { Command } from 'commander';
import { awsFrom, endpointOption, stageOption } from '../lib/cliOptions';
import { setPaused } from '../lib/killSwitch';
import { scheduleLeftLines } from '../lib/scheduleLeft';

/** Adds `scalepilot killSwitch` to the CLI. */
export function registerKillSwitch(program: Command): void {
  for (const [command, paused] of [
    ['pause', true],
    ['resume', false],
  ] as const) {
    program
      .command(command)
      .description(
        paused
          ? "kill switch: the stage's functions make no scaling call within a minute (decisions are still recorded, reason Paused); it says which groups hold scheduled MinSize actions from the forecast, which fire until release deletes them"
          : 'lift the kill switch: the stage scales again from its next evaluation',
      )
      .addOption(stageOption())
      .addOption(endpointOption())
      .action(async (options: { stage: string; endpoint?: string }) => {
        const aws = awsFrom(options);
        const name = await setPaused(aws, options.stage, paused);
        console.log(
          paused
            ? `${name} = true: stage "${options.stage}" stops acting within a minute`
            : `${name} = false: stage "${options.stage}" scales again`,
        );
        if (paused) for (const line of await scheduleLeftLines(aws, options.stage)) console.log(line);
      });
  }
}
