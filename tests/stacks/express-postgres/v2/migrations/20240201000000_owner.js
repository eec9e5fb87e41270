// items.owner: nullable first, as seed 004's local_id rollout did.
exports.up = (knex) => knex.schema.alterTable("items", (table) => table.string("owner", 80));
exports.down = (knex) => knex.schema.alterTable("items", (table) => table.dropColumn("owner"));
