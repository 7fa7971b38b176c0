// Scratch: totals vs target tracking for scalepilot configurations (not committed).
import { readdirSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { PredictiveSchema, type TargetKind } from '../shared/policy/schema';
import { scalepilot, scalepilotTarget, targetTracking } from '../shared/simulate/baselines';
import { figures, scenarioFor, simulate } from '../shared/simulate/engine';
import { benchFloorSettings } from '../shared/simulate/predictive';
import { parseTraceCsv, toMinuteSeries } from '../shared/simulate/trace';
import { REACTIVE_DEFAULTS } from '../shared/tune/reactiveKnobs';

const ROOT = resolve(import.meta.dirname, '..');
const sets: Record<string, string> = { shared: resolve(ROOT, '../../shared/traces'), held: resolve(ROOT, 'bench/traces') };
const args = JSON.parse(process.argv[2] ?? '{}');
const kinds: TargetKind[] = args.kinds ?? ['asg', 'rds-replicas', 'cache-shards'];
const which: string[] = args.sets ?? ['shared', 'held'];
const floorTarget: number = args.floorTarget ?? 85;
const reactive = { ...REACTIVE_DEFAULTS, ...(args.reactive ?? {}) };
for (const set of which) {
  const dir = sets[set] as string;
  const files = readdirSync(dir).filter((f) => f.endsWith('.csv')).sort();
  const series = files.map((f) => ({ f, s: toMinuteSeries(parseTraceCsv(readFileSync(resolve(dir, f), 'utf8'), f), !/cpu_utilization/.test(f)) }));
  for (const kind of kinds) {
    const tot = { tt: { c: 0, o: 0 }, sp: { c: 0, o: 0 }, re: { c: 0, o: 0 } };
    const per: string[] = [];
    for (const { f, s: series1 } of series) {
      const s = scenarioFor(series1.load, kind);
      const tt = figures(simulate(targetTracking(), s, series1.start), s, 1);
      const predictive = PredictiveSchema.parse({ enabled: true, mode: 'forecast-and-scale', ...(args.predictive ?? {}) });
      const t0 = scalepilotTarget(s, reactive, floorTarget);
      const target = args.holds ? { ...t0, stabilization: { ...t0.stabilization, scaleInHoldsUnderFloor: true } } : t0;
      const floors = benchFloorSettings(series1.stepMinutes, predictive);
      const sp = args.noFloors ? undefined : figures(simulate(scalepilot(target, { floors })(), s, series1.start), s, 1);
      const re = args.reactiveRow ? figures(simulate(scalepilot(target, { name: 'r' })(), s, series1.start), s, 1) : undefined;
      tot.tt.c += tt.cost; tot.tt.o += tt.overloadMinutes;
      if (sp) { tot.sp.c += sp.cost; tot.sp.o += sp.overloadMinutes; }
      if (re) { tot.re.c += re.cost; tot.re.o += re.overloadMinutes; }
      per.push(`${f.slice(0, 22)} sp ${sp ? `${(sp.overloadMinutes / tt.overloadMinutes).toFixed(2)}@${(sp.cost / tt.cost).toFixed(3)}` : '-'} re ${re ? `${(re.overloadMinutes / tt.overloadMinutes).toFixed(2)}@${(re.cost / tt.cost).toFixed(3)}` : '-'} (tt o ${tt.overloadMinutes})`);
    }
    const r = (x: { c: number; o: number }) => `${(x.o / tot.tt.o).toFixed(3)}× at ${(x.c / tot.tt.c).toFixed(3)}×`;
    console.log(`${set} ${kind}: scalepilot ${r(tot.sp)}  reactive ${r(tot.re)}`);
    if (args.per) for (const p of per) console.log(`   ${p}`);
  }
}
