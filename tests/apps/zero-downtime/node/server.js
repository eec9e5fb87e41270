// Node's http server: /version names the release's VERSION and this process. On the agent's
// socket (fd 3) when LISTEN_FDS says there is one, else on PORT.
const fs = require('fs');
const http = require('http');

if (fs.existsSync('BROKEN')) {
  throw new Error('this release is broken: it fails at start');
}
const version = fs.readFileSync('VERSION', 'utf8').trim();
const server = http.createServer((req, res) => {
  res.setHeader('Content-Type', 'application/json');
  res.end(JSON.stringify({ version, pid: process.pid }));
});
const where = process.env.LISTEN_FDS ? { fd: 3 } : { port: Number(process.env.PORT || 3000), host: '127.0.0.1' };
// A release with a SLOW file takes 3 s to start serving (a long hand-over, for the tests).
const delay = fs.existsSync('SLOW') ? 3000 : 0;
setTimeout(() => server.listen(where, () => console.log(`listening, version ${version}`)), delay);
// Finish what is in flight, then go: Node does not do it by itself on SIGTERM.
process.on('SIGTERM', () => server.close(() => process.exit(0)));
