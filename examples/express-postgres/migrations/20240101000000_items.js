exports.up = (knex) =>
  knex.schema.createTable("items", (table) => {
    table.increments("id");
    table.string("name", 120).notNullable();
  });

exports.down = (knex) => knex.schema.dropTable("items");
