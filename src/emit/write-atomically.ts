import { mkdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { randomBytes } from "node:crypto";

export interface OutputFile {
  path: string;
  content: string;
}

/**
 * Writes every file to a temporary sibling first and renames only once all of them
 * are written, so a reader never sees a half-written config and a failure leaves the
 * previous files in place. The files are small, and a build writes a score of them: each
 * step is a direct system call, since a trip through libuv's thread pool per step cost a
 * build more than generating the files (and more still on a busy machine).
 */
export async function writeAtomically(root: string, files: readonly OutputFile[]): Promise<void> {
  const staged: Array<{ temp: string; final: string }> = [];
  try {
    for (const file of files) {
      const final = join(root, file.path);
      mkdirSync(dirname(final), { recursive: true });
      const temp = `${final}.${randomBytes(6).toString("hex")}.tmp`;
      staged.push({ temp, final });
      writeFileSync(temp, file.content);
    }
  } catch (error) {
    // Including the file whose write failed: it may have been left half-written.
    for (const { temp } of staged) rmSync(temp, { force: true });
    throw error;
  }
  for (const { temp, final } of staged) renameSync(temp, final);
}
