import { extname } from "node:path";

/*
 * What the shop accepts as an order file: STL, OBJ or 3MF, named so, of a sane size. Checked before
 * a byte is stored; the size is checked again while the bytes flow, because a declared length can lie.
 */

export const ACCEPTED_EXTENSIONS = [".stl", ".obj", ".3mf"] as const;
const ACCEPTED_TYPES = new Set([
  "model/stl",
  "model/obj",
  "model/3mf",
  "application/sla",
  "application/vnd.ms-pki.stl",
  "application/octet-stream",
  "text/plain",
]);

export type Verdict = { ok: true } | { ok: false; status: 400 | 411 | 413 | 415; reason: string };

export function checkUpload(
  fileName: string | null,
  contentType: string | undefined,
  declaredBytes: number | undefined,
  maxBytes: number,
): Verdict {
  if (!fileName || fileName.length > 200 || /[/\\\0]/.test(fileName))
    return { ok: false, status: 400, reason: "the file name is missing or not a plain name" };
  const extension = extname(fileName).toLowerCase();
  if (!(ACCEPTED_EXTENSIONS as readonly string[]).includes(extension))
    return {
      ok: false,
      status: 415,
      reason: `${extension || "a file without extension"} is not a 3D model; upload ${ACCEPTED_EXTENSIONS.join(", ")}`,
    };
  const type = (contentType ?? "").split(";")[0]?.trim().toLowerCase() ?? "";
  if (!ACCEPTED_TYPES.has(type))
    return { ok: false, status: 415, reason: `content type ${type || "(none)"} is not a 3D model` };
  if (declaredBytes === undefined) return { ok: false, status: 411, reason: "the upload must declare its length" };
  if (declaredBytes === 0) return { ok: false, status: 400, reason: "the file is empty" };
  if (declaredBytes > maxBytes)
    return { ok: false, status: 413, reason: `the file has ${declaredBytes} bytes; at most ${maxBytes} are accepted` };
  return { ok: true };
}
