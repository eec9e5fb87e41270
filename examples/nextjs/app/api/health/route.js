import { releaseVersion } from "../../release";

export const dynamic = "force-dynamic";

export function GET() {
  return Response.json({ status: "ok", version: releaseVersion() });
}
