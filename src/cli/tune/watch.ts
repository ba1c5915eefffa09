/** `tune runs watch`: a progress bar (evaluated / total, best so far, elapsed, ETA) until the run ends. */
import { Presets, SingleBar } from 'cli-progress';
import type { RunStatusView } from './api_types';
import type { ApiClient } from './client';
import { EXIT } from './errors';
import { duration, printJson, score } from './output';
import { pollUntil } from './poll';

interface Frame {
  evaluated: number;
  total: number;
  best: string;
  elapsed: string;
  /** Not `eta`: cli-progress fills that token itself, from the time since the bar started. */
  remaining: string;
}

/** The bar's values from one status answer; elapsed falls back to the time since the run started. */
function frame(status: RunStatusView): Frame {
  const { evaluated, total, best_score, elapsed_seconds } = status.progress;
  const elapsed = elapsed_seconds ?? (status.started_at ? (Date.now() - Date.parse(status.started_at)) / 1000 : null);
  const target = Math.max(total ?? evaluated, evaluated);
  // From the run's own pace so far: the bar's built-in ETA would only know the time since watching began.
  const eta = status.status !== 'running' ? 0 : evaluated > 0 && elapsed !== null ? (elapsed * (target - evaluated)) / evaluated : null;
  return { evaluated, total: target, best: score(best_score), elapsed: duration(elapsed), remaining: duration(eta) };
}

function summary(status: RunStatusView): string {
  const { evaluated, best_score, best_params, elapsed_seconds } = status.progress;
  if (status.status === 'completed') {
    // A run that ran out of candidates says nothing more; a budget or target that cut it short is named.
    const early = status.stop_reason === 'time_budget' || status.stop_reason === 'target_score';
    const stop = early ? ` (stopped early: ${status.stop_reason})` : '';
    return `tuning run ${status.tuning_run_id} completed${stop}: ${evaluated} evaluated in ${duration(elapsed_seconds)}, best score ${score(best_score)} with ${JSON.stringify(best_params ?? null)}\n`;
  }
  return `tuning run ${status.tuning_run_id} failed (${status.error_type ?? 'error'}): ${status.error ?? 'no message'}\n`;
}

/** Follows the run to its end; returns the exit code: 0 completed, 1 failed (cancelled included). */
export async function watchRun(client: ApiClient, id: string, options: { json?: boolean }): Promise<number> {
  const read = () => client.request<RunStatusView>('GET', `/tuning/tune/${id}/status`);
  const finished = (status: RunStatusView) => status.status !== 'running';
  let final: RunStatusView;
  if (options.json) {
    final = await pollUntil(read, finished);
    printJson(final);
  } else {
    // On a terminal the bar redraws in place; piped, it prints a line every second.
    const bar = new SingleBar(
      {
        format: '{bar} {value}/{total} evaluated | best {best} | elapsed {elapsed} | ETA {remaining}',
        stream: process.stderr,
        noTTYOutput: true,
        notTTYSchedule: 1000,
        hideCursor: true,
        barsize: 30,
      },
      Presets.shades_classic,
    );
    let started = false;
    try {
      final = await pollUntil(read, finished, (status) => {
        const { evaluated, total, ...payload } = frame(status);
        if (!started) bar.start(total, evaluated, payload);
        started = true;
        bar.setTotal(total);
        bar.update(evaluated, payload);
      });
    } finally {
      bar.stop();
    }
    (final.status === 'completed' ? process.stdout : process.stderr).write(summary(final));
  }
  return final.status === 'completed' ? EXIT.ok : EXIT.runFailed;
}
