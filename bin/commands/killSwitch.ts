import type { Command } from 'commander';
import { awsFrom, endpointOption, stageOption } from '../lib/cliOptions';
import { setPaused } from '../lib/killSwitch';

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
          ? 'kill switch: stop every scaling action of the stage within a minute (decisions are still recorded, reason Paused)'
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
      });
  }
}
