import { type Command, Option } from 'commander';
import { awsFrom, endpointOption, stageOption } from '../lib/cliOptions';
import { setPaused } from '../lib/killSwitch';
import { pauseSchedule } from '../lib/pauseSchedule';

/** Adds `scalepilot pause` and `scalepilot resume` to the CLI. */
export function registerKillSwitch(program: Command): void {
  program
    .command('pause')
    .description(
      "kill switch: the stage's functions make no scaling call within a minute (decisions are still recorded, reason Paused), and the forecast's scheduled MinSize actions on its groups, which AWS would run regardless, are deleted",
    )
    .addOption(stageOption())
    .addOption(endpointOption())
    .addOption(
      new Option(
        '--keep-schedule',
        "leave the forecast's scheduled MinSize actions in place (they fire while paused, and the hourly forecast run keeps them); only name them",
      ),
    )
    .action(async (options: { stage: string; endpoint?: string; keepSchedule?: boolean }) => {
      const aws = await awsFrom(options);
      const keep = options.keepSchedule === true;
      const { name, value } = await setPaused(aws, options.stage, keep ? 'keep-schedule' : true);
      console.log(`${name} = ${value}: stage "${options.stage}" stops acting within a minute`);
      const schedule = await pauseSchedule(aws, options.stage, keep);
      for (const line of schedule.lines) console.log(line);
      for (const problem of schedule.problems) console.error(problem);
      if (schedule.problems.length > 0) process.exitCode = 1;
    });
  program
    .command('resume')
    .description(
      'lift the kill switch: the stage scales again from its next evaluation, and its next hourly forecast run places the scheduled MinSize actions pause deleted',
    )
    .addOption(stageOption())
    .addOption(endpointOption())
    .action(async (options: { stage: string; endpoint?: string }) => {
      const { name, value } = await setPaused(await awsFrom(options), options.stage, false);
      console.log(`${name} = ${value}: stage "${options.stage}" scales again`);
    });
}
