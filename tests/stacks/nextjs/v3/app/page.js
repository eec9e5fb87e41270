// A bad commit: a syntax error, so `next build` fails and nothing live changes.
export default function Home() {
  return <main><h1>Storefront</h1>
}
