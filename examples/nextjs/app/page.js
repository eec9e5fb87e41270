import { releaseVersion } from "./release";

export const dynamic = "force-dynamic";

export default function Home() {
  return (
    <main>
      <h1>Storefront</h1>
      <p>{`release ${releaseVersion()}`}</p>
    </main>
  );
}
