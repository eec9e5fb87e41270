exports.up = (knex) =>
  knex.schema.createTable("labels", (table) => {
    table.increments("id");
    table.integer("item_id").references("items.id");
  });
exports.down = (knex) => knex.schema.dropTable("labels");
