import { mkdir, rename, rm, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { randomBytes } from "node:crypto";

export interface OutputFile {
  path: string;
  content: string;
}

/**
 * Writes every file to a temporary sibling first and renames only once all of them
 * are written, so a reader never sees a half-written config and a failure leaves the
 * previous files in place.
 */
export async function writeAtomically(root: string, files: readonly OutputFile[]): Promise<void> {
  const staged: Array<{ temp: string; final: string }> = [];
  try {
    for (const file of files) {
      const final = join(root, file.path);
      await mkdir(dirname(final), { recursive: true });
      const temp = `${final}.${randomBytes(6).toString("hex")}.tmp`;
      await writeFile(temp, file.content);
      staged.push({ temp, final });
    }
  } catch (error) {
    await Promise.all(staged.map((s) => rm(s.temp, { force: true })));
    throw error;
  }
  for (const { temp, final } of staged) await rename(temp, final);
}
