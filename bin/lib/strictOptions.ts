import type { Command } from 'commander';

/**
 * Refuses, before any command acts, what commander would otherwise take silently:
 * - an option that takes a value given twice: the last one won, so `backtest --assert 'overload<=60' --assert
 *   'costRatio<=1.3'` checked only the cost (and exited 0 on an overload), and `pause --stage prod --stage dev`
 *   paused dev;
 * - an empty value, to an option or an argument: the commands read it as "not given", so `--assert ''` checked
 *   nothing, `--policy ''` backtested without the policy, `schema --out ''` printed to stdout, `--target ''`
 *   meant every target, and `validate ''` named no file (`: (file): cannot be read`). An option whose default is
 *   empty (`--dimensions`) takes an empty value: it means what no value means.
 * Each is one line on stderr and exit 1, as commander says its own refusals.
 */
export function strictOptions(program: Command): void {
  for (const command of program.commands) strictCommand(command);
}

/** The same for one command with options of its own (`npm start`'s, which is no subcommand). */
export function strictCommand(command: Command): void {
  for (const option of command.options) {
    // A flag given twice means what it means once.
    if (!option.required && !option.optional) continue;
    let given = 0;
    // Commander's own listener (added with the option) has parsed and set the value already.
    command.on(`option:${option.name()}`, (value: string | undefined) => {
      given += 1;
      if (given > 1)
        command.error(`error: option '${option.flags}' given twice: give it once (the last would win)`);
      if (value === '' && option.defaultValue !== '')
        command.error(`error: option '${option.flags}' argument '' is invalid: it is empty`);
    });
  }
  command.hook('preAction', (_, action) => {
    action.registeredArguments.forEach((argument, i) => {
      if (action.args[i] === '') action.error(`error: argument '${argument.name()}' is empty`);
    });
  });
}
