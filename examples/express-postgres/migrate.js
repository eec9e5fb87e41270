// knex migrations as bosun drives them:
//   node migrate.js up          every pending migration (knex migrate:latest)
//   node migrate.js down V      undo migrations, newest first, until the version is V ("0": all)
//   node migrate.js version     the version now: the newest applied migration's timestamp
// knex's own CLI prints "Current Version: ..." among other lines; this prints the version alone.
const knex = require("knex")(require("./knexfile"));

async function current() {
  const version = await knex.migrate.currentVersion();
  return version === "none" ? "" : version;
}

async function main(command, target) {
  if (command === "up") {
    const [batch, applied] = await knex.migrate.latest();
    console.error(`batch ${batch}: ${applied.length} migration(s) applied`);
  } else if (command === "down") {
    const goal = target === "0" ? "" : target;
    for (let now = await current(); now !== "" && now > goal; now = await current()) {
      await knex.migrate.down();
    }
  } else if (command === "version") {
    console.log(await current());
  } else {
    throw new Error(`usage: node migrate.js up | down VERSION | version (got ${command})`);
  }
}

main(process.argv[2], process.argv[3])
  .then(() => knex.destroy())
  .catch((error) => {
    console.error(error.message);
    knex.destroy().finally(() => process.exit(1));
  });
