// The release this server runs from: its VERSION file, read at request time (not at build).
import { readFileSync } from "fs";
import path from "path";

export function releaseVersion() {
  return readFileSync(path.join(process.cwd(), "VERSION"), "utf8").trim();
}
