import { mkdirSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";

/*
 * The counts CI reads. Vitest reports the tests of a suite whose beforeAll failed as
 * skipped; here they count as failed, and so does a file that failed before any test ran,
 * so a broken set-up can never pass for a skip.
 */

interface Task {
  type: string;
  mode: string;
  result?: { state?: string; errors?: unknown[] };
  tasks?: Task[];
}

export interface Counts {
  passed: number;
  failed: number;
  skipped: number;
}

export function countTasks(files: readonly Task[]): Counts {
  const counts: Counts = { passed: 0, failed: 0, skipped: 0 };
  const visit = (task: Task, setupFailed: boolean) => {
    const failedHere = setupFailed || (task.type !== "test" && (task.result?.errors?.length ?? 0) > 0);
    if (task.type === "test") {
      const state = task.result?.state;
      if (state === "pass") counts.passed++;
      else if (state === "fail" || failedHere) counts.failed++;
      else counts.skipped++;
      return;
    }
    const children = task.tasks ?? [];
    if (children.length === 0 && task.result?.state === "fail") counts.failed++;
    for (const child of children) visit(child, failedHere);
  };
  for (const file of files) visit(file, false);
  return counts;
}

export default class CountsReporter {
  private readonly outputFile: string;

  constructor(options: { outputFile?: string } = {}) {
    this.outputFile = options.outputFile ?? "build/test-counts.json";
  }

  onFinished(files: readonly Task[] = []): void {
    mkdirSync(dirname(this.outputFile), { recursive: true });
    writeFileSync(this.outputFile, `${JSON.stringify(countTasks(files))}\n`);
  }
}
