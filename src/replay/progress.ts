import cliProgress from "cli-progress";
import type { Progress } from "./run.js";

/**
 * A progress bar on stderr for a terminal: spans sent, then the wait for sampling decisions,
 * then the flow metrics. Returns the listener for runReplay and a function to clear the bar.
 */
export function terminalProgress(stream: NodeJS.WriteStream): { onProgress: (p: Progress) => void; done: () => void } {
  const bar = new cliProgress.SingleBar(
    {
      stream,
      format: " {phase} [{bar}] {value}/{total} {unit}",
      hideCursor: true,
      clearOnComplete: true,
      barsize: 30,
    },
    cliProgress.Presets.shades_classic,
  );
  let phase: Progress["phase"] | undefined;
  const enter = (next: Progress["phase"], total: number, unit: string) => {
    if (phase === next) return;
    if (phase !== undefined) bar.stop();
    phase = next;
    bar.start(total, 0, { phase: next.padEnd(8), unit });
  };
  return {
    onProgress: (p) => {
      switch (p.phase) {
        case "sending":
          enter("sending", p.total, "spans");
          bar.update(p.spans);
          return;
        case "waiting":
          enter("waiting", Math.ceil(p.totalMs / 1000), "s for sampling decisions");
          bar.update(Math.ceil((p.totalMs - p.remainingMs) / 1000));
          return;
        case "running":
          return;
        default:
          enter(p.phase, 1, p.phase === "metrics" ? "scraping flow metrics" : "");
      }
    },
    done: () => {
      if (phase !== undefined) bar.stop();
      phase = undefined;
    },
  };
}
